"""The experiment folder: paths named from :mod:`mle_config.layout` (the one list of the files
``mle`` writes, which the schema also keeps user-chosen names away from), atomic JSON writes,
and finding and creating experiment folders."""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from mle_config import atomic_write_text
from mle_config import layout as names

from ._console import dumps
from .errors import ExperimentDirError


def write_json(path: Path, data: Any) -> None:
    """Atomically write ``data`` as indented JSON."""
    atomic_write_text(path, dumps(data) + "\n")


class ExperimentDir:
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
        return self.runs / job_id

    def config_path(self, key: str) -> Path:
        return self.configs / f"{key}.json"

    def read_marker(self) -> dict[str, Any]:
        """The experiment record; raises ExperimentDirError when this is no experiment folder."""
        if not self.marker.is_file():
            raise ExperimentDirError(
                f"{self.root}: not an mle experiment folder "
                f"(expected {names.EXPERIMENT_MARKER}, found none)"
            )
        try:
            data = json.loads(self.marker.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise ExperimentDirError(
                f"{self.marker}{where}: expected the experiment record (JSON), found a damaged "
                f"file ({exc}); restore it from a backup or run the experiment again"
            ) from None
        if not isinstance(data, dict) or "job_type" not in data:
            raise ExperimentDirError(f"{self.marker}: expected a JSON object with job_type")
        return data


def open_experiment(path: str | os.PathLike[str]) -> ExperimentDir:
    """Open an existing experiment folder, checking it is one."""
    exp = ExperimentDir(Path(path).resolve())
    if not exp.root.is_dir():
        from ._registry import folder_of

        found = folder_of(str(path))
        if found is None:
            raise ExperimentDirError(
                f"{path}: experiment folder not found, nor an experiment of the registry "
                "(see `mle list`)"
            )
        exp = ExperimentDir(found)
    exp.read_marker()
    return exp


def new_experiment_root(parent: Path, name: str, create: bool = False) -> Path:
    """``parent/<YYYYmmdd-HHMMSS>_<name>``; with ``create``, made atomically, with a ``-1``,
    ``-2``, ... suffix when another ``mle run`` took the name in the same second."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "experiment"
    base = parent / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}_{slug}"
    if create:
        parent.mkdir(parents=True, exist_ok=True)
    for i in range(10_000):
        root = base if i == 0 else base.with_name(f"{base.name}-{i}")
        try:
            if create:
                root.mkdir()  # atomic: exactly one `mle run` gets each name
            elif root.exists():
                continue
            return root
        except FileExistsError:
            continue
    raise ExperimentDirError(f"{base}: expected a free folder name, found 10000 taken")


_SKIP = {"node_modules", "__pycache__", "site-packages", "venv"}


def find_experiment(arg: str | None, max_depth: int = 6) -> ExperimentDir:
    """The named experiment folder, or the newest one below the working directory (not
    looking inside experiment folders, hidden folders or virtual environments)."""
    if arg:
        return open_experiment(arg)
    base = Path.cwd()
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
    if not found:
        raise ExperimentDirError(
            f"no experiment folder found under {base}; expected one, or name it"
        )
    return ExperimentDir(max(found)[1])
