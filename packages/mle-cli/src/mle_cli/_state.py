"""Every job's state, from the facts on disk: the one state model of ``mle status`` and
``mle results``. A state is a :class:`mle_scheduler.JobState` value or one only the driver
knows: ``pending`` (never submitted) or ``orphaned`` (submitted by a driver that no longer
runs and not known to run: ``mle resume`` follows it). A finished job's truth is its wrapper's
status file; ``events.jsonl`` (the queue's events) adds cancelled, timeout, lost, and the
driver's verdicts (a run that exited 0 without its score failed).
"""

from __future__ import annotations

import contextlib
import socket
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mle_config import layout as names

from ._layout import ExperimentDir
from ._plan import PlannedJob
from .errors import UsageError

if TYPE_CHECKING:
    from mle_scheduler import ProcessRef, StatusRecord

STATUS_FILE = names.RUN_STATUS_FILE
PENDING = "pending"
ORPHANED = "orphaned"
FINAL = ("done", "failed", "cancelled", "timeout", "lost")


@dataclass(frozen=True)
class JobView:
    """One job as ``mle status`` / ``mle results`` show it."""

    job: PlannedJob
    state: str
    exit_code: int | None
    run_dir: Path
    start: float | None = None
    end: float | None = None
    message: str | None = None


@dataclass(frozen=True)
class ExperimentStatus:
    """Every job's state plus what the experiment as a whole is doing."""

    jobs: list[JobView]
    driver_pid: int | None  # the running driver (-1: runs, cannot be named), None: none runs
    planned: int  # jobs the experiment will run in all (a search's budget x seeds)
    search_end: str | None = None  # why a search proposed no more trials (None: not ended)

    def summary(self) -> str:
        """``3 done, 1 running (of 8 planned)``; a search that ended early says why."""
        text = ", ".join(f"{n} {s}" for s, n in sorted(counts(self.jobs).items())) or "none"
        if self.search_end and not self.search_end.startswith("budget spent"):
            return f"{text} ({self.search_end})"
        return text if self.planned == len(self.jobs) else f"{text} (of {self.planned} planned)"


def events_path(exp: ExperimentDir) -> Path:
    return exp.events


def read_jobs(exp: ExperimentDir) -> list[PlannedJob]:
    """The job table, first occurrence of each job id wins."""
    from mle_scheduler import iter_jsonl

    seen: dict[str, PlannedJob] = {}
    for rec in iter_jsonl(exp.jobs):
        try:
            job = PlannedJob.from_record(rec)
        except (KeyError, TypeError, ValueError):  # a damaged row: name it, keep the rest
            warnings.warn(
                f"{exp.jobs}: skipped a row that is not a job: {rec!r:.120}", stacklevel=2
            )
            continue
        seen.setdefault(job.job_id, job)
    return list(seen.values())


def status_path(exp: ExperimentDir, job_id: str) -> Path:
    return exp.run_dir(job_id) / STATUS_FILE


def _alive_here(rec: StatusRecord) -> bool:
    """The job's wrapper process still runs on this host (checked by pid and start time)."""
    ref = rec.process
    return bool(ref is not None and rec.host in (None, socket.gethostname()) and ref.alive())


def _state_of(st: StatusRecord | None, ev: dict[str, Any], driver_runs: bool) -> str:
    state = str(ev.get("state", PENDING))
    if st is not None and st.exit_code is not None:
        if state in ("timeout", "cancelled") or (state == "failed" and ev.get("verdict")):
            return state  # the driver knows more than the exit code
        return "done" if st.exit_code == 0 else "failed"
    if state in ("done", "failed"):
        return "lost"  # the run folder lost its record: nothing proves the job ran
    if state in FINAL:
        return state
    if st is None and state == PENDING:
        return PENDING
    if driver_runs:
        return "running" if st is not None else "queued"
    if st is not None and _alive_here(st):
        return "running"  # its driver died, the job did not
    return ORPHANED


def job_views(
    exp: ExperimentDir, jobs: list[PlannedJob] | None = None, driver_runs: bool | None = None
) -> list[JobView]:
    """Every planned job with its state (see the module docstring)."""
    from mle_scheduler import iter_jsonl, read_status

    jobs = read_jobs(exp) if jobs is None else jobs
    if driver_runs is None:
        driver_runs = running_driver(exp) is not None
    last: dict[str, dict[str, Any]] = {}
    for ev in iter_jsonl(events_path(exp)):
        key = ev.get("job_id", ev.get("key"))
        if isinstance(key, str):
            last[key] = ev
    views: list[JobView] = []
    for job in jobs:
        st = read_status(status_path(exp, job.job_id))
        ev = last.get(job.job_id, {})
        code = ev.get("exit_code")
        if st is not None and st.exit_code is not None:
            code = st.exit_code
        message = ev.get("message")
        views.append(
            JobView(
                job=job,
                state=_state_of(st, ev, driver_runs),
                exit_code=code if isinstance(code, int) else None,
                run_dir=exp.run_dir(job.job_id),
                start=st.start if st else None,
                end=st.end if st else None,
                message=message if isinstance(message, str) else None,
            )
        )
    return views


def counts(views: list[JobView]) -> dict[str, int]:
    return dict(Counter(v.state for v in views))


def search_end(exp: ExperimentDir) -> str | None:
    """Why the experiment's search proposed no more trials (the driver's last word), or None."""
    from mle_scheduler import iter_jsonl

    reason = None
    for ev in iter_jsonl(events_path(exp)):
        if ev.get("search") == "ended":
            reason = str(ev.get("reason") or "ended")
    return reason


def experiment_status(exp: ExperimentDir) -> ExperimentStatus:
    """What ``mle status`` shows: every job's state, the driver, the plan, a search's end."""
    marker = exp.read_marker()
    pid = driver_pid(exp)
    views = job_views(exp, driver_runs=pid is not None)
    planned = len(views)
    if marker.get("budget") and marker.get("search"):
        planned = int(marker["budget"]) * int(marker.get("num_seeds") or 1)
    end = search_end(exp) if marker.get("search") else None
    return ExperimentStatus(views, pid, planned, end)


@contextlib.contextmanager
def driver_lock(exp: ExperimentDir) -> Iterator[None]:
    """One driver per experiment: hold its ``driver.lock`` (an :class:`mle_scheduler.OwnerLock`)
    while this process drives the queue; a UsageError when another driver holds it."""
    from mle_scheduler import LockHeldError, OwnerLock

    lock = OwnerLock(exp.driver_lock)
    try:
        lock.acquire()
    except LockHeldError as exc:
        raise UsageError(
            f"{exp.root}: expected no other driver, found one running "
            f"(pid {exc.holder.pid if exc.holder else '?'}); see `mle status {exp.root}` "
            f"or `mle cancel {exp.root}`"
        ) from None
    try:
        yield
    finally:
        lock.release()


def running_driver(exp: ExperimentDir) -> ProcessRef | None:
    """The driver holding the experiment's lock (pid -1: one that cannot be named), or None."""
    from mle_scheduler import OwnerLock

    return OwnerLock(exp.driver_lock).holder()


def driver_pid(exp: ExperimentDir) -> int | None:
    """The pid of the running driver (-1: one runs but cannot be named), or None."""
    ref = running_driver(exp)
    return None if ref is None else ref.pid


def stop_driver(exp: ExperimentDir, timeout: float = 30.0) -> ProcessRef | None:
    """Ask the running driver to stop (the cancel flag it checks, then SIGTERM) and wait up to
    ``timeout`` s for it to let go. Returns the driver that still runs, or None."""
    from mle_scheduler import OwnerLock

    lock = OwnerLock(exp.driver_lock)
    if lock.holder() is None:
        return None
    with contextlib.suppress(OSError):
        exp.cancel_flag.touch()
    return lock.stop(timeout)
