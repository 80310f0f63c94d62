"""A reusable pytest suite that every backend must pass (needs pytest; not imported by default).

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

import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from ._queue import Queue, QueuedJob
from ._types import JobSpec, JobState, Resources
from .backends.base import Backend

__all__ = ["BackendFactory", "BackendSuite"]

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
