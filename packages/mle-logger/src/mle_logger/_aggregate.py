"""Statistics over seeds of unequal length: masked per row index, never truncated."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_PERCENTILES: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)

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


def summarize(
    arrays: Sequence[np.ndarray], percentiles: Sequence[float] = DEFAULT_PERCENTILES
) -> Summary:
    """Mean, sample std, standard error, t-based 95% interval of the mean and percentiles.

    Row ``i`` uses the seeds that logged a row ``i`` (masking); NaN values count as missing.
    """
    m = stack([np.asarray(a, dtype=np.float64) for a in arrays])
    data = m.filled(np.nan)
    count = np.sum(~np.isnan(data), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(data, axis=0) if data.size else np.empty(0)
        std = np.nanstd(data, axis=0, ddof=1) if data.size else np.empty(0)
        std = np.where(count >= 2, std, np.nan)
        stderr = std / np.sqrt(np.maximum(count, 1))
        tq = np.array([t975(int(c) - 1) for c in count])
        half = tq * stderr
        qs = [float(q) for q in percentiles]
        pct = (
            np.nanpercentile(data, [*qs, 50.0], axis=0) if data.size else np.empty((len(qs) + 1, 0))
        )
    return Summary(
        mean=mean,
        std=std,
        stderr=stderr,
        ci_low=mean - half,
        ci_high=mean + half,
        median=pct[-1],
        percentiles={q: pct[i] for i, q in enumerate(qs)},
        count=count,
    )
