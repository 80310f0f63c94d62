"""Grid search: every point of a finite space, enumerated lazily in lexicographic order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from ._space import Key, Space
from ._strategy import Strategy
from .errors import SearchSpaceError

__all__ = ["GridSearch"]


class GridSearch(Strategy):
    """Lexicographic grid over the parameters in the order given (the first parameter varies
    slowest, like ``itertools.product``). Points are decoded from an index, never stored, so a
    10^6-point grid costs no memory. A real parameter needs ``bins``."""

    search_type = "grid"

    def __init__(self, space: Space, *, seed: int | None = None, maximize: bool = False) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        axes: list[Sequence[Any]] = []
        for param in space:
            values = param.values
            if values is None:
                if param.size == 1:  # a degenerate range begin == end
                    values = param.discretize(1)
                else:
                    raise SearchSpaceError(
                        f"{param.kind} parameter {param.name!r}: expected 'bins' (the number of "
                        "grid points) for a grid search, found a continuous range"
                    )
            axes.append(values)
        self._axes = axes
        self._radices = [len(a) for a in axes]
        self._size = 1
        for radix in self._radices:
            self._size *= radix
        self._cursor = 0
        self._iter: Iterator[Key] | None = None
        self._iter_at = 0
        self._peeked: Key | None = None  # a free point found by `exhausted`, not yet proposed

    @property
    def size(self) -> int:
        """Number of grid points."""
        return self._size

    def point(self, index: int) -> Key:
        """The grid point at ``index`` (0 <= index < size)."""
        values = []
        for axis, radix in zip(reversed(self._axes), reversed(self._radices), strict=True):
            index, digit = divmod(index, radix)
            values.append(axis[digit])
        return tuple(reversed(values))

    def _points(self) -> Iterator[Key]:
        """The grid from ``_cursor`` on (itertools.product: fast, constant memory)."""
        if self._iter is None or self._iter_at != self._cursor:
            self._iter = itertools.islice(itertools.product(*self._axes), self._cursor, None)
            self._iter_at = self._cursor
        return self._iter

    def _propose(self, n: int) -> list[Key]:
        out: list[Key] = []
        if self._peeked is not None:
            key, self._peeked = self._peeked, None
            if not self._taken(key):
                out.append(key)
        if len(out) < n:
            seen, pending = self._seen, self._pending
            for key in self._points():
                self._cursor += 1
                if key not in seen and key not in pending:
                    out.append(key)
                    if len(out) >= n:
                        break
            self._iter_at = self._cursor
        return out

    def _exhausted(self) -> bool:
        if self._peeked is not None and not self._taken(self._peeked):
            return False
        self._peeked = None
        for key in self._points():  # find the next free point, keep it for the next ask
            self._cursor += 1
            if not self._taken(key):
                self._peeked = key
                break
        self._iter_at = self._cursor
        return self._peeked is None
