"""Jobs known only by their status file: a queue's process was killed inside the backend's
submit, after recording the attempt as being submitted and before it learnt the backend id.
Whether that attempt ran, runs or never started is read from the status file beside the job's
outputs (and, on this host, from its process)."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Callable, Mapping

from ._script import StatusRecord, read_status
from ._types import JobResult, JobSpec, JobState

__all__ = ["orphan_result", "signal_orphan", "started_since"]

#: a status record counts for an attempt if it started at most this many seconds before the
#: attempt was recorded (this host: float rounding; other hosts: clocks differ a little)
_CLOCK_SLACK = {True: 1.0, False: 30.0}
#: a job followed on another host is lost this long after its time limit without an end record
#: (it cannot be asked whether it still runs)
FOREIGN_GRACE = 300.0


def on_this_host(rec: StatusRecord) -> bool:
    return rec.host is None or rec.host == socket.gethostname()


def orphan_result(spec: JobSpec) -> JobResult:
    """The state of the attempt, from its status file; on this host a job without an end
    record runs while its process does (pid, start time and boot id checked), on another host
    until :data:`FOREIGN_GRACE` seconds past its time limit."""
    rec = read_status(spec.status_path)

    def result(state: JobState, message: str | None = None) -> JobResult:
        return JobResult(
            job_id="",
            state=state,
            exit_code=None if rec is None else rec.exit_code,
            start_time=None if rec is None else rec.start,
            end_time=None if rec is None else rec.end,
            stdout=spec.stdout_path,
            stderr=spec.stderr_path,
            host=None if rec is None else rec.host,
            message=message,
        )

    if rec is None:
        return result(JobState.LOST, "its status file is gone")
    if rec.finished:
        return result(JobState.DONE if rec.exit_code == 0 else JobState.FAILED)
    if on_this_host(rec):
        ref = rec.process
        if ref is not None and ref.alive():
            return result(JobState.RUNNING)
        return result(JobState.LOST, "its process ended without an end record")
    limit, start = spec.resources.time_limit_seconds, rec.start
    if limit is not None and start is not None and time.time() > start + limit + FOREIGN_GRACE:
        return result(JobState.LOST, f"no end record {FOREIGN_GRACE:.0f} s after its time limit")
    return result(JobState.RUNNING)


def signal_orphan(spec: JobSpec) -> bool:
    """SIGTERM the attempt's process (its group when it leads one) if it runs on this host and
    is still the process the record names; True when the signal was sent."""
    rec = read_status(spec.status_path)
    if rec is None or rec.finished or not on_this_host(rec):
        return False
    ref = rec.process
    return ref is not None and ref.signal(signal.SIGTERM, group=ref.leads_group())


def started_since(
    specs: Mapping[str, tuple[JobSpec, float]], settle: float, sleep: Callable[[float], None]
) -> set[str]:
    """The keys whose attempt, recorded as being submitted at the given time, has a status
    record of its own (not a stale one of an earlier attempt). A job launched just before the
    crash may not have written its record yet: wait for it until ``settle`` seconds after the
    latest of those times."""
    if not specs:
        return set()

    def record(key: str) -> StatusRecord | None:
        return read_status(specs[key][0].status_path)

    deadline = max(since for _, since in specs.values()) + settle
    waiting = [k for k in specs if record(k) is None]
    while waiting and time.time() < deadline:
        sleep(0.05)
        waiting = [k for k in waiting if record(k) is None]
    out = set()
    for key, (_, since) in specs.items():
        rec = record(key)
        if rec is not None and (
            rec.start is None or rec.start >= since - _CLOCK_SLACK[on_this_host(rec)]
        ):
            out.add(key)
    return out
