"""One experiment folder as ``mle run`` writes it: every path named from
:mod:`mle_config.layout`, its experiment record, making a new folder and finding the newest."""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from . import layout as names
from .errors import ConfigFileExistsError, ConfigFileNotFoundError, ConfigParseError

__all__ = ["ExperimentFolder", "new_experiment_root", "newest_experiment"]


class ExperimentFolder:
    """Paths inside one experiment folder (names from :mod:`mle_config.layout`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.marker = root / names.EXPERIMENT_MARKER
        self.yaml_copy = root / names.EXPERIMENT_YAML
        self.resolved = root / names.RESOLVED_CONFIG
        self.configs = root / names.CONFIGS_DIR
        self.jobs = root / names.JOBS_TABLE
        self.queue_state = root / names.QUEUE_STATE
        self.events = root / names.EVENTS_LOG
        self.repro = root / names.REPRO_RECORD
        self.git_diff = root / names.GIT_DIFF
        self.runs = root / names.RUNS_DIR
        self.attempts = root / names.ATTEMPTS_DIR
        self.results = root / names.RESULTS
        self.report = root / names.REPORT_DIR
        self.driver_log = root / names.DRIVER_LOG
        self.driver_lock = root / names.DRIVER_LOCK
        self.cancel_flag = root / names.CANCEL_FLAG

    def run_dir(self, job_id: str) -> Path:
        """The run folder of job ``job_id`` (its ``-exp_dir``)."""
        return self.runs / job_id

    def config_path(self, key: str) -> Path:
        """The resolved training config ``key`` that jobs receive as ``-config``."""
        return self.configs / f"{key}.json"

    def read_marker(self) -> dict[str, Any]:
        """The experiment record. Raises :class:`ConfigFileNotFoundError` when this is no
        experiment folder, :class:`ConfigParseError` when the record is damaged."""
        if not self.marker.is_file():
            raise ConfigFileNotFoundError(
                f"{self.root}: not an mle experiment folder "
                f"(expected {names.EXPERIMENT_MARKER}, found none)"
            )
        try:
            data = json.loads(self.marker.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise ConfigParseError(
                f"{self.marker}{where}: expected the experiment record (JSON), found a damaged "
                f"file ({exc}); restore it from a backup or run the experiment again"
            ) from None
        if not isinstance(data, dict) or "job_type" not in data:
            raise ConfigParseError(f"{self.marker}: expected a JSON object with job_type")
        return data


def new_experiment_root(parent: Path, name: str, create: bool = False) -> Path:
    """``parent/<YYYYmmdd-HHMMSS>_<name>``; with ``create``, made atomically, with a ``-1``,
    ``-2``, ... suffix when another run took the name in the same second."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "experiment"
    base = parent / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}_{slug}"
    if create:
        parent.mkdir(parents=True, exist_ok=True)
    for i in range(10_000):
        root = base if i == 0 else base.with_name(f"{base.name}-{i}")
        try:
            if create:
                root.mkdir()  # atomic: exactly one run gets each name
            elif root.exists():
                continue
            return root
        except FileExistsError:
            continue
    raise ConfigFileExistsError(f"{base}: expected a free folder name, found 10000 taken")


_SKIP = {"node_modules", "__pycache__", "site-packages", "venv"}


def newest_experiment(base: Path, max_depth: int = 6) -> Path | None:
    """The newest experiment folder (by its record's mtime) at or below ``base``, not looking
    inside experiment folders, hidden folders or virtual environments; None when none."""
    found: list[tuple[float, Path]] = []
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        if names.EXPERIMENT_MARKER in filenames:
            with contextlib.suppress(OSError):
                found.append(((here / names.EXPERIMENT_MARKER).stat().st_mtime, here))
            dirnames[:] = []
        elif len(here.relative_to(base).parts) >= max_depth:
            dirnames[:] = []
        else:
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP]
    return max(found)[1] if found else None
