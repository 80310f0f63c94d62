"""Feeds planned jobs to an mle-scheduler backend and reports each final result.

The engine keeps at most ``max_running`` jobs in the backend, retries failed ones up to
``max_retries`` times, and writes an index (``queue-state.json``: job id -> backend id and spec)
so a later ``mle resume`` can reattach to jobs still queued or running.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._layout import ExperimentDir, append_jsonl, read_jsonl
from ._plan import PlannedJob
from ._state import record_event

FinishCallback = Callable[[PlannedJob, Any], None]


@dataclass
class _Active:
    job: PlannedJob
    spec: Any
    attempt: int


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_index(exp: ExperimentDir) -> dict[str, dict[str, Any]]:
    """job id -> {spec, attempt, backend_id, submitted}: the later lines of the append-only
    ``queue-state.jsonl`` update the earlier ones."""
    index: dict[str, dict[str, Any]] = {}
    for rec in read_jsonl(exp.queue_state):
        job_id = str(rec.pop("job_id", ""))
        if job_id:
            index.setdefault(job_id, {}).update(rec)
    return index


class Engine:
    """Submit, poll, retry and cancel the jobs of one experiment on one backend."""

    def __init__(
        self,
        exp: ExperimentDir,
        backend: Any,
        make_spec: Callable[[PlannedJob], Any],
        max_running: int | None,
        max_retries: int,
    ) -> None:
        self.exp = exp
        self.backend = backend
        self.make_spec = make_spec
        self.max_running = max_running
        self.max_retries = max_retries
        self.queued: deque[tuple[PlannedJob, int]] = deque()
        self.active: dict[str, _Active] = {}  # backend id -> job
        self.index: dict[str, dict[str, Any]] = {}
        first, longest = getattr(backend, "poll_interval", (0.05, 1.0))
        self._first, self._longest = float(first), float(longest)
        self._delay = self._first
        self.started: set[str] = set()
        self.reattached: set[str] = set()
        self.index = read_index(exp)

    # ------------------------------------------------------------------ bookkeeping
    def _note(self, job_id: str, **fields: Any) -> None:
        """Update the index entry of ``job_id`` (one appended line, never a rewrite)."""
        self.index.setdefault(job_id, {}).update(fields)
        append_jsonl(self.exp.queue_state, {"job_id": job_id, **fields})

    @property
    def n_queued(self) -> int:
        return len(self.queued)

    @property
    def n_active(self) -> int:
        return len(self.active)

    @property
    def idle(self) -> bool:
        return not self.queued and not self.active

    def free_slots(self) -> int | None:
        """How many more jobs could run now (None: no limit)."""
        if self.max_running is None:
            return None
        return max(0, self.max_running - len(self.active) - len(self.queued))

    # --------------------------------------------------------------------- actions
    def add(self, jobs: list[PlannedJob], attempt: int = 0) -> None:
        for job in jobs:
            self.queued.append((job, attempt))

    def settle(self, jobs: list[PlannedJob], grace: float = 2.0) -> None:
        """Give jobs a killed driver had just launched a moment to write their first record.

        Between the launch of a job and its wrapper's first status line there is a short
        window; a driver killed inside it left a job that runs but has no record yet.
        """
        from mle_scheduler import read_status

        waiting = [
            job
            for job in jobs
            if job.job_id in self.index
            and read_status(self.exp.run_dir(job.job_id) / "job-status.json") is None
        ]
        deadline = time.monotonic() + grace
        while waiting and time.monotonic() < deadline:
            time.sleep(0.1)
            waiting = [
                job
                for job in waiting
                if read_status(self.exp.run_dir(job.job_id) / "job-status.json") is None
            ]

    def reattach(self, job: PlannedJob) -> bool:
        """Follow a job a previous driver submitted if it is still queued or running.

        Returns False when there is nothing to follow (the caller then submits it anew).
        """
        entry = self.index.get(job.job_id)
        if not entry or "spec" not in entry:
            return False
        from mle_scheduler import JobSpec, JobState

        try:
            spec = JobSpec.from_dict(entry["spec"])
        except Exception:
            return False
        from mle_scheduler import read_status

        # no backend id: the driver died inside submit; only the status file can tell
        bid = str(entry.get("backend_id") or f"orphan:{job.job_id}")
        rec = read_status(spec.status_path)
        if rec is not None and rec.finished and rec.exit_code != 0:
            return False  # failed before and asked to run again (--retry-failed)
        self.backend.adopt({bid: spec})
        try:
            res = self.backend.poll([bid]).get(bid)
        except Exception:
            res = None
        following = (
            bool(entry.get("backend_id"))
            and res is not None
            and (res.state in (JobState.QUEUED, JobState.RUNNING, JobState.DONE))
        )
        if following or self._orphan_alive(spec):
            self.active[bid] = _Active(job, spec, int(entry.get("attempt", 0)))
            self.reattached.add(bid)
            return True
        return False

    def _orphan_alive(self, spec: Any) -> bool:
        """A local job whose driver died: its wrapper's pid still runs on this host."""
        from mle_scheduler import read_status

        rec = read_status(spec.status_path)
        return bool(
            rec is not None
            and not rec.finished
            and rec.pid is not None
            and rec.host in (None, socket.gethostname())
            and pid_alive(rec.pid)
        )

    def _prepare_run_dir(self, job: PlannedJob, attempt: int) -> None:
        run_dir = self.exp.run_dir(job.job_id)
        if run_dir.exists() and any(run_dir.iterdir()):
            # an earlier, unfinished or failed attempt: keep it aside, start clean
            dest = self.exp.root / "attempts" / f"{job.job_id}.{int(time.time() * 1000)}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(run_dir), str(dest))
        run_dir.mkdir(parents=True, exist_ok=True)

    def _submit_some(self) -> None:
        n = len(self.queued)
        if self.max_running is not None:
            n = min(n, self.max_running - len(self.active))
        if n <= 0:
            return
        batch = [self.queued.popleft() for _ in range(n)]
        specs = []
        for job, attempt in batch:
            self._prepare_run_dir(job, attempt)
            spec = self.make_spec(job)
            specs.append(spec)
            # written before submitting: a driver killed inside submit leaves a trace
            self._note(job.job_id, attempt=attempt, spec=spec.to_dict(), backend_id=None)
        try:
            ids = self.backend.submit(specs)
        except BaseException:
            for item in reversed(batch):
                self.queued.appendleft(item)
            raise
        for (job, attempt), spec, bid in zip(batch, specs, ids, strict=True):
            self.active[bid] = _Active(job, spec, attempt)
            self._note(job.job_id, backend_id=bid, submitted=time.time())
            record_event(self.exp, job.job_id, "submitted", backend_id=bid, attempt=attempt)

    def step(self, on_finish: FinishCallback) -> int:
        """Submit what fits, poll all active jobs at once, report finished ones; when nothing
        finished, wait (the backend's poll interval, doubling while nothing changes)."""
        from mle_scheduler import JobState

        self._submit_some()
        if not self.active:
            return 0
        results = self.backend.poll(list(self.active))
        n_done = 0
        changed = False
        for bid, res in results.items():
            item = self.active[bid]
            if res.state is JobState.RUNNING and item.job.job_id not in self.started:
                self.started.add(item.job.job_id)
                changed = True
                record_event(self.exp, item.job.job_id, "running", backend_id=bid)
            if not res.state.finished:
                continue
            if res.state is JobState.LOST and self._orphan_alive(item.spec):
                continue  # a job of a killed driver, still running on this machine
            del self.active[bid]
            if res.state is JobState.LOST and bid in self.reattached:
                # followed after a restart, then vanished without an end record (killed
                # with its old driver): it never finished, so it runs again
                self.reattached.discard(bid)
                self.queued.appendleft((item.job, item.attempt))
                continue
            n_done += 1
            retry = (
                res.state in (JobState.FAILED, JobState.LOST, JobState.TIMEOUT)
                and item.attempt < self.max_retries
            )
            record_event(
                self.exp,
                item.job.job_id,
                "retrying" if retry else res.state.value,
                exit_code=res.exit_code,
                message=res.message,
                attempt=item.attempt,
            )
            if retry:
                self.queued.appendleft((item.job, item.attempt + 1))
            else:
                on_finish(item.job, res)
        if n_done or changed:
            self._delay = self._first
            self._submit_some()
        if not n_done:
            self._wait(self._delay)
            # back off while nothing changes (a shared cluster scheduler is polled gently)
            self._delay = min(self._delay * 2, self._longest)
        return n_done

    def _wait(self, delay: float) -> None:
        """Wait up to ``delay`` s; return early when a job's wrapper records its end (read from
        the status files beside the outputs, without asking the scheduler)."""
        if getattr(self.backend, "name", "") == "local":
            self.backend.wait_for_change(delay)  # wakes up when a child process exits
            return
        from mle_scheduler import read_status

        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.25, left))
            for item in self.active.values():
                rec = read_status(item.spec.status_path)
                if rec is not None and rec.finished:
                    return

    def cancel_all(self, wait: float = 10.0) -> list[PlannedJob]:
        """Cancel every job this engine submitted, drop the queued ones, and wait (up to
        ``wait`` seconds) until the backend reports the cancelled jobs gone."""
        ids = list(self.active)
        jobs = [a.job for a in self.active.values()]
        if ids:
            self.backend.cancel(ids)
            deadline = time.monotonic() + wait
            left = ids
            while left and time.monotonic() < deadline:
                try:
                    res = self.backend.poll(left)
                except Exception:
                    break
                left = [b for b, r in res.items() if not r.state.finished]
                if left:
                    time.sleep(0.1)
        for job in jobs:
            record_event(self.exp, job.job_id, "cancelled")
        self.active.clear()
        self.queued.clear()
        return jobs


def stderr_tail(path: Path | None, lines: int = 12) -> str:
    """The last lines of a job's stderr file ('' when missing)."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 8192))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
