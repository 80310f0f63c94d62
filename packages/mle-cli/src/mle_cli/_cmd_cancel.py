"""Stop an experiment: its driver, and every unfinished job in the backend."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir")


def run(args: argparse.Namespace) -> int:
    from mle_scheduler import JobSpec

    from ._driver import driver_pid
    from ._engine import read_index
    from ._layout import open_experiment
    from ._setup import make_backend
    from ._state import job_views, record_event

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
            adopt[str(entry["backend_id"])] = JobSpec.from_dict(entry["spec"])
    if adopt:
        backend.adopt(adopt)
        backend.cancel(list(adopt))
    for job_id in open_ids:
        record_event(exp, job_id, "cancelled")
    console.print(
        f"cancelled {len(open_ids)} unfinished job(s) of {exp.root}"
        + (f"; stopped driver pid {pid}" if pid and pid > 0 else "")
    )
    return 0
