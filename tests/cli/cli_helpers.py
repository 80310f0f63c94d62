"""Helpers for the CLI tests: a tiny project (training script + configs) and ways to run `mle`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

# The tiny training script: the seed's interface (-config -seed -exp_dir, mle_toolbox.utils),
# logs `score` = x * (step + 1) + seed over `steps` steps, sleeps `sleep` seconds per step,
# exits with code 3 when train_config.fail is set for its seed, and appends "<run dir>" to
# counter.txt beside itself after finishing (so tests can count finished runs).
TRAIN_PY = textwrap.dedent(
    """\
    import os, sys, time
    from mle_toolbox.utils import get_configs_ready, DeepLogger

    train_config, net_config, log_config = get_configs_ready(default_config_fname="base.json")
    fail = train_config.fail
    here = os.path.dirname(os.path.abspath(__file__))
    if fail == "once":  # fail the first attempt of each seed only
        flag = os.path.join(here, f"failed-once-{train_config.seed_id}")
        if not os.path.exists(flag):
            open(flag, "w").close()
            print("intentional failure", file=sys.stderr)
            sys.exit(3)
    elif fail == train_config.seed_id or fail == "all":
        print("intentional failure", file=sys.stderr)
        sys.exit(3)
    log = DeepLogger(**log_config)
    for step in range(int(train_config.steps)):
        time.sleep(float(train_config.sleep))
        log.update_log([step + 1], [float(train_config.x) * (step + 1) + train_config.seed_id])
        log.save_log()
    print("trained", train_config.x, train_config.seed_id)
    with open(os.path.join(here, "counter.txt"), "a") as fh:
        fh.write(log_config.experiment_dir + "\\n")
    """
)


def base_config(**train: Any) -> str:
    tc = {"x": 1.0, "steps": 3, "sleep": 0.0, "fail": -1}
    tc.update(train)
    return (
        "{\n# tiny training config\n"
        f'"train_config": {json.dumps(tc)},\n'
        '"net_config": {},\n'
        '"log_config": {"time_to_track": ["step"], "what_to_track": ["score"],'
        ' "print_every_k_updates": 100, "overwrite_experiment_dir": 0}\n}\n'
    )


class Project:
    """A folder with train.py, configs and experiment YAMLs; runs `mle` inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "train.py").write_text(TRAIN_PY)
        (root / "base.json").write_text(base_config())

    def config(self, name: str, **train: Any) -> str:
        (self.root / name).write_text(base_config(**train))
        return name

    def yaml(self, name: str, data: dict[str, Any]) -> Path:
        path = self.root / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    def counter(self) -> list[str]:
        p = self.root / "counter.txt"
        return p.read_text().splitlines() if p.exists() else []

    def experiments(self) -> list[Path]:
        return sorted(p.parent for p in (self.root / "experiments").rglob("mle-experiment.json"))

    def mle(
        self,
        *args: str,
        check: int | None = 0,
        timeout: float = 120,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        full_env.setdefault("MLE_USER_CONFIG", str(self.root / "no-user-config.yaml"))
        res = subprocess.run(
            [sys.executable, "-m", "mle_cli", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
        )
        if check is not None and res.returncode != check:
            raise AssertionError(
                f"mle {' '.join(args)} -> {res.returncode} (expected {check})\n"
                f"stdout:\n{res.stdout}\nstderr:\n{res.stderr}"
            )
        return res

    def results(self, exp: Path) -> dict[str, Any]:
        return json.loads(self.mle("results", str(exp), "--json").stdout)


def multi_yaml(
    num_seeds: int = 2,
    configs: tuple[str, ...] = ("base.json",),
    job_type: str = "multiple-experiments",
    **meta: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "meta_job_args": {
            "project_name": "tiny",
            "job_type": job_type,
            "base_train_fname": "train.py",
            "experiment_dir": "experiments/",
            **meta,
        },
        "multi_experiment_args": {"config_fnames": list(configs), "num_seeds": num_seeds},
        "single_job_args": {"num_logical_cores": 1},
    }
    return data


def grid_yaml(
    bins: int = 4, seeds: int = 2, batches: int = 2, per_batch: int = 2, **meta: Any
) -> dict[str, Any]:
    return {
        "meta_job_args": {
            "project_name": "grid",
            "job_type": "hyperparameter-search",
            "base_train_fname": "train.py",
            "base_train_config": "base.json",
            "experiment_dir": "experiments/",
            **meta,
        },
        "param_search_args": {
            "search_type": "grid",
            "maximize_objective": True,
            "problem_type": "final",
            "eval_score_type": "score",
            "num_search_batches": batches,
            "num_iter_per_batch": per_batch,
            "num_evals_per_iter": seeds,
            "params_to_search": {"real": {"x": {"begin": 1, "end": bins, "bins": bins}}},
        },
        "single_job_args": {"num_logical_cores": 1},
    }
