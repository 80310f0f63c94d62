"""One compact, aligned stdout row per print interval (header printed once)."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence


def _fmt(value: float | int, width: int) -> str:
    if isinstance(value, int):
        return f"{value:>{width}d}"
    if math.isnan(value):
        return f"{'nan':>{width}}"
    return f"{value:>{width}.5g}"


class RowPrinter:
    """Prints rows of the named values to ``sys.stdout`` (looked up at print time)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.widths = [max(len(n), 10) for n in self.names]
        self._header_done = False

    def print_row(self, values: Sequence[float | int]) -> None:
        out = sys.stdout
        if not self._header_done:
            out.write(
                "  ".join(f"{n:>{w}}" for n, w in zip(self.names, self.widths, strict=False)) + "\n"
            )
            self._header_done = True
        out.write("  ".join(_fmt(v, w) for v, w in zip(values, self.widths, strict=False)) + "\n")
        out.flush()
