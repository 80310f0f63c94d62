"""A progress bar for long reads (``mle report`` over hundreds of runs, ``mle list --rescan``):
rich's bar on stderr while stderr is a terminal, nothing otherwise (pipes and logs stay clean).

>>> from mle_monitor.progress import progress_bar
>>> with progress_bar("reading logs") as update:  # doctest: +SKIP
...     for i in range(n):
...         update(i + 1, n)
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

__all__ = ["progress_bar"]


@contextlib.contextmanager
def progress_bar(
    description: str, *, min_total: int = 20, enabled: bool | None = None
) -> Iterator[Callable[[int, int], None]]:
    """Yields ``update(done, total)``. The bar appears once ``total`` reaches ``min_total``
    (short reads stay quiet), redraws at most 10 times a second, and is removed at the end.
    ``enabled``: default whether stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task: list[TaskID] = []
    last = [0.0]

    def update(done: int, total: int) -> None:
        if total < min_total:
            return
        if not task:
            bar.start()
            task.append(bar.add_task(description, total=total))
        now = time.monotonic()
        if done >= total or now - last[0] >= 0.1:
            last[0] = now
            bar.update(task[0], completed=done, total=total)

    try:
        yield update
    finally:
        if task:
            bar.stop()
