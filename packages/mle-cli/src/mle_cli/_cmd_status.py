"""Jobs of an experiment and their states (default: the newest experiment here)."""

from __future__ import annotations

import argparse

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")


def run(args: argparse.Namespace) -> int:
    from ._layout import find_experiment
    from ._setup import time_limit
    from ._state import driver_pid, experiment_status

    exp = find_experiment(args.experiment_dir)
    marker = exp.read_marker()
    pid = driver_pid(exp)
    status = experiment_status(exp, driver_runs=pid is not None)
    console.print(str(exp.root))
    driver = f"running (pid {pid})" if pid else "not running"
    console.print(f"{marker.get('job_type')} on {marker.get('backend')}; driver: {driver}")
    console.print(f"time limit per job: {time_limit(marker.get('job_args') or {})}")
    console.print(f"jobs: {status.summary()}")
    rows = [
        (
            j.job_id,
            j.config_id,
            j.seed,
            j.state,
            j.exit_code,
            None if j.start is None or j.end is None else f"{j.end - j.start:.1f}s",
            j.run_dir,
            j.message if j.state != "done" else None,  # why it failed, was pruned, ...
        )
        for j in status.jobs
    ]
    header = ("job", "config", "seed", "state", "exit", "time", "run folder", "note")
    console.table(header, rows, right="seed exit time")
    return 0
