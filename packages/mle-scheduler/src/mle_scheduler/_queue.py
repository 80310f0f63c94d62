"""The queue: submits jobs to a backend, keeps at most ``max_running`` of them in it, retries
failures, reports each finished job once, and records itself in a store (JSON snapshot or
append-only JSON lines) from which another process can reattach (status, cancel, resume)."""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ._events import QueueEvent
from ._job import QueuedJob, compact_result
from ._orphans import orphan_result, signal_orphan, started_since
from ._registry import get_backend
from ._store import FORMAT, VERSION, QueueStore, open_store
from ._types import JobResult, JobSpec, JobState, Resources
from .backends.base import Backend
from .errors import QueueError, SchedulerError, StateFileError
from .jsonl import JsonlWarning

__all__ = ["DEFAULT_RETRY_ON", "Queue", "QueuedJob"]

#: the states retried by default: ``failed`` and ``lost``. ``timeout`` is not (a job that ran
#: out of time would do so again), nor ``cancelled`` (someone asked for it).
DEFAULT_RETRY_ON: frozenset[JobState] = frozenset({JobState.FAILED, JobState.LOST})

OnFinish = Callable[[QueuedJob], object]
OnEvent = Callable[[QueueEvent], object]
#: called before each attempt is handed to the backend; may return a new spec for the attempt
Prepare = Callable[[QueuedJob], "JobSpec | None"]


class Queue:
    """Run jobs on a backend with a cap on running jobs, retries and a persistent record.

    ``backend``: a :class:`Backend` or a registered name (``"local"`` by default).
    ``max_running``: most jobs handed to the backend at once (``None``: all; the local backend
    still runs only as many as its cores allow). ``max_retries``: how often a job that ended in
    a state of ``retry_on`` (default :data:`DEFAULT_RETRY_ON`: ``failed``, ``lost``) runs again
    before it is reported. ``store`` (a :class:`QueueStore`) or ``state_file`` (a path:
    ``*.jsonl`` gives a :class:`JsonlStore`, anything else a :class:`JsonSnapshotStore`):
    where the queue records itself; see :meth:`attach`. ``on_event(QueueEvent)`` hears of each
    submission, start, retry and final state; ``prepare(job)`` runs before each attempt is handed
    to the backend (and may return a new :class:`JobSpec` for it). ``keep_finished=False``
    releases a final job once :meth:`step` or :meth:`wait` has returned it (memory stays flat
    however many jobs finish; :meth:`job` then raises ``KeyError`` for it).

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
        retry_on: Iterable[JobState | str] = DEFAULT_RETRY_ON,
        store: QueueStore | None = None,
        state_file: str | os.PathLike[str] | None = None,
        on_event: OnEvent | None = None,
        prepare: Prepare | None = None,
        keep_finished: bool = True,
    ) -> None:
        if max_running is not None and (
            not isinstance(max_running, int) or isinstance(max_running, bool) or max_running < 1
        ):
            raise QueueError(
                f"max_running: expected an integer >= 1 or None, found {max_running!r}"
            )
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise QueueError(f"max_retries: expected an integer >= 0, found {max_retries!r}")
        if store is not None and state_file is not None:
            raise QueueError("store, state_file: expected one of them, found both")
        self.backend = get_backend(backend) if isinstance(backend, str) else backend
        self.max_running = max_running
        self.max_retries = max_retries
        self.retry_on = _states(retry_on)
        self.store = open_store(state_file) if state_file is not None else store
        if self.store is not None:
            self.store.start()
        #: called with a :class:`QueueEvent` per submission, start, retry and final state
        self.on_event = on_event
        #: called with the job before each attempt is handed to the backend
        self.prepare = prepare
        self.keep_finished = keep_finished
        #: when True, Ctrl-C in :meth:`wait` leaves the jobs running
        self.detached = False
        self._jobs: dict[str, QueuedJob] = {}
        self._released: dict[str, JobState] = {}  # final jobs let go (keep_finished=False)
        self._pending: deque[str] = deque()  # keys waiting for a slot
        self._active: dict[str, str] = {}  # backend id -> key
        self._orphans: set[str] = set()  # keys followed through their status file only
        self._adopted: set[str] = set()  # backend ids of attempts another process submitted
        self._seen_running: set[str] = set()  # keys whose current attempt was seen running
        self._unreported: list[QueuedJob] = []  # final, not yet returned by step()
        self._stopping: dict[str, tuple[JobState, str | None]] = {}  # cancel() sent, unconfirmed
        self._header_written = False
        self._cancelling = False
        self._read_only = False
        self._store_path: Path | None = None
        self._polls = 0
        self._seq = 0
        self._interval = self.backend.poll_interval[0]
        self._nap_due = False

    @property
    def state_file(self) -> Path | None:
        """The store's file (``None`` without a store)."""
        return self._store_path if self.store is None else self.store.path

    # ------------------------------------------------------------------ recording
    def header(self) -> dict[str, Any]:
        """The store's header: format, backend name and options, the queue's settings."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "backend": self.backend.name,
            "backend_options": self.backend.options(),
            "max_running": self.max_running,
            "max_retries": self.max_retries,
            "retry_on": sorted(s.value for s in self.retry_on),
            "detached": self.detached,
        }

    def _write(self, job: QueuedJob, fields: Mapping[str, Any]) -> None:
        if self.store is None:
            return
        if not self._header_written:
            self.store.write_header(self.header())
            self._header_written = True
        self.store.write_job(job, fields)

    def _sync(self, urgent: bool) -> None:
        if self.store is not None:
            self.store.sync(urgent)

    def _emit(
        self,
        job: QueuedJob,
        state: str,
        *,
        attempt: int | None = None,
        backend_id: str | None = None,
        result: JobResult | None = None,
        message: str | None = None,
    ) -> None:
        if self.on_event is None:
            return
        self.on_event(
            QueueEvent(
                key=job.key,
                state=state,
                attempt=job.retries if attempt is None else attempt,
                time=time.time(),
                backend_id=backend_id,
                exit_code=None if result is None else result.exit_code,
                message=message if message is not None or result is None else result.message,
            )
        )

    # ------------------------------------------------------------------ submitting
    def submit(
        self, spec: JobSpec, *, key: str | None = None, meta: Mapping[str, Any] | None = None
    ) -> str:
        """Queue one job; returns its key. Starts it at once if a slot is free."""
        return self.submit_many(
            [spec],
            keys=None if key is None else [key],
            metas=None if meta is None else [meta],
        )[0]

    def submit_many(
        self,
        specs: Iterable[JobSpec],
        *,
        keys: Sequence[str] | None = None,
        metas: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Queue many jobs (handed to the backend in one call, so a cluster may use an array).

        ``keys``: the jobs' keys (strings, unique in the queue); by default ``"0"``, ``"1"``, ...
        """
        specs = list(specs)
        for name, given in (("keys", keys), ("metas", metas)):
            if given is not None and len(given) != len(specs):
                raise QueueError(f"{name}: expected {len(specs)} entries, found {len(given)}")
        for spec in specs:
            if not isinstance(spec, JobSpec):
                raise QueueError(f"specs: expected JobSpec objects, found {type(spec).__name__}")
        if keys is None:
            keys = [self._next_key() for _ in specs]
        else:
            seen: set[str] = set()
            for k in keys:
                if not isinstance(k, str) or not k:
                    raise QueueError(f"keys: expected non-empty strings, found {k!r}")
                if k in seen or k in self._jobs or k in self._released:
                    raise QueueError(f"keys: expected a key not yet in the queue, found {k!r}")
                seen.add(k)
        jobs = []
        for i, spec in enumerate(specs):
            meta = dict(metas[i]) if metas is not None else {}
            job = QueuedJob(key=keys[i], spec=spec, meta=meta)
            fields: dict[str, Any] = {"spec": spec.to_dict()}
            if meta:
                fields["meta"] = meta
            self._write(job, fields)  # recorded first: a job the store lacks is never run
            jobs.append(job)
        for job in jobs:
            self._jobs[job.key] = job
            self._pending.append(job.key)
        try:
            self._fill()
        finally:
            self._sync(urgent=True)
        return list(keys)

    def _next_key(self) -> str:
        while str(self._seq) in self._jobs or str(self._seq) in self._released:
            self._seq += 1
        self._seq += 1
        return str(self._seq - 1)

    def requeue(self, key: str, *, spec: JobSpec | None = None) -> None:
        """Run a final job again, as a new attempt with a fresh retry budget (e.g. to retry
        failed jobs). It is handed to the backend by the next :meth:`step` or :meth:`wait`.
        ``spec`` replaces the job's spec; it is required for a job already released
        (``keep_finished=False``)."""
        job = self._jobs.get(key)
        if job is None:
            if key not in self._released:
                raise QueueError(f"requeue: expected a key of this queue, found {key!r}")
            if spec is None:
                raise QueueError(
                    f"requeue: job {key!r} was released (keep_finished=False); pass its spec"
                )
            del self._released[key]
            job = self._jobs[key] = QueuedJob(key=key, spec=spec, final=True)
        if not job.final:
            raise QueueError(f"requeue: expected a final job, found {key!r} {job.state.value}")
        if spec is not None:
            job.spec = spec
        job.final, job.result, job.job_id, job.retries = False, None, None, 0
        job.stopping = None  # a stop of an earlier attempt is no stop of this one
        if job in self._unreported:
            self._unreported.remove(job)
        self._pending.append(key)
        fields: dict[str, Any] = {"final": False, "result": None, "job_id": None, "retries": 0}
        fields["stopping"] = None
        if spec is not None:
            fields["spec"] = spec.to_dict()
        self._write(job, fields)
        self._sync(urgent=True)

    def _fill(self) -> None:
        """Hand waiting jobs to the backend while slots are free (one backend call).

        Each job is recorded as being submitted before the backend sees it, so that a process
        killed inside the backend's submit leaves a trace :meth:`attach` can follow."""
        room = len(self._pending)
        if self.max_running is not None:
            room = min(room, self.max_running - len(self._active) - len(self._orphans))
        if room <= 0 or self._cancelling or self._read_only:
            return
        keys = [self._pending.popleft() for _ in range(room)]
        try:
            now = time.time()
            for key in keys:
                job = self._jobs[key]
                fields: dict[str, Any] = {"submitting": now, "retries": job.retries}
                if self.prepare is not None:
                    new = self.prepare(job)
                    if isinstance(new, JobSpec) and new is not job.spec:
                        job.spec = new
                        fields["spec"] = new.to_dict()
                self._write(job, fields)
            self._sync(urgent=True)
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
            self._seen_running.discard(key)
            self._write(job, {"job_id": job_id, "job_ids": job.job_ids, "submitting": None})
        self._sync(urgent=True)
        for key, job_id in zip(keys, ids, strict=True):
            self._emit(self._jobs[key], "submitted", backend_id=job_id)

    # --------------------------------------------------------------------- polling
    def _cycle(self, fill: bool = True) -> tuple[list[QueuedJob], bool]:
        """Poll all active jobs once, settle finished ones, fill free slots (``fill``); returns
        (jobs that became final, whether anything changed)."""
        changed = False
        newly: list[QueuedJob] = []
        if self._active:
            self._polls += 1
            results = self.backend.poll(list(self._active))
            ended: list[str] = []
            for job_id, result in results.items():
                key = self._active.get(job_id)
                if key is None:
                    continue
                job = self._jobs[key]
                changed |= self._observe(job, result)
                if result.state.finished:
                    del self._active[job_id]
                    ended.append(job_id)
                    adopted = job_id in self._adopted
                    self._adopted.discard(job_id)
                    self._settle(job, result, adopted, newly)
            self._forget(ended)
        if self._orphans:
            for key in list(self._orphans):
                job = self._jobs[key]
                result = orphan_result(job.spec)
                changed |= self._observe(job, result)
                if result.state.finished:
                    self._orphans.discard(key)
                    self._settle(job, result, True, newly)
        if self._pending and fill:
            self._fill()
        self._sync(urgent=False)
        return newly, changed

    def _forget(self, ids: list[str]) -> None:
        """Let the backend drop what it keeps about attempts that ended (an optional
        ``Backend.forget(ids)`` hook), so its memory stays flat too."""
        forget = getattr(self.backend, "forget", None)
        if ids and callable(forget):
            forget(ids)

    def _observe(self, job: QueuedJob, result: JobResult) -> bool:
        changed = job.result is None or job.result.state is not result.state
        job.result = result
        if result.state is JobState.RUNNING and job.key not in self._seen_running:
            self._seen_running.add(job.key)
            self._emit(job, "running", backend_id=job.job_id)
        return changed

    def _settle(
        self, job: QueuedJob, result: JobResult, adopted: bool, newly: list[QueuedJob]
    ) -> None:
        """A finished attempt: run the job again, or make it final."""
        state = result.state
        self._seen_running.discard(job.key)
        stop = self._stopping.pop(job.key, None)
        job.stopping = None
        if stop is not None and state is not JobState.DONE:  # done before the cancel: done
            state, message = stop
            result = dataclasses.replace(result, state=state, message=message or result.message)
            job.result = result
        elif not self._cancelling:
            again = counted = False
            if adopted and state is JobState.LOST and result.end_time is None:
                # followed after a restart, then gone without an end record (e.g. killed with
                # the machine): it never finished, so it runs again, not counted as a retry
                again, why = True, "lost after reattaching, without an end record"
            elif state in self.retry_on and job.retries < self.max_retries:
                # a job lost before it ever started is not an attempt
                again = True
                counted = not (state is JobState.LOST and result.start_time is None)
                why = state.value if result.message is None else f"{state.value}: {result.message}"
            if again:
                attempt = job.retries
                if counted:
                    job.retries += 1
                job.job_id = None
                self._pending.appendleft(job.key)
                self._write(job, {"job_id": None, "retries": job.retries})
                self._emit(
                    job,
                    "retrying",
                    attempt=attempt,
                    backend_id=result.job_id or None,
                    result=result,
                    message=why,
                )
                return
        job.final = True
        fields: dict[str, Any] = {"final": True, "result": compact_result(result)}
        if stop is not None:
            fields["stopping"] = None  # settled
        self._write(job, fields)
        self._emit(job, state.value, backend_id=result.job_id or None, result=result)
        newly.append(job)

    def step(self, timeout: float = 0.0) -> list[QueuedJob]:
        """Advance the queue once: fill free slots, poll the backend once (one call for all
        jobs), settle finished attempts (retry or final) and fill again. Returns the jobs that
        became final since the last call (each job is returned once).

        With ``timeout > 0``, when the previous step returned nothing, first waits for a change
        through the backend's own watch (``wait_for_change``: a child's exit, a status file's
        end record, ...), up to ``timeout`` and at most the current poll interval, which starts
        at ``backend.poll_interval[0]`` and doubles up to ``[1]`` while nothing changes. So
        ``while queue.unfinished: queue.step(1.0)`` polls gently. ``step()`` never cancels
        anything on Ctrl-C (:meth:`wait` does, unless detached)."""
        first, longest = self.backend.poll_interval
        napped = False
        if timeout > 0 and self._nap_due and not self._unreported and self.unfinished:
            self.backend.wait_for_change(min(timeout, self._interval))
            napped = True
        newly, changed = self._cycle()
        if newly or changed:
            self._interval = first
        elif napped:
            self._interval = min(self._interval * 2, longest)
        self._nap_due = not newly
        if self._unreported:
            newly = self._unreported + newly
            self._unreported = []
        if not self.keep_finished:
            for job in newly:
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
                    self._released[job.key] = job.state
        return newly

    def wait(
        self,
        on_finish: OnFinish | None = None,
        *,
        timeout: float | None = None,
        return_when: Literal["all", "any"] = "all",
    ) -> list[QueuedJob]:
        """Wait for jobs (a loop over :meth:`step`); returns those that became final during
        this call.

        ``on_finish(job)`` is called once per job when it is final (after its retries), in this
        thread; it may :meth:`submit` more jobs, which this call then waits for too.
        ``return_when="any"`` returns as soon as at least one job is final (submit more and call
        again); ``timeout`` (seconds) returns early in any case. Polling backs off from the
        backend's ``poll_interval[0]`` to ``poll_interval[1]`` while nothing changes.
        """
        longest = self.backend.poll_interval[1]
        end = None if timeout is None else time.monotonic() + timeout
        done: list[QueuedJob] = []
        try:
            while True:
                left = longest if end is None else max(0.0, end - time.monotonic())
                for job in self.step(timeout=left):
                    done.append(job)
                    if on_finish is not None:
                        on_finish(job)
                if not self.unfinished and not self._unreported:
                    break
                if return_when == "any" and done:
                    break
                if end is not None and time.monotonic() >= end:
                    break
        except KeyboardInterrupt:
            if not self.detached:
                self.cancel_all()
            raise
        finally:
            self._sync(urgent=True)
        return done

    # ------------------------------------------------------------------- controlling
    def cancel(
        self,
        keys: str | Iterable[str],
        *,
        state: JobState | str = JobState.CANCELLED,
        message: str | Mapping[str, str] | None = None,
    ) -> list[str]:
        """Stop some jobs without waiting; each becomes final as ``state``: ``cancelled`` or
        ``pruned`` (stopped early on purpose, e.g. by a pruner; not a failure), with
        ``message`` (e.g. the step it reached; a mapping gives each key's own), and is never
        retried. A job waiting for a slot
        is final at once; one the backend holds is cancelled there in one call for all and
        becomes final when the backend reports it ended (a later :meth:`step` returns it);
        one that had finished well by then stays ``done``. The store records the request
        (:attr:`QueuedJob.stopping`) before any job is signalled, so a queue attached to it
        later, even after this process was killed right after the signal, asks the backend
        again and settles the job the same way. Returns the keys that were unfinished (final
        and unknown keys are skipped)."""
        what = _stop_state(state)
        ids: list[str] = []
        orphans: list[tuple[QueuedJob, str | None]] = []
        stopped: list[str] = []
        for key in [keys] if isinstance(keys, str) else list(keys):
            job = self._jobs.get(key)
            if job is None or job.final or key in self._stopping:
                continue
            stopped.append(key)
            text = message.get(key) if isinstance(message, Mapping) else message
            if key in self._pending:
                self._pending.remove(key)
                self._cancelled(job, text or "cancelled before it was submitted", what)
                continue
            if key not in self._orphans and job.job_id is None:
                continue
            self._stopping[key] = (what, text)
            job.stopping = {"state": what.value, "message": text}
            self._write(job, {"stopping": job.stopping})
            if key in self._orphans:
                orphans.append((job, text))
            else:
                ids.append(job.job_id or "")
        # Write-ahead: the stop is on disk before any job is signalled. A process killed right
        # after the signal (the job then ends 143 on its own) leaves a store from which
        # :meth:`attach` settles the job as asked, never as ``failed``.
        self._sync(urgent=True)
        try:
            for job, text in orphans:
                self._orphans.discard(job.key)
                sent = signal_orphan(job.spec)
                self._cancelled(job, text or ("cancelled" if sent else "not signalled"), what)
            if ids:
                self.backend.cancel(ids)
        finally:
            self._sync(urgent=True)
        return stopped

    def cancel_all(self, timeout: float = 10.0) -> None:
        """Cancel every unfinished job, then wait up to ``timeout`` s for the backend to
        confirm; jobs still unconfirmed are recorded as cancelled. Jobs followed through their
        status file only are signalled here when they run on this host (pid checked)."""
        self._cancelling = True
        try:
            for key in self._pending:
                self._cancelled(self._jobs[key], "cancelled before it was submitted")
            self._pending.clear()
            for key in list(self._orphans):
                job = self._jobs[key]
                sent = signal_orphan(job.spec)
                self._cancelled(job, "cancelled" if sent else "cancel requested; not signalled")
            self._orphans.clear()
            if self._active:
                self.backend.cancel(list(self._active))
                end = time.monotonic() + timeout
                first, _ = self.backend.poll_interval
                while self._active and time.monotonic() < end:
                    newly, _ = self._cycle()
                    self._unreported.extend(newly)
                    if self._active:
                        self.backend.wait_for_change(min(first, max(0.0, end - time.monotonic())))
                for key in list(self._active.values()):
                    self._cancelled(self._jobs[key], "cancel requested; not yet confirmed")
                self._active.clear()
        finally:
            self._cancelling = False
            self._sync(urgent=True)

    def _cancelled(
        self, job: QueuedJob, message: str, state: JobState = JobState.CANCELLED
    ) -> None:
        stop = self._stopping.pop(job.key, None)
        job.stopping = None
        if stop is not None:  # being pruned when cancel_all gave up waiting: still pruned
            state, message = stop[0], stop[1] or message
        job.result = JobResult(
            job_id=job.job_id or "",
            state=state,
            stdout=job.spec.stdout_path,
            stderr=job.spec.stderr_path,
            message=message,
        )
        job.final = True
        fields: dict[str, Any] = {"final": True, "result": compact_result(job.result)}
        if stop is not None:
            fields["stopping"] = None  # settled
        self._write(job, fields)
        self._emit(job, state.value, backend_id=job.job_id, result=job.result)
        self._unreported.append(job)

    def detach(self) -> Path | None:
        """Leave the jobs running when this process stops or is interrupted; returns the store's
        file (reattach with :meth:`attach`). With the local backend, jobs already started keep
        running; jobs not yet started are started by whoever reattaches and waits."""
        self.detached = True
        if self.store is not None:
            self.store.write_header(self.header())
            self._header_written = True
            self.store.sync(urgent=True)
        return self.state_file

    def close(self) -> None:
        """Write what is pending and close the store (the jobs and the backend are left as
        they are)."""
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def status(self, refresh: bool = True) -> dict[JobState, int]:
        """How many jobs are in each state (every state is a key). ``refresh`` polls first (it
        submits nothing: jobs waiting for a slot stay ``queued``)."""
        if refresh:
            newly, _ = self._cycle(fill=False)
            self._unreported.extend(newly)
        counts = dict.fromkeys(JobState, 0)
        for job in self._jobs.values():
            counts[job.state] += 1
        for state in self._released.values():
            counts[state] += 1
        return counts

    def free_slots(self, resources: Resources | None = None) -> int | None:
        """How many more jobs (shaped like ``resources``) would start now without waiting;
        ``None`` if neither the queue nor the backend sets a limit. A search asks for this many
        proposals whenever :meth:`step` or :meth:`wait` returns."""
        busy = self.unfinished
        limits = [self.max_running, self.backend.capacity(resources or Resources())]
        caps = [n for n in limits if n is not None]
        return None if not caps else max(0, min(caps) - busy)

    @property
    def jobs(self) -> list[QueuedJob]:
        """All jobs held, in submission order (without released ones: ``keep_finished``)."""
        return list(self._jobs.values())

    def job(self, key: str) -> QueuedJob:
        """The job with this key (``KeyError`` if unknown or released)."""
        try:
            return self._jobs[key]
        except KeyError:
            if key in self._released:
                raise KeyError(f"{key!r} is final and was released (keep_finished=False)") from None
            raise

    def final_state(self, key: str) -> JobState | None:
        """The state of a final job, also of a released one; ``None`` while not final."""
        job = self._jobs.get(key)
        if job is not None:
            return job.state if job.final else None
        return self._released[key]

    def __contains__(self, key: object) -> bool:
        return key in self._jobs or key in self._released

    @property
    def unfinished(self) -> int:
        """Jobs not yet final (waiting for a slot, queued, running, or about to be retried)."""
        return len(self._pending) + len(self._active) + len(self._orphans)

    @property
    def polls(self) -> int:
        """How many times the backend was polled (each poll is one call for all jobs)."""
        return self._polls

    def __len__(self) -> int:
        return len(self._jobs) + len(self._released)

    # -------------------------------------------------------------------- reattaching
    def to_dict(self, jobs: bool = True) -> dict[str, Any]:
        """The snapshot form of the queue (the JSON state file's content)."""
        out = self.header()
        if jobs:
            out["jobs"] = [job.to_dict() for job in self._jobs.values()]
        return out

    @classmethod
    def attach(
        cls,
        store: QueueStore | str | os.PathLike[str],
        backend: Backend | None = None,
        *,
        on_event: OnEvent | None = None,
        prepare: Prepare | None = None,
        keep_finished: bool = True,
        settle: float = 2.0,
        read_only: bool = False,
    ) -> Queue:
        """Rebuild a queue from its store (written by another, maybe dead, process): a
        :class:`QueueStore` or a path (``*.jsonl``: :class:`JsonlStore`, else a snapshot).

        Without ``backend``, the one named in the store is created with its saved options. Jobs
        the backend had accepted are adopted and polled (the backend and the jobs' status files
        say what happened meanwhile); an adopted job found lost without an end record runs
        again (not counted as a retry). Jobs recorded as being submitted when the writer died
        (no backend id) are followed through their status file when it shows this attempt ran
        or runs (for up to ``settle`` seconds after that record, a job just launched may not
        have written it yet); otherwise they are submitted anew, like the jobs that never
        reached the backend, by the next :meth:`step`. A final job never runs again (unless
        :meth:`requeue` says so). Attaching writes nothing until something changes. The queue
        keeps the store's :attr:`detached` flag; set it to False to make Ctrl-C cancel again.

        ``read_only=True`` (e.g. a status command on a shared or read-only folder): the queue
        polls and reports but never writes the store and never submits (:meth:`cancel_all`
        still cancels).
        """
        if not isinstance(store, QueueStore):
            store = open_store(store)
        path = store.path
        header, records = store.load()
        try:
            if backend is None:
                options = dict(header.get("backend_options") or {})
                backend = get_backend(str(header["backend"]), **options)
            retry_on = header.get("retry_on")
            queue = cls(
                backend,
                max_running=header.get("max_running"),
                max_retries=int(header.get("max_retries", 0)),
                retry_on=DEFAULT_RETRY_ON if retry_on is None else retry_on,
                on_event=on_event,
                prepare=prepare,
                keep_finished=keep_finished,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SchedulerError) and not isinstance(exc, QueueError):
                raise
            raise StateFileError(f"{path}: malformed queue header ({exc})") from None
        queue.store = None if read_only else store
        queue._store_path = path
        queue._read_only = read_only
        queue._header_written = True
        queue.detached = bool(header.get("detached", False))
        adopted: dict[str, JobSpec] = {}
        submitting: dict[str, float] = {}
        for data in records:
            if "spec" not in data:  # its first line was lost (e.g. a full disk): cannot run it
                warnings.warn(
                    f"{path}: job {data.get('key')!r} has no spec (its first record was lost); "
                    "left out of the queue",
                    JsonlWarning,
                    stacklevel=2,
                )
                continue
            try:
                job = QueuedJob.from_dict(data)
                since = data.get("submitting")
                since = None if since is None else float(since)
            except (KeyError, TypeError, ValueError) as exc:
                raise StateFileError(
                    f"{path}: job {data.get('key')!r}: malformed record ({exc})"
                ) from None
            if job.final:
                if keep_finished:
                    queue._jobs[job.key] = job
                else:
                    queue._released[job.key] = job.state
                continue
            queue._jobs[job.key] = job
            stop = job.stopping
            if stop is not None:
                try:
                    what = _stop_state(stop.get("state"))
                except QueueError as exc:
                    raise StateFileError(f"{path}: job {job.key!r}: stopping: {exc}") from None
                message = stop.get("message")
                queue._stopping[job.key] = (what, message if isinstance(message, str) else None)
            if since is not None and job.job_id is None:
                submitting[job.key] = since
            elif job.job_id is not None:
                queue._active[job.job_id] = job.key
                queue._adopted.add(job.job_id)
                adopted[job.job_id] = job.spec
            else:
                queue._pending.append(job.key)
        queue.backend.adopt(adopted)
        again = [j for j, key in queue._active.items() if key in queue._stopping]
        if again and not read_only:  # the writer asked to stop them: maybe it died first
            queue.backend.cancel(again)
        queue._follow_orphans(submitting, settle)
        if not read_only:  # the same for those followed through their status file only
            for key in queue._orphans & queue._stopping.keys():
                signal_orphan(queue._jobs[key].spec)
        queue._seq = len(records)
        return queue

    def _follow_orphans(self, submitting: Mapping[str, float], settle: float) -> None:
        """Jobs recorded as being submitted: follow those whose attempt ran or runs (their
        status file says so), submit the others anew."""
        specs = {key: (self._jobs[key].spec, since) for key, since in submitting.items()}
        ran = started_since(specs, settle, time.sleep)
        for key in submitting:
            if key in ran:
                self._orphans.add(key)
            else:
                self._pending.append(key)


def _stop_state(value: object) -> JobState:
    """``cancelled`` or ``pruned``: the final states a caller may stop a job as."""
    if value in (JobState.CANCELLED, JobState.PRUNED):
        return JobState(value)
    raise QueueError(f"cancel: expected state 'cancelled' or 'pruned', found {value!r}")


_RETRYABLE = ", ".join(s.value for s in JobState if s.finished and s is not JobState.PRUNED)


def _states(values: Iterable[JobState | str]) -> frozenset[JobState]:
    if isinstance(values, str):
        values = [values]
    out = set()
    for value in values:
        try:
            state = JobState(value)
        except ValueError:
            allowed = _RETRYABLE
            raise QueueError(
                f"retry_on: expected final states ({allowed}), found {value!r}"
            ) from None
        if not state.finished or state is JobState.PRUNED:  # pruned: stopped on purpose
            allowed = _RETRYABLE
            raise QueueError(f"retry_on: expected final states ({allowed}), found {value!r}")
        out.add(state)
    return frozenset(out)
