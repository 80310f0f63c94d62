"""The append-only journal beside each HDF5 log.

Each completed ``save`` appends one JSON line ``{"i": first_row, "n": rows, "time": {...},
"stats": {...}}`` with one ``os.write``; ``close`` appends ``{"end": ...}``. A process killed
mid-write leaves at most one torn line at the end. Readers stream the file line by line (memory
bounded by one line): an unterminated last line is ignored (it may still be being written), a
damaged line inside the file is skipped with a warning. A writer cuts a torn tail of its own
off before appending again, and where it cannot, starts a new line first.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import LogFormatError

_FLAGS = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)

#: One block of rows: ``(time columns, stats columns, number of rows)``; columns are lists.
Block = tuple[dict[str, list[Any]], dict[str, list[Any]], int]


class JournalReader:
    """Complete records of an open journal, streamed; ``size`` is the byte length they span."""

    def __init__(self, fh: IO[bytes] | None, where: Path, limit: int | None = None) -> None:
        self.fh = fh
        self.where = where
        self.limit = limit
        self.size = 0

    def records(self) -> Iterator[dict[str, Any]]:
        if self.fh is None:
            return
        import json

        decode = json.JSONDecoder().decode
        self.fh.seek(0)
        pos = 0
        for lineno, line in enumerate(self.fh, 1):
            if not line.endswith(b"\n") or (
                self.limit is not None and pos + len(line) > self.limit
            ):
                break  # unterminated: torn by a kill, or still being written
            pos += len(line)
            self.size = pos
            try:
                rec = decode(line.decode())
            except ValueError:  # UnicodeDecodeError too
                rec = None
            if not isinstance(rec, dict):
                if line.strip():
                    warnings.warn(
                        f"{self.where}:{lineno}: skipping a damaged journal line "
                        f"(a save torn by a crash): {line[:60]!r}",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                continue
            yield rec


def open_journal(path: Path) -> IO[bytes] | None:
    """The journal opened for reading, or None when there is none."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        return None


def _columns(rec: dict[str, Any], part: str, n: int, where: Path) -> dict[str, list[Any]]:
    cols = rec.get(part, {})
    if type(cols) is dict:
        for v in cols.values():
            if type(v) is not list or len(v) != n:
                break
        else:
            return cols
    raise LogFormatError(
        f"{where}: journal record at row {rec.get('i')}: expected {part!r} to map names to "
        f"lists of {n} values, found {str(cols)[:80]}"
    )


def row_blocks(
    records: Iterator[dict[str, Any]], n_start: int, meta: dict[str, Any], where: Path
) -> Iterator[Block]:
    """The rows the journal adds to a log that has ``n_start`` rows, block by block.

    Rows a record shares with the log (saved again after a failed save, or folded already) are
    dropped; ``end`` records update ``meta``. A record that starts past the rows known so far
    means rows are missing: warn and stop there.
    """
    n = n_start
    for rec in records:
        if "end" in rec:
            if isinstance(rec["end"], dict):
                meta.update(rec["end"])
            continue
        if "i" not in rec:
            continue
        try:
            start, count = int(rec["i"]), int(rec.get("n", 0))
        except (TypeError, ValueError):
            raise LogFormatError(
                f"{where}: journal record: expected integer 'i' and 'n', found "
                f"{rec.get('i')!r}, {rec.get('n')!r}"
            ) from None
        t = _columns(rec, "time", count, where)
        s = _columns(rec, "stats", count, where)
        if start > n:
            warnings.warn(
                f"{where}: journal skips rows {n}..{start - 1}; ignoring what follows",
                stacklevel=3,
            )
            return
        skip = n - start
        if skip >= count:
            continue
        if skip:
            t = {k: v[skip:] for k, v in t.items()}
            s = {k: v[skip:] for k, v in s.items()}
        n += count - skip
        if meta.get("finished"):
            meta["finished"] = False  # rows after a finished fold: the run was resumed
        yield t, s, count - skip


class JournalWriter:
    """Appends records; after a failed write the next append first cuts the file back."""

    def __init__(self, path: Path, good_size: int = 0, fsync: bool = False) -> None:
        self.path = path
        self._good = good_size
        self._fsync = fsync
        self._fd: int | None = None
        self._dirty = True  # repair any torn tail before the first append
        import json  # here, not at module import: keeps `import mle_logger` light

        self._dumps = json.dumps

    def _repair(self, fd: int) -> bytes:
        """Cut the file back to its last complete record; where that fails and the file does not
        end with a newline, return the newline to write first (the torn line is then skipped)."""
        size = os.fstat(fd).st_size
        if size <= self._good:
            return b""
        try:
            os.ftruncate(fd, self._good)
            return b""
        except OSError:
            last = os.pread(fd, 1, size - 1)
            return b"" if last == b"\n" else b"\n"

    def append(self, record: dict[str, Any]) -> None:
        """Write one record; on OSError the journal is left to be repaired at the next call."""
        data = self._dumps(record, separators=(",", ":")).encode() + b"\n"
        if self._fd is None:
            self._fd = os.open(self.path, _FLAGS, 0o666)
            self._dirty = True
        fd = self._fd
        repaired = False
        try:
            if self._dirty:
                prefix = self._repair(fd)
                repaired = bool(prefix)
                data = prefix + data
                self._dirty = False
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            if self._fsync:
                os.fsync(fd)
        except OSError:
            self._dirty = True
            raise
        # after a new line was started past a torn one, the file holds those torn bytes too
        self._good = os.fstat(fd).st_size if repaired else self._good + len(data)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def remove(self) -> None:
        """Close and delete the journal (after its rows were folded into the HDF5 file)."""
        self.close()
        self.path.unlink(missing_ok=True)
        self._good = 0
        self._dirty = False
