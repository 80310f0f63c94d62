"""Test helpers (need pytest; not imported by default): :class:`FakeBackend`, an in-memory
backend for fast unit tests of code that drives a :class:`~mle_scheduler.Queue`, and
:class:`BackendSuite`, a reusable pytest suite that every backend must pass.

``FakeBackend`` runs nothing: a job starts when submitted (up to ``capacity`` at once) and ends
when the test says so::

    backend = FakeBackend()
    queue = Queue(backend)
    key = queue.submit(spec)
    backend.finish(queue.job(key), exit_code=1)   # or a backend id, or auto_finish=0
    [job] = queue.step()                          # job.state is JobState.FAILED

Subclass :class:`BackendSuite` in a test module and provide a ``backend_factory`` fixture
returning a callable that makes a fresh backend object::

    class TestLocal(BackendSuite):
        @pytest.fixture
        def backend_factory(self):
            return lambda: LocalBackend(max_cores=2)

Class attributes tune it for slow schedulers: ``wait_timeout`` (seconds to wait for jobs),
``time_limit`` and ``overrun`` (the timeout test runs ``sleep`` for ``overrun`` seconds under a
``time_limit`` limit; Slurm's limits are whole minutes). Override :meth:`resource_probe` to check
that resources reach the scheduler (e.g. ``-pe smp 2`` gives ``NSLOTS=2``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ._queue import Queue, QueuedJob
from ._types import JobSpec, JobState, Resources
from .backends.base import Backend, NativeStatus
from .errors import SubmitError

__all__ = ["BackendFactory", "BackendSuite", "FakeBackend"]

#: ``auto_finish``: an exit code for every job, or a function of the spec giving one (``None``:
#: the job keeps running until :meth:`FakeBackend.finish`)
AutoFinish = int | Callable[[JobSpec], "int | None"] | None


@dataclass
class _FakeJob:
    spec: JobSpec
    state: JobState = JobState.QUEUED
    exit_code: int | None = None
    message: str | None = None


class FakeBackend(Backend):
    """An in-memory backend: nothing runs; jobs end when the test says so.

    A submitted job is ``running`` at once while fewer than ``capacity`` jobs run (``None``: no
    limit), else ``queued`` until one ends. :meth:`finish` ends a job with an exit code (0:
    ``done``, else ``failed``) or a given final state (``timeout``, ``cancelled``); :meth:`lose`
    makes the scheduler forget it (``lost`` unless its status file says more). ``auto_finish``
    ends each job at the first poll after it started. With ``write_status`` (default) the job's
    status file is written as the real wrapper would (``start``/``host`` when it starts,
    ``end``/``exit_code`` when it ends; no pid, since no process runs), so code that reads status
    files sees what it would see with a real backend. ``fail_submit``: the next submissions
    raise :class:`SubmitError` with this message. The calls are counted in ``submit_calls``
    (specs per call) and ``poll_calls``. :meth:`finish` may be called from another thread; it
    wakes up :meth:`wait_for_change`.
    """

    name: ClassVar[str] = "fake"
    poll_interval: ClassVar[tuple[float, float]] = (0.001, 0.02)
    _queued_is_exact: ClassVar[bool] = True

    def __init__(
        self,
        *,
        capacity: int | None = None,
        auto_finish: AutoFinish = None,
        write_status: bool = True,
        fail_submit: str | None = None,
    ) -> None:
        super().__init__()
        self.max_jobs = capacity
        self.auto_finish = auto_finish
        self.write_status = write_status
        self.fail_submit = fail_submit
        self.jobs: dict[str, _FakeJob] = {}
        self._queued: deque[str] = deque()
        self._running: set[str] = set()
        self.submit_calls: list[int] = []
        self.poll_calls = 0
        self._seq = 0
        self._lock = threading.Lock()
        self._changed = threading.Event()

    # --------------------------------------------------------------- the test's controls
    def _id(self, job: str | QueuedJob) -> str:
        """A backend id, from an id, a queued job, or a name: a string that is not an id
        names the one unfinished job whose ``job_name`` or a folder of whose stdout path is
        that string (e.g. a queue key used as the run folder's name)."""
        if isinstance(job, QueuedJob):
            if job.job_id is None or job.job_id not in self.jobs:
                raise KeyError(f"FakeBackend: job {job.key!r} is not in the backend")
            return job.job_id
        if job in self.jobs:
            return job
        hits = [
            job_id
            for job_id, fake in self.jobs.items()
            if not fake.state.finished
            and (fake.spec.resources.job_name == job or job in fake.spec.stdout_path.parent.parts)
        ]
        if len(hits) != 1:
            found = "several jobs" if hits else "no unfinished job"
            raise KeyError(f"FakeBackend: {found} named {job!r} (ids: {sorted(self.jobs)})")
        return hits[0]

    def finish(
        self, job: str | QueuedJob, exit_code: int = 0, *, state: JobState | None = None
    ) -> None:
        """End a job (a backend id, a queued job's current attempt, or a name: see below) with
        ``exit_code``; ``state`` (e.g. ``TIMEOUT``) overrides what the exit code says. A name
        is a string that is not a backend id: the one unfinished job whose ``job_name``, or a
        folder in whose stdout path, is that string (e.g. a run folder named by the job's key)."""
        job_id = self._id(job)
        with self._lock:
            fake = self.jobs[job_id]
            if fake.state is JobState.QUEUED:
                self._queued.remove(job_id)
                self._start(job_id)
            self._end(job_id, exit_code, state)
            self._start_ready()
        self._changed.set()

    def lose(self, job: str | QueuedJob) -> None:
        """The scheduler forgets the job, which leaves no end record (``lost``)."""
        job_id = self._id(job)
        with self._lock:
            fake = self.jobs.pop(job_id)
            if fake.state is JobState.QUEUED:
                self._queued.remove(job_id)
            self._running.discard(job_id)
            self._start_ready()
        self._changed.set()

    def running(self) -> list[str]:
        """Ids of the jobs now running."""
        return sorted(self._running)

    # --------------------------------------------------------------------- internals
    def _status(self, spec: JobSpec, record: Mapping[str, Any]) -> None:
        if not self.write_status:
            return
        path = spec.status_path
        tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}")
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
            os.replace(tmp, path)

    def _start(self, job_id: str) -> None:
        fake = self.jobs[job_id]
        fake.state = JobState.RUNNING
        self._running.add(job_id)
        self._status(fake.spec, {"start": time.time(), "host": socket.gethostname()})

    def _end(self, job_id: str, exit_code: int, state: JobState | None) -> None:
        fake = self.jobs[job_id]
        self._running.discard(job_id)
        fake.exit_code = exit_code
        fake.state = state or (JobState.DONE if exit_code == 0 else JobState.FAILED)
        record = {"start": time.time(), "host": socket.gethostname()}
        with contextlib.suppress(OSError, ValueError):
            old = json.loads(fake.spec.status_path.read_text(encoding="utf-8"))
            record = {**record, **old}
        self._status(fake.spec, {**record, "end": time.time(), "exit_code": exit_code})

    def _start_ready(self) -> None:
        while self._queued and (self.max_jobs is None or len(self._running) < self.max_jobs):
            self._start(self._queued.popleft())

    def capacity(self, resources: Resources) -> int | None:
        return self.max_jobs

    def _submit(self, specs: list[JobSpec]) -> list[str]:
        if self.fail_submit:
            raise SubmitError(self.fail_submit)
        self.submit_calls.append(len(specs))
        ids = []
        with self._lock:
            for spec in specs:
                self._seq += 1
                job_id = f"fake.{self._seq}"
                self.jobs[job_id] = _FakeJob(spec)
                self._queued.append(job_id)
                ids.append(job_id)
            self._start_ready()
        return ids

    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        self.poll_calls += 1
        out: dict[str, NativeStatus] = {}
        with self._lock:
            auto = self.auto_finish
            if auto is not None:
                for job_id in list(self._running):
                    code = auto(self.jobs[job_id].spec) if callable(auto) else auto
                    if code is not None:
                        self._end(job_id, code, None)
                self._start_ready()
            for job_id in ids:
                known = self.jobs.get(job_id)
                if known is not None:
                    out[job_id] = NativeStatus(known.state, known.exit_code, known.message)
        return out

    def _cancel(self, ids: list[str]) -> None:
        with self._lock:
            for job_id in ids:
                fake = self.jobs.get(job_id)
                if fake is not None and fake.state is JobState.RUNNING:
                    self._end(job_id, 143, JobState.CANCELLED)
                elif fake is not None and fake.state is JobState.QUEUED:
                    self._queued.remove(job_id)
                    fake.state = JobState.CANCELLED
            self._start_ready()
        self._changed.set()

    def wait_for_change(self, timeout: float) -> None:
        """Return when :meth:`finish` / :meth:`lose` was called (maybe from another thread),
        or after ``timeout`` seconds."""
        self._changed.wait(timeout)
        self._changed.clear()


BackendFactory = Callable[[], Backend]


class BackendSuite:
    """Shared behaviour tests; see the module docstring."""

    wait_timeout: float = 60.0
    time_limit: str = "00:00:02"
    overrun: float = 30.0

    @pytest.fixture  # type: ignore[untyped-decorator,misc,unused-ignore]
    def backend(self, backend_factory: BackendFactory) -> Backend:
        return backend_factory()

    @pytest.fixture  # type: ignore[untyped-decorator,misc,unused-ignore]
    def job_dir(self, tmp_path: Path) -> Path:
        """Where jobs write (must be visible from the compute node)."""
        return tmp_path

    def resource_probe(self) -> tuple[Resources, list[str], str] | None:
        """(resources, argv, regex the job's stdout must match), or None to skip."""
        return None

    # ---------------------------------------------------------------- helpers
    def run(self, backend: Backend, specs: Sequence[JobSpec], **queue_kw: Any) -> list[QueuedJob]:
        queue = Queue(backend, **queue_kw)
        queue.submit_many(specs)
        queue.wait(timeout=self.wait_timeout)
        assert queue.unfinished == 0, f"jobs did not finish within {self.wait_timeout} s"
        return queue.jobs

    @staticmethod
    def spec(job_dir: Path, name: str, argv: list[str], **kw: object) -> JobSpec:
        return JobSpec(argv, stdout=job_dir / f"{name}.out", stderr=job_dir / f"{name}.err", **kw)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ tests
    def test_success_records_times_exit_code_and_output(
        self, backend: Backend, job_dir: Path
    ) -> None:
        [job] = self.run(backend, [self.spec(job_dir, "ok", ["echo", "hello world"])])
        res = job.result
        assert res is not None and res.state is JobState.DONE, res
        assert res.exit_code == 0
        assert res.start_time is not None and res.end_time is not None
        assert res.start_time <= res.end_time
        assert res.host
        assert (job_dir / "ok.out").read_text() == "hello world\n"

    def test_exit_3_is_failed_with_code_and_stderr_tail(
        self, backend: Backend, job_dir: Path
    ) -> None:
        argv = ["sh", "-c", "echo first >&2; echo 'it broke' >&2; exit 3"]
        [job] = self.run(backend, [self.spec(job_dir, "bad", argv)])
        assert job.state is JobState.FAILED
        assert job.result is not None and job.result.exit_code == 3
        assert job.stderr_tail(1) == "it broke"

    def test_time_limit_gives_timeout(self, backend: Backend, job_dir: Path) -> None:
        res = Resources(time_per_job=self.time_limit)
        argv = ["sleep", str(self.overrun)]
        started = time.monotonic()
        [job] = self.run(backend, [self.spec(job_dir, "slow", argv, resources=res)])
        assert job.state is JobState.TIMEOUT, job.result
        assert time.monotonic() - started < self.overrun, "the job was not stopped at its limit"

    def test_cancel_running_job(self, backend: Backend, job_dir: Path) -> None:
        queue = Queue(backend)
        key = queue.submit(self.spec(job_dir, "cancel", ["sleep", str(self.overrun)]))
        # wait until it runs, so that a running job is cancelled
        for _ in range(int(self.wait_timeout * 10)):
            if queue.status()[JobState.RUNNING]:
                break
            backend.wait_for_change(0.1)
        queue.cancel_all(timeout=self.wait_timeout)
        assert queue.job(key).state is JobState.CANCELLED
        assert queue.unfinished == 0

    def test_chatty_job_200kb_stdout_does_not_hang(self, backend: Backend, job_dir: Path) -> None:
        code = "import sys\nfor i in range(2000): sys.stdout.write('x' * 99 + '\\n')\n"
        [job] = self.run(backend, [self.spec(job_dir, "chatty", [sys.executable, "-c", code])])
        assert job.state is JobState.DONE
        assert (job_dir / "chatty.out").stat().st_size == 200_000

    def test_array_of_10_same_shaped_jobs(self, backend: Backend, job_dir: Path) -> None:
        specs = [self.spec(job_dir, f"a{i}", ["echo", f"task {i}"]) for i in range(10)]
        jobs = self.run(backend, specs)
        assert [j.state for j in jobs] == [JobState.DONE] * 10
        assert len({j.job_id for j in jobs}) == 10
        for i in range(10):
            assert (job_dir / f"a{i}.out").read_text() == f"task {i}\n"

    def test_env_and_cwd_are_passed_through(self, backend: Backend, job_dir: Path) -> None:
        work = job_dir / "work dir"
        work.mkdir()
        value = 'it\'s a "quoted" $value; `x`'
        argv = ["sh", "-c", 'pwd; printf "%s\\n" "$MLE_TEST_VALUE"']
        spec = self.spec(job_dir, "env", argv, cwd=work, env={"MLE_TEST_VALUE": value})
        [job] = self.run(backend, [spec])
        assert job.state is JobState.DONE
        lines = (job_dir / "env.out").read_text().splitlines()
        assert Path(lines[0]).resolve() == work.resolve()
        assert lines[1] == value

    def test_resources_reach_the_scheduler(self, backend: Backend, job_dir: Path) -> None:
        probe = self.resource_probe()
        if probe is None:
            pytest.skip("this backend's suite defines no resource probe")
            return
        resources, argv, pattern = probe
        [job] = self.run(backend, [self.spec(job_dir, "probe", argv, resources=resources)])
        assert job.state is JobState.DONE, job.stderr_tail()
        out = (job_dir / "probe.out").read_text()
        assert re.search(pattern, out), f"{pattern!r} not in job output {out!r}"

    def test_failed_job_is_retried(self, backend: Backend, job_dir: Path) -> None:
        marker = job_dir / "tried"
        script = f"if [ -e '{marker}' ]; then echo second; else touch '{marker}'; exit 1; fi"
        [job] = self.run(
            backend, [self.spec(job_dir, "retry", ["sh", "-c", script])], max_retries=1
        )
        assert job.state is JobState.DONE
        assert job.retries == 1 and len(job.job_ids) == 2

    def test_reattach_from_state_file_in_a_new_backend(
        self, backend_factory: BackendFactory, job_dir: Path
    ) -> None:
        state = job_dir / "queue.json"
        first = Queue(backend_factory(), state_file=state)
        key = first.submit(self.spec(job_dir, "attached", ["sh", "-c", "sleep 1; echo late"]))
        first.detach()
        again = Queue.attach(state, backend_factory())
        again.wait(timeout=self.wait_timeout)
        assert again.job(key).state is JobState.DONE, again.job(key).result
        assert (job_dir / "attached.out").read_text() == "late\n"

    def test_render_quotes_user_strings(self, backend: Backend, job_dir: Path) -> None:
        spec = self.spec(job_dir, "render", ["echo", "a b; rm -rf /"], env={"X": "$(id)"})
        script = backend.render(spec)
        assert script.startswith("#!/bin/bash")
        assert "'a b; rm -rf /'" in script
        assert "export X='$(id)'" in script
