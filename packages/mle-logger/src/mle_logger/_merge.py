"""Merge the seed logs of a run into one file (the per-seed files stay)."""

from __future__ import annotations

import os
from pathlib import Path

from ._fold import fold_file
from ._layout import MERGED_NAME, as_path, find_seed_logs, journal_path, lock_path
from ._lock import acquire
from ._storage import read_log, read_meta, write_merged
from .errors import LogBusyError, LogNotFoundError


def _writer_alive(meta: dict[str, object]) -> bool:
    import socket

    pid = meta.get("pid")
    if meta.get("host") != socket.gethostname() or not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def fold_log(path: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Fold the journal of a crashed run into its HDF5 file, so h5py alone sees every row.

    ``path`` is a seed file or a run folder (all its seeds). The ``finished`` flag is kept as it
    is: a crashed run stays unfinished. A log whose writer process still runs on this host
    raises :class:`LogBusyError` (``force=True`` skips that check). Returns the files folded.
    """
    p = as_path(path, "path")
    files = find_seed_logs(p) if p.is_dir() else [p]
    if not files:
        raise LogNotFoundError(
            f"{p}: expected seed logs (logs/seed_<id>.hdf5 or seed_<id>.hdf5), found none"
        )
    folded = []
    for f in files:
        jpath = journal_path(f)
        if not jpath.exists():
            continue
        lock = None if force else acquire(lock_path(f), f)  # LogBusyError while a writer runs
        try:
            meta = read_meta(f) if not force and lock is None else {}  # no lock support
            if meta and _writer_alive(meta):
                raise LogBusyError(
                    f"{f}: its writer (pid {meta.get('pid')}) is still running; "
                    "fold it after the run ends (or pass force=True)"
                )
            fold_file(f)  # in bounded memory, however long the journal
            jpath.unlink(missing_ok=True)
        finally:
            if lock is not None:
                lock.release()
        folded.append(f)
    return folded


def merge_logs(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write all seed logs under ``folder`` into ``out`` (default ``<folder>/merged_logs.hdf5``).

    The merged file has one group ``seed_<id>`` per seed, each in the seed file layout
    (``time/``, ``stats/``, ``meta``), and loads with :func:`load_log`. Nothing is deleted.
    """
    folder = as_path(folder, "folder")
    files = find_seed_logs(folder)
    if not files:
        raise LogNotFoundError(
            f"{folder}: expected seed logs (logs/seed_<id>.hdf5 or seed_<id>.hdf5), found none"
        )
    target = as_path(out, "out") if out is not None else folder / MERGED_NAME
    logs = []
    for f in files:
        data = read_log(f)
        logs.append((f"seed_{data.meta['seed_id']}", data))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_merged(target, logs)
    return target
