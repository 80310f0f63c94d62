"""Write a Markdown + HTML report with figures (learning curves, search plots)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")
    p.add_argument("-d", "--out-dir", help="where to write (default: EXPERIMENT_DIR/report)")
    p.add_argument("-use_last", "--use_last_id", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from ._layout import find_experiment
    from ._processing import write_report

    exp = find_experiment(args.experiment_dir)
    console.print(write_report(exp, Path(args.out_dir) if args.out_dir else None))
    return 0
