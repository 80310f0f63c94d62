"""Append-only JSON-lines files that survive a crash of their writer.

A writer killed in the middle of a line leaves a *torn* last line (no final newline). Two rules
make such files safe to keep appending to:

* before the first append, a file that does not end with a newline gets one, so the torn
  fragment stays on a line of its own and never swallows the next record;
* on reading, a line that is not a JSON object (torn, foreign edit, non-UTF-8 bytes) is skipped,
  and one :class:`JsonlWarning` per read names the file and the line numbers.

Appends are flushed, not fsync'd: a flush survives a crash of the writing process (the data is
in the kernel); :meth:`JsonlWriter.close` and ``append_jsonl(..., fsync=True)`` also survive a
crash of the machine.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .errors import StateFileError

__all__ = ["JsonlWarning", "JsonlWriter", "append_jsonl", "iter_jsonl", "read_jsonl"]


class JsonlWarning(UserWarning):
    """Lines of a JSON-lines file were skipped (a torn write, or not JSON objects)."""


def _dumps(path: Path, record: Mapping[str, Any]) -> bytes:
    try:
        text = json.dumps(record, separators=(",", ":"), allow_nan=False, default=str)
    except ValueError as exc:
        raise StateFileError(f"{path}: cannot write {record!r} as strict JSON ({exc})") from None
    return text.encode("utf-8") + b"\n"


class JsonlWriter:
    """An open JSON-lines file for many appends (one ``open`` for all of them).

    The file and its folder are created on the first :meth:`append`; a torn last line left by an
    earlier writer is closed with a newline first. Call :meth:`flush` after a batch of appends
    (``append(..., flush=True)`` does it per record) and :meth:`close` at the end.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fh: IO[bytes] | None = None

    def _open(self) -> IO[bytes]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "ab+")  # noqa: SIM115 - kept open until close()
        try:
            size = fh.seek(0, os.SEEK_END)
            if size:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")  # O_APPEND: written at the end whatever the position
        except BaseException:
            fh.close()
            raise
        return fh

    def append(self, record: Mapping[str, Any], *, flush: bool = False) -> None:
        """Append one record (a JSON object) as one line."""
        data = _dumps(self.path, record)
        if self._fh is None:
            self._fh = self._open()
        self._fh.write(data)
        if flush:
            self._fh.flush()

    def flush(self, fsync: bool = False) -> None:
        """Hand buffered lines to the kernel (``fsync``: also to the disk)."""
        if self._fh is not None:
            self._fh.flush()
            if fsync:
                os.fsync(self._fh.fileno())

    def close(self, fsync: bool = True) -> None:
        """Flush (and by default fsync) and close; a later append opens the file again."""
        if self._fh is not None:
            try:
                self.flush(fsync=fsync)
            finally:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def append_jsonl(
    path: str | os.PathLike[str],
    records: Mapping[str, Any] | Iterable[Mapping[str, Any]],
    *,
    fsync: bool = False,
) -> None:
    """Append one record (a mapping) or several to ``path``, one line each, flushed.

    A torn last line is closed with a newline first, so it never corrupts the new record.
    """
    batch = [records] if isinstance(records, Mapping) else list(records)
    writer = JsonlWriter(path)
    try:
        for record in batch:
            writer.append(record)
    finally:
        writer.close(fsync=fsync)


def iter_jsonl(
    path: str | os.PathLike[str], *, missing_ok: bool = True
) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of ``path``, line by line (memory flat in the file's size).

    Lines that are not JSON objects are skipped with one :class:`JsonlWarning` naming their line
    numbers. A missing file yields nothing (``missing_ok=False``: :class:`StateFileError`).
    """
    p = Path(path)
    try:
        fh = open(p, "rb")  # noqa: SIM115 - closed below, also when the caller stops early
    except FileNotFoundError:
        if missing_ok:
            return
        raise StateFileError(f"{p}: cannot read (no such file)") from None
    except OSError as exc:
        raise StateFileError(f"{p}: cannot read ({exc})") from None
    bad: list[int] = []
    try:
        with fh:
            for number, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
                    bad.append(number)
                    continue
                if isinstance(record, dict):
                    yield record
                else:
                    bad.append(number)
    finally:
        if bad:
            shown = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
            warnings.warn(
                f"{p}: skipped {len(bad)} unreadable line(s) (line {shown}): not a JSON object "
                "(a write cut short by a crash, or an edit)",
                JsonlWarning,
                stacklevel=3,
            )


def read_jsonl(path: str | os.PathLike[str], *, missing_ok: bool = True) -> list[dict[str, Any]]:
    """All JSON objects of ``path`` (see :func:`iter_jsonl`)."""
    return list(iter_jsonl(path, missing_ok=missing_ok))
