"""A run's scalar score from its logged series: the one scoring rule of the toolbox.

The rule, used by ``score_log``, the ``mle`` CLI (results, report, hyper log) and the search:

- NaN rows of the series are rows where the metric was not logged; they are skipped.
- ``final`` is the last logged value, ``best`` the max (``maximize``) or min, ``mean`` the mean.
- A result that is not a finite number (inf, -inf, NaN) is *not a score*: the run counts as
  failed with the reason ``"non-finite score"`` (:func:`is_score` tells).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeGuard

import numpy as np

from .errors import EmptyLogError, NonFiniteScoreError, ScoreError, UnknownKeyError

if TYPE_CHECKING:
    from ._load import AggregatedLog, SeedLog, SeedLogs

ProblemType = Literal["final", "best", "mean"]
PROBLEM_TYPES: tuple[str, ...] = ("final", "best", "mean")
NO_VALUE_REASON = "no logged value"
NON_FINITE_REASON = "non-finite score"

_NUMBER_TYPES = (int, float, np.integer, np.floating)


def is_score(x: object) -> TypeGuard[float]:
    """True when ``x`` is a finite real number (not a bool, None, NaN, inf or -inf)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, _NUMBER_TYPES):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False


def _as_series(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    try:
        if isinstance(values, np.ma.MaskedArray):
            arr: np.ndarray = np.ma.filled(values.astype(np.float64), np.nan)
        else:
            arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ScoreError(f"values: expected a sequence of numbers, found {values!r:.80}") from exc
    if arr.ndim != 1:
        raise ScoreError(f"values: expected a 1-D series, found shape {arr.shape}")
    return arr


def _check_problem_type(problem_type: str) -> None:
    if problem_type not in PROBLEM_TYPES:
        from ._logger import did_you_mean

        raise ScoreError(
            f"problem_type: expected one of {', '.join(PROBLEM_TYPES)}, found {problem_type!r}"
            f"{did_you_mean(str(problem_type), PROBLEM_TYPES)}"
        )


def score_with_reason(
    values: Sequence[float | None] | np.ndarray,
    problem_type: ProblemType | str = "final",
    maximize: bool = True,
) -> tuple[float | None, str | None]:
    """``(score, None)``, or ``(None, reason)`` with ``reason`` one of :data:`NO_VALUE_REASON`
    and :data:`NON_FINITE_REASON`. See :func:`score_series`."""
    _check_problem_type(problem_type)
    arr = _as_series(values)
    if problem_type == "final" and arr.size and not math.isnan(arr[-1]):
        result = float(arr[-1])  # the common case: no pass over the series at all
    else:
        kept = arr[~np.isnan(arr)]
        if kept.size == 0:
            return None, NO_VALUE_REASON
        if problem_type == "final":
            result = float(kept[-1])
        elif problem_type == "best":
            result = float(kept.max() if maximize else kept.min())
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                result = float(kept.mean())
    if not math.isfinite(result):
        return None, NON_FINITE_REASON
    return result, None


def score_series(
    values: Sequence[float | None] | np.ndarray,
    problem_type: ProblemType | str = "final",
    maximize: bool = True,
) -> float | None:
    """One run's score from the series of its metric, or None when the run has no score.

    ``final`` = last logged value, ``best`` = max (min when ``maximize`` is False), ``mean`` =
    mean over logged rows. NaN (and None) entries are rows that did not log the metric and are
    skipped. None when no value was logged or the result is not finite (:func:`is_score`).
    Raises :class:`ScoreError` for an unknown ``problem_type`` or values that are not numbers.
    """
    return score_with_reason(values, problem_type, maximize)[0]


def score_objectives(
    stats: Mapping[str, Sequence[float | None] | np.ndarray],
    objectives: Mapping[str, bool],
    problem_type: ProblemType | str = "final",
) -> tuple[dict[str, float] | None, str | None]:
    """One run's scores of several objectives (a multi-objective search): ``objectives``
    maps each metric to whether it is maximized (``best`` takes the max or min per metric).

    Returns ``({metric: score, ...}, None)`` in ``objectives`` order, or ``(None, reason)``
    when a metric is not logged or has no score (:func:`score_with_reason`'s rule per metric):
    a run without every objective is no point of the objective space, so it counts as failed.
    Every metric is scored on its own; nothing is ever averaged across metrics.
    """
    if not isinstance(objectives, Mapping) or not objectives:
        raise ScoreError(
            f"objectives: expected a mapping metric -> maximize (true/false), found {objectives!r}"
        )
    out: dict[str, float] = {}
    for metric, maximize in objectives.items():
        if metric not in stats:
            return None, f"its log has no {metric!r} (logged: {', '.join(stats)})"
        score, reason = score_with_reason(stats[metric], problem_type, bool(maximize))
        if score is None:
            return None, f"objective {metric!r}: {reason}"
        out[metric] = score
    return out, None


def _seed_score(log: SeedLog, metric: str, problem_type: str, maximize: bool) -> float:
    if metric not in log.stats:
        from ._logger import did_you_mean

        raise UnknownKeyError(
            f"{log.path}: eval_score_type {metric!r} is not a logged stat"
            f"{did_you_mean(metric, list(log.stats))}; logged: {list(log.stats)}"
        )
    score, reason = score_with_reason(log.stats[metric], problem_type, maximize)
    if score is not None:
        return score
    if reason == NON_FINITE_REASON:
        raise NonFiniteScoreError(
            f"{log.path}: stat {metric!r} gives a non-finite {problem_type} score "
            f"(seed {log.seed_id}); a non-finite value is not a score"
        )
    raise EmptyLogError(f"{log.path}: stat {metric!r} has no logged value (seed {log.seed_id})")


def score_log(
    log: SeedLog | SeedLogs | AggregatedLog,
    metric: str,
    problem_type: ProblemType | str = "final",
    maximize: bool = True,
) -> float:
    """Score of a run from ``stats[metric]`` by :func:`score_series`'s rule. Several seeds: the
    mean of the seed scores. Raises :class:`UnknownKeyError` for an unknown metric,
    :class:`EmptyLogError` when a seed logged no value, :class:`NonFiniteScoreError` (also an
    ``EmptyLogError``) when a seed's score is not finite."""
    from ._aggregate import summarize_scores
    from ._load import AggregatedLog, SeedLog, SeedLogs

    _check_problem_type(problem_type)
    if not isinstance(metric, str):
        raise ScoreError(f"metric: expected the name of a logged stat, found {metric!r:.80}")
    if isinstance(log, SeedLog):
        return _seed_score(log, metric, problem_type, maximize)
    if not isinstance(log, (SeedLogs, AggregatedLog)):
        raise ScoreError(f"log: expected what load_log returns, found {type(log).__name__}")
    seeds = log.seeds.seeds if isinstance(log, AggregatedLog) else log.seeds
    if not seeds:
        raise EmptyLogError(f"stat {metric!r}: no seed logs to score")
    scores = [_seed_score(lg, metric, problem_type, maximize) for lg in seeds.values()]
    mean = summarize_scores(scores).mean
    if mean is None:
        raise NonFiniteScoreError(f"stat {metric!r}: the mean of the seed scores is not finite")
    return mean
