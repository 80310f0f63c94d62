"""The queue: submits jobs to a backend, keeps at most ``max_running`` of them in it, retries
failures, reports each finished job once, and keeps a JSON state file from which another
process can reattach (status, cancel, resume)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._registry import get_backend
from ._types import JobResult, JobSpec, JobState, Resources
from .backends.base import Backend
from .errors import SchedulerError, StateFileError

__all__ = ["Queue", "QueuedJob"]

_FORMAT = "mle-scheduler-queue"
_VERSION = 1
_RETRY_STATES = (JobState.FAILED, JobState.LOST)
_SAVE_EVERY = 0.5  # seconds between throttled state-file saves


@dataclass
class QueuedJob:
    """One job of a :class:`Queue`, across its attempts.

    ``key`` is the queue's own id for the job (stable across retries); ``job_id`` is the backend
    id of the current or last attempt (``None`` while waiting for a slot); ``result`` is the
    latest :class:`JobResult` (``None`` before the first poll); ``meta`` is the caller's
    JSON-ready data, kept in the state file. ``final`` is True once the job will not change.
    """

    key: str
    spec: JobSpec
    meta: dict[str, Any] = field(default_factory=dict)
    job_id: str | None = None
    job_ids: list[str] = field(default_factory=list)
    retries: int = 0
    result: JobResult | None = None
    final: bool = False

    @property
    def state(self) -> JobState:
        """The latest known state (``queued`` until the backend reports otherwise)."""
        return JobState.QUEUED if self.result is None else self.result.state

    def stderr_tail(self, lines: int = 20) -> str:
        """The last lines of the job's stderr file."""
        return self.result.stderr_tail(lines) if self.result else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "spec": self.spec.to_dict(),
            "meta": self.meta,
            "job_id": self.job_id,
            "job_ids": self.job_ids,
            "retries": self.retries,
            "result": None if self.result is None else self.result.to_dict(),
            "final": self.final,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueuedJob:
        result = data.get("result")
        return cls(
            key=str(data["key"]),
            spec=JobSpec.from_dict(data["spec"]),
            meta=dict(data.get("meta") or {}),
            job_id=data.get("job_id"),
            job_ids=list(data.get("job_ids") or []),
            retries=int(data.get("retries", 0)),
            result=None if result is None else JobResult.from_dict(result),
            final=bool(data.get("final", False)),
        )


OnFinish = Callable[[QueuedJob], object]


class Queue:
    """Run jobs on a backend with a cap on running jobs, retries and a state file.

    ``backend``: a :class:`Backend` or a registered name (``"local"`` by default).
    ``max_running``: most jobs handed to the backend at once (``None``: all; the local backend
    still runs only as many as its cores allow). ``max_retries``: how often a ``failed`` or
    ``lost`` job is resubmitted before it is reported failed. ``state_file``: JSON index of all
    jobs, rewritten atomically on every change; see :meth:`attach`.

    Ctrl-C (KeyboardInterrupt) inside :meth:`wait` cancels every unfinished job of the queue and
    re-raises, unless :attr:`detached` is set (see :meth:`detach`). Other exceptions (e.g. from
    an ``on_finish`` callback) propagate and leave the jobs running; reattach to handle them.
    """

    def __init__(
        self,
        backend: Backend | str = "local",
        *,
        max_running: int | None = None,
        max_retries: int = 0,
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        if max_running is not None and (not isinstance(max_running, int) or max_running < 1):
            raise ValueError(
                f"max_running: expected an integer >= 1 or None, found {max_running!r}"
            )
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries: expected an integer >= 0, found {max_retries!r}")
        self.backend = get_backend(backend) if isinstance(backend, str) else backend
        self.max_running = max_running
        self.max_retries = max_retries
        self.state_file = None if state_file is None else Path(state_file)
        #: when True, Ctrl-C in :meth:`wait` leaves the jobs running
        self.detached = False
        self._jobs: dict[str, QueuedJob] = {}
        self._pending: deque[str] = deque()  # keys waiting for a slot
        self._active: dict[str, str] = {}  # backend id -> key
        self._unreported: list[str] = []  # final, on_finish not yet called
        self._polls = 0
        self._json_cache: dict[str, tuple[object, str]] = {}
        self._saved_at = 0.0
        self._save_due = False

    # ------------------------------------------------------------------ submitting
    def submit(self, spec: JobSpec, *, meta: Mapping[str, Any] | None = None) -> str:
        """Queue one job; returns its key. Starts it at once if a slot is free."""
        return self.submit_many([spec], metas=None if meta is None else [meta])[0]

    def submit_many(
        self, specs: Iterable[JobSpec], *, metas: Sequence[Mapping[str, Any]] | None = None
    ) -> list[str]:
        """Queue many jobs (handed to the backend in one call, so a cluster may use an array)."""
        specs = list(specs)
        if metas is not None and len(metas) != len(specs):
            raise ValueError(f"metas: expected {len(specs)} entries, found {len(metas)}")
        keys = []
        for i, spec in enumerate(specs):
            if not isinstance(spec, JobSpec):
                raise TypeError(f"expected a JobSpec, found {type(spec).__name__}")
            key = str(len(self._jobs))
            meta = dict(metas[i]) if metas is not None else {}
            self._jobs[key] = QueuedJob(key=key, spec=spec, meta=meta)
            self._pending.append(key)
            keys.append(key)
        try:
            self._fill()
        finally:
            self._save()
        return keys

    def _fill(self) -> None:
        """Hand waiting jobs to the backend while slots are free (one backend call)."""
        room = len(self._pending)
        if self.max_running is not None:
            room = min(room, self.max_running - len(self._active))
        if room <= 0:
            return
        keys = [self._pending.popleft() for _ in range(room)]
        try:
            ids = self.backend.submit([self._jobs[k].spec for k in keys])
        except BaseException:
            self._pending.extendleft(reversed(keys))
            raise
        for key, job_id in zip(keys, ids, strict=True):
            job = self._jobs[key]
            job.job_id = job_id
            job.job_ids.append(job_id)
            job.result = None
            self._active[job_id] = key

    # --------------------------------------------------------------------- polling
    def _refresh(self) -> tuple[list[QueuedJob], bool]:
        """Poll all active jobs once; returns (jobs that became final, whether anything changed)."""
        changed = False
        newly: list[QueuedJob] = []
        if self._active:
            self._polls += 1
            results = self.backend.poll(list(self._active))
            for job_id, result in results.items():
                key = self._active.get(job_id)
                if key is None:
                    continue
                job = self._jobs[key]
                if job.result is None or job.result.state is not result.state:
                    changed = True
                job.result = result
                if not result.state.finished:
                    continue
                del self._active[job_id]
                if result.state in _RETRY_STATES and job.retries < self.max_retries:
                    if not (result.state is JobState.LOST and result.start_time is None):
                        job.retries += 1  # a job lost before it started is not an attempt
                    job.job_id = None
                    self._pending.append(key)
                else:
                    job.final = True
                    newly.append(job)
        if self._pending:
            before = len(self._pending)
            try:
                self._fill()
            finally:
                if len(self._pending) != before:
                    self._save()
                elif changed:
                    self._save(force=False)
        elif changed or self._save_due:
            self._save(force=not self._active)
        return newly, changed

    def wait(
        self,
        on_finish: OnFinish | None = None,
        *,
        timeout: float | None = None,
        return_when: Literal["all", "any"] = "all",
    ) -> list[QueuedJob]:
        """Wait for jobs; returns those that became final during this call.

        ``on_finish(job)`` is called once per job when it is final (after its retries), in this
        thread; it may :meth:`submit` more jobs, which this call then waits for too.
        ``return_when="any"`` returns as soon as at least one job is final (submit more and call
        again); ``timeout`` (seconds) returns early in any case. Polling backs off from the
        backend's ``poll_interval[0]`` to ``poll_interval[1]`` while nothing changes.
        """
        first, longest = self.backend.poll_interval
        interval = first
        end = None if timeout is None else time.monotonic() + timeout
        done: list[QueuedJob] = []
        try:
            while True:
                newly, changed = self._refresh()
                if self._unreported:
                    newly = [self._jobs[k] for k in self._unreported] + newly
                    self._unreported.clear()
                for job in newly:
                    done.append(job)
                    if on_finish is not None:
                        on_finish(job)
                if not self._active and not self._pending:
                    break
                if return_when == "any" and done:
                    break
                now = time.monotonic()
                if end is not None and now >= end:
                    break
                interval = first if (changed or newly) else min(interval * 2, longest)
                nap = interval if end is None else min(interval, end - now)
                self.backend.wait_for_change(nap)
        except KeyboardInterrupt:
            if not self.detached:
                self.cancel_all()
            raise
        finally:
            if self._save_due:
                self._save()
        return done

    # ------------------------------------------------------------------- controlling
    def cancel_all(self, timeout: float = 10.0) -> None:
        """Cancel every unfinished job, then wait up to ``timeout`` s for the backend to
        confirm; jobs still unconfirmed are recorded as cancelled."""
        for key in self._pending:
            job = self._jobs[key]
            job.result = JobResult(
                job_id=job.job_id or "",
                state=JobState.CANCELLED,
                message="cancelled before it was submitted",
            )
            job.final = True
            self._unreported.append(key)
        self._pending.clear()
        if self._active:
            self.backend.cancel(list(self._active))
            end = time.monotonic() + timeout
            first, _ = self.backend.poll_interval
            while self._active and time.monotonic() < end:
                newly, _ = self._refresh()
                self._unreported.extend(j.key for j in newly)
                if self._active:
                    self.backend.wait_for_change(min(first, max(0.0, end - time.monotonic())))
            for job_id, key in list(self._active.items()):
                job = self._jobs[key]
                job.result = JobResult(
                    job_id=job_id,
                    state=JobState.CANCELLED,
                    stdout=job.spec.stdout_path,
                    stderr=job.spec.stderr_path,
                    message="cancel requested; not yet confirmed",
                )
                job.final = True
                self._unreported.append(key)
            self._active.clear()
        self._save()

    def detach(self) -> Path | None:
        """Leave the jobs running when this process stops or is interrupted; returns the state
        file (reattach with :meth:`attach`). With the local backend, jobs already started keep
        running; jobs not yet started are started by whoever reattaches and waits."""
        self.detached = True
        self._save()
        return self.state_file

    def status(self, refresh: bool = True) -> dict[JobState, int]:
        """How many jobs are in each state (every state is a key). ``refresh`` polls first."""
        if refresh:
            newly, _ = self._refresh()
            self._unreported.extend(j.key for j in newly)
        counts = dict.fromkeys(JobState, 0)
        for job in self._jobs.values():
            counts[job.state] += 1
        return counts

    def free_slots(self, resources: Resources | None = None) -> int | None:
        """How many more jobs (shaped like ``resources``) would start now without waiting;
        ``None`` if neither the queue nor the backend sets a limit. A search asks for this many
        proposals whenever :meth:`wait` returns."""
        busy = len(self._active) + len(self._pending)
        limits = [self.max_running, self.backend.capacity(resources or Resources())]
        caps = [n for n in limits if n is not None]
        return None if not caps else max(0, min(caps) - busy)

    @property
    def jobs(self) -> list[QueuedJob]:
        """All jobs, in submission order."""
        return list(self._jobs.values())

    def job(self, key: str) -> QueuedJob:
        return self._jobs[key]

    @property
    def unfinished(self) -> int:
        """Jobs not yet final (waiting for a slot, queued, running, or about to be retried)."""
        return len(self._pending) + len(self._active)

    @property
    def polls(self) -> int:
        """How many times the backend was polled (each poll is one call for all jobs)."""
        return self._polls

    def __len__(self) -> int:
        return len(self._jobs)

    # -------------------------------------------------------------------- state file
    def to_dict(self, jobs: bool = True) -> dict[str, Any]:
        """The state file's content."""
        out = {
            "format": _FORMAT,
            "version": _VERSION,
            "backend": self.backend.name,
            "backend_options": self.backend.options(),
            "max_running": self.max_running,
            "max_retries": self.max_retries,
            "detached": self.detached,
        }
        if jobs:
            out["jobs"] = [job.to_dict() for job in self._jobs.values()]
        return out

    def _save(self, force: bool = True) -> None:
        """Rewrite the state file atomically (temp file + rename). Unforced saves (results
        only, which can be rebuilt from the backend and status files) are throttled to one per
        ``_SAVE_EVERY`` seconds; submissions (new backend ids) are always saved at once."""
        if self.state_file is None:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < _SAVE_EVERY:
            self._save_due = True
            return
        self._saved_at, self._save_due = now, False
        frags = []
        for job in self._jobs.values():
            res = job.result
            sig = (
                job.job_id,
                job.final,
                job.retries,
                len(job.job_ids),
                res and (res.state, res.exit_code, res.start_time, res.end_time, res.host),
            )
            cached = self._json_cache.get(job.key)
            if cached is None or cached[0] != sig:
                cached = (sig, json.dumps(job.to_dict()))
                self._json_cache[job.key] = cached
            frags.append(cached[1])
        head = self.to_dict(jobs=False)
        text = json.dumps(head)[:-1] + ', "jobs": [\n' + ",\n".join(frags) + "\n]}\n"
        path = self.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @classmethod
    def attach(
        cls,
        state_file: str | os.PathLike[str],
        backend: Backend | None = None,
    ) -> Queue:
        """Rebuild a queue from its state file (written by another, maybe dead, process).

        Without ``backend``, the one named in the file is created with its saved options. Jobs
        still unfinished are polled from the backend and their status files; jobs that never
        reached the backend are submitted by the next :meth:`wait`. The rebuilt queue keeps the
        file's :attr:`detached` flag; set it to False to make Ctrl-C cancel again.
        """
        path = Path(state_file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StateFileError(f"{path}: cannot read the queue state file ({exc})") from None
        except ValueError as exc:
            raise StateFileError(f"{path}: expected JSON, found invalid text ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise StateFileError(f"{path}: expected an mle-scheduler queue state file")
        if data.get("version") != _VERSION:
            raise StateFileError(
                f"{path}: expected state file version {_VERSION}, found {data.get('version')!r}"
            )
        try:
            if backend is None:
                backend = get_backend(
                    str(data["backend"]), **dict(data.get("backend_options") or {})
                )
            queue = cls(
                backend,
                max_running=data.get("max_running"),
                max_retries=int(data.get("max_retries", 0)),
                state_file=path,
            )
            queue.detached = bool(data.get("detached", False))
            jobs = [QueuedJob.from_dict(j) for j in data["jobs"]]
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SchedulerError):
                raise
            raise StateFileError(f"{path}: malformed queue state file ({exc!r})") from None
        adopted: dict[str, JobSpec] = {}
        for job in jobs:
            queue._jobs[job.key] = job
            if job.final:
                continue
            if job.job_id is None:
                queue._pending.append(job.key)
            else:
                queue._active[job.job_id] = job.key
                adopted[job.job_id] = job.spec
        queue.backend.adopt(adopted)
        return queue
