"""Read an experiment folder (the truth) into a registry record and a per-job view.

The file names are those of :mod:`mle_config.layout`. Nothing here writes to the folder, so a
read-only (shared) experiment can be inspected.

A job's state (the one job-state model of the toolbox: ``mle status``, ``mle results``, the
registry and the dashboard all read it here) is a :class:`mle_scheduler.JobState` value or
``pending`` (never submitted) or ``orphaned`` (submitted by a driver that no longer runs and not
known to run: ``mle resume`` follows it). A finished job's truth is its wrapper's status file
beside its outputs; the queue events (``events.jsonl``) add ``cancelled``, ``timeout``, the
driver's verdicts (a run that exited 0 without its score failed) and ``lost`` (the events say
it ended, but its run folder lost the record). The experiment's state:

- ``running``: a driver holds ``driver.lock``;
- the last ``{"experiment": STATE}`` record of ``events.jsonl``, when no job event follows it
  (a driver may say how it ended: ``interrupted`` after Ctrl-C, ``cancelled`` by ``mle cancel``);
- otherwise ``interrupted`` when a job is unfinished (the driver was killed), ``cancelled``
  when a job was cancelled, ``failed`` when a job failed (or timed out, or was lost), else
  ``done``.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import socket
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mle_config.layout import (
    DRIVER_LOCK,
    EVENTS_LOG,
    EXPERIMENT_MARKER,
    HYPER_LOG,
    JOBS_TABLE,
    REPRO_RECORD,
    RESOLVED_CONFIG,
    RESULTS,
    RUN_STATUS_FILE,
    RUNS_DIR,
    hyper_log_name,
)

from ._record import EXPERIMENT_STATES, ExperimentRecord
from .errors import ExperimentFolderError

if TYPE_CHECKING:
    from mle_scheduler import StatusRecord

__all__ = [  # the layout names are re-exported for the modules beside this one
    "DRIVER_LOCK",
    "EVENTS_LOG",
    "EXPERIMENT_MARKER",
    "HYPER_LOG",
    "JOBS_TABLE",
    "JOB_FINAL",
    "REPRO_RECORD",
    "RESOLVED_CONFIG",
    "RESULTS",
    "RUNS_DIR",
    "RUN_STATUS_FILE",
    "ExperimentDetail",
    "FolderCache",
    "JobInfo",
    "find_experiment_folders",
    "hyper_log_name",
    "inspect_experiment",
    "read_experiment",
]

FAILED_STATES = ("failed", "timeout", "lost")
#: final states; ``pruned`` (stopped early by a search's pruner) ended well, like ``done``
JOB_FINAL = ("done", "cancelled", "pruned", *FAILED_STATES)


@dataclass(frozen=True)
class JobInfo:
    """One job of an experiment as the monitor shows it."""

    job_id: str
    state: str  # a JobState value, or "pending" (not yet submitted) / "orphaned"
    config_id: str | None = None
    seed: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    start: float | None = None
    end: float | None = None
    message: str | None = None
    fold: int | None = None
    proposal: int | None = None  # a search's trial id
    run_dir: Path | None = None


@dataclass(frozen=True)
class ExperimentDetail:
    """Everything the dashboard shows about one experiment."""

    record: ExperimentRecord
    jobs: list[JobInfo]
    counts: dict[str, int]
    first_event: float | None
    err_file: str
    maximize: bool | None
    search_end: str | None = None  # why a search proposed no more trials (None: not ended)

    @property
    def folder(self) -> Path:
        return Path(self.record.folder)

    @property
    def finished_jobs(self) -> int:
        return sum(n for s, n in self.counts.items() if s in JOB_FINAL)

    def eta(self, now: float | None = None) -> float | None:
        """Seconds until every planned job is final, at the pace so far (None: unknown)."""
        now = time.time() if now is None else now
        done = self.finished_jobs
        left = self.record.jobs_total - done
        if self.first_event is None or done == 0 or left <= 0 or self.record.state != "running":
            return 0.0 if left <= 0 and done else None
        return (now - self.first_event) / done * left

    def summary(self) -> str:
        """``3 done, 1 running (of 8 planned)``; a search that ended early says why."""
        text = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items())) or "none"
        if self.search_end and not self.search_end.startswith("budget spent"):
            return f"{text} ({self.search_end})"
        planned = self.record.jobs_total
        return text if planned == len(self.jobs) else f"{text} (of {planned} planned)"

    def failures(self, n: int = 3) -> list[JobInfo]:
        """The last ``n`` jobs that failed, timed out or were lost (latest last)."""
        bad = [j for j in self.jobs if j.state in FAILED_STATES]
        bad.sort(key=lambda j: j.end or 0.0)
        return bad[-n:] if n > 0 else []

    def stderr_tail(self, job: JobInfo, lines: int = 3) -> list[str]:
        """The last ``lines`` non-empty lines of the job's stderr file ([] when absent)."""
        from mle_scheduler import tail

        text = tail(
            self.folder / RUNS_DIR / job.job_id / self.err_file, lines, 8192, skip_blank=True
        )
        return text.splitlines()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _iter_jsonl(path: Path) -> list[dict[str, Any]]:
    from mle_scheduler import iter_jsonl  # torn lines are skipped with one warning

    return list(iter_jsonl(path))


def _driver_runs(folder: Path) -> bool:
    """True while a driver holds the experiment's lock (checked read-only, never written)."""
    try:
        fh = open(folder / DRIVER_LOCK, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        return False


def _epoch(text: object) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()  # naive: the host's local time
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _alive_here(st: StatusRecord) -> bool:
    """The job's wrapper process still runs on this host (checked by pid and start time)."""
    ref = st.process
    return bool(ref is not None and st.host in (None, socket.gethostname()) and ref.alive())


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def job_state(st: StatusRecord | None, ev: dict[str, Any], running: bool) -> str:
    """A job's state from its status record ``st``, its last queue event ``ev`` and whether a
    driver runs (see the module docstring)."""
    state = str(ev.get("state", "pending"))
    if st is not None and st.exit_code is not None:
        if state in ("timeout", "cancelled", "pruned") or (state == "failed" and ev.get("verdict")):
            return state  # the driver knows more than the exit code (a pruned job exits 143)
        return "done" if st.exit_code == 0 else "failed"
    if state in ("done", "failed") and st is None:
        return "lost"  # the run folder lost its record: nothing proves the job ran
    if state in JOB_FINAL:
        return state
    if st is None and state == "pending":
        return "pending"
    if running:
        return "running" if st is not None or state == "running" else "queued"
    return "running" if st is not None and _alive_here(st) else "orphaned"


def _job_info(
    folder: Path, job_id: str, row: dict[str, Any], ev: dict[str, Any], st: StatusRecord | None,
    running: bool,
) -> JobInfo:  # fmt: skip
    state = job_state(st, ev, running)
    code = st.exit_code if st is not None and st.exit_code is not None else ev.get("exit_code")
    start, end = (st.start, st.end) if st is not None else (None, None)
    if st is None and state in (*FAILED_STATES, "running"):
        t = _number(ev.get("time"))
        start, end = (t, None) if state == "running" else (None, t)
    return JobInfo(
        job_id=job_id,
        state=state,
        config_id=_text(row.get("config_id")),
        seed=_int(row.get("seed")),
        params=_dict(row.get("params")),
        exit_code=_int(code),
        start=start,
        end=end,
        message=_text(ev.get("message")),
        fold=_int(row.get("fold")),
        proposal=_int(row.get("proposal")),
        run_dir=folder / RUNS_DIR / job_id,
    )


def _best_from_hyper_log(
    folder: Path, search: dict[str, Any]
) -> tuple[float | None, dict[str, Any] | None]:
    name = hyper_log_name(str(search.get("hyperlog_fname") or HYPER_LOG))
    maximize = bool(search.get("maximize_objective", False))
    best: tuple[float, dict[str, Any]] | None = None
    for rec in _iter_jsonl(folder / name):
        score = _number(rec.get("score"))
        params = rec.get("params")
        if score is None or not isinstance(params, dict) or rec.get("state") == "pruned":
            continue  # a pruned trial (scored at the step it reached) is never the best
        if best is None or (score > best[0] if maximize else score < best[0]):
            best = (score, params)
    return (None, None) if best is None else best


class _Tail:
    """Reads the complete lines appended to a JSON-lines file since the last call (all of
    it again when the file was replaced or shrank); a torn last line waits for its end."""

    def __init__(self) -> None:
        self.ino: int | None = None
        self.offset = 0
        self.warned = False

    def new(self, path: Path) -> tuple[bool, list[dict[str, Any]]]:
        """(whether to start over, the new records)."""
        try:
            st = path.stat()
        except OSError:
            reset = self.ino is not None
            self.ino, self.offset = None, 0
            return reset, []
        reset = st.st_ino != self.ino or st.st_size < self.offset
        if reset:
            self.ino, self.offset = st.st_ino, 0
        if st.st_size == self.offset:
            return reset, []
        try:
            with open(path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            return reset, []
        end = data.rfind(b"\n") + 1
        self.offset += end
        out, bad = [], 0
        for raw in data[:end].splitlines():
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                bad += 1
                continue
            if isinstance(rec, dict):
                out.append(rec)
            else:
                bad += 1
        if bad and not self.warned:
            self.warned = True
            warnings.warn(f"{path}: skipped {bad} line(s) that are not JSON objects", stacklevel=4)
        return reset, out


class _Logs:
    """The job table and the events of one folder, folded as they are read."""

    def __init__(self) -> None:
        self._jobs, self._events = _Tail(), _Tail()
        self._clear_jobs()
        self._clear_events()

    def _clear_jobs(self) -> None:
        self.table: dict[str, dict[str, Any]] = {}

    def _clear_events(self) -> None:
        self.last: dict[str, dict[str, Any]] = {}
        self.told: str | None = None  # the driver's own last word on the experiment
        self.search_end: str | None = None
        self.records: dict[str, tuple[dict[str, Any], StatusRecord | None]] = {}
        self.first: float | None = None
        self.last_time: float | None = None

    def update(self, root: Path) -> None:
        reset, rows = self._jobs.new(root / JOBS_TABLE)
        if reset:
            self._clear_jobs()
        for rec in rows:
            jid, seed = rec.get("job_id"), rec.get("seed")
            if (
                isinstance(jid, str)
                and isinstance(rec.get("config_id"), str)
                and _int(seed) is not None
            ):
                self.table.setdefault(jid, rec)
            else:  # a damaged row: named once, the rest is read
                warnings.warn(
                    f"{root / JOBS_TABLE}: skipped a row that is not a job ({rec!r:.120}: "
                    "expected a job_id, a config_id and an integer seed)",
                    stacklevel=3,
                )
        reset, events = self._events.new(root / EVENTS_LOG)
        if reset:
            self._clear_events()
        for ev in events:
            t = _number(ev.get("time"))
            if t is not None:
                self.first = t if self.first is None else min(self.first, t)
                self.last_time = t if self.last_time is None else max(self.last_time, t)
            key = ev.get("job_id", ev.get("key"))
            if isinstance(key, str):
                self.last[key] = ev
                self.told = None
            elif ev.get("search") == "ended":
                self.search_end = str(ev.get("reason") or "ended")
            elif ev.get("experiment") in EXPERIMENT_STATES:
                self.told = str(ev["experiment"])

    def status(self, root: Path, job_id: str, ev: dict[str, Any]) -> StatusRecord | None:
        """The job's status record; read again unless the job is final and has had no event
        since the last read (a finished job's record changes only with a new attempt)."""
        from mle_scheduler import read_status

        hit = self.records.get(job_id)
        final = ev.get("state") in JOB_FINAL
        if hit is not None and hit[0] is ev and final and (hit[1] is None or hit[1].finished):
            return hit[1]
        st = read_status(root / RUNS_DIR / job_id / RUN_STATUS_FILE)
        self.records[job_id] = (ev, st)
        return st


class FolderCache:
    """What :func:`inspect_experiment` read of a few folders' append-only logs, so the next
    call reads only what was appended (``size``: folders kept, least recently used dropped)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._logs: OrderedDict[Path, _Logs] = OrderedDict()

    def logs(self, root: Path) -> _Logs:
        logs = self._logs.pop(root, None) or _Logs()
        self._logs[root] = logs
        while len(self._logs) > self.size:
            self._logs.popitem(last=False)
        return logs


def inspect_experiment(
    folder: str | os.PathLike[str],
    *,
    cache: FolderCache | None = None,
    driver_runs: bool | None = None,
) -> ExperimentDetail:
    """Read one experiment folder: its registry record plus every job's state.

    ``cache``: keeps what was read of the append-only job table and events between calls, so
    a refresh reads only what was appended since (the dashboard's every few seconds).
    ``driver_runs``: whether a driver runs (default: whether one holds ``driver.lock``).

    Raises :class:`ExperimentFolderError` when ``folder`` has no readable experiment record.
    Other damaged or missing files leave their fields empty.
    """
    root = Path(os.path.abspath(os.fspath(folder)))
    marker = _read_json(root / EXPERIMENT_MARKER)
    if marker is None:
        raise ExperimentFolderError(
            f"{root}: expected an mle experiment folder ({EXPERIMENT_MARKER}), found "
            + ("a damaged record" if (root / EXPERIMENT_MARKER).exists() else "none")
        )
    repro = _read_json(root / REPRO_RECORD) or {}
    running = _driver_runs(root) if driver_runs is None else driver_runs
    search = marker.get("search")
    search = search if isinstance(search, dict) else None

    logs = cache.logs(root) if cache is not None else _Logs()
    logs.update(root)
    table, last, told = logs.table, logs.last, logs.told
    search_ended, first, last_time = logs.search_end is not None, logs.first, logs.last_time

    jobs: list[JobInfo] = []
    counts: dict[str, int] = {}
    for jid, row in table.items():
        ev = last.get(jid, {})
        info = _job_info(root, jid, row, ev, logs.status(root, jid, ev), running)
        jobs.append(info)
        counts[info.state] = counts.get(info.state, 0) + 1

    planned = len(jobs)
    if search is not None and not search_ended:
        budget, seeds = marker.get("budget"), marker.get("num_seeds") or 1
        if isinstance(budget, int) and isinstance(seeds, int):
            planned = max(planned, budget * seeds)
    failed = sum(counts.get(s, 0) for s in FAILED_STATES)
    unfinished = sum(n for s, n in counts.items() if s not in JOB_FINAL)
    if running:
        state = "running"
    elif told is not None:
        state = told
    elif unfinished or not jobs or planned > len(jobs):
        state = "interrupted"
    elif counts.get("cancelled"):
        state = "cancelled"
    else:
        state = "failed" if failed else "done"

    score: float | None = None
    params: dict[str, Any] | None = None
    metric = None
    results = _read_json(root / RESULTS) if state != "running" else None
    if results is not None and isinstance(results.get("best"), dict):
        best = results["best"]
        score = _number(best.get("score_mean"))
        params = _dict(best.get("params")) or None
        metric = _text(results.get("metric"))
    elif search is not None:
        score, params = _best_from_hyper_log(root, search)
        m = search.get("eval_score_type")
        metric = m if isinstance(m, str) else None

    git = _dict(repro.get("git"))
    purpose = repro.get("purpose")
    if not isinstance(purpose, str):
        resolved = _read_json(root / RESOLVED_CONFIG) or {}
        purpose = _dict(resolved.get("meta_job_args")).get("purpose")
    started = _epoch(repro.get("created")) or _epoch(marker.get("created")) or first
    job_args = _dict(marker.get("job_args"))
    text = _text
    record = ExperimentRecord.for_folder(
        root,
        project=text(marker.get("project_name")) or "",
        purpose=text(purpose),
        host=text(repro.get("host")),
        backend=text(marker.get("backend")),
        git_commit=text(git.get("commit")),
        git_dirty=git.get("dirty") if isinstance(git.get("dirty"), bool) else None,
        job_type=text(marker.get("job_type")),
        state=state,
        jobs_total=planned,
        jobs_done=counts.get("done", 0),
        jobs_failed=failed,
        jobs_running=counts.get("running", 0),
        started=started,
        finished=None if state == "running" else last_time,
        metric=metric,
        best_score=score,
        best_params=params,
    )
    maximize = bool(search.get("maximize_objective", False)) if search else None
    if results is not None and isinstance(results.get("maximize"), bool):
        maximize = results["maximize"]
    return ExperimentDetail(
        record=record,
        jobs=jobs,
        counts=counts,
        first_event=first,
        err_file=str(job_args.get("err_file") or "stderr.txt"),
        maximize=maximize,
        search_end=logs.search_end,
    )


def read_experiment(
    folder: str | os.PathLike[str], *, cache: FolderCache | None = None
) -> ExperimentRecord:
    """The registry record of one experiment folder (see the module docstring)."""
    return inspect_experiment(folder, cache=cache).record


_SKIP = {"node_modules", "__pycache__", "site-packages", "venv", RUNS_DIR}


def find_experiment_folders(root: str | os.PathLike[str]) -> list[Path]:
    """Every experiment folder at or below ``root`` (not looking inside experiment folders,
    hidden folders or virtual environments), sorted by path."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(os.fspath(root)):
        if EXPERIMENT_MARKER in filenames:
            found.append(Path(os.path.abspath(dirpath)))
            dirnames[:] = []
        else:
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP]
    return sorted(found)
