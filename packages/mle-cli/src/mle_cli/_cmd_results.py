"""Scores per config, summarised over seeds (mean, std, 95% interval)."""

from __future__ import annotations

import argparse

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--metric", help="the logged stat to score by (default: the search's)")


def run(args: argparse.Namespace) -> int:
    from ._layout import find_experiment
    from ._results import compute_results, fmt_num, fmt_params, ranked_configs

    exp = find_experiment(args.experiment_dir)
    doc = compute_results(exp, metric=args.metric)
    if args.json:
        console.json(doc)
        return 0
    console.print(f"{doc['job_type']}: {exp.root}")
    counts: dict[str, int] = {}
    for j in doc["jobs"]:
        counts[j["state"]] = counts.get(j["state"], 0) + 1
    console.print("jobs: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if doc["metric"]:
        how = (
            "final value"
            if doc["maximize"] is None
            else f"{doc['problem_type']}, {'max' if doc['maximize'] else 'min'}imized"
        )
        console.print(
            f"score: {doc['metric']} ({how}), mean +- std (ddof 1) and t 95% interval over seeds"
        )
    ranked = ranked_configs(doc) if doc["maximize"] is not None else []
    rest = [c for c in doc["configs"] if c not in ranked]
    rows = [
        (
            i + 1 if c in ranked else "-",
            c["config_id"],
            fmt_num(c["score_mean"]),
            fmt_num(c["score_std"], 3),
            "-"
            if c["score_ci_low"] is None
            else f"[{fmt_num(c['score_ci_low'], 4)}, {fmt_num(c['score_ci_high'], 4)}]",
            len(c["seeds"]),
            c["n_failed"],
            fmt_params(c["params"]),
        )
        for i, c in enumerate([*ranked, *rest])
    ]
    header = ("rank", "config", "mean", "std", "95% interval", "seeds", "failed", "params")
    console.table(header, rows, right="rank mean std seeds failed")
    if doc.get("best"):
        b = doc["best"]
        console.print(f"best: {b['config_id']} ({fmt_params(b['params'])}) = {b['score_mean']:.6g}")
    return 0
