"""Seed-aware racing: a trial's seeds run one at a time while it can still be the best."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = ["SeedRace", "t_quantile"]

#: Student-t 97.5 % quantiles for 1 .. 30 degrees of freedom (then the normal's 1.96).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile(df: int) -> float:
    """The two-sided 95 % Student-t quantile for ``df`` degrees of freedom."""
    return _T975[df - 1] if 1 <= df <= len(_T975) else 1.96


class SeedRace:
    """Decides whether a trial runs its next seed. The spread of a seed's score is the pooled
    within-trial standard deviation (ddof 1) of every trial with two or more scored seeds; a
    trial stops adding seeds when the 95 % t-interval of its mean can no longer reach the
    best trial's mean (``objective``: lower is better). Without a best or a spread estimate
    yet, every seed runs."""

    def __init__(self) -> None:
        self._ss = 0.0  # pooled sum of squares
        self._df = 0

    def add(self, scores: Iterable[float | None]) -> None:
        """A told trial's per-seed scores (None: failed) join the spread estimate."""
        good = [s for s in scores if s is not None]
        if len(good) >= 2:
            mean = sum(good) / len(good)
            self._ss += sum((s - mean) ** 2 for s in good)
            self._df += len(good) - 1

    def go_on(self, objectives: Sequence[float], best: float | None) -> bool:
        """True when a trial whose scored seeds have ``objectives`` (lower is better) may
        still reach ``best`` (the best told trial's objective)."""
        if best is None or not objectives or self._df == 0:
            return True
        good = list(objectives)
        mean = sum(good) / len(good)
        ss, df = self._ss, self._df
        if len(good) >= 2:
            ss += sum((s - mean) ** 2 for s in good)
            df += len(good) - 1
        sd = math.sqrt(ss / df)
        return mean - t_quantile(df) * sd / math.sqrt(len(good)) <= best
