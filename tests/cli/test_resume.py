"""Kill `mle run` with SIGKILL at several points; `mle resume` finishes the experiment with the
results of an uninterrupted run, and no finished job runs twice."""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, grid_yaml, multi_yaml


def _start(project: Project, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MLE_USER_CONFIG": str(project.root / "none.yaml")}
    return subprocess.Popen(
        [sys.executable, "-m", "mle_cli", *args],
        cwd=project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_after(project: Project, proc: subprocess.Popen[bytes], finished: int) -> None:
    deadline = time.monotonic() + 60
    while len(project.counter()) < finished:
        assert proc.poll() is None, "mle run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _summary(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    def params(c: dict[str, Any]) -> str:
        p = dict(c["params"])
        if "config_fname" in p:
            p["config_fname"] = Path(p["config_fname"]).name
        return str(p)

    return sorted(
        (params(c), c["score_mean"], c["score_std"], c["n_failed"], tuple(c["seeds"]))
        for c in doc["configs"]
    )


def _check_resumed(project: Project, reference: dict[str, Any]) -> None:
    [exp] = project.experiments()
    project.mle("resume", str(exp))
    doc = project.results(exp)
    assert all(j["state"] == "done" for j in doc["jobs"])
    assert _summary(doc) == _summary(reference)
    if "best" in reference:
        assert doc["best"]["params"] == reference["best"]["params"]
    runs = collections.Counter(project.counter())
    assert set(runs) == {j["run_dir"] for j in doc["jobs"]}
    assert max(runs.values()) == 1, f"a finished job ran twice: {runs}"


@pytest.fixture(scope="module")
def multi_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    p = Project(tmp_path_factory.mktemp("ref"))
    p.config("base.json", steps=2, sleep=0.05)
    p.yaml("exp.yaml", multi_yaml(num_seeds=6, max_running_jobs=2))
    p.mle("run", "exp.yaml")
    return p.results(p.experiments()[0])


@pytest.mark.parametrize("kill_after", [1, 3, 5])
def test_resume_multi_seed_after_sigkill(
    make_project: Any, multi_reference: dict[str, Any], kill_after: int
) -> None:
    project = make_project()
    project.config("base.json", steps=2, sleep=0.05)
    project.yaml("exp.yaml", multi_yaml(num_seeds=6, max_running_jobs=2))
    _kill_after(project, _start(project, "run", "exp.yaml"), kill_after)
    _check_resumed(project, multi_reference)


@pytest.fixture(scope="module")
def grid_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    p = Project(tmp_path_factory.mktemp("ref"))
    p.config("base.json", steps=2, sleep=0.05)
    p.yaml("grid.yaml", grid_yaml(bins=4, seeds=2, batches=2, per_batch=2, max_running_jobs=2))
    p.mle("run", "grid.yaml")
    return p.results(p.experiments()[0])


@pytest.mark.parametrize("kill_after", [1, 4, 7])
def test_resume_grid_search_after_sigkill(
    make_project: Any, grid_reference: dict[str, Any], kill_after: int
) -> None:
    project = make_project()
    project.config("base.json", steps=2, sleep=0.05)
    project.yaml(
        "grid.yaml", grid_yaml(bins=4, seeds=2, batches=2, per_batch=2, max_running_jobs=2)
    )
    _kill_after(project, _start(project, "run", "grid.yaml"), kill_after)
    _check_resumed(project, grid_reference)
    [exp] = project.experiments()
    hyper = (exp / "hyper_log.jsonl").read_text().splitlines()
    assert len(hyper) == 4  # each proposal evaluated (and logged) once


def test_ctrl_c_cancels_jobs_and_leaves_it_resumable(project: Project) -> None:
    project.config("base.json", steps=20, sleep=0.1)
    project.yaml("exp.yaml", multi_yaml(num_seeds=2, max_running_jobs=2))
    proc = _start(project, "run", "exp.yaml")
    deadline = time.monotonic() + 30
    while not list((project.root / "experiments").rglob("job-status.json")):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    [exp] = project.experiments()
    assert project.counter() == []  # the running jobs were cancelled, none finished
    project.config("base.json", steps=20, sleep=0.1)
    project.mle("resume", str(exp))
    assert len(project.results(exp)["jobs"]) == 2
    assert len(project.counter()) == 2


def test_detach_returns_at_once_and_finishes_in_background(project: Project) -> None:
    project.config("base.json", steps=5, sleep=0.1)
    project.yaml("exp.yaml", multi_yaml(num_seeds=2))
    t0 = time.monotonic()
    res = project.mle("run", "exp.yaml", "--detach")
    assert time.monotonic() - t0 < 10 and "background" in res.stdout
    [exp] = project.experiments()
    deadline = time.monotonic() + 60
    while len(project.counter()) < 2 or not (exp / "results.json").exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    status = project.mle("status", str(exp)).stdout
    assert "2 done" in status
    assert Path(exp / "driver.log").exists()


def test_resume_repairs_a_proposal_cut_short_by_a_crash(project: Project) -> None:
    """A crash between the job rows of one proposal, before its hyper-log line: resume adds
    the missing job and evaluates the proposal with all its seeds."""
    project.yaml("grid.yaml", grid_yaml(bins=2, seeds=2, batches=1, per_batch=2))
    project.mle("run", "grid.yaml")
    [exp] = project.experiments()
    reference = project.results(exp)
    jobs = (exp / "jobs.jsonl").read_text().splitlines()
    (exp / "jobs.jsonl").write_text("\n".join(jobs[:-1]) + "\n")  # last seed row never written
    lost = json.loads(jobs[-1])["job_id"]
    shutil.rmtree(exp / "runs" / lost)  # ... so that job never ran
    hyper = (exp / "hyper_log.jsonl").read_text().splitlines()
    (exp / "hyper_log.jsonl").write_text("\n".join(hyper[:-1]) + "\n")
    project.mle("resume", str(exp))
    assert _summary(project.results(exp)) == _summary(reference)
    assert len((exp / "hyper_log.jsonl").read_text().splitlines()) == 2
    assert len(project.counter()) == 5  # 4 runs, then the lost row's job once more


def test_cancel_stops_a_detached_driver_and_its_jobs(project: Project) -> None:
    project.config("base.json", steps=20, sleep=0.1)
    project.yaml("exp.yaml", multi_yaml(num_seeds=2, max_running_jobs=2))
    project.mle("run", "exp.yaml", "--detach")
    [exp] = project.experiments()
    deadline = time.monotonic() + 60
    while len(list(exp.rglob("job-status.json"))) < 2:
        assert time.monotonic() < deadline, (exp / "driver.log").read_text()
        time.sleep(0.05)
    assert "driver, which stopped" in project.mle("cancel", str(exp)).stdout
    status = project.mle("status", str(exp)).stdout
    assert "driver: not running" in status and "2 cancelled" in status
    assert project.counter() == []
    project.mle("resume", str(exp))
    assert len(project.counter()) == 2
