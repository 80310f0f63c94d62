"""The Pareto front of a multi-objective search: the trials no other trial beats on every
objective at once (directions respected)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

from ._results import Evaluation
from .errors import SearchInputError

__all__ = ["dominates", "pareto_front", "point_of"]

T = TypeVar("T")


def _directions(maximize: bool | Sequence[bool], n: int) -> tuple[bool, ...]:
    if isinstance(maximize, (bool, np.bool_)):
        return (bool(maximize),) * n
    if isinstance(maximize, (str, bytes, Mapping)) or not isinstance(maximize, Sequence):
        raise SearchInputError(
            f"pareto_front: expected maximize to be a bool or one bool per objective, "
            f"found {maximize!r}"
        )
    out = tuple(maximize)
    if len(out) != n or not all(isinstance(m, (bool, np.bool_)) for m in out):
        raise SearchInputError(
            f"pareto_front: expected {n} bools in maximize (one per objective), found {maximize!r}"
        )
    return tuple(bool(m) for m in out)


def point_of(item: object) -> tuple[float, ...] | None:
    """The objective values of ``item``: an :class:`Evaluation` (its ``values``), a hyper-log
    record (``values``, else ``[score]``) or a sequence of numbers. None when it has none (a
    failed trial, a pruned record, a non-finite entry)."""
    raw: object
    if isinstance(item, Evaluation):
        raw = item.values
    elif isinstance(item, Mapping):
        if item.get("state") == "pruned":
            return None  # stopped early: not a point of the full-budget front
        raw = item.get("values")
        if raw is None:
            raw = None if item.get("score") is None else [item.get("score")]
    else:
        raw = item
    if raw is None:
        return None
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (Sequence, np.ndarray)):
        raise SearchInputError(
            f"pareto_front: expected an Evaluation, a hyper-log record or a list of numbers, "
            f"found {item!r}"
        )
    out = []
    for v in raw:
        if v is None or isinstance(v, (bool, np.bool_)):
            return None
        if not isinstance(v, (int, float, np.integer, np.floating)):
            raise SearchInputError(f"pareto_front: expected numbers, found {v!r} in {item!r}")
        if not math.isfinite(float(v)):
            return None
        out.append(float(v))
    return tuple(out) if out else None


def dominates(
    a: Sequence[float], b: Sequence[float], maximize: bool | Sequence[bool] = False
) -> bool:
    """True when ``a`` is at least as good as ``b`` on every objective and better on one."""
    if len(a) != len(b):
        raise SearchInputError(
            f"dominates: expected points of equal length, found {len(a)} and {len(b)}"
        )
    dirs = _directions(maximize, len(a))
    sa = [-x if m else x for x, m in zip(a, dirs, strict=True)]
    sb = [-x if m else x for x, m in zip(b, dirs, strict=True)]
    return all(x <= y for x, y in zip(sa, sb, strict=True)) and sa != sb


def pareto_front(items: Sequence[T], maximize: bool | Sequence[bool] = False) -> list[T]:
    """The non-dominated items, in input order.

    ``items``: :class:`Evaluation` objects (e.g. ``SearchLoop.history``), hyper-log records
    (their ``values``; single-objective records count as one-value points) or plain
    sequences of numbers. ``maximize``: one bool for every objective, or one per objective.
    Failed trials, pruned records and points with a non-finite value are never on the front;
    equal points are all kept (neither dominates the other). Raises SearchInputError when the
    points differ in length or ``maximize`` does not fit.
    """
    if isinstance(items, (str, bytes, Mapping)):
        raise SearchInputError(f"pareto_front: expected a list of items, found {items!r}")
    kept: list[tuple[T, tuple[float, ...]]] = []
    for item in items:
        point = point_of(item)
        if point is not None:
            kept.append((item, point))
    if not kept:
        return []
    n = len(kept[0][1])
    if any(len(p) != n for _, p in kept):
        lengths = sorted({len(p) for _, p in kept})
        raise SearchInputError(
            f"pareto_front: expected points with one value per objective, found lengths {lengths}"
        )
    dirs = _directions(maximize, n)
    sign = np.array([-1.0 if m else 1.0 for m in dirs])
    pts = np.array([p for _, p in kept], dtype=float) * sign  # minimize every column
    order = np.lexsort(pts.T[::-1])  # by first objective, ties by the next ones
    front: list[int] = []
    for i in order:  # a point can only be dominated by one sorted before it
        p = pts[i]
        if front:
            f = pts[front]
            if np.any(np.all(f <= p, axis=1) & np.any(f < p, axis=1)):
                continue
        front.append(int(i))
    return [kept[i][0] for i in sorted(front)]
