"""Live dashboard: running experiments, their jobs, and the machine or cluster (q quits)."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", nargs="?", help="registry id (or prefix) to show first")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    p.add_argument("--plain", action="store_true", help="plain lines, even on a terminal")
    p.add_argument("--once", action="store_true", help="show one refresh and exit")


def run(args: argparse.Namespace) -> int:
    from mle_monitor import run_monitor

    from ._registry import registry
    from .errors import UsageError

    if not args.interval > 0:
        raise UsageError(f"--interval: expected seconds > 0, found {args.interval}")
    reg = registry()
    focus = reg.get(args.experiment).id if args.experiment else None
    return run_monitor(
        reg,
        interval=args.interval,
        iterations=1 if args.once else None,
        focus=focus,
        plain=True if args.plain else None,
    )
