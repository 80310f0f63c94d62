"""`search_type: optuna` through `mle run`: SIGKILL the driver mid-search, `mle resume` finishes
it; no finished run runs twice, and the hyper log and results hold every trial once."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, grid_yaml

pytest.importorskip("optuna")

BUDGET, SEEDS = 4, 2


def optuna_yaml(sampler: str = "tpe") -> dict[str, Any]:
    data = grid_yaml(seeds=SEEDS, batches=2, per_batch=2, max_running_jobs=2)
    search = data["param_search_args"]
    search["search_type"] = "optuna"
    search["optuna_config"] = {"sampler": sampler, "sampler_kwargs": {"n_startup_trials": 1}}
    search["params_to_search"] = {"real": {"x": {"begin": 1.0, "end": 4.0}}}
    return data


def start(project: Project, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MLE_USER_CONFIG": str(project.root / "none.yaml")}
    return subprocess.Popen(
        [sys.executable, "-m", "mle_cli", *args],
        cwd=project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_after(project: Project, proc: subprocess.Popen[bytes], finished: int) -> None:
    deadline = time.monotonic() + 120
    while len(project.counter()) < finished:
        assert proc.poll() is None, "mle run ended before it could be killed"
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def hyper_log(exp: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (exp / "hyper_log.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("finished", [3])
def test_an_optuna_search_resumes_after_sigkill_without_running_anything_twice(
    make_project: Any, finished: int
) -> None:
    project = make_project()
    project.config("base.json", steps=2, sleep=0.05)
    project.yaml("exp.yaml", optuna_yaml())
    kill_after(project, start(project, "run", "exp.yaml"), finished)
    [exp] = project.experiments()
    before = hyper_log(exp) if (exp / "hyper_log.jsonl").exists() else []
    project.mle("resume", str(exp))

    records = hyper_log(exp)
    assert records[: len(before)] == before  # what was logged stays as it was
    assert sorted(r["id"] for r in records) == list(range(BUDGET))  # every trial once
    assert all(r["status"] == "ok" and len(r["scores"]) == SEEDS for r in records)
    assert all(1.0 <= r["params"]["train_config.x"] <= 4.0 for r in records)
    doc = project.results(exp)
    assert len(doc["jobs"]) == BUDGET * SEEDS
    assert all(j["state"] == "done" for j in doc["jobs"])
    runs = collections.Counter(project.counter())
    assert set(runs) == {j["run_dir"] for j in doc["jobs"]}
    assert max(runs.values()) == 1, f"a finished run ran twice: {runs}"
    # the hyper log's scores are the runs' scores (final score = 2 x + seed)
    for r in records:
        x = r["params"]["train_config.x"]
        assert r["scores"] == pytest.approx([2 * x + seed for seed in range(SEEDS)])
    best = max(records, key=lambda r: r["score"])
    assert doc["best"]["params"]["train_config.x"] == pytest.approx(
        best["params"]["train_config.x"]
    )
