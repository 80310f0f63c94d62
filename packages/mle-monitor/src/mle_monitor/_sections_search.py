"""A search's report sections: a parallel-coordinates figure, parameter importance and the
score against each parameter with the best-so-far line.

All work on :class:`~mle_monitor._trials.ConfigPoint` lists (one point per configuration, its
mean score over seeds; :func:`~mle_monitor._trials.config_points` folds trials into them).

**Parameter importance** is Breiman's permutation importance over a small random forest
(numpy only, no scikit-learn): 48 regression trees, each grown on a bootstrap sample of the
scored configurations (at least 2 per leaf, every parameter tried at each split, as
scikit-learn's regression forest does by default); a
parameter's importance is how much shuffling its values among the configurations a tree did
not see (out of bag) raises that tree's squared error, averaged over the trees, as a
fraction of the scores' variance (0: the score does not depend on it through the model).
Categorical parameters are one column coded by their mean score, which a tree splits as
well as any grouping of the categories. The forest's out-of-bag R^2 says how much of the
score the parameters explain at all: with a low R^2 the importances say little.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._sections_plot import (
    fmt_value,
    is_number,
    new_figure,
    param_names,
    png_bytes,
    short_name,
)
from ._trials import ConfigPoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from numpy.typing import NDArray

__all__ = [
    "MIN_POINTS_IMPORTANCE",
    "Importance",
    "ParamImportance",
    "importance_figure",
    "parallel_coordinates",
    "param_importance",
    "score_vs_params",
]

#: fewer scored configurations than this and no importance is estimated
MIN_POINTS_IMPORTANCE = 8


def _scored(points: Sequence[ConfigPoint]) -> list[ConfigPoint]:
    return [p for p in points if p.score is not None and math.isfinite(p.score)]


def _is_numeric(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(is_number(v) for v in present)


def _log_axis(values: Sequence[float]) -> bool:
    """Drawn on a log axis: positive values spanning at least two decades whose median sits
    nearer the middle of the range in log space than in linear space (a log-uniform draw or
    a grid like 0.01, 0.1, 1; a uniform draw from 0.001 to 1 stays linear)."""
    if not values or min(values) <= 0 or max(values) / min(values) < 100:
        return False
    lo, hi, mid = min(values), max(values), float(np.median(values))
    linear = (mid - lo) / (hi - lo)
    logs = (math.log(mid) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return abs(logs - 0.5) < abs(linear - 0.5)


class _Axis:
    """One parameter (or the score) mapped onto [0, 1]."""

    def __init__(self, name: str, values: Sequence[Any]) -> None:
        self.name = name
        self.numeric = _is_numeric(values)
        self.log = False
        self.cats: list[str] = []
        if self.numeric:
            nums = [float(v) for v in values if v is not None]
            self.log = _log_axis(nums)
            f = [math.log10(v) for v in nums] if self.log else nums
            self.lo, self.hi = min(f), max(f)
        else:
            self.cats = sorted({str(v) for v in values}, key=lambda s: (s == "None", s))
            self.lo, self.hi = 0.0, float(max(1, len(self.cats) - 1))

    def position(self, value: Any) -> float:
        if value is None and self.numeric:
            return math.nan
        if self.numeric:
            v = float(value)
            v = math.log10(v) if self.log else v
        else:
            v = float(self.cats.index(str(value)))
            if len(self.cats) == 1:
                return 0.5
        span = self.hi - self.lo
        return 0.5 if span == 0 else (v - self.lo) / span

    def ticks(self) -> list[tuple[float, str]]:
        if not self.numeric:
            return [(self.position(c), c) for c in self.cats]
        if self.hi == self.lo:
            return [(0.5, fmt_value(10**self.lo if self.log else self.lo))]
        out = []
        for frac in (0.0, 0.5, 1.0):
            v = self.lo + frac * (self.hi - self.lo)
            out.append((frac, fmt_value(10**v if self.log else v, 3)))
        return out


def parallel_coordinates(
    points: Sequence[ConfigPoint], *, metric: str = "score", maximize: bool = False
) -> bytes | None:
    """A parallel-coordinates figure (PNG): one vertical axis per parameter and a last one
    for the score; each scored configuration is a line across them, coloured by its score
    (yellow: best end, purple: worst), the best configuration drawn thick in red on top.
    Numeric axes span the values tried (log axis when positive values span two decades),
    categorical ones list their values. None when no configuration has a score."""
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize

    scored = _scored(points)
    if not scored:
        return None
    names = param_names([dict(p.params) for p in scored])
    axes = [_Axis(n, [p.params.get(n) for p in scored]) for n in names]
    scores = [float(p.score) for p in scored if p.score is not None]
    axes.append(_Axis(metric, scores))
    fig = new_figure(max(6.0, 1.5 * len(axes) + 1.5), 4.4)
    ax = fig.subplots()
    lo, hi = min(scores), max(scores)
    norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1)
    cmap = colormaps["viridis" if maximize else "viridis_r"]
    best = (max if maximize else min)(range(len(scored)), key=lambda i: scores[i])
    xs = list(range(len(axes)))
    # one artist for all lines (thousands stay quick), worst first so the good ones are on top
    ranked = sorted(range(len(scored)), key=lambda i: scores[i], reverse=not maximize)
    segments, colors = [], []
    for i in ranked:
        if i == best:
            continue
        p = scored[i]
        ys = [a.position(p.params.get(a.name)) for a in axes[:-1]]
        ys.append(axes[-1].position(scores[i]))
        segments.append(list(zip(xs, ys, strict=True)))
        colors.append(cmap(norm(scores[i])))
    alpha = 0.7 if len(scored) <= 200 else max(0.1, 0.7 * math.sqrt(200 / len(scored)))
    ax.add_collection(LineCollection(segments, colors=colors, alpha=alpha, linewidths=1.2))
    p = scored[best]
    ys = [a.position(p.params.get(a.name)) for a in axes[:-1]] + [axes[-1].position(scores[best])]
    ax.plot(xs, ys, color="red", lw=2.6)
    for x, a in zip(xs, axes, strict=True):
        ax.axvline(x, color="#444", lw=0.8)
        for y, text in a.ticks():
            ax.text(x + 0.03, y, text, fontsize=7, va="center", ha="left", color="#222")
    labels = [short_name(a.name) + (" (log)" if a.log else "") for a in axes]
    ax.set_xticks(xs, labels, rotation=15)
    ax.set_yticks([])
    ax.set_xlim(-0.2, len(axes) - 0.6)
    ax.set_ylim(-0.06, 1.06)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    direction = "higher" if maximize else "lower"
    fig.colorbar(_mappable(cmap, norm), ax=ax, label=f"{metric} ({direction} is better)", pad=0.02)
    ax.set_title(
        f"{len(scored)} configurations across their parameters\n"
        f"red: the best, {p.config_id} ({fmt_value(scores[best])})",
        fontsize=10,
        pad=10,
    )
    fig.tight_layout()
    return png_bytes(fig)


def _mappable(cmap: Any, norm: Any) -> Any:
    from matplotlib.cm import ScalarMappable

    sm = ScalarMappable(norm=norm, cmap=cmap)
    sm.set_array([])
    return sm


# -- parameter importance ---------------------------------------------------------------


@dataclass(frozen=True)
class ParamImportance:
    """One parameter's permutation importance: the mean rise of a tree's out-of-bag squared
    error when the parameter is shuffled, as a fraction of the scores' variance, and the
    standard error of that mean over the trees."""

    name: str
    importance: float
    stderr: float
    kind: str  # "numeric" or "categorical"


@dataclass(frozen=True)
class Importance:
    """Parameter importance of one search (see the module docstring)."""

    params: list[ParamImportance]  # most important first
    oob_r2: float | None  # how much of the score's variance the forest explains out of bag
    n_points: int
    n_trees: int


class _Tree:
    """A regression tree in flat arrays (feature -1: a leaf holding ``value``)."""

    def __init__(self) -> None:
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.value: list[float] = []

    def add(self, value: float) -> int:
        self.feature.append(-1)
        self.threshold.append(0.0)
        self.left.append(-1)
        self.right.append(-1)
        self.value.append(value)
        return len(self.value) - 1

    def predict(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        feat, thr = np.asarray(self.feature), np.asarray(self.threshold)
        left, right = np.asarray(self.left), np.asarray(self.right)
        node = np.zeros(len(x), dtype=int)
        rows = np.arange(len(x))
        while True:
            f = feat[node]
            inner = f >= 0
            if not inner.any():
                break
            r, n = rows[inner], node[inner]
            go_left = x[r, f[inner]] <= thr[n]
            node[r] = np.where(go_left, left[n], right[n])
        return np.asarray(self.value)[node]


def _best_split(
    x: NDArray[np.float64], y: NDArray[np.float64], min_leaf: int
) -> tuple[float, float]:
    """(reduction of the squared error, threshold) of the best split on one column."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    n = len(ys)
    csum = np.cumsum(ys)
    total = csum[-1]
    k = np.arange(1, n)  # left sizes
    left_sum = csum[:-1]
    gain = left_sum**2 / k + (total - left_sum) ** 2 / (n - k) - total**2 / n
    ok = (xs[1:] > xs[:-1]) & (k >= min_leaf) & (n - k >= min_leaf)
    if not ok.any():
        return 0.0, 0.0
    gain = np.where(ok, gain, -np.inf)
    i = int(np.argmax(gain))
    return float(gain[i]), float((xs[i] + xs[i + 1]) / 2)


def _grow(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    rng: np.random.Generator,
    min_leaf: int,
    max_features: int,
) -> _Tree:
    tree = _Tree()
    root = tree.add(float(y.mean()))
    stack = [(root, np.arange(len(y)))]
    while stack:
        node, idx = stack.pop()
        if len(idx) < 2 * min_leaf or np.ptp(y[idx]) == 0:
            continue
        best = (0.0, 0, 0.0)
        for f in rng.permutation(x.shape[1])[:max_features]:
            gain, thr = _best_split(x[idx, f], y[idx], min_leaf)
            if gain > best[0] + 1e-12:
                best = (gain, int(f), thr)
        if best[0] <= 0:
            continue
        _, f, thr = best
        mask = x[idx, f] <= thr
        li, ri = idx[mask], idx[~mask]
        tree.feature[node], tree.threshold[node] = f, thr
        tree.left[node] = tree.add(float(y[li].mean()))
        tree.right[node] = tree.add(float(y[ri].mean()))
        stack += [(tree.left[node], li), (tree.right[node], ri)]
    return tree


def _encode(
    points: Sequence[ConfigPoint], names: Sequence[str], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], list[str]]:
    """The design matrix: numeric columns as they are (a missing value below the smallest),
    categorical ones coded by each category's mean score."""
    cols, kinds = [], []
    for name in names:
        values = [p.params.get(name) for p in points]
        if _is_numeric(values):
            nums = [float(v) for v in values if v is not None]
            fill = min(nums) - 1.0
            cols.append([fill if v is None else float(v) for v in values])
            kinds.append("numeric")
        else:
            keys = [str(v) for v in values]
            means = {
                k: float(np.mean(y[[i for i, kk in enumerate(keys) if kk == k]])) for k in keys
            }
            rank = {k: r for r, k in enumerate(sorted(means, key=lambda k: (means[k], k)))}
            cols.append([float(rank[k]) for k in keys])
            kinds.append("categorical")
    return np.asarray(cols, dtype=float).T.reshape(len(points), len(names)), kinds


def param_importance(
    points: Sequence[ConfigPoint],
    *,
    n_trees: int = 48,
    min_leaf: int = 2,
    seed: int = 0,
    max_points: int = 2000,
) -> Importance | None:
    """Permutation importance of each parameter over a random forest (see the module
    docstring); None with fewer than :data:`MIN_POINTS_IMPORTANCE` scored configurations or
    no parameters. Deterministic for a given ``seed``; at most ``max_points`` configurations
    (the latest) are used, so a huge search stays quick."""
    scored = _scored(points)[-max_points:]
    names = param_names([dict(p.params) for p in scored])
    if len(scored) < MIN_POINTS_IMPORTANCE or not names:
        return None
    y = np.asarray([p.score for p in scored], dtype=float)
    x, kinds = _encode(scored, names, y)
    var = float(y.var())
    if var == 0:
        zero = [ParamImportance(n, 0.0, 0.0, k) for n, k in zip(names, kinds, strict=True)]
        return Importance(zero, None, len(scored), 0)
    rng = np.random.default_rng(seed)
    n = len(y)
    min_leaf = max(min_leaf, n // 100)  # at most ~100 leaves a tree: big searches stay quick
    max_features = len(names)
    rises: list[list[float]] = [[] for _ in names]
    oob_sum, oob_cnt = np.zeros(n), np.zeros(n)
    for _ in range(n_trees):
        boot = rng.integers(0, n, n)
        oob = np.setdiff1d(np.arange(n), boot)
        tree = _grow(x[boot], y[boot], rng, min_leaf, max_features)
        if len(oob) < 2:
            continue
        pred = tree.predict(x[oob])
        oob_sum[oob] += pred
        oob_cnt[oob] += 1
        base = float(np.mean((pred - y[oob]) ** 2))
        for j in range(len(names)):
            xp = x[oob].copy()
            xp[:, j] = xp[rng.permutation(len(oob)), j]
            rises[j].append((float(np.mean((tree.predict(xp) - y[oob]) ** 2)) - base) / var)
    seen = oob_cnt > 0
    r2 = None
    if seen.sum() >= 2:
        r2 = 1.0 - float(np.mean((oob_sum[seen] / oob_cnt[seen] - y[seen]) ** 2)) / var
    out = [
        ParamImportance(
            name,
            float(np.mean(r)) if r else 0.0,
            float(np.std(r, ddof=1) / math.sqrt(len(r))) if len(r) > 1 else 0.0,
            kind,
        )
        for name, kind, r in zip(names, kinds, rises, strict=True)
    ]
    out.sort(key=lambda p: -p.importance)
    return Importance(out, r2, n, n_trees)


def importance_figure(result: Importance) -> bytes:
    """Horizontal bars: each parameter's permutation importance with its standard error over
    the trees (most important on top), the forest's out-of-bag R^2 in the title."""
    params = list(reversed(result.params))
    fig = new_figure(6.4, 1.2 + 0.45 * len(params))
    ax = fig.subplots()
    vals = [max(0.0, p.importance) for p in params]
    errs = [p.stderr for p in params]
    ax.barh(range(len(params)), vals, xerr=errs, color="C0", capsize=3)
    ax.set_yticks(range(len(params)), [f"{short_name(p.name)} ({p.kind[:3]})" for p in params])
    ax.set_xlabel("rise of the out-of-bag squared error when shuffled (fraction of variance)")
    r2 = "n/a" if result.oob_r2 is None else f"{result.oob_r2:.2f}"
    ax.set_title(
        f"Parameter importance ({result.n_points} configurations, forest R\u00b2 = {r2})",
        fontsize=10,
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)


# -- score against each parameter ------------------------------------------------------


def _best_so_far(scores: Sequence[float], maximize: bool) -> list[float]:
    out: list[float] = []
    for s in scores:
        out.append(s if not out else (max if maximize else min)(out[-1], s))
    return out


def score_vs_params(
    points: Sequence[ConfigPoint], *, metric: str = "score", maximize: bool = False
) -> bytes | None:
    """One panel per parameter plus a first one for the search's history: the score of each
    configuration in evaluation order with the best-so-far line (a step), then the score
    against each parameter's value (points coloured by evaluation order, the best as a red
    star, numeric parameters on a log axis when they span two decades, categorical ones
    one column per value). None when no configuration has a score."""
    from matplotlib import colormaps

    scored = _scored(points)
    if not scored:
        return None
    names = param_names([dict(p.params) for p in scored])
    ncols = min(3, len(names) + 1)
    nrows = math.ceil((len(names) + 1) / ncols)
    fig = new_figure(4.2 * ncols, 3.3 * nrows)
    grid = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    scores = [float(p.score) for p in scored if p.score is not None]
    order = list(range(1, len(scored) + 1))
    cmap = colormaps["viridis"]
    colors = [cmap(i / max(1, len(scored) - 1)) for i in range(len(scored))]
    best = (max if maximize else min)(range(len(scored)), key=lambda i: scores[i])

    ax: Axes = grid[0]
    ax.scatter(order, scores, c=colors, s=18, zorder=2, label="configuration")
    ax.step(order, _best_so_far(scores, maximize), where="post", color="C3", label="best so far")
    ax.set(xlabel="evaluation", ylabel=metric, title="history")
    ax.legend(fontsize=7)
    for k, name in enumerate(names, start=1):
        ax = grid[k]
        values = [p.params.get(name) for p in scored]
        if _is_numeric(values):
            pairs = [(i, float(v)) for i, v in enumerate(values) if v is not None]
            idx = [i for i, _ in pairs]
            xs: list[float] = [x for _, x in pairs]
            if _log_axis(xs):
                ax.set_xscale("log")
        else:
            cats = sorted({str(v) for v in values})
            idx = list(range(len(values)))
            xs = [float(cats.index(str(values[i]))) for i in idx]
            ax.set_xticks(range(len(cats)), cats, rotation=20)
        ax.scatter(xs, [scores[i] for i in idx], c=[colors[i] for i in idx], s=18, zorder=2)
        if best in idx:
            bx = xs[idx.index(best)]
            ax.scatter([bx], [scores[best]], marker="*", s=160, color="red", zorder=3)
        ax.set(xlabel=short_name(name), title=f"{metric} against {short_name(name)}")
    for ax in grid[len(names) + 1 :]:
        ax.set_visible(False)
    for ax in grid[: len(names) + 1]:
        ax.grid(alpha=0.3)
        ax.title.set_fontsize(10)
    fig.tight_layout()
    return png_bytes(fig)


def importance_rows(result: Importance) -> list[list[str]]:
    """The importance as table rows: parameter, kind, importance, standard error."""
    return [[p.name, p.kind, f"{p.importance:.3f}", f"{p.stderr:.3f}"] for p in result.params]
