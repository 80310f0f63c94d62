"""Reading logs back: one seed, several seeds, or their aggregate over seeds."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._aggregate import DEFAULT_PERCENTILES, Summary, stack, summarize
from ._attrmap import AttrMap
from ._layout import as_path, find_seed_logs, seed_of
from ._storage import FORMAT, LogData, open_error, read_group, read_log
from .errors import LogArgumentError, LogFormatError, LogNotFoundError


@dataclass(frozen=True)
class SeedLog:
    """One seed's log: ``time.<name>`` and ``stats.<name>`` arrays, ``meta`` facts."""

    path: Path
    time: AttrMap[np.ndarray]
    stats: AttrMap[np.ndarray]
    meta: AttrMap[Any]

    @property
    def seed_id(self) -> int:
        return int(self.meta["seed_id"])

    @property
    def finished(self) -> bool:
        """True only when the run closed normally (a crashed or running log is False)."""
        return bool(self.meta["finished"])

    @property
    def n_rows(self) -> int:
        return int(self.meta["n_rows"])


def _seed_log(path: Path, data: LogData) -> SeedLog:
    return SeedLog(
        path=path,
        time=AttrMap(data.time, "time series"),
        stats=AttrMap(data.stats, "stat"),
        meta=AttrMap(data.meta, "meta field"),
    )


def _union(logs: Sequence[SeedLog], part: str) -> list[str]:
    names: dict[str, None] = {}
    for log in logs:
        names.update(dict.fromkeys(getattr(log, part)))
    return list(names)


@dataclass(frozen=True)
class SeedLogs:
    """Several seeds of one run. ``stats.<name>`` is a ``(n_seeds, longest)`` masked array
    (shorter seeds are masked at the end); ``seeds`` maps seed id to its :class:`SeedLog`."""

    seeds: Mapping[int, SeedLog]

    @property
    def seed_ids(self) -> list[int]:
        return list(self.seeds)

    def _stacked(self, part: str) -> AttrMap[np.ma.MaskedArray]:
        logs = list(self.seeds.values())
        out = {}
        for name in _union(logs, part):
            out[name] = stack([getattr(lg, part).get(name, np.empty(0)) for lg in logs])
        return AttrMap(out, "time series" if part == "time" else "stat")

    @property
    def time(self) -> AttrMap[np.ma.MaskedArray]:
        return self._stacked("time")

    @property
    def stats(self) -> AttrMap[np.ma.MaskedArray]:
        return self._stacked("stats")

    @property
    def meta(self) -> Mapping[int, AttrMap[Any]]:
        """Seed id -> that seed's meta."""
        return {s: lg.meta for s, lg in self.seeds.items()}

    @property
    def finished(self) -> bool:
        return all(lg.finished for lg in self.seeds.values())

    @property
    def incomplete(self) -> list[int]:
        """Seed ids whose run did not finish (crashed, killed or still running)."""
        return [s for s, lg in self.seeds.items() if not lg.finished]


@dataclass(frozen=True)
class AggregatedLog:
    """Statistics over seeds: ``stats.<name>`` is a :class:`Summary` (``.mean``, ``.std``,
    ``.stderr``, ``.ci_low``/``.ci_high``, ``.median``, ``.percentiles[q]``, ``.count``)."""

    seeds: SeedLogs
    time: AttrMap[Summary]
    stats: AttrMap[Summary]

    @property
    def seed_ids(self) -> list[int]:
        return self.seeds.seed_ids

    @property
    def meta(self) -> Mapping[int, AttrMap[Any]]:
        return self.seeds.meta

    @property
    def finished(self) -> bool:
        return self.seeds.finished

    @property
    def incomplete(self) -> list[int]:
        return self.seeds.incomplete


def aggregate_logs(
    logs: SeedLogs | Sequence[SeedLog], percentiles: Sequence[float] = DEFAULT_PERCENTILES
) -> AggregatedLog:
    """Aggregate seeds row by row (unequal lengths are masked, not truncated)."""
    percentiles = _check_percentiles(percentiles)
    if not isinstance(logs, SeedLogs):
        seeds: list[object] = [None]
        with contextlib.suppress(TypeError):  # not iterable
            seeds = [logs] if isinstance(logs, SeedLog) else list(logs)
        if not all(isinstance(lg, SeedLog) for lg in seeds):
            raise LogArgumentError(
                f"logs: expected a SeedLogs or a list of SeedLog from load_log, found {logs!r:.80}"
            )
        logs = SeedLogs({lg.seed_id: lg for lg in seeds if isinstance(lg, SeedLog)})
    seed_list = list(logs.seeds.values())
    parts = {}
    for part in ("time", "stats"):
        parts[part] = AttrMap(
            {
                name: summarize(
                    [getattr(lg, part).get(name, np.empty(0)) for lg in seed_list], percentiles
                )
                for name in _union(seed_list, part)
            },
            "time series" if part == "time" else "stat",
        )
    return AggregatedLog(logs, parts["time"], parts["stats"])


def _check_percentiles(percentiles: Sequence[float]) -> list[float]:
    try:
        qs = [float(q) for q in percentiles]
    except (TypeError, ValueError):
        qs = [-1.0]
    if not all(0.0 <= q <= 100.0 for q in qs):
        raise LogArgumentError(
            f"percentiles: expected numbers from 0 to 100, found {percentiles!r:.80}"
        )
    return qs


def _read_path(path: Path) -> list[SeedLog]:
    try:
        return _read_ours(path)
    except (LogNotFoundError, LogFormatError):  # maybe a log of the original mle-logging
        from ._legacy_load import read_legacy_file, read_legacy_folder

        legacy = read_legacy_folder(path) if path.is_dir() else read_legacy_file(path)
        if legacy is None:
            raise
        return legacy


def _read_ours(path: Path) -> list[SeedLog]:
    if path.is_dir():
        files = find_seed_logs(path)
        if not files:
            raise LogNotFoundError(
                f"{path}: expected seed logs (logs/seed_<id>.hdf5 or seed_<id>.hdf5), found none"
            )
        return [_seed_log(f, read_log(f)) for f in files]
    if not path.is_file():
        raise LogNotFoundError(f"{path}: no such log file or folder")
    if seed_of(path) is None and _is_merged(path):
        import h5py

        with h5py.File(path, "r", locking=False) as f:
            return [_seed_log(path, read_group(f[name], f"{path}:{name}")) for name in f]
    return [_seed_log(path, read_log(path))]


def _is_merged(path: Path) -> bool:
    import h5py

    try:
        with h5py.File(path, "r", locking=False) as f:
            return bool(f.attrs.get("format") == FORMAT + "/merged")
    except OSError as exc:
        raise open_error(path, exc) from exc


def load_log(
    path: str | os.PathLike[str],
    aggregate: bool = False,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> SeedLog | SeedLogs | AggregatedLog:
    """Load a log file, a merged file, or a run folder (``<folder>/logs/seed_*.hdf5``).

    One seed gives a :class:`SeedLog`, several a :class:`SeedLogs`; ``aggregate=True`` always
    gives an :class:`AggregatedLog`. Rows saved to the journal of a crashed run are included.
    """
    logs = _read_path(as_path(path, "path"))
    if aggregate:
        return aggregate_logs(logs, percentiles)
    if len(logs) == 1:
        return logs[0]
    return SeedLogs({lg.seed_id: lg for lg in logs})


def load_seed_logs(path: str | os.PathLike[str]) -> SeedLogs:
    """Like :func:`load_log` but always a :class:`SeedLogs` (also for one seed)."""
    return SeedLogs({lg.seed_id: lg for lg in _read_path(as_path(path, "path"))})
