"""Statistics over seeds: masked learning-curve bands (unequal lengths, never truncated) and the
summary of one score per seed. Both use the sample std (ddof=1) and a Student-t 95% interval."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# 10 and 90 are the original mle-logging's p10/p90, kept beside our 5/95.
DEFAULT_PERCENTILES: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0)

# Student t quantile 0.975 for df = 1..30 (two-sided 95%).
_T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157,
    2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922,
    2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831,
    2.048407, 2.045230, 2.042272,
)  # fmt: skip
_Z975 = 1.959963984540054


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (NaN for df < 1)."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def stack(arrays: Sequence[np.ndarray]) -> np.ma.MaskedArray:
    """Seeds as rows of a ``(n_seeds, longest)`` masked array; missing tail entries are masked."""
    longest = max((len(a) for a in arrays), default=0)
    data = np.full((len(arrays), longest), np.nan)
    mask = np.ones((len(arrays), longest), dtype=bool)
    for i, a in enumerate(arrays):
        data[i, : len(a)] = a
        mask[i, : len(a)] = False
    return np.ma.MaskedArray(data, mask=mask)


@dataclass(frozen=True)
class Summary:
    """Per-row statistics over seeds; entries where fewer than 2 seeds have a value are NaN
    for ``std``, ``stderr`` and the interval. ``count`` is the number of seeds per row."""

    mean: np.ndarray
    std: np.ndarray
    stderr: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    median: np.ndarray
    percentiles: dict[float, np.ndarray]
    count: np.ndarray

    def __len__(self) -> int:
        return len(self.mean)


def _moments(data: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per column of ``data`` (NaN = missing): count, mean, std (ddof=1), stderr, t-interval.

    The one place the statistics are computed: :func:`summarize` and :func:`summarize_scores`
    both call it, so a band and a score summary of the same numbers agree to the last bit.
    """
    count = np.sum(~np.isnan(data), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(data, axis=0) if data.size else np.empty(0)
        std = np.nanstd(data, axis=0, ddof=1) if data.size else np.empty(0)
        std = np.where(count >= 2, std, np.nan)
        stderr = std / np.sqrt(np.maximum(count, 1))
        tq = np.array([t975(int(c) - 1) for c in count])
        half = tq * stderr
    return count, mean, std, stderr, mean - half, mean + half


def summarize(
    arrays: Sequence[np.ndarray], percentiles: Sequence[float] = DEFAULT_PERCENTILES
) -> Summary:
    """Mean, sample std, standard error, t-based 95% interval of the mean and percentiles.

    Row ``i`` uses the seeds that logged a row ``i`` (masking); NaN values count as missing.
    """
    try:
        m = stack([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays])
    except (TypeError, ValueError) as exc:
        from .errors import LogArgumentError

        raise LogArgumentError(f"arrays: expected 1-D series of numbers ({exc})") from None
    data = m.filled(np.nan)
    count, mean, std, stderr, ci_low, ci_high = _moments(data)
    qs = [float(q) for q in percentiles]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pct = (
            np.nanpercentile(data, [*qs, 50.0], axis=0) if data.size else np.empty((len(qs) + 1, 0))
        )
    return Summary(
        mean=mean,
        std=std,
        stderr=stderr,
        ci_low=ci_low,
        ci_high=ci_high,
        median=pct[-1],
        percentiles={q: pct[i] for i, q in enumerate(qs)},
        count=count,
    )


@dataclass(frozen=True)
class ScoreSummary:
    """One run's score over its seeds. ``n`` seeds gave a score, ``n_failed`` did not (no value,
    or a non-finite one: see :func:`mle_logger.is_score`). ``mean`` is None when ``n == 0``;
    ``std`` (ddof=1), ``stderr`` and the Student-t 95% interval ``ci_low``/``ci_high`` are None
    when ``n < 2``. Every field is a plain float, int or None, so it is valid JSON as is."""

    mean: float | None
    std: float | None
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_failed: int

    def as_dict(self) -> dict[str, float | int | None]:
        """The fields by name (strictly valid JSON: no NaN, no Infinity)."""
        return {
            "mean": self.mean,
            "std": self.std,
            "stderr": self.stderr,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "n_failed": self.n_failed,
        }


def _opt(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def summarize_scores(scores: Sequence[float | None]) -> ScoreSummary:
    """Mean, std (ddof=1), standard error and Student-t 95% interval of per-seed scores.

    Entries that are not scores (None, NaN, +-inf, non-numbers) count as failed seeds and are
    left out of the statistics: one rule, the one of :func:`mle_logger.is_score`.
    """
    from ._score import is_score

    if isinstance(scores, (str, bytes)) or not isinstance(scores, Sequence):
        from .errors import ScoreError

        raise ScoreError(f"scores: expected a sequence of floats or None, found {scores!r}")
    good = [float(s) for s in scores if is_score(s)]
    n_failed = len(scores) - len(good)
    if not good:
        return ScoreSummary(None, None, None, None, None, 0, n_failed)
    data = np.asarray(good, dtype=np.float64).reshape(-1, 1)
    _, mean, std, stderr, lo, hi = (float(a[0]) for a in _moments(data))
    n = len(good)
    return ScoreSummary(_opt(mean), _opt(std), _opt(stderr), _opt(lo), _opt(hi), n, n_failed)
