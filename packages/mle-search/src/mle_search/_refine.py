"""Search-space refinement, the original mle-hyperopt's ``refine_after`` / ``refine_top_k``:
after a given number of results the space proposals are drawn from shrinks to the span of the
best ``refine_top_k`` results so far (real and integer ranges to [min, max], categories to the
values among them); the strategy then keeps proposing inside it.

A refinement is a function of the ordered results alone (the best ``top_k`` of the first ``n``
results), so a strategy resumed from its hyper log refines at the same points and to the same
spaces as the run that wrote the log, however the results were batched.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._params import CategoricalParam, IntegerParam, Param, RealParam, _same
from ._results import Evaluation
from ._space import Key, Space
from ._strategy import Strategy
from .errors import SearchConfigError, SearchInputError

__all__ = ["RefiningStrategy", "refined_space"]

#: the original's refine_top_k when only refine_after is given (its first releases' default)
DEFAULT_TOP_K = 5
_MAX_TRIES = 1000


def _count(value: object, low: int) -> int | None:
    """``value`` as an int if it is an integer >= ``low`` (not a bool), else None."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return None
    return int(value) if value >= low else None


def refine_schedule(
    refine_after: object, refine_top_k: object, who: str
) -> tuple[tuple[int, ...], int] | None:
    """The checked ``(counts, top_k)`` of a strategy's refine options (None: no refinement).

    ``refine_after`` is a number of results or an increasing list of them (refine at each);
    ``refine_top_k`` (default 5) is how many of the best results span the refined space.
    """
    if refine_after is None:
        if refine_top_k is not None:
            raise SearchConfigError(
                f"{who}: refine_top_k {refine_top_k!r} needs refine_after (after how many "
                "results to refine: an integer or a list of integers), found none"
            )
        return None
    given = refine_after if isinstance(refine_after, (list, tuple)) else [refine_after]
    counts = [_count(c, 1) for c in given]
    if not counts or any(
        a is None or b is None or b <= a for a, b in itertools.pairwise([0, *counts])
    ):
        raise SearchConfigError(
            f"{who}: expected refine_after to be an integer >= 1 or an increasing list of "
            f"them, found {refine_after!r}"
        )
    top_k = _count(DEFAULT_TOP_K if refine_top_k is None else refine_top_k, 2)
    if top_k is None:
        raise SearchConfigError(
            f"{who}: expected refine_top_k to be an integer >= 2, found {refine_top_k!r}"
        )
    return tuple(c for c in counts if c is not None), top_k


def _subset(param: Param, kept: Sequence[Any]) -> Param:
    """A grid axis (binned real, thinned integer) narrowed to ``kept``, its own values."""
    if isinstance(param, RealParam):
        return _RealSubset(param.name, kept[0], kept[-1], param.prior, len(kept), tuple(kept))
    assert isinstance(param, IntegerParam)
    return _IntegerSubset(param.name, kept[0], kept[-1], param.prior, len(kept), tuple(kept))


@dataclass(frozen=True)
class _RealSubset(RealParam):
    """A binned real keeping some of its grid values exactly (no re-spacing, whose rounding
    would make new floats that differ from the values already evaluated)."""

    subset: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_values", self.subset)


@dataclass(frozen=True)
class _IntegerSubset(IntegerParam):
    """A thinned integer axis keeping some of its values."""

    subset: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_values", self.subset)


def _narrow(param: Param, values: Sequence[Any]) -> Param:
    if isinstance(param, CategoricalParam):
        return CategoricalParam(
            param.name, tuple(c for c in param.choices if any(_same(c, v) for v in values))
        )
    low, high = min(values), max(values)
    grid = param.values if isinstance(param, RealParam) else None
    if isinstance(param, IntegerParam) and not isinstance(param.values, range):
        grid = param.values
    if grid is not None:
        return _subset(param, [v for v in grid if low <= v <= high])
    if isinstance(param, IntegerParam):
        return IntegerParam(param.name, int(low), int(high), param.prior)
    assert isinstance(param, RealParam)
    return RealParam(param.name, float(low), float(high), param.prior)


def refined_space(space: Space, top: Sequence[Evaluation]) -> Space:
    """``space`` narrowed to the span of ``top``'s points: each real and integer range to
    [min, max] of their values (a grid axis keeps its values in that span), each categorical
    to the values among them (in the original order); priors are kept."""
    if not top:
        raise SearchInputError("refine: expected at least one result to refine to, found none")
    keys = [space.key(ev.params) for ev in top]
    return Space([_narrow(param, [key[i] for key in keys]) for i, param in enumerate(space.params)])


def contains(space: Space, key: Key) -> bool:
    """Whether a key of a larger space with the same parameters lies in ``space``."""
    for param, value in zip(space.params, key, strict=True):
        values = param.values
        if isinstance(param, CategoricalParam):
            if not any(_same(c, value) for c in param.choices):
                return False
        elif values is not None:
            if value not in values:
                return False
        elif not float(param.begin) <= value <= float(param.end):  # type: ignore[attr-defined]
            return False
    return True


class RefiningStrategy(Strategy):
    """A strategy whose proposals may come from a refined part of its space (random, SMBO).

    ``space`` stays the whole space (every result and pending point is checked against it);
    :attr:`active_space` is where new proposals come from. Subclasses call
    :meth:`_setup_refine` and :meth:`_refine_due` (after results arrived) and implement
    :meth:`_refined` (the active space changed).
    """

    _refine: tuple[tuple[int, ...], int] | None = None

    def _setup_refine(self, refine_after: object, refine_top_k: object) -> None:
        self._refine = refine_schedule(refine_after, refine_top_k, self.search_type)
        if self._refine is not None and self.n_objectives > 1:
            raise SearchConfigError(
                f"{self.search_type}: expected no refine_after with {self.n_objectives} "
                "objectives (a refinement keeps the top-k results by one score)"
            )
        self.refine_after = None if self._refine is None else list(self._refine[0])
        self.refine_top_k = None if self._refine is None else self._refine[1]
        self._active = self.space
        self._steps: list[tuple[int, Space]] = []
        self._scheduled = 0  # refine_after counts done

    # -- public API -----------------------------------------------------------------------
    @property
    def active_space(self) -> Space:
        """The space proposals are drawn from: the whole space until a refinement."""
        return self._active

    @property
    def refinements(self) -> list[tuple[int, Space]]:
        """Every refinement so far: (number of results it was computed from, the space)."""
        return list(self._steps)

    @property
    def last_refined(self) -> int:
        """The number of results at the last refinement (0: none yet), as the original's."""
        return self._steps[-1][0] if self._steps else 0

    def refine(self, top_k: int) -> Space:
        """Narrow the space now to the span of the ``top_k`` best results (as the original's
        ``strategy.refine(top_k)``) and return it. A refinement made by hand is not replayed
        when a search resumes from its hyper log (``refine_after`` ones are)."""
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise SearchInputError(f"refine(top_k): expected an integer >= 1, found {top_k!r}")
        top = self._top(self._history, top_k)
        if not top:
            raise SearchInputError("refine: expected at least one successful result, found none")
        self._apply(len(self._history), refined_space(self.space, top))
        return self._active

    # -- for subclasses -------------------------------------------------------------------
    def _refine_due(self) -> bool:
        """Apply every scheduled refinement the results so far call for; True if the active
        space changed. The refinement for count ``c`` uses the best ``top_k`` of the first
        ``n >= c`` results, ``n`` the least with ``top_k`` successful ones among them."""
        if self._refine is None:
            return False
        counts, top_k = self._refine
        history = self._history
        changed = False
        while self._scheduled < len(counts) and len(history) >= counts[self._scheduled]:
            n = counts[self._scheduled]
            ok = sum(ev.score is not None for ev in history[:n])
            while ok < top_k and n < len(history):
                ok += history[n].score is not None
                n += 1
            if ok < top_k:
                break  # wait for more successful results
            self._apply(n, refined_space(self.space, self._top(history[:n], top_k)))
            self._scheduled += 1
            changed = True
        return changed

    def _refined(self) -> None:
        """The active space changed (hook)."""

    def _in_active(self, key: Key) -> bool:
        return not self._steps or contains(self._active, key)

    def _count_active(self, keys: Iterable[Key]) -> int:
        if not self._steps:
            return sum(1 for _ in keys)
        return sum(1 for k in keys if contains(self._active, k))

    def _free_active_key(
        self, rng: np.random.Generator, out: Sequence[Key], who: str
    ) -> Key | None:
        """A random free point of the active space (see Strategy._random_free_key)."""
        if not self._steps:
            return self._random_free_key(rng, out, who)
        space = self._active
        for _ in range(_MAX_TRIES):
            key = space.sample(rng)
            if not self._taken(key) and key not in out:
                return key
        if space.size is None:
            self._stall(
                f"{who}: {_MAX_TRIES} random draws in a row repeated earlier points; the "
                "refined space has (almost) no new points left"
            )
            return None
        from ._grid import GridSearch

        grid = GridSearch(space)
        left = [k for i in range(grid.size) if not self._taken(k := grid.point(i)) and k not in out]
        return left[int(rng.integers(len(left)))] if left else None

    # -- internals ------------------------------------------------------------------------
    def _top(self, history: Sequence[Evaluation], k: int) -> list[Evaluation]:
        scored = [ev for ev in history if ev.score is not None]
        scored.sort(key=lambda ev: self.objective(ev.score))  # type: ignore[arg-type]
        return scored[:k]

    def _apply(self, n: int, space: Space) -> None:
        self._active = space
        self._steps.append((n, space))
        self._refined()
