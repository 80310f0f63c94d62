"""A run's scalar score from its log, as hyperparameter searches need it."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._load import AggregatedLog, SeedLog, SeedLogs
from .errors import EmptyLogError, UnknownKeyError

ProblemType = Literal["final", "best", "mean"]
_TYPES = ("final", "best", "mean")


def _seed_score(log: SeedLog, metric: str, problem_type: str, maximize: bool) -> float:
    if metric not in log.stats:
        from ._logger import did_you_mean

        raise UnknownKeyError(
            f"{log.path}: eval_score_type {metric!r} is not a logged stat"
            f"{did_you_mean(metric, list(log.stats))}; logged: {list(log.stats)}"
        )
    values = np.asarray(log.stats[metric], dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise EmptyLogError(f"{log.path}: stat {metric!r} has no logged value (seed {log.seed_id})")
    if problem_type == "final":
        return float(values[-1])
    if problem_type == "best":
        return float(values.max() if maximize else values.min())
    return float(values.mean())


def score_log(
    log: SeedLog | SeedLogs | AggregatedLog,
    metric: str,
    problem_type: ProblemType = "final",
    maximize: bool = True,
) -> float:
    """Score of a run from ``stats[metric]``: ``final`` (last logged value), ``best`` (max when
    ``maximize`` else min) or ``mean`` (over rows). Several seeds: the mean of the seed scores.
    NaN entries (rows where the metric was not logged) are skipped."""
    if problem_type not in _TYPES:
        raise ValueError(f"problem_type: expected one of {_TYPES}, found {problem_type!r}")
    if isinstance(log, SeedLog):
        return _seed_score(log, metric, problem_type, maximize)
    seeds = log.seeds.seeds if isinstance(log, AggregatedLog) else log.seeds
    scores = [_seed_score(lg, metric, problem_type, maximize) for lg in seeds.values()]
    return float(np.mean(scores))
