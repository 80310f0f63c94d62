"""Scores of a folder the original mle-toolbox wrote: its ``meta_log.hdf5`` (one entry per
run), else one sub-folder per run with mle-logging logs, each seed scored by one metric."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._aggregate import ScoreSummary, summarize_scores
from ._legacy_load import META_LOG_NAME, load_meta_log
from ._load import SeedLogs, load_seed_logs
from ._score import ProblemType, score_with_reason

__all__ = ["OriginalScores", "RunScores", "score_original_folder"]


@dataclass(frozen=True)
class RunScores:
    """One run's score per seed (None: the seed has no score) and their summary."""

    scores: Mapping[int, float | None]
    summary: ScoreSummary


@dataclass(frozen=True)
class OriginalScores:
    """Every run of an original toolbox folder by run id, scored by ``metric`` (None when no
    log holds any stat)."""

    metric: str | None
    runs: Mapping[str, RunScores]


def score_original_folder(
    folder: str | os.PathLike[str],
    metric: str | None = None,
    problem_type: ProblemType | str = "final",
    maximize: bool = False,
) -> OriginalScores | None:
    """Score every seed of every run in an original toolbox folder, or None when it holds no
    logs. ``metric`` defaults to the first stat logged; a seed without it has no score."""
    root = Path(folder)
    runs: dict[str, SeedLogs]
    if (root / META_LOG_NAME).is_file():
        runs = {str(k): v for k, v in load_meta_log(root).items()}
    else:
        subs = sorted(d for d in root.glob("*/logs") if d.is_dir())
        runs = {d.parent.name: load_seed_logs(d.parent) for d in subs}
    if not runs:
        return None
    logs = [lg for run in runs.values() for lg in run.seeds.values()]
    name = metric or next((next(iter(lg.stats)) for lg in logs if len(lg.stats)), None)
    out: dict[str, RunScores] = {}
    for run_id, run in runs.items():
        scores: dict[int, float | None] = {}
        for seed, lg in run.seeds.items():
            score = None
            if name is not None and name in lg.stats:
                score = score_with_reason(lg.stats[name], problem_type, maximize)[0]
            scores[seed] = score
        out[run_id] = RunScores(scores, summarize_scores(list(scores.values())))
    return OriginalScores(name, out)
