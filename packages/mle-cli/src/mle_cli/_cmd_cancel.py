"""Stop an experiment: its driver, and every unfinished job in the backend."""

from __future__ import annotations

import argparse

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir")


def run(args: argparse.Namespace) -> int:
    from ._driver import cancel_experiment
    from ._layout import open_experiment

    console.print(cancel_experiment(open_experiment(args.experiment_dir)))
    return 0
