"""Jobs of an experiment and their states (default: the newest experiment here)."""

from __future__ import annotations

import argparse

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")


def run(args: argparse.Namespace) -> int:
    from ._driver import driver_pid
    from ._layout import find_experiment
    from ._state import counts, job_views

    exp = find_experiment(args.experiment_dir)
    marker = exp.read_marker()
    views = job_views(exp)
    pid = driver_pid(exp)
    total = len(views)
    if marker.get("budget") and marker.get("search"):
        total = int(marker["budget"]) * int(marker.get("num_seeds") or 1)
    console.print(str(exp.root))
    driver = f"running (pid {pid})" if pid else "not running"
    console.print(f"{marker.get('job_type')} on {marker.get('backend')}; driver: {driver}")
    c = counts(views)
    console.print(
        "jobs: "
        + ", ".join(f"{n} {s}" for s, n in sorted(c.items()))
        + (f" (of {total} planned)" if total != len(views) else "")
    )
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
