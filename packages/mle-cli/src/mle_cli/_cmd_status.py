"""Jobs of an experiment and their states (default: the newest experiment here)."""

from __future__ import annotations

import argparse

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")


def run(args: argparse.Namespace) -> int:
    from ._layout import find_experiment
    from ._spec import time_limit
    from ._state import experiment_status

    exp = find_experiment(args.experiment_dir)
    marker = exp.read_marker()
    status = experiment_status(exp)
    views, pid = status.jobs, status.driver_pid
    console.print(str(exp.root))
    driver = f"running (pid {pid})" if pid else "not running"
    console.print(f"{marker.get('job_type')} on {marker.get('backend')}; driver: {driver}")
    console.print(f"time limit per job: {time_limit(marker.get('job_args') or {})}")
    console.print(f"jobs: {status.summary()}")
    rows = [
        (
            v.job.job_id,
            v.job.config_id,
            v.job.seed,
            v.state,
            v.exit_code,
            None if v.start is None or v.end is None else f"{v.end - v.start:.1f}s",
            v.run_dir,
        )
        for v in views
    ]
    header = ("job", "config", "seed", "state", "exit", "time", "run folder")
    console.table(header, rows, right="seed exit time")
    return 0
