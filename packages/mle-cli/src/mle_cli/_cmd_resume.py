"""Finish an interrupted experiment: nothing that finished runs again."""

from __future__ import annotations

import argparse

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir")
    p.add_argument("--detach", action="store_true", help="resume in the background")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--retry-failed", action="store_true", help="run failed jobs again as well")


def run(args: argparse.Namespace) -> int:
    from ._driver import Driver, driver_pid, spawn_detached
    from ._layout import open_experiment
    from .errors import UsageError

    exp = open_experiment(args.experiment_dir)
    if args.detach:
        pid = driver_pid(exp)
        if pid is not None:
            raise UsageError(f"{exp.root}: expected no running driver, found pid {pid}")
        console.print(f"resuming {exp.root} in the background (pid {spawn_detached(exp)})")
        return 0
    from ._registry import recorded

    with recorded(exp.root):
        return Driver(exp, quiet=args.quiet, retry_failed=args.retry_failed).run()
