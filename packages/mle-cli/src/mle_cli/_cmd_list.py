"""Experiments in the registry, newest first (--rescan DIR rebuilds it from the folders)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ._console import console

if TYPE_CHECKING:
    from mle_monitor import Registry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", help="only this project's experiments")
    p.add_argument("--state", help="only these: running, done, failed, cancelled, interrupted")
    p.add_argument("-n", "--limit", type=int, help="at most this many (the newest)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--rescan", metavar="DIR", help="first rebuild the rows of every experiment below DIR"
    )
    p.add_argument("--prune", action="store_true", help="with --rescan: drop rows of gone folders")


def run(args: argparse.Namespace) -> int:
    from mle_monitor import EXPERIMENT_STATES

    from ._registry import registry
    from .errors import UsageError

    if args.state is not None and args.state not in EXPERIMENT_STATES:
        raise UsageError(
            f"--state: expected one of {', '.join(EXPERIMENT_STATES)}, found {args.state!r}"
        )
    if args.prune and not args.rescan:
        raise UsageError("--prune: expected together with --rescan DIR")
    reg = registry()
    if args.rescan:
        if not Path(args.rescan).is_dir():
            raise UsageError(f"--rescan {args.rescan}: expected a folder, found none")
        found = _rescan(reg, Path(args.rescan), args.prune)
        console.err.print(f"mle: {found} experiment folder(s) under {args.rescan} in {reg.path}")
    rows = reg.list(project=args.project, state=args.state, limit=args.limit, refresh=True)
    if args.json:
        console.json([r.to_dict() for r in rows])
        return 0
    table = [
        (
            r.id,
            r.state,
            r.project,
            r.job_type,
            r.backend,
            f"{r.jobs_done}/{r.jobs_total}",
            r.jobs_failed or None,
            None if r.best_score is None else f"{r.best_score:.4g}",
            _when(r.started),
            r.folder,
        )
        for r in rows
    ]
    header = ("id", "state", "project", "type", "backend", "jobs", "failed", "best", "started")
    console.table((*header, "folder"), table, right="jobs failed best")
    return 0


def _when(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M")


def _rescan(reg: Registry, root: Path, prune: bool) -> int:
    """Rescan, with a progress bar on a terminal's stderr (thousands of folders take a while)."""
    from mle_monitor.progress import progress_bar

    with progress_bar("reading experiment folders") as update:
        return len(reg.rescan(root, prune=prune, progress=update))
