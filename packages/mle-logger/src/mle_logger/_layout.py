"""Where a run's files live inside its experiment folder (the documented, stable layout)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

LOGS_DIR = "logs"
MODELS_DIR = "models"
FIGURES_DIR = "figures"
EXTRA_DIR = "extra"
TBOARD_DIR = "tboards"
MERGED_NAME = "merged_logs.hdf5"

_SEED_FILE = re.compile(r"^seed_(-?\d+)\.hdf5$")


def as_path(value: Any, what: str) -> Path:
    """``value`` as a Path; anything but a str or path-like is a :class:`LogArgumentError`."""
    if isinstance(value, (str, os.PathLike)):
        try:
            return Path(value)
        except TypeError:  # a PathLike whose __fspath__ returns bytes
            pass
    from .errors import LogArgumentError

    raise LogArgumentError(f"{what}: expected a path (str or os.PathLike), found {value!r:.80}")


def log_path(experiment_dir: str | os.PathLike[str], seed_id: int) -> Path:
    """``<experiment_dir>/logs/seed_<seed_id>.hdf5``."""
    return as_path(experiment_dir, "experiment_dir") / LOGS_DIR / f"seed_{seed_id}.hdf5"


def journal_path(log_file: Path) -> Path:
    """The append-only side file of a log: ``seed_<seed_id>.journal`` beside the HDF5 file."""
    return log_file.with_suffix(".journal")


def lock_path(log_file: Path) -> Path:
    """The writer's lock file ``seed_<seed_id>.lock`` (exists while a writer runs)."""
    return log_file.with_suffix(".lock")


def seed_dir(experiment_dir: str | Path, kind: str, seed_id: int) -> Path:
    """``<experiment_dir>/<kind>/seed_<seed_id>`` for models, figures and extras."""
    return Path(experiment_dir) / kind / f"seed_{seed_id}"


def seed_of(path: Path) -> int | None:
    """The seed id encoded in a ``seed_<id>.hdf5`` file name, else None."""
    m = _SEED_FILE.match(path.name)
    return int(m.group(1)) if m else None


def find_seed_logs(folder: Path) -> list[Path]:
    """Seed logs of one run: ``folder/logs/seed_*.hdf5`` or ``folder/seed_*.hdf5``, by seed id."""
    found: dict[Path, int] = {}
    for base in (folder / LOGS_DIR, folder):
        if not base.is_dir():
            continue
        for p in base.iterdir():
            seed = seed_of(p)
            if seed is not None and p.is_file():
                found[p] = seed
    return sorted(found, key=lambda p: (found[p], str(p)))
