"""Experiment folders as `mle run` writes them (the formats of a real `mle run
examples/ode/ode_grid_search.yaml` folder), built directly so the tests need no driver."""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def make_experiment(
    parent: Path,
    name: str,
    jobs: Sequence[tuple[str, str]] = (("c0-s0", "done"), ("c0-s1", "done")),
    *,
    project: str = "ode",
    search: bool = False,
    budget: int | None = None,
    purpose: str | None = "trying grid",
    scores: dict[str, float] | None = None,
    results: bool | None = None,
    stderr: dict[str, str] | None = None,
    t0: float = 1_796_187_714.0,
    told: str | None = None,
    search_ended: bool = True,
) -> Path:
    """One experiment folder; ``jobs``: (job_id, state) with states done / failed /
    cancelled / timeout / running (event only, no exit: the driver died) / pending / queued.
    ``scores``: config id -> mean score of a finished search (hyper log + results.json)."""
    root = parent / name
    root.mkdir(parents=True)
    marker: dict[str, Any] = {
        "job_type": "hyperparameter-search" if search else "multiple-configs",
        "project_name": project,
        "backend": "local",
        "num_seeds": 2,
        "job_args": {"job_name": project, "log_file": "log", "err_file": "err"},
        "created": "2026-12-02T05:01:54",
        "format": 1,
    }
    if search:
        marker["search"] = {
            "search_type": "grid",
            "hyperlog_fname": "hyper_log.pkl",
            "maximize_objective": True,
            "eval_score_type": "integral",
        }
        marker["budget"] = budget if budget is not None else len({j[0][:-3] for j in jobs})
    _dump(root / "mle-experiment.json", marker)
    repro: dict[str, Any] = {
        "created": "2026-12-02T05:01:54+00:00",
        "host": "vm",
        "git": {"commit": "abc123", "dirty": True},
    }
    if purpose:
        repro["purpose"] = purpose
    _dump(root / "reproducibility.json", repro)
    rows, events = [], []
    t = t0
    for i, (job_id, state) in enumerate(jobs):
        cfg, seed = job_id.rsplit("-s", 1)
        rows.append(
            {
                "job_id": job_id,
                "config_id": cfg,
                "seed": int(seed),
                "config_key": cfg,
                "params": {"train_config.x_0": float(i // 2 + 1)},
            }
        )
        run = root / "runs" / job_id
        if state == "pending":
            continue
        bid = f"9375.1.{i}"
        events.append(
            {"state": "submitted", "attempt": 0, "backend_id": bid, "time": t, "job_id": job_id}
        )
        if state == "queued":
            continue
        events.append(
            {"state": "running", "attempt": 0, "backend_id": bid, "time": t + 0.1, "job_id": job_id}
        )
        status: dict[str, Any] = {"start": t + 0.1, "host": "vm", "pid": 999_999_9, "pid_start": 1}
        t += 1.0
        if state in ("done", "failed"):
            code = 0 if state == "done" else 1
            status.update(end=t, exit_code=code)
            events.append(
                {
                    "state": state,
                    "attempt": 0,
                    "backend_id": bid,
                    "exit_code": code,
                    "time": t,
                    "job_id": job_id,
                }
            )
        elif state in ("cancelled", "timeout"):
            events.append(
                {"state": state, "attempt": 0, "backend_id": bid, "time": t, "job_id": job_id}
            )
        _dump(run / "job-status.json", status)
        (run / "err").write_text((stderr or {}).get(job_id, ""), encoding="utf-8")
    _jsonl(root / "jobs.jsonl", rows)
    if search and search_ended:
        events.append({"search": "ended", "reason": "budget spent", "trials": len(scores or {})})
    if told:
        events.append({"experiment": told, "time": t + 0.5})
    _jsonl(root / "events.jsonl", events)
    if search and scores:
        _jsonl(
            root / "hyper_log.jsonl",
            [
                {"id": i, "params": {"train_config.x_0": float(i + 1)}, "score": s, "config_id": c}
                for i, (c, s) in enumerate(scores.items())
            ],
        )
    final = all(s in ("done", "failed", "cancelled", "timeout") for _, s in jobs)
    if results if results is not None else final:
        doc: dict[str, Any] = {"metric": "integral", "maximize": True, "jobs": []}
        if scores:
            best = max(scores, key=lambda c: scores[c])
            doc["best"] = {
                "config_id": best,
                "params": {"train_config.x_0": 9.0},
                "score_mean": scores[best],
            }
        _dump(root / "results.json", doc)
    return root


@contextmanager
def driver_holding(root: Path) -> Iterator[None]:
    """Hold the folder's driver lock as a running driver does."""
    with open(root / "driver.lock", "a+", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write(json.dumps({"pid": 1, "start_time": 1, "boot_id": "x"}))
        fh.flush()
        yield


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns a truthy value (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
