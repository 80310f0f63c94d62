"""Stop an experiment: its driver, and every unfinished job in the backend."""

from __future__ import annotations

import argparse
import time

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir")


def run(args: argparse.Namespace) -> int:
    from mle_scheduler import append_jsonl

    from ._driver import cancel_experiment
    from ._layout import open_experiment
    from ._registry import record

    exp = open_experiment(args.experiment_dir)
    console.print(cancel_experiment(exp))
    append_jsonl(exp.events, {"experiment": "cancelled", "time": time.time()})
    record(exp.root)
    return 0
