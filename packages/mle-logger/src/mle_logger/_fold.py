"""Folding a log's journal into its HDF5 file in bounded memory (close, reload, ``fold_log``).

Two passes over the journal, each streamed line by line: the first learns the final names,
dtypes and length of every column, the second writes the rows into datasets of that final shape,
``CHUNK_ROWS`` rows at a time. The rows already in the HDF5 file are copied the same way. Memory
therefore stays flat in the number of rows (one chunk, one journal line), where reading the
whole log first would hold every value, as a Python object, at once. A journal of at most 1 MiB
keeps its parsed rows for the second pass instead of parsing them again.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._journal import Block, JournalReader, open_journal, row_blocks
from ._layout import journal_path
from ._storage import CHUNK_ROWS, atomic_write, open_error, read_meta_attrs, write_meta
from .errors import LogFormatError, LogNotFoundError

_PARTS = ("time", "stats")
_CACHE_BYTES = 1 << 20  # journals up to this size keep their parsed rows between the passes
_I64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Folded:
    """What a fold wrote: the number of rows, the column names in order, the meta."""

    n_rows: int
    time_names: list[str]
    stats_names: list[str]
    meta: dict[str, Any]


def _all_int64(values: list[Any]) -> bool:
    if not all(type(v) is int for v in values):
        return False
    return not values or (_I64[0] <= min(values) and max(values) <= _I64[1])


class _Plan:
    """Final names, dtypes ("int", "float", or None while no value was seen) and length."""

    def __init__(self, n: int, sources: Mapping[str, Mapping[str, Any]]) -> None:
        self.n = n
        self.kinds: dict[str, dict[str, str | None]] = {}
        for part in _PARTS:
            kinds: dict[str, str | None] = {}
            for k, ds in sources[part].items():
                if n == 0:
                    kinds[k] = None
                else:
                    kinds[k] = "int" if np.issubdtype(ds.dtype, np.integer) else "float"
            self.kinds[part] = kinds

    def add(self, block: Block) -> None:
        t, s, n = block
        for part, cols in zip(_PARTS, (t, s), strict=True):
            kinds = self.kinds[part]
            for k in cols:
                if k not in kinds:
                    kinds[k] = "float" if self.n else None  # NaN in the rows before
            for k, kind in kinds.items():
                if kind == "float":
                    continue
                v = cols.get(k)
                kinds[k] = "int" if v is not None and _all_int64(v) else "float"
        self.n += n

    def declare(self, part: str, names: Iterable[str]) -> None:
        for k in names:
            self.kinds[part].setdefault(k, "float" if self.n else None)


class _ChunkWriter:
    """Buffers rows per column and writes them ``CHUNK_ROWS`` at a time into their datasets."""

    def __init__(self, datasets: Mapping[str, Mapping[str, Any]], start: int, where: Path) -> None:
        self.datasets = datasets
        self.start = self.n = start
        self.where = where
        self.pending: dict[str, dict[str, list[Any]]] = {
            part: {k: [] for k in cols} for part, cols in datasets.items()
        }

    def add(self, block: Block) -> None:
        t, s, n = block
        for part, cols in zip(_PARTS, (t, s), strict=True):
            for k, buf in self.pending[part].items():
                v = cols.get(k)
                buf.extend(v if v is not None else [math.nan] * n)
        self.n += n
        if self.n - self.start >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.n == self.start:
            return
        for part, cols in self.pending.items():
            for k, buf in cols.items():
                ds = self.datasets[part][k]
                try:
                    ds[self.start : self.n] = np.asarray(buf, dtype=ds.dtype)
                except (TypeError, ValueError, OverflowError) as exc:
                    raise LogFormatError(
                        f"{self.where}: {part}/{k}: expected numbers in the journal ({exc})"
                    ) from None
                buf.clear()
        self.start = self.n


def fold_file(
    path: Path,
    *,
    edit_meta: Callable[[dict[str, Any]], None] | None = None,
    tail: Block | None = None,
    declare: tuple[Iterable[str], Iterable[str]] = ((), ()),
) -> Folded:
    """Rewrite ``path`` (atomically) with its journal's rows, then ``tail``'s rows (rows that
    could not be journaled), then empty columns for the ``declare``d names not yet there.
    ``edit_meta`` changes the meta before it is written. The journal itself is not removed."""
    import h5py

    jpath = journal_path(path)
    fh = open_journal(jpath)
    try:
        try:
            src = h5py.File(path, "r", locking=False)
        except FileNotFoundError:
            raise LogNotFoundError(f"no log file at {path}") from None
        except OSError as exc:
            raise open_error(path, exc) from exc
        with src:
            meta = read_meta_attrs(src, str(path))
            n0 = meta["n_rows"]
            sources = {p: ({k: src[p][k] for k in src[p]} if p in src else {}) for p in _PARTS}
            for part, cols in sources.items():
                for k, ds in cols.items():
                    if ds.shape != (n0,):
                        raise LogFormatError(
                            f"{path}: {part}/{k} has shape {ds.shape}, expected ({n0},)"
                        )
            plan = _Plan(n0, sources)
            reader = JournalReader(fh, jpath)
            cached: list[Block] | None = []  # a short journal is parsed once, not twice
            for block in row_blocks(reader.records(), n0, meta, path):
                plan.add(block)
                if cached is not None:
                    cached.append(block)
                    if reader.size > _CACHE_BYTES:
                        cached = None
            if tail is not None and tail[2]:
                plan.add(tail)
            for part, names in zip(_PARTS, declare, strict=True):
                plan.declare(part, names)
            meta["finished"] = bool(meta.get("finished", False))
            if not meta["finished"]:
                meta.pop("end_time", None)
            if edit_meta is not None:
                edit_meta(meta)

            def fill(f: Any) -> None:
                datasets: dict[str, dict[str, Any]] = {}
                for part in _PARTS:
                    g = f.create_group(part, track_order=True)
                    datasets[part] = {}
                    for k, kind in plan.kinds[part].items():
                        dtype = np.int64 if kind == "int" else np.float64
                        ds = g.create_dataset(k, shape=(plan.n,), dtype=dtype)
                        old = sources[part].get(k)
                        for a in range(0, n0, CHUNK_ROWS):
                            b = min(a + CHUNK_ROWS, n0)
                            ds[a:b] = old[a:b].astype(dtype) if old is not None else np.nan
                        datasets[part][k] = ds
                writer = _ChunkWriter(datasets, n0, path)
                if cached is not None:
                    for block in cached:
                        writer.add(block)
                else:
                    again = JournalReader(fh, jpath, limit=reader.size)  # the same records
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # warned in the first pass
                        for block in row_blocks(again.records(), n0, {}, path):
                            writer.add(block)
                if tail is not None and tail[2]:
                    writer.add(tail)
                writer.flush()
                write_meta(f, meta, plan.n, list(plan.kinds["time"]), list(plan.kinds["stats"]))

            atomic_write(path, fill)
    finally:
        if fh is not None:
            fh.close()
    meta["n_rows"] = plan.n
    return Folded(plan.n, list(plan.kinds["time"]), list(plan.kinds["stats"]), meta)
