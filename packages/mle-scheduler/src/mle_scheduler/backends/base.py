"""The backend base class: the workflow is written once here; a backend fills in small hooks.

A backend subclass implements

* :meth:`Backend._submit` - hand specs to the scheduler, return one backend id per spec (in
  order). It may submit same-shaped specs as one array. Raise :class:`SubmitError` with the
  command's own message when the scheduler refuses; never retry in a loop.
* :meth:`Backend._query` - ONE scheduler call for all ids (never one per job): a
  :class:`NativeStatus` for each id the scheduler still knows; ids it has forgotten are omitted.
* :meth:`Backend._cancel` - cancel these ids (ignore ids that already finished).

and may override :meth:`Backend.directives` (scheduler header lines of the job script),
:meth:`Backend.capacity`, :attr:`Backend.poll_interval` and :meth:`Backend.wait_for_change`.

The public methods (:meth:`submit`, :meth:`poll`, :meth:`cancel`, :meth:`render`) add what all
backends share: spec validation, output folders, remembering specs, and the merge of the
scheduler's view with the wrapper's status file (the file wins for exit codes and times; the
scheduler wins for queued/running and for why a job without an end record stopped).
"""

from __future__ import annotations

import abc
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .._script import StatusRecord, read_status, render_script
from .._types import JobResult, JobSpec, JobState, Resources

__all__ = ["Backend", "NativeStatus"]


@dataclass(frozen=True)
class NativeStatus:
    """The scheduler's own view of one job, as returned by :meth:`Backend._query`.

    ``state`` is QUEUED or RUNNING while the scheduler holds the job, or a final state it knows
    (e.g. TIMEOUT or CANCELLED from accounting, FAILED with ``exit_code`` from a completion log).
    """

    state: JobState
    exit_code: int | None = None
    message: str | None = None
    host: str | None = None


class Backend(abc.ABC):
    """One place where jobs run. Subclasses fill in ``_submit``, ``_query`` and ``_cancel``.

    Ids are strings unique within the backend. A backend remembers the spec of every id it
    submitted; a new backend object (e.g. after a restart) learns them through :meth:`adopt`.
    """

    #: registered name (``get_backend(name)``)
    name: ClassVar[str] = "base"
    #: (first, longest) seconds between polls; :class:`Queue` doubles from first to longest
    #: while nothing changes and starts over at the first change.
    poll_interval: ClassVar[tuple[float, float]] = (1.0, 30.0)
    #: True when a QUEUED from ``_query`` is certain (the job has not started, so it has no
    #: status file to read); a cluster's view may lag behind the job, so there the file is read.
    _queued_is_exact: ClassVar[bool] = False

    def __init__(self) -> None:
        self._specs: dict[str, JobSpec] = {}
        self._cancelled: set[str] = set()

    # ----------------------------------------------------------------- public workflow
    def submit(self, specs: Sequence[JobSpec]) -> list[str]:
        """Submit jobs; returns their backend ids in the order of ``specs``."""
        specs = list(specs)
        if not specs:
            return []
        self.validate(specs)
        for spec in specs:
            for path in (spec.stdout_path, spec.stderr_path, spec.status_path):
                path.parent.mkdir(parents=True, exist_ok=True)
            # a stale record from an earlier attempt must not describe the new one
            with contextlib.suppress(FileNotFoundError):
                spec.status_path.unlink()
        ids = self._submit(specs)
        if len(ids) != len(specs):  # pragma: no cover - a backend bug
            raise RuntimeError(
                f"{type(self).__name__}._submit returned {len(ids)} ids for {len(specs)} specs"
            )
        for job_id, spec in zip(ids, specs, strict=True):
            self._specs[job_id] = spec
        return ids

    def poll(self, ids: Sequence[str]) -> dict[str, JobResult]:
        """The current :class:`JobResult` of each id, from one scheduler call for all of them."""
        ids = list(ids)
        if not ids:
            return {}
        native = self._query(ids)
        return {job_id: self._merge(job_id, native.get(job_id)) for job_id in ids}

    def cancel(self, ids: Sequence[str]) -> None:
        """Cancel jobs (queued or running); finished ones are left alone."""
        ids = list(ids)
        if ids:
            self._cancelled.update(ids)
            self._cancel(ids)

    def render(self, spec: JobSpec) -> str:
        """The job script this backend would submit for ``spec`` (for ``--dry-run``)."""
        return render_script(spec, self.directives(spec))

    def adopt(self, jobs: Mapping[str, JobSpec]) -> None:
        """Learn the specs of ids submitted by another backend object (reattaching)."""
        self._specs.update(jobs)

    def forget(self, ids: Sequence[str]) -> None:
        """Drop what this object keeps about ``ids``: final jobs the caller is done with (a
        :class:`Queue` calls it as attempts end), so memory stays flat over long runs. Polling
        a forgotten id later reports ``lost``. Subclasses extend it for their own tables."""
        for job_id in ids:
            self._specs.pop(job_id, None)
            self._cancelled.discard(job_id)

    def options(self) -> dict[str, Any]:
        """Constructor options, JSON-ready, so that a queue's state file can recreate the backend
        with ``get_backend(name, **options)``. Override when the constructor takes options."""
        return {}

    def validate(self, specs: Sequence[JobSpec]) -> None:
        """Raise :class:`~mle_scheduler.errors.ResourceError` (one line) for the first spec that
        could only fail late here: after its folders were made, or once it ran. Cheap, submits
        nothing, creates nothing; :meth:`submit` calls it too. Call it for a dry run."""
        for spec in specs:
            self.check(spec)

    def dry_run(self, specs: Sequence[JobSpec]) -> str:
        """What :meth:`submit` would hand over for ``specs``, after :meth:`validate`; submits
        nothing. Here: each job's script; cluster backends add their submit commands."""
        specs = list(specs)
        self.validate(specs)
        return "\n".join(self.render(spec) for spec in specs)

    def check(self, spec: JobSpec) -> None:  # noqa: B027 - optional hook
        """Hook for :meth:`validate`: raise :class:`~mle_scheduler.errors.ResourceError` if
        ``spec`` cannot run here."""

    def capacity(self, resources: Resources) -> int | None:
        """How many jobs shaped like ``resources`` can run at once; None = no fixed limit."""
        return None

    @property
    def max_parallel(self) -> int | None:
        """:meth:`capacity` for a default one-core job."""
        return self.capacity(Resources())

    def wait_for_change(self, timeout: float) -> None:
        """Block up to ``timeout`` seconds, returning early if a job may have changed state."""
        time.sleep(timeout)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources held by the backend object (not the jobs). Idempotent."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- hooks
    @abc.abstractmethod
    def _submit(self, specs: list[JobSpec]) -> list[str]:
        """Hand ``specs`` to the scheduler; one id per spec, in order."""

    @abc.abstractmethod
    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        """One scheduler call for all ``ids``; omit ids the scheduler no longer knows."""

    @abc.abstractmethod
    def _cancel(self, ids: list[str]) -> None:
        """Cancel ``ids`` in the scheduler."""

    def directives(self, spec: JobSpec) -> list[str]:
        """Scheduler header lines for the job script (``#SBATCH ...``, ``#$ ...``)."""
        return []

    # ----------------------------------------------------------------------- merging
    def _record(self, job_id: str) -> StatusRecord | None:
        spec = self._specs.get(job_id)
        return None if spec is None else read_status(spec.status_path)

    def _merge(self, job_id: str, native: NativeStatus | None) -> JobResult:
        """Combine the scheduler's view with the wrapper's status file into a JobResult."""
        spec = self._specs.get(job_id)
        if self._queued_is_exact and native is not None and native.state is JobState.QUEUED:
            return JobResult(
                job_id=job_id,
                state=JobState.QUEUED,
                stdout=spec.stdout_path if spec else None,
                stderr=spec.stderr_path if spec else None,
                message=native.message,
            )
        record = self._record(job_id)
        start = record.start if record else None
        end = record.end if record else None
        host = (record.host if record else None) or (native.host if native else None)
        code: int | None = None
        message = native.message if native else None
        cancelled = job_id in self._cancelled
        state: JobState
        if record is not None and record.finished:
            code = record.exit_code
            if native is not None and native.state in (JobState.CANCELLED, JobState.TIMEOUT):
                state = native.state
            elif cancelled and code != 0:
                state = JobState.CANCELLED
            else:
                state = JobState.DONE if code == 0 else JobState.FAILED
        elif native is not None:
            state, code = native.state, native.exit_code
            if state is JobState.DONE and code not in (None, 0):
                state = JobState.FAILED
            if cancelled and state in (JobState.FAILED, JobState.LOST):
                state = JobState.CANCELLED
        elif cancelled:
            state = JobState.CANCELLED
        else:
            state = JobState.LOST
            message = message or "the scheduler no longer knows the job and it left no end record"
        if state is JobState.RUNNING and record is None and native is not None:
            start = None
        return JobResult(
            job_id=job_id,
            state=state,
            exit_code=code,
            start_time=start,
            end_time=end,
            stdout=spec.stdout_path if spec else None,
            stderr=spec.stderr_path if spec else None,
            host=host,
            message=message,
        )
