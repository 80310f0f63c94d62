"""Score many finished runs fast: open one seed's log once, read only what the score needs
(the few meta fields that identify the log and, for a ``final`` score, the last value of the
metric), and read the whole log from the same open file only when the caller wants it
(a report's learning curves of its best configurations).

The score is :func:`score_with_reason`'s (the one scoring rule). A log whose journal still
holds rows (a running or crashed run) is read whole by :func:`load_log`'s reader, so the
result is always what ``load_log`` would give.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._journal import open_journal
from ._layout import journal_path
from ._score import ProblemType, _check_problem_type, score_with_reason
from ._storage import FORMAT, _finish, _read_group, open_error, read_log
from .errors import LogFormatError, LogNotFoundError

if TYPE_CHECKING:
    from ._load import SeedLog

__all__ = ["LogScan", "scan_log"]


@dataclass(frozen=True)
class LogScan:
    """What :func:`scan_log` found in one seed's log.

    ``metric``: the stat scored (the one asked for, else the first stat of the log; None when
    it logged none); ``score`` and ``reason`` as :func:`score_with_reason` gives them
    (``reason`` also says when the metric was not logged); ``stats``: the names of the logged
    stats; ``log``: the whole log when the caller asked for it, else None.
    """

    path: Path
    seed_id: int
    metric: str | None
    score: float | None
    reason: str | None
    stats: tuple[str, ...]
    log: SeedLog | None = None


def scan_log(
    path: str | os.PathLike[str],
    metric: str | None = None,
    problem_type: ProblemType | str = "final",
    maximize: bool = True,
    *,
    full: bool | Callable[[float | None], bool] = False,
) -> LogScan:
    """Score one seed's log file (``<run>/logs/seed_<id>.hdf5``) by ``metric``; a folder is
    read whole as :func:`load_log` reads it (its first seed).

    ``full``: also return the whole log (:class:`SeedLog`), always (True) or when
    ``full(score)`` says so (read from the file already open). Raises
    :class:`LogNotFoundError` when there is no such file and :class:`LogFormatError` when it is
    not an mle-logger log.
    """
    from ._load import _seed_log

    _check_problem_type(str(problem_type))
    path = Path(path)
    folder = path.is_dir()
    fh = None if folder else open_journal(journal_path(path))
    if fh is not None or folder:  # rows not folded yet, or a folder: read whole
        if fh is not None:
            fh.close()
        whole = _first_seed(path)
        names = tuple(whole.stats)
        name = metric or (names[0] if names else None)
        score, reason = _missing(name, names)
        if name is not None and name in whole.stats:
            score, reason = score_with_reason(whole.stats[name], str(problem_type), maximize)
        want = full(score) if callable(full) else full
        return LogScan(path, whole.seed_id, name, score, reason, names, whole if want else None)

    import h5py

    where = str(path)
    try:
        with h5py.File(path, "r", locking=False) as f:
            meta = f.get("meta")
            attrs = meta.attrs if meta is not None else {}
            if attrs.get("format") != FORMAT:
                raise LogFormatError(
                    f"{where}: expected an mle-logger log (meta/format = {FORMAT!r})"
                )
            seed_id = int(attrs.get("seed_id", 0))
            group = f.get("stats")
            names = tuple(group) if group is not None else ()
            name = metric or (names[0] if names else None)
            score, reason = _missing(name, names)
            if group is not None and name is not None and name in names:
                ds = group[name]
                last = float(ds[-1]) if problem_type == "final" and len(ds) else math.nan
                if not math.isnan(last):  # the common case: one value read
                    score, reason = score_with_reason(np.array([last]), "final", maximize)
                else:
                    score, reason = score_with_reason(ds[()], str(problem_type), maximize)
            log: SeedLog | None = None
            if full(score) if callable(full) else full:
                meta_d, time_b, stats_b = _read_group(f, where)
                log = _seed_log(path, _finish(meta_d, time_b, stats_b, 0, 0))
    except FileNotFoundError:
        raise LogNotFoundError(f"no log file at {path}") from None
    except OSError as exc:
        raise open_error(path, exc) from exc
    return LogScan(path, seed_id, name, score, reason, names, log)


def _first_seed(path: Path) -> SeedLog:
    from ._load import SeedLog, SeedLogs, _seed_log, load_log

    if not path.is_dir():
        return _seed_log(path, read_log(path))
    log = load_log(path)
    if isinstance(log, SeedLogs) and log.seeds:
        return next(iter(log.seeds.values()))
    if not isinstance(log, SeedLog):
        raise LogFormatError(f"{path}: expected one run's seed logs")
    return log


def _missing(name: str | None, names: tuple[str, ...]) -> tuple[float | None, str | None]:
    if name is None:
        return None, "no stat logged"
    if name not in names:
        return None, f"{name!r} not logged"
    return None, "no logged value"
