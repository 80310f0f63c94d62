"""Scores from logs: one number per run (final / best / mean), then mean and std over seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

PROBLEM_TYPES = ("final", "best", "mean")


def run_score(values: Sequence[float] | Any, problem_type: str, maximize: bool) -> float | None:
    """Reduce one run's series of ``eval_score_type`` values to a score (None when empty)."""
    vals = [float(v) for v in list(values) if v is not None and not math.isnan(float(v))]
    if not vals:
        return None
    if problem_type == "final":
        return vals[-1]
    if problem_type == "best":
        return max(vals) if maximize else min(vals)
    if problem_type == "mean":
        return sum(vals) / len(vals)
    raise ValueError(
        f"problem_type: expected one of {', '.join(PROBLEM_TYPES)}, found {problem_type!r}"
    )


def aggregate(scores: Sequence[float | None]) -> tuple[float | None, float | None, int]:
    """Mean and (population) std over the seeds that produced a score, and the failed count."""
    good = [s for s in scores if s is not None and not math.isnan(s)]
    n_failed = len(scores) - len(good)
    if not good:
        return None, None, n_failed
    mean = sum(good) / len(good)
    std = math.sqrt(sum((s - mean) ** 2 for s in good) / len(good))
    return mean, std, n_failed
