"""Scores per config, summarised over seeds (mean, std, 95% interval), with which configs are
statistically tied with the best."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--metric", help="the logged stat to score by (default: the search's)")


def run(args: argparse.Namespace) -> int:
    from mle_monitor.progress import progress_bar
    from mle_monitor.results import (
        collect_results,
        config_table,
        describe_score,
        fmt_params,
        job_counts,
        legacy_results,
    )

    from ._layout import find_experiment
    from .errors import ExperimentDirError

    try:
        exp = find_experiment(args.experiment_dir)
    except ExperimentDirError:  # a folder of the original toolbox: its mle-logging logs
        folder = Path(args.experiment_dir or ".")
        found = legacy_results(folder, args.metric) if folder.is_dir() else None
        if found is None:
            raise
        doc = found
    else:
        with progress_bar("reading run logs") as update:
            doc = collect_results(exp.root, args.metric, progress=update).document
    if args.json:
        console.json(doc)
        return 0
    console.print(f"{doc['job_type']}: {doc['experiment_dir']}")
    console.print(f"jobs: {job_counts(doc)}")
    score = describe_score(doc)
    if score:
        console.print(f"score: {score}")
    console.table(*config_table(doc), right="rank mean std seeds failed p")
    if doc.get("pareto"):
        from mle_monitor import format_pareto, read_pareto

        front = read_pareto(doc["experiment_dir"])
        if front is not None:
            console.print(f"Pareto front: {len(front.front)} of {len(front.points)} trials")
            console.print(format_pareto(front))
    elif doc.get("best"):
        b = doc["best"]
        console.print(f"best: {b['config_id']} ({fmt_params(b['params'])}) = {b['score_mean']:.6g}")
    return 0
