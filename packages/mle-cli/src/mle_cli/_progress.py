"""Progress of a run: a live rich bar on a terminal, plain lines otherwise (via the console)."""

from __future__ import annotations

from typing import Any

from ._console import console


class Progress:
    """Counts done / running / failed / queued jobs; shows the ETA and a search's best."""

    def __init__(self, title: str, quiet: bool = False) -> None:
        self.title, self.quiet = title, quiet
        self.total = self.done = self.failed = self.running = self.queued = 0
        self.best: str | None = None
        self._bar: Any = None
        if not quiet and console.out.is_terminal:
            from rich import progress as rp

            self._bar = rp.Progress(
                rp.TextColumn("[bold]{task.description}"),
                rp.BarColumn(),
                rp.MofNCompleteColumn(),
                rp.TextColumn("{task.fields[counts]}"),
                rp.TimeElapsedColumn(),
                rp.TimeRemainingColumn(),
                rp.TextColumn("{task.fields[best]}"),
                console=console.out,
            )
            self._task = self._bar.add_task(title, total=None, counts="", best="")
            self._bar.start()

    def update(self, running: int, queued: int) -> None:
        self.running, self.queued = running, queued
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=self.done + self.failed,
                total=self.total or None,
                counts=f"done {self.done} running {running} failed {self.failed} queued {queued}",
                best=f"best {self.best}" if self.best else "",
            )

    def job_finished(self, job_id: str, ok: bool, detail: str = "") -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if not ok or self._bar is None:
            state = "done" if ok else "FAILED"
            n = f"{self.done + self.failed}/{self.total}"
            self.line(f"[{n}] {job_id} {state}{(' ' + detail) if detail else ''}", force=not ok)
        self.update(self.running, self.queued)

    def set_best(self, text: str) -> None:
        if text != self.best:
            self.best = text
            if self._bar is None:
                self.line(f"best so far: {text}")

    def line(self, text: str, force: bool = False) -> None:
        if force or not self.quiet:
            console.print(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
