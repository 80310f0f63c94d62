"""On a real cluster: a detached search whose driver is SIGKILLed resumes from the facts on disk
(job index, status files, hyper log) with no finished job run twice."""

from __future__ import annotations

import collections
import json
import os
import signal
import time

import pytest
from cli_helpers import Project, grid_yaml


def _detach_kill_resume(project: Project, backend: str) -> None:
    project.config("base.json", steps=2, sleep=0.2)
    project.yaml("grid.yaml", grid_yaml(bins=3, seeds=2, batches=1, per_batch=3))
    project.mle("run", "grid.yaml", "--backend", backend, "--detach")
    [exp] = project.experiments()
    deadline = time.monotonic() + 120
    while len(project.counter()) < 1:
        assert time.monotonic() < deadline, (exp / "driver.log").read_text()
        time.sleep(0.1)
    pid = json.loads((exp / "driver.lock").read_text())["pid"]  # a ProcessRef
    os.kill(pid, signal.SIGKILL)  # the driver dies; the cluster keeps its jobs
    time.sleep(0.5)
    project.mle("resume", str(exp), timeout=240)
    doc = project.results(exp)
    assert doc["backend"] == backend
    assert all(j["state"] == "done" for j in doc["jobs"]) and len(doc["jobs"]) == 6
    assert doc["best"]["params"] == {"train_config.x": 3.0}
    runs = collections.Counter(project.counter())
    assert set(runs) == {j["run_dir"] for j in doc["jobs"]}
    assert max(runs.values()) == 1, runs


@pytest.mark.slurm
def test_detached_search_on_slurm_survives_a_killed_driver(project: Project) -> None:
    _detach_kill_resume(project, "slurm")


@pytest.mark.sge
def test_detached_search_on_grid_engine_survives_a_killed_driver(project: Project) -> None:
    _detach_kill_resume(project, "sge")
