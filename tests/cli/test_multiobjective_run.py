"""A multi-objective search through `mle run` (issue 14): a numpy script logs two metrics, each
run is scored on both, the hyper log records the vectors, a SIGKILL of the driver and `mle
resume` lose and repeat nothing, and the original toolbox's Nevergrad example runs."""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project

pytest.importorskip("optuna")


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi_objective"

# logs f1 = x^2 + seed / 10 and f2 = (x - 2)^2 per step; appends its run dir to counter.txt
TRAIN_PY = textwrap.dedent(
    """\
    import os, time
    import numpy as np
    from mle_toolbox.utils import get_configs_ready, DeepLogger

    train_config, net_config, log_config = get_configs_ready(default_config_fname="base.json")
    log = DeepLogger(**log_config)
    x = float(train_config.x)
    for step in range(2):
        time.sleep(float(train_config.sleep))
        f1, f2 = np.square(x) + train_config.seed_id / 10, np.square(x - 2.0)
        log.update_log([step + 1], [float(f1), float(f2)])
        log.save_log()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "counter.txt"), "a") as fh:
        fh.write(log_config.experiment_dir + "\\n")
    """
)
BASE = json.dumps(
    {
        "train_config": {"x": 1.0, "sleep": 0.05},
        "net_config": {},
        "log_config": {
            "time_to_track": ["step"],
            "what_to_track": ["f1", "f2"],
            "print_every_k_updates": 100,
            "overwrite_experiment_dir": 0,
        },
    }
)
BUDGET, SEEDS = 4, 2


def search_yaml() -> dict[str, Any]:
    return {
        "meta_job_args": {
            "project_name": "moo",
            "job_type": "hyperparameter-search",
            "base_train_fname": "train.py",
            "base_train_config": "base.json",
            "experiment_dir": "experiments/",
            "max_running_jobs": 2,
        },
        "param_search_args": {
            "search_type": "optuna",
            "optuna_config": {"sampler": "nsgaii"},
            "eval_score_type": [
                {"name": "f1", "direction": "min"},
                {"name": "f2", "direction": "min"},
            ],
            "num_search_batches": 2,
            "num_iter_per_batch": 2,
            "num_evals_per_iter": SEEDS,
            "params_to_search": {"real": {"x": {"begin": 0.0, "end": 3.0}}},
        },
        "single_job_args": {"num_logical_cores": 1},
    }


def make(project: Project) -> None:
    (project.root / "train.py").write_text(TRAIN_PY)
    (project.root / "base.json").write_text(BASE)
    project.yaml("moo.yaml", search_yaml())


def hyper_log(exp: Path) -> list[dict[str, Any]]:
    path = exp / "hyper_log.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_a_multi_objective_search_resumes_after_sigkill(project: Project) -> None:
    make(project)
    env = {**os.environ, "MLE_USER_CONFIG": str(project.root / "none.yaml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mle_cli", "run", "moo.yaml"],
        cwd=project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(project.counter()) < 3:
        assert proc.poll() is None, "mle run ended before it could be killed"
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    [exp] = project.experiments()
    before = hyper_log(exp)
    out = project.mle("resume", str(exp)).stdout

    records = hyper_log(exp)
    assert records[: len(before)] == before
    assert sorted(r["id"] for r in records) == list(range(BUDGET))  # each trial logged once
    for r in records:  # each seed scored on both objectives, aggregated per objective
        x = r["params"]["train_config.x"]
        want = [v for seed in range(SEEDS) for v in (x**2 + seed / 10, (x - 2) ** 2)]
        assert [v for vector in r["scores"] for v in vector] == pytest.approx(want)
        assert r["values"] == pytest.approx([x**2 + 0.05, (x - 2) ** 2])
    runs = collections.Counter(project.counter())
    assert len(runs) == BUDGET * SEEDS and max(runs.values()) == 1, runs
    doc = project.results(exp)
    assert all(j["state"] == "done" for j in doc["jobs"])

    from mle_monitor import read_pareto
    from mle_search import pareto_front

    front = read_pareto(exp)
    assert front is not None and len(front.points) == BUDGET
    ids = {r["id"] for r in pareto_front(records)}
    assert {p.trial_id for p in front.front} == ids
    assert f"Pareto front: {len(ids)} of {BUDGET} trials" in out


def test_the_original_nevergrad_multi_objective_example_runs(project: Project) -> None:
    for name in ("toy_multi.yaml", "toy_config.yaml", "run_toy.py"):
        shutil.copy(EXAMPLE / name, project.root / name)
    res = project.mle("run", "toy_multi.yaml")
    assert (
        "param_search_args.search_config.search_type: 'Nevergrad' runs as search_type optuna "
        "with sampler nsgaii" in res.stdout + res.stderr
    )
    [exp] = project.experiments()
    records = hyper_log(exp)
    assert sorted(r["id"] for r in records) == list(range(9))  # 3 batches x 3
    assert all(r["status"] == "ok" and len(r["values"]) == 2 for r in records)
    assert "Pareto front:" in res.stdout


def test_results_and_report_show_the_pareto_front(project: Project) -> None:
    make(project)
    data = search_yaml()
    data["param_search_args"]["num_evals_per_iter"] = 1
    project.yaml("moo.yaml", data)
    project.mle("run", "moo.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert doc["best"] is None
    assert [o["name"] for o in doc["pareto"]["objectives"]] == ["f1", "f2"]
    assert doc["pareto"]["n_scored"] == BUDGET and doc["pareto"]["front"]
    out = project.mle("results", str(exp)).stdout
    n = len(doc["pareto"]["front"])
    assert f"Pareto front: {n} of {BUDGET} trials" in out and "f1 (min)" in out
    assert "best:" not in out
    project.mle("report", str(exp))
    md = (exp / "report" / "report.md").read_text()
    assert "## Pareto front" in md and (exp / "report" / "figures" / "pareto_front.png").is_file()
