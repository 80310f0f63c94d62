"""The append-only journal beside each HDF5 log.

Each completed ``save`` appends one JSON line ``{"i": first_row, "time": {...}, "stats": {...}}``
with one ``os.write``; ``close`` appends ``{"end": ...}``. A process killed mid-write leaves at most
one torn line at the end, which readers ignore and writers cut off before appending again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)


def read_journal(path: Path) -> tuple[list[dict[str, Any]], int]:
    """All complete records and the byte length they span (a torn tail is left out)."""
    import json

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    records: list[dict[str, Any]] = []
    pos = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        try:
            rec = json.loads(data[pos:nl])
        except ValueError:
            break
        if not isinstance(rec, dict):
            break
        records.append(rec)
        pos = nl + 1
    return records, pos


class JournalWriter:
    """Appends records; after a failed write the next append first cuts the file back."""

    def __init__(self, path: Path, good_size: int = 0, fsync: bool = False) -> None:
        self.path = path
        self._good = good_size
        self._fsync = fsync
        self._fd: int | None = None
        self._dirty = True  # cut any torn tail before the first append
        import json  # here, not at module import: keeps `import mle_logger` light

        self._dumps = json.dumps

    def append(self, record: dict[str, Any]) -> None:
        """Write one record; on OSError the journal is left to be cut back at the next call."""
        data = self._dumps(record, separators=(",", ":")).encode() + b"\n"
        if self._fd is None:
            self._fd = os.open(self.path, _FLAGS, 0o644)
            self._dirty = True
        fd = self._fd
        try:
            if self._dirty:
                os.ftruncate(fd, self._good)
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
        self._good += len(data)

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
