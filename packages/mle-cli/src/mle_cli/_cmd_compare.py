"""Compare experiments: the same configurations across them, matched by their parameters.

The first experiment is the reference; each configuration's seed scores in the others are
tested against it (Welch's t). Writes compare.md, a self-contained compare.html and
figures/ (matched configurations; each experiment's best learning curve), or --json.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "experiments", nargs="+", metavar="EXPERIMENT", help="folders or registry ids (2 or more)"
    )
    p.add_argument("--metric", help="the logged stat to score all by (default: each search's)")
    p.add_argument("--alpha", type=float, default=0.05, help="test level (default: 0.05)")
    p.add_argument("-d", "--out-dir", help="where to write (default: ./compare_A_vs_B)")
    p.add_argument("--json", action="store_true", help="print JSON instead of writing files")


def default_out_dir(labels: list[str]) -> str:
    """``compare_A_vs_B`` (the first three labels), with only safe characters."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", "_vs_".join(labels[:3])).strip("-.")
    return f"compare_{name}"


def run(args: argparse.Namespace) -> int:
    from mle_monitor.compare import (
        ExperimentSide,
        compare_experiments,
        comparison_json,
        verdict,
        write_comparison,
    )
    from mle_monitor.results import collect_results
    from mle_monitor.sections import trials_from_folder

    from ._layout import open_experiment
    from .errors import ExperimentDirError

    if len(args.experiments) < 2:
        raise ExperimentDirError(
            f"mle compare: expected two or more experiments, found {len(args.experiments)}"
        )
    sides: list[ExperimentSide] = []
    labels: list[str] = []
    for arg in args.experiments:
        exp = open_experiment(arg)
        res = collect_results(exp.root, args.metric, curves=3, alpha=args.alpha)
        doc = res.document
        label = exp.root.name
        if label in labels:
            label = f"{label} ({len(labels) + 1})"
        labels.append(label)
        sides.append(
            ExperimentSide(
                label=label,
                trials=trials_from_folder(exp.root, doc, detail=res.detail),
                metric=doc.get("metric"),
                maximize=doc.get("maximize"),
                folder=str(exp.root),
                bands=res.bands,
            )
        )
    cmp = compare_experiments(sides, alpha=args.alpha)
    if args.json:
        console.json(comparison_json(cmp))
        return 0
    out = Path(args.out_dir or default_out_dir(labels))
    paths = write_comparison(cmp, out)
    for line in verdict(cmp):
        console.print(line)
    console.print(f"wrote {paths['markdown']} and {paths['html']}")
    return 0
