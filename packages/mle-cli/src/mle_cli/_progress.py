"""Progress output: a live rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Counts done / running / failed / queued jobs; shows ETA and (searches) the best score."""

    def __init__(
        self, total: int, title: str, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        self.total = total
        self.title = title
        self.quiet = quiet
        self.stream = stream or sys.stdout
        self.done = 0
        self.failed = 0
        self.running = 0
        self.queued = 0
        self.best: str | None = None
        self.t0 = time.monotonic()
        self._live: Any = None
        self._bar: Any = None
        self._task: Any = None
        self._durations: list[float] = []
        if not quiet and self.stream.isatty():
            self._start_live()

    def _start_live(self) -> None:
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            TextColumn("{task.fields[best]}"),
            transient=False,
        )
        self._task = self._bar.add_task(self.title, total=self.total, counts="", eta="?", best="")
        self._bar.start()

    def eta(self) -> str:
        finished = self.done + self.failed
        if finished == 0:
            return "?"
        rate = (time.monotonic() - self.t0) / finished
        left = max(0, self.total - finished) * rate
        return f"{int(left // 60)}m{int(left % 60):02d}s"

    def counts(self) -> str:
        return f"done {self.done} running {self.running} failed {self.failed} queued {self.queued}"

    def update(self, running: int, queued: int, total: int | None = None) -> None:
        self.running, self.queued = running, queued
        if total is not None:
            self.total = total
        self._refresh()

    def _refresh(self) -> None:
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=self.done + self.failed,
                total=self.total,
                counts=self.counts(),
                eta=self.eta(),
                best=f"best {self.best}" if self.best else "",
            )

    def job_finished(self, job_id: str, ok: bool, detail: str = "") -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if not ok or self._bar is None:
            self.line(
                f"[{self.done + self.failed}/{self.total}] {job_id} "
                f"{'done' if ok else 'FAILED'}{(' ' + detail) if detail else ''}",
                force=not ok,
            )
        self._refresh()

    def set_best(self, text: str) -> None:
        if text != self.best:
            self.best = text
            if self._bar is None:
                self.line(f"best so far: {text}")
            self._refresh()

    def line(self, text: str, force: bool = False) -> None:
        if self.quiet and not force:
            return
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._refresh()
            self._bar.stop()
            self._bar = None
