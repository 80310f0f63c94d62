"""One worker thread that runs a strategy's calls in order, off the caller's thread."""

from __future__ import annotations

import concurrent.futures as cf
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._strategy import Strategy

__all__ = ["Done", "StrategyWorker"]

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """A finished call: its result and the strategy's state right after it (read on the
    worker, so the caller never touches the strategy while a call may be running)."""

    seq: int
    result: T
    exhausted: bool
    stalled: str | None


class StrategyWorker:
    """Runs calls on one strategy, first in first out, on a single thread: the strategy is
    only ever touched by that thread, one call at a time."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self._pool: cf.ThreadPoolExecutor | None = None
        self._seq = itertools.count()

    def submit(self, call: Callable[[Strategy], T]) -> cf.Future[Done[T]]:
        """Queue ``call(strategy)``; the future's result is a :class:`Done`."""
        if self._pool is None:
            self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mle-search")
        seq = next(self._seq)

        def run() -> Done[T]:
            result = call(self.strategy)
            return Done(seq, result, self.strategy.exhausted, self.strategy.stalled)

        return self._pool.submit(run)

    def close(self) -> None:
        """Drop queued calls; a running one finishes on its own (nothing waits for it)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def wait_all(futures: list[cf.Future[Any]], timeout: float | None) -> bool:
    """Wait until every future is done (True) or ``timeout`` seconds passed (False)."""
    if not futures:
        return True
    _, not_done = cf.wait(futures, timeout=timeout)
    return not not_done
