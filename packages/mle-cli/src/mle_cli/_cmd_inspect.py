"""``mle status``, ``mle cancel`` and ``mle results``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any

from ._layout import ExperimentDir, newest_experiment, open_experiment
from ._state import counts, job_views, read_jobs, record_event


def find_experiment(arg: str | None) -> ExperimentDir:
    """The named experiment folder, or the newest one below the working directory."""
    if arg:
        return open_experiment(arg)
    return newest_experiment([Path.cwd()])


def _fmt_dur(v: Any) -> str:
    if v.start is None or v.end is None:
        return "-"
    return f"{v.end - v.start:.1f}s"


def cmd_status(args: argparse.Namespace) -> int:
    from ._driver import driver_pid

    exp = find_experiment(args.experiment_dir)
    marker = exp.read_marker()
    views = job_views(exp)
    pid = driver_pid(exp)
    total = len(views)
    if marker.get("budget") and marker.get("search"):
        total = int(marker["budget"]) * int(marker.get("num_seeds") or 1)
    print(f"{exp.root}")
    print(
        f"{marker.get('job_type')} on {marker.get('backend')}; driver: "
        f"{f'running (pid {pid})' if pid else 'not running'}"
    )
    c = counts(views)
    print(
        "jobs: "
        + ", ".join(f"{n} {s}" for s, n in sorted(c.items()))
        + (f" (of {total} planned)" if total != len(views) else "")
    )
    print(
        f"{'job':<14} {'config':<8} {'seed':>5} {'state':<10} {'exit':>4} {'time':>8}  run folder"
    )
    for v in views:
        code = "-" if v.exit_code is None else str(v.exit_code)
        print(
            f"{v.job.job_id:<14} {v.job.config_id:<8} {v.job.seed:>5} {v.state:<10} {code:>4} "
            f"{_fmt_dur(v):>8}  {v.run_dir}"
        )
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    """Stop the driver (if one runs) and cancel every unfinished job in the backend."""
    from mle_scheduler import JobSpec

    from ._driver import driver_pid
    from ._engine import read_index
    from ._setup import make_backend

    exp = open_experiment(args.experiment_dir)
    marker = exp.read_marker()
    pid = driver_pid(exp)
    if pid and pid > 0:
        exp.cancel_flag.touch()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # the driver cancels its jobs and exits
    index = read_index(exp)
    open_ids = {
        v.job.job_id
        for v in job_views(exp)
        if v.state not in ("done", "failed", "cancelled", "timeout", "lost")
    }
    backend = make_backend(str(marker["backend"]))
    adopt = {}
    for job_id in open_ids:
        entry = index.get(job_id)
        if entry and entry.get("backend_id") and entry.get("spec"):
            adopt[str(entry["backend_id"])] = (job_id, JobSpec.from_dict(entry["spec"]))
    if adopt:
        backend.adopt({bid: spec for bid, (_, spec) in adopt.items()})
        backend.cancel(list(adopt))
    for job_id in open_ids:
        record_event(exp, job_id, "cancelled")
    print(
        f"cancelled {len(open_ids)} unfinished job(s) of {exp.root}"
        + (f"; stopped driver pid {pid}" if pid and pid > 0 else "")
    )
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from ._results import compute_results

    exp = find_experiment(args.experiment_dir)
    doc = compute_results(exp, metric=getattr(args, "metric", None))
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
        return 0
    from ._figures import _fmt_params, _ranked

    print(f"{doc['job_type']}: {exp.root}")
    c: dict[str, int] = {}
    for j in doc["jobs"]:
        c[j["state"]] = c.get(j["state"], 0) + 1
    print("jobs: " + ", ".join(f"{n} {s}" for s, n in sorted(c.items())))
    if doc.get("metric"):
        if doc["maximize"] is None:
            print(f"score: {doc['metric']} (final value), mean +- std over seeds")
        else:
            print(
                f"score: {doc['metric']} ({doc['problem_type']}, "
                f"{'max' if doc['maximize'] else 'min'}imized), mean +- std over seeds"
            )
    ranked = _ranked(doc) if doc["maximize"] is not None else []
    rest = [x for x in doc["configs"] if x not in ranked]
    print(f"{'rank':>4} {'config':<8} {'mean':>12} {'std':>10} {'seeds':>5} {'failed':>6}  params")
    for i, cfg in enumerate([*ranked, *rest]):
        mean = "-" if cfg["score_mean"] is None else f"{cfg['score_mean']:.6g}"
        std = "-" if cfg["score_std"] is None else f"{cfg['score_std']:.3g}"
        rank = str(i + 1) if cfg in ranked else "-"
        print(
            f"{rank:>4} {cfg['config_id']:<8} {mean:>12} {std:>10} {len(cfg['seeds']):>5} "
            f"{cfg['n_failed']:>6}  {_fmt_params(cfg['params'])}"
        )
    if doc.get("best"):
        b = doc["best"]
        print(f"best: {b['config_id']} ({_fmt_params(b['params'])}) = {b['score_mean']:.6g}")
    return 0


__all__ = ["cmd_cancel", "cmd_results", "cmd_status", "find_experiment", "read_jobs"]
