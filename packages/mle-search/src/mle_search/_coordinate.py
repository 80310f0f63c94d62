"""Coordinate search: sweep one parameter at a time around the best point found so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._params import CategoricalParam, canonical_name
from ._results import Evaluation
from ._space import Key, Space
from ._strategy import Strategy
from .errors import SearchConfigError

__all__ = ["CoordinateSearch"]


class CoordinateSearch(Strategy):
    """Sweep the parameters one at a time, in ``order`` (default: the space's order), each over
    its values (bins, integers or categories; ``resolution`` evenly spaced values for a
    continuous range or a long integer range), with the other parameters held at the incumbent:
    the best point of the sweeps finished so far (``start`` before any; default: the middle
    value of each axis, the first category). ``num_rounds`` repeats the whole cycle.

    A sweep starts only when the previous one has all its results, so ``ask`` returns ``[]``
    with ``exhausted`` False while it waits for pending proposals.
    """

    search_type = "coordinate"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        order: Sequence[str] | None = None,
        start: Mapping[str, Any] | None = None,
        resolution: int = 10,
        num_rounds: int = 1,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        for label, value, low in (("resolution", resolution, 2), ("num_rounds", num_rounds, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SearchConfigError(
                    f"coordinate search: expected {label} to be an integer >= {low}, "
                    f"found {value!r}"
                )
        self._order = self._parse_order(order)
        self._axes = [p.discretize(resolution) for p in space]
        self._incumbent = self._parse_start(start)
        self._n_sweeps = num_rounds * len(self._order)
        self._step = -1  # index of the current sweep
        self._sweep: list[Key] = []  # every point of the current sweep
        self._queue: list[Key] = []  # points of the current sweep not yet proposed
        self._done: set[Key] = set()  # points of finished sweeps
        self._objective: dict[Key, float] = {}  # best objective seen per evaluated point

    @property
    def order(self) -> list[str]:
        """Canonical names of the parameters, in sweep order."""
        return [self.space.params[i].name for i in self._order]

    @property
    def incumbent(self) -> dict[str, Any]:
        """The point the current sweep varies around."""
        return self.space.proposal(self._incumbent)

    def _parse_order(self, order: Sequence[str] | None) -> list[int]:
        if order is None:
            return list(range(len(self.space)))
        if isinstance(order, str) or not isinstance(order, Sequence) or not order:
            raise SearchConfigError(
                f"coordinate search: expected order to be a non-empty list of parameter names, "
                f"found {order!r}"
            )
        out = []
        for name in order:
            if name not in self.space:
                raise SearchConfigError(
                    f"coordinate search: order names {name!r}, expected one of {self.space.names}"
                )
            idx = self.space.index(name)
            if idx in out:
                raise SearchConfigError(f"coordinate search: order names {name!r} twice")
            out.append(idx)
        return out

    def _parse_start(self, start: Mapping[str, Any] | None) -> Key:
        given: dict[str, Any] = {}
        if start is not None:
            if not isinstance(start, Mapping):
                raise SearchConfigError(
                    f"coordinate search: expected start to be a mapping of parameter values, "
                    f"found {start!r}"
                )
            for name, value in start.items():
                if name not in self.space:
                    raise SearchConfigError(
                        f"coordinate search: start names {name!r}, expected one of "
                        f"{self.space.names}"
                    )
                given[canonical_name(name)] = self.space[name].coerce(value)
        values = []
        for param, axis in zip(self.space, self._axes, strict=True):
            if param.name in given:
                values.append(given[param.name])
            elif isinstance(param, CategoricalParam):
                values.append(axis[0])
            else:
                values.append(axis[(len(axis) - 1) // 2])
        return tuple(values)

    def _busy(self, extra: Sequence[Key] = ()) -> bool:
        """Whether a point of the current sweep still awaits its result."""
        return any(k in self._pending or k in extra for k in self._sweep)

    def _advance(self) -> bool:
        """Close the finished sweep and open the next; False when there is none."""
        self._done.update(self._sweep)
        best: tuple[float, Key] | None = None
        for key, obj in self._objective.items():  # first evaluated wins a tie
            if key in self._done and (best is None or obj < best[0]):
                best = (obj, key)
        if best is not None:
            self._incumbent = best[1]
        self._step += 1
        if self._step >= self._n_sweeps:
            self._sweep, self._queue = [], []
            return False
        axis = self._order[self._step % len(self._order)]
        self._sweep = []
        for value in self._axes[axis]:
            point = list(self._incumbent)
            point[axis] = value
            self._sweep.append(tuple(point))
        self._queue = [k for k in self._sweep if not self._taken(k)]
        return True

    def _propose(self, n: int) -> list[Key]:
        out: list[Key] = []
        while len(out) < n:
            if self._queue:
                key = self._queue.pop(0)
                if not self._taken(key) and key not in out:
                    out.append(key)
            elif self._busy(out) or not self._advance():
                break
        return out

    def _exhausted(self) -> bool:
        while not self._queue and not self._busy() and self._step < self._n_sweeps:
            self._advance()
        return not self._queue and self._step >= self._n_sweeps - 1

    def _observe(self, items: list[tuple[Key, Evaluation]]) -> None:
        for key, ev in items:
            if ev.score is None:
                continue
            obj = self.objective(ev.score)
            self._objective[key] = min(obj, self._objective.get(key, obj))
