"""Reading and writing one seed's log: the HDF5 file plus its journal, folded together.

HDF5 file layout (one file per seed; names are stable)::

    time/<name>    1-D dataset, one value per logged row (int64, or float64 with NaN)
    stats/<name>   1-D dataset, same length as the time datasets
    meta           group whose attributes describe the run (see ``META_JSON_FIELDS``)

The HDF5 file is only ever replaced whole (written to a temporary file, flushed, renamed), so it
always opens. Rows saved since the last fold live in the journal and are folded in at load time.

Reading while a writer folds (at close or reload) is safe: the reader opens the journal *before*
the HDF5 file. A fold writes the new HDF5 file (the old one plus the journal) before it removes
the journal, so whichever HDF5 file the reader then opens holds at least the rows before the
journal's, and rows found in both are taken once. Writers that replace a log with a different
one (overwrite, setting a failed attempt aside) move the journal first, and a reader that sees
its journal replaced while it read starts again.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from ._journal import JournalReader, open_journal, row_blocks
from ._layout import journal_path
from .errors import LogFormatError, LogNotFoundError

FORMAT = "mle-logger/1"
META_JSON_FIELDS = ("config", "time_keys", "stats_keys")
CHUNK_ROWS = 16384  # Python values buffered per column before they become a numpy chunk
_READ_TRIES = 20


class LogData:
    """Columns and meta of one seed's log, as read from disk."""

    def __init__(
        self,
        time: dict[str, np.ndarray],
        stats: dict[str, np.ndarray],
        meta: dict[str, Any],
        n_rows: int,
        journal_size: int = 0,
        journal_records: int = 0,
    ) -> None:
        self.time = time
        self.stats = stats
        self.meta = meta
        self.n_rows = n_rows
        self.journal_size = journal_size
        self.journal_records = journal_records


def as_column(values: Sequence[Any], where: str = "") -> np.ndarray:
    """Numbers as a numpy column: int64 when all are ints that fit, else float64."""
    try:
        arr = np.asarray(values)
        if arr.dtype == object:  # ints past int64
            arr = arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise LogFormatError(f"{where}: expected numbers in a column ({exc})") from None
    if arr.dtype.kind not in "iufb" or arr.ndim != 1:
        raise LogFormatError(f"{where}: expected numbers in a column, found {arr.dtype} values")
    return arr


class ColumnBuilder:
    """Concatenates column chunks; a name missing from a chunk is NaN in those rows.

    Lists of Python numbers are buffered for at most ``CHUNK_ROWS`` rows and then kept as numpy
    arrays, so a long journal of one-row records costs 8 bytes a value, not a Python object.
    """

    def __init__(self, where: str = "") -> None:
        self.n = 0
        self.where = where
        self._flushed = 0
        self._chunks: dict[str, list[np.ndarray]] = {}
        self._pending: dict[str, list[Any]] = {}

    def add(self, cols: Mapping[str, Any], n: int) -> None:
        for k in cols:
            if k not in self._chunks:
                self._chunks[k] = [np.full(self._flushed, math.nan)] if self._flushed else []
                self._pending[k] = [math.nan] * (self.n - self._flushed)
        arrays = any(isinstance(v, np.ndarray) for v in cols.values())
        if arrays:
            self._flush()
        for k, chunks in self._chunks.items():
            v = cols.get(k)
            if v is not None and len(v) != n:
                raise LogFormatError(
                    f"{self.where}: column {k!r} has {len(v)} values, expected {n}"
                )
            if arrays:
                chunks.append(np.asarray(v) if v is not None else np.full(n, math.nan))
            elif v is None:
                self._pending[k].extend([math.nan] * n)
            else:
                self._pending[k].extend(v)
        self.n += n
        if arrays:
            self._flushed = self.n
        elif self.n - self._flushed >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.n == self._flushed:
            return
        for k, pending in self._pending.items():
            self._chunks[k].append(as_column(pending, f"{self.where}: {k}"))
            pending.clear()
        self._flushed = self.n

    def build(self) -> dict[str, np.ndarray]:
        self._flush()
        out: dict[str, np.ndarray] = {}
        for k, chunks in self._chunks.items():
            arrays = [c for c in chunks if len(c)]
            if len(arrays) == 1:
                col = arrays[0]  # one chunk (a folded log): no copy
            else:
                col = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.float64)
            out[k] = col.astype(np.float64) if col.dtype == object else col  # ints past int64
        return out


def _py(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode()
    return value


def read_meta_attrs(group: Any, where: str) -> dict[str, Any]:
    """The meta of one seed's group (format checked, JSON fields decoded)."""
    if "meta" not in group or group["meta"].attrs.get("format") != FORMAT:
        raise LogFormatError(f"{where}: expected an mle-logger log (meta/format = {FORMAT!r})")
    import json

    meta = {k: _py(v) for k, v in group["meta"].attrs.items()}
    for k in META_JSON_FIELDS:
        if isinstance(meta.get(k), str):
            try:
                meta[k] = json.loads(meta[k])
            except ValueError:
                raise LogFormatError(f"{where}: meta {k!r} is not valid JSON") from None
    try:
        meta["n_rows"] = int(meta.get("n_rows", 0))
    except (TypeError, ValueError):
        raise LogFormatError(f"{where}: meta 'n_rows' is not an integer") from None
    return meta


def _read_group(group: Any, where: str) -> tuple[dict[str, Any], ColumnBuilder, ColumnBuilder]:
    meta = read_meta_attrs(group, where)
    n = meta["n_rows"]
    builders = []
    for part in ("time", "stats"):
        b = ColumnBuilder(where)
        cols = {k: group[part][k][()] for k in group[part]} if part in group else {}
        b.add(cols, n)
        builders.append(b)
    return meta, builders[0], builders[1]


def same_file(fh: IO[bytes], path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fh``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    fst = os.fstat(fh.fileno())
    return (st.st_dev, st.st_ino) == (fst.st_dev, fst.st_ino)


def open_error(path: Path, exc: OSError) -> LogFormatError:
    """The one line for a file at a log's path that is not an HDF5 log."""
    return LogFormatError(f"{path}: expected an HDF5 log file, could not open it ({exc})")


def read_log(path: Path) -> LogData:
    """Read one seed's HDF5 file and fold in its journal (read only: nothing is written).

    Safe while the log's writer saves, closes or reloads (see the module docstring).
    """
    import time

    import h5py

    path = Path(path)
    jpath = journal_path(path)
    for attempt in range(_READ_TRIES):
        last = attempt == _READ_TRIES - 1
        fh = open_journal(jpath)  # before the HDF5 file: see the module docstring
        try:
            try:
                with h5py.File(path, "r", locking=False) as f:
                    meta, time_b, stats_b = _read_group(f, str(path))
            except FileNotFoundError:
                if fh is None or last:
                    raise LogNotFoundError(f"no log file at {path}") from None
                meta = None  # replaced under us (a failed attempt set aside): read again
            except OSError as exc:
                raise open_error(path, exc) from exc
            if meta is not None:
                reader = JournalReader(fh, jpath)
                n_rec = 0
                for t, s, n in row_blocks(reader.records(), time_b.n, meta, path):
                    time_b.add(t, n)
                    stats_b.add(s, n)
                    n_rec += 1
                if fh is None or last or same_file(fh, jpath):
                    return _finish(meta, time_b, stats_b, reader.size, n_rec)
        finally:
            if fh is not None:
                fh.close()
        time.sleep(0.002 * (attempt + 1))  # the journal was folded or replaced: read again
    raise AssertionError("unreachable")


def read_meta(path: Path) -> dict[str, Any]:
    """One seed's meta (``finished`` as :func:`read_log` gives it) without loading its rows."""
    import h5py

    path = Path(path)
    jpath = journal_path(path)
    fh = open_journal(jpath)
    try:
        try:
            with h5py.File(path, "r", locking=False) as f:
                meta = read_meta_attrs(f, str(path))
        except FileNotFoundError:
            raise LogNotFoundError(f"no log file at {path}") from None
        except OSError as exc:
            raise open_error(path, exc) from exc
        n = meta["n_rows"]
        for _, _, k in row_blocks(JournalReader(fh, jpath).records(), n, meta, path):
            n += k
    finally:
        if fh is not None:
            fh.close()
    meta["n_rows"] = n
    meta["finished"] = bool(meta.get("finished", False))
    if not meta["finished"]:
        meta.pop("end_time", None)
    return meta


def read_group(group: Any, where: str) -> LogData:
    """Read one seed's log from a group of a merged file."""
    meta, time_b, stats_b = _read_group(group, where)
    return _finish(meta, time_b, stats_b, 0, 0)


def _finish(
    meta: dict[str, Any], time_b: ColumnBuilder, stats_b: ColumnBuilder, size: int, n_rec: int
) -> LogData:
    time, stats = time_b.build(), stats_b.build()
    meta["n_rows"] = time_b.n
    meta["finished"] = bool(meta.get("finished", False))
    if not meta["finished"]:
        meta.pop("end_time", None)
    return LogData(time, stats, meta, time_b.n, size, n_rec)


def write_meta(
    group: Any, meta: Mapping[str, Any], n_rows: int, time_keys: list[str], stats_keys: list[str]
) -> None:
    """The ``meta`` group of one seed's log."""
    import json

    m = group.create_group("meta")
    meta = dict(meta)
    meta["format"] = FORMAT
    meta["n_rows"] = n_rows
    meta["time_keys"] = time_keys
    meta["stats_keys"] = stats_keys
    for k, v in meta.items():
        if v is None:
            continue
        if k in META_JSON_FIELDS:
            v = json.dumps(v)
        m.attrs[k] = v


def _write_group(group: Any, data: LogData) -> None:
    for part, cols in (("time", data.time), ("stats", data.stats)):
        g = group.create_group(part, track_order=True)
        for k, arr in cols.items():
            g.create_dataset(k, data=np.asarray(arr))
    write_meta(group, data.meta, data.n_rows, list(data.time), list(data.stats))


def atomic_write(path: Path, fill: Any) -> None:
    """Write an HDF5 file through ``fill(h5file)`` to a temporary name, fsync, rename over."""
    import h5py

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w", locking=False) as f:
            fill(f)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_log(path: Path, data: LogData) -> None:
    """Replace ``path`` atomically with ``data`` (the journal is not touched)."""
    atomic_write(path, lambda f: _write_group(f, data))


def write_merged(path: Path, logs: Sequence[tuple[str, LogData]]) -> None:
    """Write several seed logs into one file, one group per seed, each in the seed layout."""

    def fill(f: Any) -> None:
        f.attrs["format"] = FORMAT + "/merged"
        for name, data in logs:
            _write_group(f.create_group(name), data)

    atomic_write(path, fill)
