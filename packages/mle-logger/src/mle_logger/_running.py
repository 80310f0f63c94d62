"""A learning-curve band over seeds, built one series at a time (constant memory in the number
of seeds): the streaming twin of :func:`mle_logger.summarize`, for tools that read many logs
(``mle report`` over thousands of runs) and must not hold every series at once.

Same rule as :func:`summarize`: row ``i`` uses the seeds that logged a row ``i`` (unequal lengths
are masked, never cut to the shortest; NaN is a missing value), std with ddof=1, Student-t 95%
interval of the mean. Mean and variance are accumulated with Welford's update, so the numbers
agree with :func:`summarize` to rounding (about 1e-12 relative), not to the last bit.
Percentiles need every value and are not kept.
"""

from __future__ import annotations

import math

import numpy as np

from ._aggregate import Summary, t975

__all__ = ["RunningSummary"]


class RunningSummary:
    """Per-row count, mean and sum of squared deviations of the series added so far.

    >>> band = RunningSummary()
    >>> band.add([1.0, 2.0, 3.0]); band.add([3.0, 4.0])
    >>> band.summary().mean.tolist()
    [2.0, 3.0, 3.0]
    """

    def __init__(self) -> None:
        self.n_series = 0
        self._count = np.zeros(0, dtype=np.int64)
        self._mean = np.zeros(0, dtype=np.float64)
        self._m2 = np.zeros(0, dtype=np.float64)

    def __len__(self) -> int:
        return len(self._count)

    def _grow(self, n: int) -> None:
        extra = n - len(self._count)
        if extra > 0:
            self._count = np.concatenate([self._count, np.zeros(extra, dtype=np.int64)])
            self._mean = np.concatenate([self._mean, np.zeros(extra)])
            self._m2 = np.concatenate([self._m2, np.zeros(extra)])

    def add(self, series: np.ndarray | list[float]) -> None:
        """Add one seed's series (1-D; NaN entries are rows it did not log)."""
        x = np.asarray(series, dtype=np.float64).reshape(-1)
        self.n_series += 1
        if not x.size:
            return
        self._grow(x.size)
        ok = ~np.isnan(x)
        if ok.all():
            cnt = self._count[: x.size]
            cnt += 1
            mean = self._mean[: x.size]
            delta = x - mean
            mean += delta / cnt
            self._m2[: x.size] += delta * (x - mean)
            return
        idx = np.flatnonzero(ok)
        v = x[idx]
        self._count[idx] += 1
        delta = v - self._mean[idx]
        self._mean[idx] += delta / self._count[idx]
        self._m2[idx] += delta * (v - self._mean[idx])

    def summary(self) -> Summary:
        """The band so far as a :class:`Summary` (``median`` NaN, no ``percentiles``)."""
        count = self._count.copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, self._mean, np.nan)
            var = self._m2 / (count - 1)
            std = np.where(count >= 2, np.sqrt(np.maximum(var, 0.0)), np.nan)
            stderr = std / np.sqrt(np.maximum(count, 1))
        uniq = np.unique(count)
        table = {int(c): t975(int(c) - 1) for c in uniq}
        tq = np.array([table[int(c)] for c in uniq]) if len(uniq) else np.empty(0)
        tq_rows = tq[np.searchsorted(uniq, count)] if len(count) else np.empty(0)
        half = tq_rows * stderr
        return Summary(
            mean=mean,
            std=std,
            stderr=stderr,
            ci_low=mean - half,
            ci_high=mean + half,
            median=np.full(len(count), math.nan),
            percentiles={},
            count=count,
        )
