"""The cluster-backend template: what every batch scheduler backend shares, written once.

:class:`ClusterBackend` does the workflow: group same-shaped jobs into arrays, submit all or
nothing (a refused group cancels what this call already submitted), query once per poll and
tolerate a few failed status calls, give a job that left the scheduler's list a grace period to
show its outcome (status file, accounting) before it counts as ``lost``, watch the jobs' status
files between polls, adopt jobs of another process, and show a dry run.

A scheduler supplies only what differs (see ``SGEBackend`` and ``SlurmBackend``):

* its flags: :meth:`~ClusterBackend.job_flags`, :meth:`~ClusterBackend.output_flags`,
  :meth:`~ClusterBackend.array_flags` and :attr:`~ClusterBackend.directive_prefix`;
* its submit call: :meth:`~ClusterBackend.submit_command` and
  :meth:`~ClusterBackend.parse_job_id` (or, for a library such as DRMAA,
  :meth:`~ClusterBackend.submit_job` / :meth:`~ClusterBackend.submit_array`);
* its array ids: :meth:`~ClusterBackend.array_ids` and :attr:`~ClusterBackend.task_variable`;
* its status query: :meth:`~ClusterBackend.query_scheduler` (ONE call for all jobs), optionally
  :meth:`~ClusterBackend.query_finished` (accounting, completion logs) and
  :meth:`~ClusterBackend.reaped` (finished jobs a library reports without being asked);
* its cancel call: :meth:`~ClusterBackend.cancel_command` and
  :attr:`~ClusterBackend.cancel_benign`;
* optionally its list of live jobs by name, :meth:`~ClusterBackend.live_jobs`: a queue
  reattached after its process was killed inside the submit call (the scheduler accepted the
  job, the id was never recorded) then follows that job instead of submitting it again.
"""

from __future__ import annotations

import abc
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from shlex import quote
from typing import Any, ClassVar

from .._script import render_script
from .._types import JobSpec, JobState, Resources
from ..errors import ResourceError, SchedulerError, SubmitError
from . import _cluster
from .base import Backend, NativeStatus

__all__ = ["ClusterBackend"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ClusterBackend(Backend):
    """Base class of batch-scheduler backends (Grid Engine, Slurm, PBS, HTCondor, ...).

    Args:
        array_min: submit a group of at least this many same-shaped jobs (identical
            :class:`~mle_scheduler.Resources`) as one array; ``0`` never uses arrays.
        array_throttle: at most this many tasks of one array run at once.
        array_max: split arrays larger than this (``None``: no limit).
        lost_after: seconds a job may be missing from the scheduler's list, with no end record
            in its status file and none from :meth:`query_finished`, before it is ``lost``
            (counted from the first poll that missed it).
    """

    poll_interval = (1.0, 30.0)
    #: prefix of the scheduler's directive lines in a job script (``"#SBATCH"``, ``"#$"``)
    directive_prefix: ClassVar[str] = "#"
    #: environment variable that holds an array task's 1-based index
    task_variable: ClassVar[str] = "TASK_ID"
    #: a regex of characters the scheduler cannot carry in output paths; the job script then
    #: redirects its own output instead
    unsafe_path_chars: ClassVar[str] = r"[\s\"'\\]"
    #: phrases in the cancel command's output that mean "already ended", not an error
    cancel_benign: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        array_min: int = 2,
        array_throttle: int | None = None,
        array_max: int | None = None,
        lost_after: float = 30.0,
    ) -> None:
        super().__init__()
        if array_throttle is not None and array_throttle < 1:
            raise ResourceError(f"array_throttle: expected an integer >= 1, found {array_throttle}")
        if array_max is not None and array_max < 1:
            raise ResourceError(f"array_max: expected an integer >= 1, found {array_max}")
        if lost_after < 0:
            raise ResourceError(f"lost_after: expected seconds >= 0, found {lost_after}")
        self.array_min = array_min
        self.array_throttle = array_throttle
        self.array_max = array_max
        self.lost_after = float(lost_after)
        self._watch = _cluster.StatusWatch()
        #: final states learnt from the scheduler, a library or accounting, by id
        self._finished: dict[str, NativeStatus] = {}
        #: the last state the scheduler listed for each id
        self._last: dict[str, NativeStatus] = {}
        #: when each id was first missing from the scheduler's list (monotonic seconds)
        self._missing_since: dict[str, float] = {}
        self._poll_failures = 0
        #: scheduler calls made, by command (or library method), for benchmarks
        self.calls: dict[str, int] = {}
        #: set by :meth:`adopt` (a queue reattaching): the next submission first looks for
        #: jobs a killed process had submitted without learning their ids
        self._look_first = False

    # ============================================================ what a scheduler supplies
    @abc.abstractmethod
    def job_flags(self, res: Resources, spec: JobSpec | None) -> list[str]:
        """Submit options of one job (``spec``) or of an array (``None``), one token each,
        without output paths: resources, the backend's own flags, a job name."""

    @abc.abstractmethod
    def output_flags(self, stdout: Path, stderr: Path | None) -> list[str]:
        """Options sending a job's output to ``stdout`` and ``stderr`` (``None``: joined)."""

    @abc.abstractmethod
    def array_flags(self, n_tasks: int, log: Path | None) -> list[str]:
        """Options making an array of ``n_tasks`` tasks (throttled by ``array_throttle``) whose
        own scheduler output goes to files named after ``log`` (``None``: discarded)."""

    @abc.abstractmethod
    def submit_command(self, script: Path) -> list[str]:
        """The argv that submits ``script`` (e.g. ``["sbatch", "--parsable", script]``)."""

    @abc.abstractmethod
    def parse_job_id(self, output: str) -> str:
        """The job id in the submit command's ``output``; raise :class:`SubmitError` if none."""

    @abc.abstractmethod
    def array_ids(self, base: str, n_tasks: int) -> list[str]:
        """The ids of the ``n_tasks`` tasks of array job ``base`` (e.g. ``"45.1"``, ``"7_1"``)."""

    @abc.abstractmethod
    def query_scheduler(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        """ONE scheduler call for all ``ids``: a status for each id it lists, queued, running
        or final. Raise :class:`SchedulerError` when the call fails (it is tolerated a few
        times in a row); omit ids it does not list."""

    @abc.abstractmethod
    def cancel_command(self, ids: list[str]) -> list[str]:
        """The argv that cancels all ``ids`` at once (e.g. ``["scancel", *ids]``)."""

    def query_finished(
        self, ids: list[str], missing_for: Mapping[str, float]
    ) -> Mapping[str, NativeStatus]:
        """Final states of ``ids`` (no longer listed by the scheduler, no end record in their
        status files) from accounting or a completion log; ``missing_for`` says for how many
        seconds each has been missing. Default: none."""
        return {}

    def live_jobs(self) -> Mapping[str, list[str]]:
        """Ids of this user's queued or running single jobs (not array tasks) by job name, from
        ONE scheduler call; used to find a job a killed process submitted before it learnt the
        id (see :meth:`adopt`). Raise :class:`SchedulerError` when the call fails. Default:
        none (such jobs are submitted again)."""
        return {}

    def reaped(self) -> Mapping[str, NativeStatus]:
        """Final states a library reported without being asked (e.g. DRMAA's ``wait``);
        called often, so it must not block. Default: none."""
        return {}

    def directive_lines(self, flags: Sequence[str]) -> list[str]:
        """Script header lines for ``flags``; default: one ``<prefix> <token>`` per token."""
        return [f"{self.directive_prefix} {flag}" for flag in flags]

    # transports: override these for a library instead of commands
    def submit_job(self, script: Path, spec: JobSpec) -> str:
        """Submit one job's script; return its id."""
        return self.parse_job_id(self.run(self.submit_command(script), "submit"))

    def submit_array(self, driver: Path, specs: list[JobSpec], log: Path | None) -> list[str]:
        """Submit an array driver script for ``specs``; return one id per task, in order."""
        base = self.parse_job_id(self.run(self.submit_command(driver), "submit"))
        return self.array_ids(base, len(specs))

    def describe_submit(self, script: Path, specs: list[JobSpec], array: bool) -> str:
        """How :meth:`dry_run` shows one submission (a command line)."""
        return " ".join(quote(a) for a in self.submit_command(script))

    def _cancel(self, ids: list[str]) -> None:
        argv = self.cancel_command(ids)
        self._count(argv[0])
        _cluster.cancel_command(argv, benign=self.cancel_benign)

    # ============================================================== written once, here
    def run(self, argv: list[str], what: str, *, error: type[Exception] = SubmitError) -> str:
        """Run a scheduler command (counted in :attr:`calls`); see ``_cluster.run_command``."""
        self._count(argv[0])
        return _cluster.run_command(argv, what=f"{argv[0]} ({what})", error=error)

    def _count(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1

    def options(self) -> dict[str, Any]:
        return {
            "array_min": self.array_min,
            "array_throttle": self.array_throttle,
            "array_max": self.array_max,
            "lost_after": self.lost_after,
        }

    def check(self, spec: JobSpec) -> None:
        name = spec.resources.job_name
        if name is not None and _CONTROL.search(name):
            raise ResourceError(
                f"job_name: expected one line without control characters, found {name!r}"
            )
        for flag in self.job_flags(spec.resources, spec):
            if _CONTROL.search(flag):
                raise ResourceError(
                    f"resources: {self.name} options must be one line without control "
                    f"characters, found {flag!r}"
                )

    def _unsafe(self, path: Path) -> bool:
        return bool(re.search(self.unsafe_path_chars, os.fspath(path.absolute())))

    def _redirects(self, spec: JobSpec) -> bool:
        """True when the script itself must send its output (paths the flags cannot carry)."""
        return self._unsafe(spec.stdout_path) or self._unsafe(spec.stderr_path)

    def directives(self, spec: JobSpec) -> list[str]:
        if self._redirects(spec):
            out = self.output_flags(Path("/dev/null"), None)
        else:
            err = None if spec.stderr is None else spec.stderr_path.absolute()
            out = self.output_flags(spec.stdout_path.absolute(), err)
        return self.directive_lines([*self.job_flags(spec.resources, spec), *out])

    def render(self, spec: JobSpec) -> str:
        return render_script(spec, self.directives(spec), redirect_output=self._redirects(spec))

    def array_script(self, specs: Sequence[JobSpec], log: Path | None) -> str:
        """The driver script of an array over ``specs`` (which share their resources): task
        ``i`` runs the ``i``-th job's own script."""
        flags = [*self.job_flags(specs[0].resources, None), *self.array_flags(len(specs), log)]
        tasks = [_cluster.script_path(s) for s in specs]
        return _cluster.array_driver(tasks, self.directive_lines(flags), self.task_variable)

    def _array_log(self, first: JobSpec, stamp: str) -> Path | None:
        log = first.stdout_path.absolute().with_name(f"mle-array-{stamp}")
        return None if self._unsafe(log) else log

    def _groups(self, specs: list[JobSpec]) -> list[list[int]]:
        size = self.array_max or max(len(specs), 1)
        return [
            chunk
            for group in _cluster.group_by_shape(specs, self.array_min)
            for chunk in _cluster.chunks(group, size)
        ]

    def _submit(self, specs: list[JobSpec]) -> list[str]:
        found = self._find_submitted(specs) if self._look_first else {}
        self._look_first = False
        rest = [spec for i, spec in enumerate(specs) if i not in found]
        new = iter(self._submit_new(rest) if rest else [])
        return [found[i] if i in found else next(new) for i in range(len(specs))]

    def _find_submitted(self, specs: list[JobSpec]) -> dict[int, str]:
        """Jobs among ``specs`` that a killed process already submitted: the scheduler lists
        exactly one live job of that (explicit, in ``specs`` unique) name that this object does
        not know. They are followed under that id instead of running twice."""
        names = [spec.resources.job_name for spec in specs]
        wanted = {n for n in names if n is not None and names.count(n) == 1}
        if not wanted:
            return {}
        try:
            live = self.live_jobs()
        except SchedulerError:
            return {}  # the scheduler cannot say: submit, as without this look
        out: dict[int, str] = {}
        for i, (name, spec) in enumerate(zip(names, specs, strict=True)):
            ids = [j for j in live.get(name or "", []) if j not in self._specs]
            if name in wanted and len(ids) == 1:
                out[i] = ids[0]
                # a job submitted by path (DRMAA) runs its script from there: put it back
                _cluster.write_script(_cluster.script_path(spec), self.render(spec))
                self._watch.add(ids[0], spec.status_path)
        return out

    def _submit_new(self, specs: list[JobSpec]) -> list[str]:
        ids: list[str | None] = [None] * len(specs)
        with _cluster.all_or_nothing(ids, self._cancel):
            for group in self._groups(specs):
                members = [specs[i] for i in group]
                if len(members) == 1:
                    path = _cluster.script_path(members[0])
                    _cluster.write_script(path, self.render(members[0]))
                    got = [self.submit_job(path, members[0])]
                else:
                    for spec in members:
                        _cluster.write_task_script(spec)
                    stamp = _cluster.unique_stamp()
                    log = self._array_log(members[0], stamp)
                    driver = _cluster.write_script(
                        _cluster.array_driver_path(members[0], stamp),
                        self.array_script(members, log),
                    )
                    got = self.submit_array(driver, members, log)
                for i, job_id in zip(group, got, strict=True):
                    ids[i] = job_id
        submitted = [i for i in ids if i is not None]
        for job_id, spec in zip(submitted, specs, strict=True):
            self._watch.add(job_id, spec.status_path)
        return submitted

    def dry_run(self, specs: Sequence[JobSpec]) -> str:
        """What :meth:`submit` would do with ``specs``, submitting nothing: each submission
        and its script (arrays: the driver and the first task's script)."""
        specs = list(specs)
        self.validate(specs)

        def single(spec: JobSpec) -> tuple[str, str]:
            return self.describe_submit(_cluster.script_path(spec), [spec], False), self.render(
                spec
            )

        def array(members: list[JobSpec]) -> tuple[str, str]:
            driver = _cluster.array_driver_path(members[0], "<stamp>")
            script = self.array_script(members, self._array_log(members[0], "<stamp>"))
            return self.describe_submit(driver, members, True), script

        return _cluster.dry_run_text(specs, self._groups(specs), single, array)

    def forget(self, ids: Sequence[str]) -> None:
        super().forget(ids)
        for job_id in ids:
            self._finished.pop(job_id, None)
            self._last.pop(job_id, None)
            self._missing_since.pop(job_id, None)
            self._watch.discard(job_id)

    def adopt(self, jobs: Mapping[str, JobSpec]) -> None:
        """Follow jobs another process submitted; the next :meth:`submit` first asks the
        scheduler (:meth:`live_jobs`) for a job of the same name that the other process
        submitted but was killed before recording: that one is followed, not run twice."""
        super().adopt(jobs)
        self._look_first = True
        for job_id, spec in jobs.items():
            self._watch.add(job_id, spec.status_path)

    def _reap(self) -> bool:
        """Take in :meth:`reaped`; True when one of this backend's jobs newly ended."""
        new = False
        for job_id, status in self.reaped().items():
            if job_id in self._specs and job_id not in self._finished:
                self._finished[job_id] = status
                new = True
        return new

    def wait_for_change(self, timeout: float) -> None:
        # Wakes up early when a job's status file changes (it started or recorded its end) or
        # the scheduler's library reports a finished job; scheduler polls meanwhile back off.
        self._watch.wait(timeout, also=self._reap)

    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        out = self._query_all(ids)
        for job_id in ids:
            native = out.get(job_id)
            if native is None or native.state.finished:
                self._watch.discard(job_id)
        return out

    def _query_all(self, ids: list[str]) -> dict[str, NativeStatus]:
        self._reap()
        out = {i: self._finished[i] for i in ids if i in self._finished}
        pending = [i for i in ids if i not in out]
        if not pending:
            return out
        try:
            live = self.query_scheduler(pending)
        except SchedulerError as exc:
            self._poll_failures += 1
            if self._poll_failures >= _cluster.MAX_POLL_FAILURES:
                raise
            unknown = NativeStatus(JobState.QUEUED, message=f"the scheduler did not answer: {exc}")
            out.update({i: self._last.get(i, unknown) for i in pending})
            return out
        self._poll_failures = 0
        gone = []
        for job_id in pending:
            status = live.get(job_id)
            if status is None:
                gone.append(job_id)
                continue
            out[job_id] = self._last[job_id] = status
            self._missing_since.pop(job_id, None)
            if status.state.finished:
                self._finished[job_id] = status
        if gone:
            self._resolve_gone(gone, out)
        return out

    def _resolve_gone(self, gone: list[str], out: dict[str, NativeStatus]) -> None:
        """Jobs the scheduler no longer lists: their status file, a reaped or accounting
        record, a cancel of ours; else wait ``lost_after`` s for those to appear."""
        now = time.monotonic()
        self._reap()  # a job may have ended between the two calls
        record_done = set()
        wanted = []
        for job_id in gone:
            if job_id in self._finished:
                continue
            record = self._record(job_id)
            if record is not None and record.finished:
                record_done.add(job_id)
            else:
                wanted.append(job_id)
                self._missing_since.setdefault(job_id, now)
        if wanted:
            missing_for = {i: now - self._missing_since[i] for i in wanted}
            for job_id, status in self.query_finished(wanted, missing_for).items():
                if job_id in missing_for and status.state.finished:
                    self._finished.setdefault(job_id, status)
        for job_id in gone:
            prev = self._last.get(job_id)
            if job_id in self._finished:
                out[job_id] = self._finished[job_id]
                self._missing_since.pop(job_id, None)
            elif job_id in record_done:
                self._missing_since.pop(job_id, None)  # the status file says everything
            elif job_id in self._cancelled:
                out[job_id] = NativeStatus(JobState.CANCELLED, message="cancelled")
            elif now - self._missing_since[job_id] < self.lost_after:
                # It left the list; its end record or accounting may not be written yet (a
                # busy file server, an accounting flush interval): keep looking a while.
                out[job_id] = NativeStatus(
                    JobState.RUNNING,
                    message="no longer listed by the scheduler; waiting for its end record",
                    host=prev.host if prev else None,
                )
            elif prev is not None and prev.state is JobState.QUEUED:
                # Deleted while queued (by someone else): such jobs leave no end record.
                out[job_id] = NativeStatus(
                    JobState.CANCELLED, message="left the queue without running"
                )
            # else: omitted, so the job is lost (base class)
