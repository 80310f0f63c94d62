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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ExperimentDirError

MARKER = "mle-experiment.json"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
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
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line and flush it to disk (append-only files survive a SIGKILL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines file; a torn last line (crash mid-write) is ignored."""
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
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
        data = json.loads(self.marker.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ExperimentDirError(f"{self.marker}: expected a JSON object")
        return data


def open_experiment(path: str | os.PathLike[str]) -> ExperimentDir:
    """Open an existing experiment folder, checking it is one."""
    exp = ExperimentDir(Path(path).resolve())
    if not exp.root.is_dir():
        raise ExperimentDirError(f"{path}: experiment folder not found")
    exp.read_marker()
    return exp


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
