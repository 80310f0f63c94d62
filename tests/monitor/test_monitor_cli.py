"""`mle list`, `mle show` and `mle monitor` over the registry, and `mle run` / `resume` /
`cancel` keeping it current: a finished, a killed-then-resumed, an interrupted and a cancelled
experiment (and one on Slurm) are listed with the right states, and deleting the database
then `--rescan` gives the same rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import make_experiment, wait_for

_main = pytest.importorskip("mle_cli.main")
if "list" not in _main.COMMANDS:
    pytest.skip("mle-cli has no registry commands yet", allow_module_level=True)

TRAIN = textwrap.dedent(
    """\
    import time
    from mle_toolbox.utils import get_configs_ready, DeepLogger

    train_config, net_config, log_config = get_configs_ready(default_config_fname="base.json")
    log = DeepLogger(**log_config)
    for step in range(3):
        time.sleep(float(train_config.sleep))
        log.update_log([step + 1], [float(train_config.x) * (step + 1) + train_config.seed_id])
        log.save_log()
    """
)


def _base(sleep: float) -> str:
    return json.dumps(
        {
            "train_config": {"x": 1.0, "sleep": sleep},
            "net_config": {},
            "log_config": {
                "time_to_track": ["step"],
                "what_to_track": ["score"],
                "print_every_k_updates": 100,
                "overwrite_experiment_dir": 0,
            },
        }
    )


def _yaml(name: str, seeds: int = 2) -> str:
    return textwrap.dedent(
        f"""\
        meta_job_args:
          project_name: {name}
          job_type: multiple-experiments
          base_train_fname: train.py
          experiment_dir: experiments/
        multi_experiment_args:
          config_fnames: [base.json]
          num_seeds: {seeds}
        single_job_args:
          num_logical_cores: 1
        """
    )


class Mle:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "MLE_USER_CONFIG": str(root / "no-user-config.yaml"),
            "MLE_REGISTRY": str(root / "registry.db"),
        }

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "mle_cli", *args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def __call__(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        res = subprocess.run(
            [sys.executable, "-m", "mle_cli", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check is not None:
            assert res.returncode == check, (args, res.stdout, res.stderr)
        return res

    def rows(self, *args: str) -> list[dict[str, Any]]:
        return list(json.loads(self("list", "--json", *args).stdout))


@pytest.fixture
def mle(tmp_path: Path) -> Mle:
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "base.json").write_text(_base(0.0))
    return Mle(tmp_path)


def test_list_show_and_rescan_from_folders(mle: Mle) -> None:
    exps = mle.root / "experiments"
    make_experiment(exps, "20261201-000000_a", project="a")
    make_experiment(exps, "20261202-000000_b", [("c-s0", "done"), ("c-s1", "failed")], project="b")
    assert mle.rows() == []
    res = mle("list", "--rescan", str(exps), "--json")
    rows = json.loads(res.stdout)
    assert {r["name"]: r["state"] for r in rows} == {
        "20261201-000000_a": "done",
        "20261202-000000_b": "failed",
    }
    assert "2 experiment folder(s)" in res.stderr
    assert [r["project"] for r in mle.rows("--project", "b")] == ["b"]
    assert [r["project"] for r in mle.rows("--state", "done")] == ["a"]
    b = next(r for r in rows if r["project"] == "b")
    shown = json.loads(mle("show", b["id"][:5], "--json").stdout)
    assert shown == b
    text = mle("list").stdout
    assert b["id"] in text and "failed" in text and b["folder"] in text
    assert "purpose:" in mle("show", "20261202-000000_b").stdout
    bad = mle("list", "--state", "finished", check=2)
    assert bad.stderr.strip().startswith("mle: error: --state: expected one of running, done")
    missing = mle("show", "nothing-like-it", check=2)
    assert len(missing.stderr.strip().splitlines()) == 1
    once = mle("monitor", "--once")
    assert b["id"] in once.stdout and "machine" in once.stdout


def _wait_rows(mle: Mle, want: dict[str, str], timeout: float = 120) -> list[dict[str, Any]]:
    def ok() -> list[dict[str, Any]] | None:
        rows = mle.rows()
        return rows if {r["project"]: r["state"] for r in rows} == want else None

    rows = wait_for(ok, timeout, interval=0.5)
    assert rows, (want, mle.rows())
    return rows


@pytest.mark.slow
def test_run_kill_resume_interrupt_cancel_keep_the_registry_current(mle: Mle) -> None:
    for name in ("done", "killed", "ctrlc", "cancelled"):
        (mle.root / f"{name}.yaml").write_text(_yaml(name))
    mle("run", "done.yaml")
    assert [(r["project"], r["state"], r["jobs_done"]) for r in mle.rows()] == [("done", "done", 2)]

    (mle.root / "base.json").write_text(_base(2.0))  # slow jobs from here on
    killed = mle.popen("run", "killed.yaml")
    _wait_rows(mle, {"done": "done", "killed": "running"})
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    rows = _wait_rows(mle, {"done": "done", "killed": "interrupted"})
    kid = next(r["id"] for r in rows if r["project"] == "killed")

    ctrlc = mle.popen("run", "ctrlc.yaml")
    _wait_rows(mle, {"done": "done", "killed": "interrupted", "ctrlc": "running"})
    ctrlc.send_signal(signal.SIGINT)
    ctrlc.communicate(timeout=120)
    assert ctrlc.returncode == 130

    cancel = mle.popen("run", "cancelled.yaml")
    rows = _wait_rows(
        mle,
        {"done": "done", "killed": "interrupted", "ctrlc": "interrupted", "cancelled": "running"},
    )
    cid = next(r["id"] for r in rows if r["project"] == "cancelled")
    mle("cancel", cid)  # a registry id where a folder is expected
    cancel.communicate(timeout=120)

    (mle.root / "base.json").write_text(_base(0.0))
    mle("resume", kid)
    want = {"done": "done", "killed": "done", "ctrlc": "interrupted", "cancelled": "cancelled"}
    live = _wait_rows(mle, want)
    assert "done" in mle("status", kid).stdout

    (mle.root / "registry.db").unlink()
    for extra in ("-wal", "-shm"):
        (mle.root / f"registry.db{extra}").unlink(missing_ok=True)
    rebuilt = json.loads(mle("list", "--rescan", "experiments", "--json").stdout)
    assert rebuilt == live


@pytest.mark.slurm
def test_a_slurm_experiment_is_listed(mle: Mle) -> None:
    (mle.root / "slurm.yaml").write_text(_yaml("slurm"))
    mle("run", "slurm.yaml", "--backend", "slurm")
    rows = mle.rows()
    assert [(r["state"], r["backend"], r["jobs_done"]) for r in rows] == [("done", "slurm", 2)]


def _grid_yaml() -> str:
    return textwrap.dedent(
        """\
        meta_job_args:
          project_name: grid
          job_type: hyperparameter-search
          base_train_fname: train.py
          base_train_config: base.json
          experiment_dir: experiments/
        param_search_args:
          search_type: grid
          maximize_objective: true
          problem_type: final
          eval_score_type: score
          num_search_batches: 2
          num_iter_per_batch: 2
          num_evals_per_iter: 2
          params_to_search:
            real:
              x:
                begin: 1
                end: 4
                bins: 4
        single_job_args:
          num_logical_cores: 1
        """
    )


@pytest.mark.slow
def test_mle_monitor_under_tmux_follows_a_running_search_and_quits_on_q(mle: Mle) -> None:
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    (mle.root / "grid.yaml").write_text(_grid_yaml())
    (mle.root / "base.json").write_text(_base(1.0))  # 3 s per job, 2 at a time
    run = mle.popen("run", "grid.yaml")
    tmux = ["tmux", "-S", str(mle.root / "tmux.sock")]
    try:
        _wait_rows(mle, {"grid": "running"})
        env = [f"{k}={v}" for k, v in mle.env.items() if k in ("MLE_REGISTRY", "MLE_USER_CONFIG")]
        cmd = ["env", *env, sys.executable, "-m", "mle_cli", "monitor", "--interval", "0.5"]
        subprocess.run(
            [*tmux, "new-session", "-d", "-s", "mon", "-x", "80", "-y", "24", *cmd],
            check=True,
            cwd=mle.root,
        )

        def screen() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", "mon"], capture_output=True, text=True
            ).stdout

        assert wait_for(lambda: "grid" in screen() and "running" in screen(), 120), screen()
        # while it runs, some job is done and the count shows it (8 jobs in all)
        assert wait_for(lambda: "done 2" in screen() and "/8" in screen(), 180), screen()
        run.communicate(timeout=300)
        assert wait_for(lambda: "jobs: done 8" in screen(), 120), screen()
        subprocess.run([*tmux, "send-keys", "-t", "mon", "q"], check=True)
        gone = wait_for(
            lambda: (
                subprocess.run([*tmux, "has-session", "-t", "mon"], capture_output=True).returncode
                != 0
            ),
            60,
        )
        assert gone, "mle monitor did not exit on q"
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
