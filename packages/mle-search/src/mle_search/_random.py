"""Random search: a seeded stream of points, without repeats, that a resume continues."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._grid import GridSearch
from ._refine import RefiningStrategy
from ._results import Evaluation
from ._space import Key, Space

__all__ = ["RandomSearch"]

#: Rejections in a row after which a nearly used-up finite space is enumerated instead.
_MAX_REJECTIONS = 1000
#: How far past the logged points a resume looks for them in the stream.
_RESUME_SLACK = 4096


class RandomSearch(RefiningStrategy):
    """Points drawn independently from each parameter's distribution (bins and integers
    uniformly, continuous reals per their prior). The stream is a function of ``seed`` alone,
    repeats are skipped, and a finite space ends exhausted after its last unseen point.
    Without a seed one is drawn and kept in ``seed`` (pass it back to resume).

    ``refine_after`` (a number of results, or a list of them) and ``refine_top_k`` (default 5)
    narrow the space as the original mle-hyperopt did: after that many results, proposals
    come from the span of the ``refine_top_k`` best results so far (see
    :attr:`active_space`), each refined space with a stream of its own."""

    search_type = "random"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        refine_after: int | list[int] | None = None,
        refine_top_k: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        if self.seed is None:
            self.seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
        self._setup_refine(refine_after, refine_top_k)
        self._rng = self._stream()
        self._emitted: set[Key] = set()  # every point the stream has produced
        self._requeued: list[Key] = []  # stream points lost before a resume (never told)
        self._size = space.size

    def _stream(self) -> np.random.Generator:
        """A fresh generator for the current space: the seed's stream for the whole space,
        one stream per refinement after that (a resume can replay it from its start)."""
        phase = len(self._steps)
        return np.random.default_rng(self.seed if phase == 0 else [self.seed or 0, phase])

    def _refined(self) -> None:
        self._rng = self._stream()
        self._emitted = set()
        self._requeued = []
        self._size = self.active_space.size

    def _draw(self) -> Key | None:
        """The next unique point of the stream, or None when the space is used up (a
        continuous one that yields only repeats stalls the strategy)."""
        rejections = 0
        while True:
            if self._size is not None and len(self._emitted) >= self._size:
                return None
            key = self.active_space.sample(self._rng)
            if key not in self._emitted:
                self._emitted.add(key)
                return key
            rejections += 1
            if rejections >= _MAX_REJECTIONS:
                if self._size is not None:
                    return self._draw_remaining()
                self._stall(
                    f"random search: {_MAX_REJECTIONS} draws in a row repeated earlier points; "
                    "the space has (almost) no new points left (a real range with fewer "
                    "distinct floats than the budget?)"
                )
                return None

    def _draw_remaining(self) -> Key | None:
        grid = GridSearch(self.active_space)
        left = [k for i in range(grid.size) if (k := grid.point(i)) not in self._emitted]
        if not left:
            return None
        key = left[int(self._rng.integers(len(left)))]
        self._emitted.add(key)
        return key

    def _propose(self, n: int) -> list[Key]:
        out: list[Key] = []
        while self._requeued and len(out) < n:
            key = self._requeued.pop(0)
            if not self._taken(key):
                out.append(key)
        while len(out) < n:
            drawn = self._draw()
            if drawn is None:
                break
            if not self._taken(drawn):
                out.append(drawn)
        return out

    def _exhausted(self) -> bool:
        if self._size is None:
            return False
        seen = self._seen if not self._steps else {k for k in self._seen if self._in_active(k)}
        return not self._requeued and len(self._emitted | seen) >= self._size

    def _observe(self, items: list[tuple[Key, Evaluation]]) -> None:
        self._refine_due()

    def _resume(self, items: list[tuple[Key, Evaluation]]) -> None:
        """Replay the stream past the last logged point; stream points before it that are
        not in the log (pending when the run stopped) are proposed again first. A refined
        search replays the stream of its last refined space, from the results after it."""
        self._refine_due()
        start = self.last_refined
        logged = {key for key, _ in items[start:] if self._in_active(key)}
        self._rng = self._stream()
        self._emitted = set()
        stream: list[Key] = []
        last = -1
        state: Any = copy.deepcopy(self._rng.bit_generator.state)
        matched = 0
        while matched < len(logged) and len(stream) < len(logged) + _RESUME_SLACK:
            drawn = self._draw()
            if drawn is None:
                break
            stream.append(drawn)
            key = drawn
            if key in logged:
                matched += 1
                last = len(stream) - 1
                state = copy.deepcopy(self._rng.bit_generator.state)
        self._rng.bit_generator.state = state
        self._emitted = set(stream[: last + 1])
        self._requeued = [k for k in stream[: last + 1] if k not in logged]
