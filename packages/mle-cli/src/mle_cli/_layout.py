"""The experiment folder: one place that names every file ``mle`` writes.

```
<experiment_dir>/<YYYYmmdd-HHMMSS>_<name>/
    mle-experiment.json    what this folder is: job type, backend, command, cwd, yaml paths
    experiment.yaml        verbatim copy of the experiment YAML
    experiment.resolved.json  the validated experiment config (overrides applied)
    configs/<key>.json     every resolved training config a job receives
    jobs.jsonl             the job table, append-only (one JSON object per planned job)
    queue-state.jsonl      index: job id -> backend id, attempt, job spec (append-only)
    hyper_log.jsonl        searches: one line per evaluated proposal
    reproducibility.json   git commit, python, packages, host, exact command; git.diff beside it
    runs/<job_id>/         one run folder per job: the -exp_dir it gets, its logs, stdout/stderr
    results.json           written by `mle run`/`mle resume` at the end (`mle results` recomputes)
    report/                `mle report`: report.md, report.html, figures/*.png
    driver.log             output of a detached (`--detach`) driver
```
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ._console import dumps
from .errors import ExperimentDirError

MARKER = "mle-experiment.json"


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (0666 less the umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old or the new file, never half.

    The file gets the umask's mode (group-readable on a shared experiment), not mkstemp's 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Atomically write ``data`` as indented JSON."""
    atomic_write_text(path, dumps(data) + "\n")


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line and flush it to disk (append-only files survive a SIGKILL); a torn
    last line left by a crash is closed first, so it never swallows this record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab+") as fh:
        end = fh.seek(0, os.SEEK_END)
        if end and os.pread(fh.fileno(), 1, end - 1) != b"\n":
            fh.write(b"\n")
        fh.write(dumps(record, indent=None).encode("utf-8") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file; lines that are not (a torn write, bytes that are
    not UTF-8) are skipped with one warning naming the file and the line numbers."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    out: list[dict[str, Any]] = []
    bad: list[int] = []
    for number, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except ValueError:
            rec = None
        if isinstance(rec, dict):
            out.append(rec)
        else:
            bad.append(number)
    if bad:
        warnings.warn(f"{path}: skipped unreadable line(s) {bad[:10]}", stacklevel=2)
    return out


@dataclass(frozen=True)
class ExperimentDir:
    """Paths inside one experiment folder."""

    root: Path

    @property
    def marker(self) -> Path:
        return self.root / MARKER

    @property
    def yaml_copy(self) -> Path:
        return self.root / "experiment.yaml"

    @property
    def resolved(self) -> Path:
        return self.root / "experiment.resolved.json"

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    @property
    def jobs(self) -> Path:
        return self.root / "jobs.jsonl"

    @property
    def queue_state(self) -> Path:
        return self.root / "queue-state.jsonl"

    @property
    def hyper_log(self) -> Path:
        return self.root / "hyper_log.jsonl"

    @property
    def repro(self) -> Path:
        return self.root / "reproducibility.json"

    @property
    def git_diff(self) -> Path:
        return self.root / "git.diff"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def results(self) -> Path:
        return self.root / "results.json"

    @property
    def report(self) -> Path:
        return self.root / "report"

    @property
    def driver_log(self) -> Path:
        return self.root / "driver.log"

    @property
    def cancel_flag(self) -> Path:
        return self.root / ".cancel-requested"

    def run_dir(self, job_id: str) -> Path:
        return self.runs / job_id

    def config_path(self, key: str) -> Path:
        return self.configs / f"{key}.json"

    def read_marker(self) -> dict[str, Any]:
        """The experiment record; raises ExperimentDirError when this is no experiment folder."""
        if not self.marker.is_file():
            raise ExperimentDirError(
                f"{self.root}: not an mle experiment folder (expected {MARKER}, found none)"
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
        raise ExperimentDirError(f"{path}: experiment folder not found")
    exp.read_marker()
    return exp


def find_experiment(arg: str | None) -> ExperimentDir:
    """The named experiment folder, or the newest one below the working directory."""
    return open_experiment(arg) if arg else newest_experiment([Path.cwd()])


def new_experiment_root(parent: Path, name: str, create: bool = False) -> Path:
    """``parent/<YYYYmmdd-HHMMSS>_<name>``; with ``create``, made atomically, with a ``-1``,
    ``-2``, ... suffix when another ``mle run`` took the name in the same second."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "experiment"
    base = parent / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}_{slug}"
    for i in range(10_000):
        root = base if i == 0 else base.with_name(f"{base.name}-{i}")
        if not create:
            if not root.exists():
                return root
            continue
        try:
            parent.mkdir(parents=True, exist_ok=True)
            root.mkdir()
            return root
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExperimentDirError(
                f"{root}: cannot create the experiment folder ({exc.strerror})"
            ) from None
    raise ExperimentDirError(f"{base}: expected a free folder name, found 10000 taken")


_SKIP = {"node_modules", "__pycache__", "site-packages", "venv"}


def _markers(base: Path, max_depth: int) -> list[Path]:
    """Experiment markers below ``base`` (not inside experiment folders, hidden or venv dirs)."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        if MARKER in filenames:
            found.append(here / MARKER)
            dirnames[:] = []
            continue
        depth = len(here.relative_to(base).parts)
        if depth >= max_depth:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP]
    return found


def newest_experiment(search_roots: list[Path], max_depth: int = 6) -> ExperimentDir:
    """The most recently created experiment folder below any of ``search_roots``."""
    found: list[tuple[float, Path]] = []
    for base in search_roots:
        if not base.is_dir():
            continue
        for marker in _markers(base, max_depth):
            try:
                found.append((marker.stat().st_mtime, marker.parent))
            except OSError:
                continue
    if not found:
        roots = ", ".join(str(r) for r in search_roots)
        raise ExperimentDirError(
            f"no experiment folder found under {roots}; expected one, or name it"
        )
    found.sort()
    return ExperimentDir(found[-1][1])
