"""Reading and writing one seed's log: the HDF5 file plus its journal, folded together.

HDF5 file layout (one file per seed; names are stable)::

    time/<name>    1-D dataset, one value per logged row (int64, or float64 with NaN)
    stats/<name>   1-D dataset, same length as the time datasets
    meta           group whose attributes describe the run (see ``META_JSON_FIELDS``)

The HDF5 file is only ever replaced whole (written to a temporary file, flushed, renamed), so it
always opens. Rows saved since the last fold live in the journal and are folded in at load time.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._journal import read_journal
from ._layout import journal_path
from .errors import LogFormatError, LogNotFoundError

FORMAT = "mle-logger/1"
META_JSON_FIELDS = ("config", "time_keys", "stats_keys")


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


class ColumnBuilder:
    """Concatenates column chunks; a name missing from a chunk is NaN in those rows."""

    def __init__(self) -> None:
        self.n = 0
        self._chunks: dict[str, list[Any]] = {}

    def add(self, cols: Mapping[str, Any], n: int) -> None:
        for k in cols:
            if k not in self._chunks:
                self._chunks[k] = [np.full(self.n, math.nan)] if self.n else []
        for k, chunk in self._chunks.items():
            v = cols.get(k)
            if v is None:
                chunk.append(np.full(n, math.nan))
            else:
                if len(v) != n:
                    raise LogFormatError(f"column {k!r} has {len(v)} values, expected {n}")
                chunk.append(v)
        self.n += n

    def build(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, chunks in self._chunks.items():
            arrays = [np.asarray(c) for c in chunks if len(c)]
            col = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.float64)
            out[k] = col.astype(np.float64) if col.dtype == object else col  # ints past int64
        return out


def _py(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode()
    return value


def _read_group(group: Any, where: str) -> tuple[dict[str, Any], ColumnBuilder, ColumnBuilder]:
    if "meta" not in group or group["meta"].attrs.get("format") != FORMAT:
        raise LogFormatError(f"{where}: expected an mle-logger log (meta/format = {FORMAT!r})")
    import json

    meta = {k: _py(v) for k, v in group["meta"].attrs.items()}
    for k in META_JSON_FIELDS:
        if isinstance(meta.get(k), str):
            meta[k] = json.loads(meta[k])
    n = int(meta.get("n_rows", 0))
    builders = []
    for part in ("time", "stats"):
        b = ColumnBuilder()
        cols = {k: group[part][k][()] for k in group[part]} if part in group else {}
        b.add(cols, n)
        builders.append(b)
    return meta, builders[0], builders[1]


def _apply_journal(
    records: list[dict[str, Any]],
    time_b: ColumnBuilder,
    stats_b: ColumnBuilder,
    meta: dict[str, Any],
    where: Path,
) -> None:
    for rec in records:
        if "end" in rec:
            meta.update(rec["end"])
            continue
        if "i" not in rec:
            continue
        start = int(rec["i"])
        t, s = rec.get("time", {}), rec.get("stats", {})
        n = int(rec.get("n", 0))
        if start > time_b.n:
            warnings.warn(
                f"{where}: journal skips rows {time_b.n}..{start - 1}; ignoring what follows",
                stacklevel=3,
            )
            break
        skip = time_b.n - start
        if skip >= n:
            continue
        if skip:
            t = {k: v[skip:] for k, v in t.items()}
            s = {k: v[skip:] for k, v in s.items()}
        time_b.add(t, n - skip)
        stats_b.add(s, n - skip)
        if meta.get("finished"):
            meta["finished"] = False  # rows after a finished fold: the run was resumed


def read_log(path: Path) -> LogData:
    """Read one seed's HDF5 file and fold in its journal (read only: nothing is written)."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise LogNotFoundError(f"no log file at {path}")
    try:
        with h5py.File(path, "r", locking=False) as f:
            meta, time_b, stats_b = _read_group(f, str(path))
    except OSError as exc:
        raise LogFormatError(
            f"{path}: expected an HDF5 log file, could not open it ({exc})"
        ) from exc
    records, size = read_journal(journal_path(path))
    _apply_journal(records, time_b, stats_b, meta, path)
    return _finish(meta, time_b, stats_b, size, len(records))


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


def _write_group(group: Any, data: LogData) -> None:
    import json

    for part, cols in (("time", data.time), ("stats", data.stats)):
        g = group.create_group(part, track_order=True)
        for k, arr in cols.items():
            g.create_dataset(k, data=np.asarray(arr))
    m = group.create_group("meta")
    meta = dict(data.meta)
    meta["format"] = FORMAT
    meta["n_rows"] = data.n_rows
    meta["time_keys"] = list(data.time)
    meta["stats_keys"] = list(data.stats)
    for k, v in meta.items():
        if v is None:
            continue
        if k in META_JSON_FIELDS:
            v = json.dumps(v)
        m.attrs[k] = v


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
