"""Following a run's journal while it grows, from another process (e.g. a driver that stops
runs early): each :meth:`JournalFollower.poll` reads only the bytes appended since the last one.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

__all__ = ["JournalFollower"]

_NO_FILE = (-1, -1)


class JournalFollower:
    """The rows of one metric in a growing journal (``<run>/logs/seed_<id>.journal``), as
    ``(step, value)`` pairs, new ones per :meth:`poll`.

    ``metric``: the stats column to follow. ``time_key``: the time column that gives the step
    (e.g. ``num_updates``); ``None`` counts rows (1, 2, ...). A row whose step or metric is NaN
    (the logger's mark for a name not given in that row) or missing is skipped; an infinite
    value is returned (a diverged run). Rows the journal repeats (saved again after a failed
    save) are returned once.

    Cost per call: one ``stat`` when nothing was appended; otherwise one read of the new bytes.
    A last line without its newline (torn by a kill, or being written) is left for the next
    call; a damaged line inside the file is skipped. A journal that is replaced or cut back
    (a new log at the same path, e.g. a new attempt of the run) is read from its start. A
    missing file (not yet created, or folded into the HDF5 file at ``close``) gives no rows,
    except with ``poll(final=True)`` once the run ended: then the rows it saved since the last
    poll are read from the HDF5 log beside the journal. :attr:`ended` turns True once the
    journal's end record was read.
    """

    def __init__(self, path: str | os.PathLike[str], metric: str, time_key: str | None) -> None:
        self.path = Path(path)
        self.metric = metric
        self.time_key = time_key
        #: True once the run closed its log (the journal's ``end`` record)
        self.ended = False
        #: the last ``(step, value)`` returned (None before the first)
        self.last: tuple[float, float] | None = None
        #: the time and stats names the journal's records had (to tell a misspelt name)
        self.logged: dict[str, set[str]] = {"time": set(), "stats": set()}
        self._offset = 0  # bytes consumed: up to the end of the last complete line
        self._file = _NO_FILE  # (device, inode) of the file read
        self._rows = 0  # rows seen (row numbers below this are repeats)

    def poll(self, final: bool = False) -> list[tuple[float, float]]:
        """The ``(step, value)`` rows appended since the last call, in order. ``final``: the
        run has ended; rows already folded into its HDF5 log are read from there."""
        out = self._new_rows()
        if final and not self.path.exists():
            out += self._folded()
        if out:
            self.last = out[-1]
        return out

    def _folded(self) -> list[tuple[float, float]]:
        from ._load import SeedLog, load_log
        from .errors import MleLoggerError

        try:
            log = load_log(self.path.with_suffix(".hdf5"))
            if not isinstance(log, SeedLog) or self.metric not in log.stats:
                return []
            values = log.stats[self.metric].tolist()
            steps = None if self.time_key is None else log.time[self.time_key].tolist()
        except (MleLoggerError, KeyError, OSError):  # no log (yet), or no such time column
            return []
        rec = {"i": 0, "n": len(values), "time": {"_": steps}, "stats": {"_": values}}
        out: list[tuple[float, float]] = []
        self._record(rec, out, "_")
        return out

    def _new_rows(self) -> list[tuple[float, float]]:
        try:
            st = os.stat(self.path)
        except OSError:
            return []
        ident = (st.st_dev, st.st_ino)
        if ident != self._file or st.st_size < self._offset:
            self._file, self._offset = ident, 0  # a new file at the path: read it whole
            self._rows = 0
        if st.st_size == self._offset:
            return []
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read(st.st_size - self._offset)
        except OSError:
            return []
        end = data.rfind(b"\n") + 1
        self._offset += end
        out: list[tuple[float, float]] = []
        for line in data[:end].splitlines():
            try:
                rec = json.loads(line)
            except ValueError:  # damaged (UnicodeDecodeError too): skipped, as load_log does
                continue
            if isinstance(rec, dict):
                self._record(rec, out)
        return out

    def _record(
        self, rec: dict[str, Any], out: list[tuple[float, float]], name: str | None = None
    ) -> None:
        if "end" in rec:
            self.ended = True
            return
        if name is None:
            for part in ("time", "stats"):
                if isinstance(rec.get(part), dict):
                    self.logged[part].update(rec[part])
        try:
            first, count = int(rec["i"]), int(rec.get("n", 0))
            values = rec["stats"][name or self.metric]
            steps = None if self.time_key is None else rec["time"][name or self.time_key]
        except (KeyError, TypeError, ValueError):
            return
        if not isinstance(values, list) or not (steps is None or isinstance(steps, list)):
            return
        for k in range(max(0, self._rows - first), min(count, len(values))):
            step = _number(
                first + k + 1 if steps is None else (steps[k] if k < len(steps) else None)
            )
            value = _number(values[k])
            if step is not None and value is not None and math.isfinite(step):
                out.append((step, value))
        self._rows = max(self._rows, first + count)


def _number(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    value = float(x)
    return None if math.isnan(value) else value
