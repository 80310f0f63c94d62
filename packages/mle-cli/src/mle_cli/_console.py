"""The one output object of ``mle``: results on stdout, messages on stderr (rich consoles).

Commands print through :data:`console` only. Text is printed as is (no rich markup, no
highlighting, no wrapping), so a pipe gets the same lines a terminal shows. When the reader of
stdout goes away (``mle results | head -1``), further output is dropped quietly and the command
finishes its work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console as RichConsole


def _rich(stderr: bool) -> RichConsole:
    from rich.console import Console as RichConsole

    class _Quiet(RichConsole):
        def on_broken_pipe(self) -> None:  # the reader left: drop output, keep working
            self.quiet = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, (sys.stderr if stderr else sys.stdout).fileno())
            os.close(devnull)

    return _Quiet(stderr=stderr, highlight=False, markup=False, emoji=False, soft_wrap=True)


def dumps(data: Any, indent: int | None = 2) -> str:
    """Strictly valid JSON (:func:`mle_config.strict_dumps`: NaN and infinities are null)."""
    from mle_config import strict_dumps

    return strict_dumps(data, indent)


class Console:
    """``mle``'s output: :meth:`print` and :meth:`table` to stdout, :meth:`warn` and
    :meth:`error` to stderr. The rich consoles are made on first use (import cost)."""

    @cached_property
    def out(self) -> RichConsole:
        """The rich console on stdout (for live progress bars)."""
        return _rich(stderr=False)

    @cached_property
    def err(self) -> RichConsole:
        return _rich(stderr=True)

    def print(self, text: str = "") -> None:
        """One line (or several) on stdout."""
        self.out.print(text)

    def json(self, data: Any) -> None:
        """``data`` as strictly valid JSON on stdout (written as is: rich's rendering of a
        large document costs more than building it)."""
        try:
            self.out.file.write(dumps(data) + "\n")
            self.out.file.flush()
        except BrokenPipeError:
            self.out.on_broken_pipe()

    def warn(self, message: str) -> None:
        self.err.print(f"mle: warning: {message}", style="yellow")

    def error(self, message: str) -> None:
        for line in (message.strip() or "error").splitlines():
            self.err.print(f"mle: error: {line}", style="red")

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[object]], right: str = ""
    ) -> None:
        """Columns padded to their widest cell; a column whose header is in ``right`` (a
        space-separated list) is right-aligned; the last column is never padded."""
        body = [[("-" if c is None else str(c)) for c in r] for r in rows]
        widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
        align = set(right.split())
        for cells in [list(header), *body]:
            parts = [
                c.rjust(w) if h in align else (c if i == len(header) - 1 else c.ljust(w))
                for i, (c, w, h) in enumerate(zip(cells, widths, header, strict=True))
            ]
            self.print(" ".join(parts).rstrip())


console = Console()

__all__ = ["Console", "console", "dumps"]
