"""Merge the seed logs of a run into one file (the per-seed files stay)."""

from __future__ import annotations

import os
from pathlib import Path

from ._layout import MERGED_NAME, find_seed_logs
from ._storage import read_log, write_merged
from .errors import LogNotFoundError


def merge_logs(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write all seed logs under ``folder`` into ``out`` (default ``<folder>/merged_logs.hdf5``).

    The merged file has one group ``seed_<id>`` per seed, each in the seed file layout
    (``time/``, ``stats/``, ``meta``), and loads with :func:`load_log`. Nothing is deleted.
    """
    folder = Path(folder)
    files = find_seed_logs(folder)
    if not files:
        raise LogNotFoundError(
            f"{folder}: expected seed logs (logs/seed_<id>.hdf5 or seed_<id>.hdf5), found none"
        )
    target = Path(out) if out is not None else folder / MERGED_NAME
    logs = []
    for f in files:
        data = read_log(f)
        logs.append((f"seed_{data.meta['seed_id']}", data))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_merged(target, logs)
    return target
