"""Which configurations really differ from the best: Welch's t-test and the Mann-Whitney U
rank test between the best configuration's seed scores and each other configuration's.

Pure Python (``math`` only): no numpy or scipy needed; the results match scipy's
``ttest_ind(equal_var=False)`` and ``mannwhitneyu`` (``method="auto"``: exact when a sample
has at most 8 scores and there are no ties, else the normal approximation with tie and
continuity corrections).

The decision: a configuration is **statistically tied with the best** when Welch's two-sided
test cannot reject equal means at ``alpha`` (:data:`DEFAULT_ALPHA` = 0.05), that is
``p >= alpha``. No correction for the several comparisons is applied (each comparison is
judged alone, which marks fewer configurations as tied than a Holm correction would), and the
best was chosen on the same scores, so "tied" is the informative mark: "not tied" is
evidence, not proof. With fewer than two finite scores on either side nothing is decided
(``tied`` is None). The rank test is reported beside it as a check that needs no normality.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .errors import StatsInputError

__all__ = [
    "DEFAULT_ALPHA",
    "Comparison",
    "TestResult",
    "compare_to_best",
    "mann_whitney_u",
    "scores_by_config",
    "welch_t_test",
]

DEFAULT_ALPHA = 0.05
_EXACT_MAX = 8  # scipy's "auto": exact U distribution when a sample is this small, no ties


@dataclass(frozen=True)
class TestResult:
    """A two-sided test of ``a`` against ``b``.

    ``statistic``: Welch's t (positive when ``a``'s mean is larger) or ``a``'s U;
    ``effect_size``: Cohen's d (pooled standard deviation, ddof=1) for Welch; for the rank
    test the probability that a score of ``a`` beats one of ``b`` (ties count half;
    0.5 = no effect)."""

    __test__ = False  # not a pytest class

    statistic: float
    p_value: float
    effect_size: float | None
    df: float | None = None
    method: str = ""


@dataclass(frozen=True)
class Comparison:
    """One configuration against the best (``is_best``: this one is the best)."""

    config: str
    best: str
    n: int
    mean: float | None
    is_best: bool
    welch: TestResult | None
    rank: TestResult | None
    tied: bool | None  # tied with the best at alpha (None: too few scores to say)
    alpha: float = DEFAULT_ALPHA

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (for ``--json``)."""
        return asdict(self)


def _finite(values: Sequence[float | None], name: str) -> list[float]:
    out = []
    for v in values:
        if v is None:
            continue
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise StatsInputError(f"{name}: expected numbers, found {v!r}")
        if math.isfinite(v):
            out.append(float(v))
    return out


def _mean_var(x: Sequence[float]) -> tuple[float, float]:
    m = math.fsum(x) / len(x)
    return m, math.fsum((v - m) ** 2 for v in x) / (len(x) - 1)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _t_two_sided(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    return _betainc(df / 2.0, 0.5, df / (df + t * t))


def welch_t_test(a: Sequence[float | None], b: Sequence[float | None]) -> TestResult:
    """Welch's two-sided t-test of equal means (``None`` and non-finite scores are left out).
    Needs two finite scores in each sample."""
    x, y = _finite(a, "a"), _finite(b, "b")
    if len(x) < 2 or len(y) < 2:
        raise StatsInputError(
            f"Welch's t-test: expected at least 2 finite scores per sample, "
            f"found {len(x)} and {len(y)}"
        )
    mx, vx = _mean_var(x)
    my, vy = _mean_var(y)
    se2 = vx / len(x) + vy / len(y)
    pooled = math.sqrt(((len(x) - 1) * vx + (len(y) - 1) * vy) / (len(x) + len(y) - 2))
    d = (
        (mx - my) / pooled
        if pooled > 0
        else (0.0 if mx == my else math.copysign(math.inf, mx - my))
    )
    if se2 == 0.0:  # both samples constant
        if mx == my:
            return TestResult(math.nan, 1.0, 0.0, None, "welch")
        return TestResult(math.copysign(math.inf, mx - my), 0.0, d, None, "welch")
    t = (mx - my) / math.sqrt(se2)
    df = se2**2 / ((vx / len(x)) ** 2 / (len(x) - 1) + (vy / len(y)) ** 2 / (len(y) - 1))
    return TestResult(t, min(1.0, _t_two_sided(t, df)), d, df, "welch")


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based) and the sizes of tied groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


@functools.lru_cache(maxsize=256)
def _u_counts(m: int, n: int) -> tuple[int, ...]:
    """How many orderings of m + n distinct values give each U (0 .. m*n): the coefficients
    of the Gaussian binomial prod_{i<=m} (1 - q^(n+i)) / (1 - q^i), in O(min(m, n)^2 max(m, n))."""
    m, n = min(m, n), max(m, n)
    size = m * n + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, m + 1):
        k = n + i
        for u in range(size - 1, k - 1, -1):  # times (1 - q^k), high terms cut (see below)
            poly[u] -= poly[u - k]
        for u in range(i, size):  # divided by (1 - q^i): a power series, low terms first
            poly[u] += poly[u - i]
    return tuple(poly)


def mann_whitney_u(a: Sequence[float | None], b: Sequence[float | None]) -> TestResult:
    """The two-sided Mann-Whitney U test (``None`` and non-finite scores are left out).
    Exact when a sample has at most 8 scores and no value is tied, else the normal
    approximation with tie and continuity corrections (as scipy's ``method="auto"``)."""
    x, y = _finite(a, "a"), _finite(b, "b")
    n1, n2 = len(x), len(y)
    if n1 < 1 or n2 < 1:
        raise StatsInputError(
            f"Mann-Whitney U: expected at least 1 finite score per sample, found {n1} and {n2}"
        )
    ranks, ties = _ranks(x + y)
    u1 = math.fsum(ranks[:n1]) - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    big = max(u1, u2)
    cles = u1 / (n1 * n2)
    if not ties and min(n1, n2) <= _EXACT_MAX:
        counts = _u_counts(n1, n2)
        upper = sum(counts[round(big) :]) / sum(counts)
        return TestResult(u1, min(1.0, 2.0 * upper), cles, None, "mann-whitney exact")
    n = n1 + n2
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1))
    sd = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term))
    if sd == 0.0:
        return TestResult(u1, 1.0, cles, None, "mann-whitney normal")
    z = (big - n1 * n2 / 2.0 - 0.5) / sd
    p = math.erfc(z / math.sqrt(2.0))  # two-sided: 2 * sf(z)
    return TestResult(u1, min(1.0, p), cles, None, "mann-whitney normal")


def compare_to_best(
    scores: Mapping[str, Sequence[float | None]],
    *,
    maximize: bool,
    alpha: float = DEFAULT_ALPHA,
    best: str | None = None,
) -> list[Comparison]:
    """Compare each configuration's seed scores (``None``: a failed seed) with the best
    configuration's (highest mean when ``maximize``, else lowest; ``best`` names it instead,
    e.g. when a search ranks by a percentile of the seeds). Returns one :class:`Comparison`
    per configuration, in the order given; see the module docstring for when a configuration
    counts as tied with the best. Linear in the number of configurations."""
    if not 0.0 < alpha < 1.0:
        raise StatsInputError(f"alpha: expected a number between 0 and 1, found {alpha!r}")
    clean = {k: _finite(v, str(k)) for k, v in scores.items()}
    means = {k: math.fsum(v) / len(v) for k, v in clean.items() if v}
    if not means:
        return [Comparison(k, "", 0, None, False, None, None, None, alpha) for k in scores]
    if best is None or best not in means:
        best = (max if maximize else min)(means, key=lambda k: means[k])
    out = []
    for key, vals in clean.items():
        mean = means.get(key)
        if key == best:
            out.append(Comparison(key, best, len(vals), mean, True, None, None, True, alpha))
            continue
        welch = rank = None
        tied: bool | None = None
        if len(vals) >= 2 and len(clean[best]) >= 2:
            welch = welch_t_test(clean[best], vals)
            rank = mann_whitney_u(clean[best], vals)
            tied = welch.p_value >= alpha
        elif vals and clean[best]:
            rank = mann_whitney_u(clean[best], vals)
        out.append(Comparison(key, best, len(vals), mean, False, welch, rank, tied, alpha))
    return out


def scores_by_config(
    rows: Iterable[Mapping[str, Any]], *, config_key: str = "config_id", score_key: str = "score"
) -> dict[str, list[float | None]]:
    """Seed scores per configuration from job rows (``results.json``'s ``jobs``: a job without
    a finite score counts as a failed seed, None), in order of first appearance."""
    out: dict[str, list[float | None]] = {}
    for row in rows:
        key = row.get(config_key)
        if key is None:
            continue
        score = row.get(score_key)
        value: float | None = None
        if isinstance(score, int | float) and not isinstance(score, bool) and math.isfinite(score):
            value = float(score)
        out.setdefault(str(key), []).append(value)
    return out
