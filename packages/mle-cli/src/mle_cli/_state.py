"""What became of each job, from the facts on disk.

The truth about a finished job is the wrapper's status file in its run folder (exit code);
``events.jsonl`` (append-only, written by ``mle run``) adds what only the driver knows:
submitted, cancelled, timed out, lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._layout import ExperimentDir, append_jsonl, read_jsonl
from ._plan import PlannedJob

STATUS_FILE = "job-status.json"
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


def events_path(exp: ExperimentDir) -> Path:
    return exp.root / "events.jsonl"


def record_event(exp: ExperimentDir, job_id: str, state: str, **extra: Any) -> None:
    append_jsonl(events_path(exp), {"job_id": job_id, "state": state, **extra})


def read_jobs(exp: ExperimentDir) -> list[PlannedJob]:
    """The job table, first occurrence of each job id wins."""
    seen: dict[str, PlannedJob] = {}
    for rec in read_jsonl(exp.jobs):
        job = PlannedJob.from_record(rec)
        seen.setdefault(job.job_id, job)
    return list(seen.values())


def status_path(exp: ExperimentDir, job_id: str) -> Path:
    return exp.run_dir(job_id) / STATUS_FILE


def _read_status(path: Path) -> dict[str, Any] | None:
    from mle_scheduler import read_status

    rec = read_status(path)
    if rec is None:
        return None
    return {"start": rec.start, "end": rec.end, "exit_code": rec.exit_code}


def job_views(exp: ExperimentDir, jobs: list[PlannedJob] | None = None) -> list[JobView]:
    """Every planned job with its state: done / failed / running / queued / cancelled / ..."""
    jobs = read_jobs(exp) if jobs is None else jobs
    last: dict[str, dict[str, Any]] = {}
    for ev in read_jsonl(events_path(exp)):
        last[str(ev.get("job_id"))] = ev
    views: list[JobView] = []
    for job in jobs:
        run_dir = exp.run_dir(job.job_id)
        st = _read_status(status_path(exp, job.job_id))
        ev = last.get(job.job_id, {})
        state = str(ev.get("state", "pending"))
        code = ev.get("exit_code")
        message = ev.get("message")
        if st is not None and st["exit_code"] is not None:
            code = st["exit_code"]
            if state not in ("timeout", "cancelled"):
                state = "done" if code == 0 else "failed"
        elif st is None and state in ("done", "failed"):
            state = "lost"  # the run folder lost its record: nothing proves the job ran
        elif st is not None and state in ("pending", "queued", "submitted"):
            state = "running"
        elif state in ("submitted", "retrying"):
            state = "queued"
        views.append(
            JobView(
                job=job,
                state=state,
                exit_code=code if isinstance(code, int) else None,
                run_dir=run_dir,
                start=st["start"] if st else None,
                end=st["end"] if st else None,
                message=message if isinstance(message, str) else None,
            )
        )
    return views


def counts(views: list[JobView]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in views:
        out[v.state] = out.get(v.state, 0) + 1
    return out
