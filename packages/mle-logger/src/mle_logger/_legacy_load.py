"""Reading logs written by the original mle-logging / mle-toolbox (read only, no unpickling).

Their HDF5 layouts, all handled here:

- one seed (``logs/log_seed_<id>.hdf5``, ``log_no_seed_provided.hdf5``, the toolbox's
  ``<date>_<config>_seed_<id>.hdf5``): a group ``seed_<id>/`` holding ``meta/``, ``stats/`` and
  ``time/``, one dataset per name (``meta`` entries are 1-element byte-string arrays);
- merged seeds (``logs/log.hdf5``, ``seed_aggregated.hdf5``): several such seed groups;
- a meta log (``meta_log.hdf5``): one group per run (``b_1_eval_0/``, ``config_1/``), each
  holding seed groups (or ``meta/stats/time`` directly);
- the 2020 seed-era toolbox: a group ``seed-<id>/`` of plain datasets (read as stats).

Nothing is unpickled: ``meta/config_dict`` (a Python literal) is read with
:func:`ast.literal_eval`; checkpoint and extra paths stay strings, and
:func:`mle_logger.load_checkpoint` refuses their ``.pt``/``.pkl`` files unless
``allow_pickle=True``. Such logs have no end marker, so ``finished`` is True (unknown).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._aggregate import DEFAULT_PERCENTILES
from ._attrmap import AttrMap
from ._legacy import legacy_seed_id
from ._storage import FORMAT, LogData, open_error
from .errors import LogFormatError, LogNotFoundError

LEGACY_FORMAT = "mle-logging"
META_LOG_NAME = "meta_log.hdf5"
_PARTS = ("meta", "stats", "time")


def _is_seed_group(group: Any) -> bool:
    import h5py

    if not isinstance(group, h5py.Group):
        return False
    keys = set(group.keys())
    if keys and keys <= set(_PARTS):  # meta alone: a log saved before its first row
        return all(isinstance(group[k], h5py.Group) for k in keys)
    return bool(keys) and all(isinstance(group[k], h5py.Dataset) for k in keys)  # seed era


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _meta_value(arr: np.ndarray) -> Any:
    values = [_decode(v) for v in np.asarray(arr).reshape(-1).tolist()]
    return values[0] if len(values) == 1 else values


def _column(arr: np.ndarray) -> np.ndarray | None:
    """A numeric 1-D column as int64/float64 (float32 widened exactly), else None."""
    if arr.ndim != 1 or arr.dtype.kind not in "biuf":
        return None
    return arr.astype(np.int64 if arr.dtype.kind in "biu" else np.float64)


def _seed_data(group: Any, name: str, run: str | None, where: str) -> LogData:
    import h5py

    meta: dict[str, Any] = {}
    parts: dict[str, dict[str, np.ndarray]] = {"time": {}, "stats": {}}
    other: dict[str, Any] = {}
    if "stats" in group or "time" in group:
        sources = [(p, group[p]) for p in _PARTS if p in group]
    else:  # seed era: one flat group of datasets
        sources = [("stats", group)]
    for part, sub in sources:
        for key in sub:
            ds = sub[key]
            if not isinstance(ds, h5py.Dataset):
                continue
            arr = ds[()]
            if part == "meta":
                meta[key] = _meta_value(arr)
                continue
            col = _column(np.asarray(arr))
            if col is None:  # text (time/time) or multi-dimensional stats
                other[f"{part}/{key}"] = _meta_value(arr) if arr.dtype.kind in "SUO" else arr
            else:
                parts[part][key] = col
    lengths = {len(c) for p in parts.values() for c in p.values()}
    if len(lengths) > 1:
        raise LogFormatError(f"{where}: columns of {name!r} differ in length {sorted(lengths)}")
    config = meta.get("config_dict")
    if isinstance(config, str):
        try:
            meta["config"] = ast.literal_eval(config)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            meta["config"] = None
    meta.update(other)
    meta.update(
        format=LEGACY_FORMAT,
        seed_id=legacy_seed_id(name),
        seed_name=name,
        run_id=run,
        finished=True,
        legacy=True,
        n_rows=lengths.pop() if lengths else 0,
    )
    return LogData(parts["time"], parts["stats"], meta, int(meta["n_rows"]))


def _runs(root: Any, where: str) -> dict[str | None, list[tuple[str, Any]]]:
    """Run id -> its seed groups; None is the run of a file that holds seeds directly."""
    import h5py

    groups = [(k, root[k]) for k in root if isinstance(root[k], h5py.Group)]
    if not groups:
        raise LogFormatError(f"{where}: expected mle-logging seed groups, found none")
    if all(_is_seed_group(g) for _, g in groups):
        return {None: groups}
    runs: dict[str | None, list[tuple[str, Any]]] = {}
    for run, g in groups:
        if _is_seed_group(g):  # a run logged without a seed group
            runs[run] = [(run, g)]
            continue
        seeds = [(k, g[k]) for k in g if _is_seed_group(g[k])]
        if not seeds:
            raise LogFormatError(f"{where}: group {run!r} holds no seed log (meta/stats/time)")
        runs[run] = seeds
    return runs


def is_legacy_file(path: Path) -> bool:
    """True for an HDF5 file in mle-logging's layout (not ours)."""
    import h5py

    try:
        with h5py.File(path, "r", locking=False) as f:
            if "meta" in f and f["meta"].attrs.get("format") == FORMAT:
                return False
            if str(f.attrs.get("format", "")).startswith(FORMAT):
                return False
            _runs(f, str(path))
            return True
    except (OSError, LogFormatError):
        return False


def read_legacy_runs(path: Path) -> dict[str | None, list[LogData]]:
    """All runs of an mle-logging file: run id (None for a plain seed file) -> seed logs."""
    import h5py

    try:
        with h5py.File(path, "r", locking=False) as f:
            runs = _runs(f, str(path))
            return {
                run: [_seed_data(g, name, run, f"{path}:{name}") for name, g in seeds]
                for run, seeds in runs.items()
            }
    except OSError as exc:
        raise open_error(path, exc) from exc


def _seed_logs(path: Path, datas: Sequence[LogData]) -> list[Any]:
    from ._load import _seed_log

    return [_seed_log(path, d) for d in datas]


def read_legacy_file(path: Path) -> list[Any] | None:
    """The seed logs of an mle-logging file, or None if it is not one. A meta log with several
    runs raises :class:`LogFormatError` naming :func:`load_meta_log`."""
    if not is_legacy_file(path):
        return None
    runs = read_legacy_runs(path)
    if len(runs) > 1:
        names = ", ".join(str(r) for r in list(runs)[:4])
        raise LogFormatError(
            f"{path}: an mle-logging meta log of {len(runs)} runs ({names}, ...); "
            "load it with mle_logger.load_meta_log(path), one entry per run"
        )
    return _seed_logs(path, next(iter(runs.values())))


def read_legacy_folder(folder: Path) -> list[Any] | None:
    """Seed logs of an mle-logging run folder (``meta_log.hdf5`` or ``logs/*.hdf5``), or None."""
    meta_log = folder / META_LOG_NAME
    if meta_log.is_file():
        return read_legacy_file(meta_log)
    seen: dict[int, Any] = {}
    for base in (folder / "logs", folder):
        if not base.is_dir():
            continue
        for p in sorted(base.glob("*.hdf5")):
            for log in read_legacy_file(p) or ():
                seen.setdefault(log.seed_id, log)  # a merged file repeats the seed files
    return list(seen.values()) or None


def load_meta_log(
    path: str | os.PathLike[str],
    aggregate: bool = False,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> AttrMap[Any]:
    """Runs of an mle-logging meta log (``meta_log.hdf5``, or a folder holding one), by run id.

    Each entry is a :class:`SeedLogs` (``aggregate=True``: an :class:`AggregatedLog`, whose
    ``percentiles`` include the original's p10/p25/p50/p75/p90). A file of seeds without runs
    gives one entry, ``"eval"`` (the original's name for it).
    """
    from ._load import SeedLogs, aggregate_logs

    p = Path(path)
    if p.is_dir():
        p = p / META_LOG_NAME
    if not p.is_file():
        raise LogNotFoundError(f"{p}: no mle-logging meta log here")
    if not is_legacy_file(p):
        raise LogFormatError(f"{p}: expected an mle-logging log (seed groups of meta/stats/time)")
    wanted = sorted({*(float(q) for q in percentiles), 10.0, 25.0, 50.0, 75.0, 90.0})
    out: dict[str, Any] = {}
    for run, datas in read_legacy_runs(p).items():
        logs = SeedLogs({lg.seed_id: lg for lg in _seed_logs(p, datas)})
        out[run or "eval"] = aggregate_logs(logs, wanted) if aggregate else logs
    return AttrMap(out, "run")


def original_summary(summary: Any) -> Mapping[str, np.ndarray]:
    """An aggregated stat the way mle-logging returned it: ``mean``, ``std`` (over seeds, ddof=0
    as the original), ``p10``, ``p25``, ``p50``, ``p75``, ``p90``. ``summary`` is a
    :class:`mle_logger.Summary` computed with those percentiles (``load_meta_log`` does)."""
    count = np.asarray(summary.count, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        std0 = np.where(count >= 2, summary.std * np.sqrt((count - 1) / count), 0.0)
    out = {"mean": summary.mean, "std": std0}
    for q in (10, 25, 50, 75, 90):
        out[f"p{q}"] = summary.percentiles[float(q)]
    return AttrMap(out, "statistic")


__all__ = [
    "LEGACY_FORMAT",
    "is_legacy_file",
    "load_meta_log",
    "original_summary",
    "read_legacy_file",
    "read_legacy_folder",
    "read_legacy_runs",
]
