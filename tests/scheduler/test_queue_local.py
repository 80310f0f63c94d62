"""Queue with the real local backend: a driver killed inside submit, reattaching through the
append-only store, cancelling a job known only by its status file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from mle_scheduler import JobState, LocalBackend, Queue, QueueEvent, read_status

_DIES_INSIDE_SUBMIT = textwrap.dedent(
    """
    import os, sys
    from mle_scheduler import JobSpec, LocalBackend, Queue

    class Dying(LocalBackend):
        def _submit(self, specs):
            super()._submit(specs)  # the job is launched ...
            os._exit(0)  # ... and the driver is killed before it learns the id

    tmp = sys.argv[1]
    q = Queue(Dying(max_cores=2), state_file=tmp + "/q.jsonl")
    argv = ["sh", "-c", "echo ran >> " + tmp + "/count; sleep " + sys.argv[2] + "; echo end"]
    q.submit(JobSpec(argv, stdout=tmp + "/a/out"), key="a")
    """
)


def _launch_and_die(tmp: Path, seconds: float) -> None:
    subprocess.run(
        [sys.executable, "-c", _DIES_INSIDE_SUBMIT, str(tmp), str(seconds)], check=True, timeout=60
    )


def test_a_job_launched_by_a_driver_killed_inside_submit_is_followed_not_rerun(
    tmp_path: Path,
) -> None:
    _launch_and_die(tmp_path, 1.0)
    events: list[QueueEvent] = []
    q = Queue.attach(tmp_path / "q.jsonl", on_event=events.append)
    assert isinstance(q.backend, LocalBackend) and q.backend.max_cores == 2
    assert q.unfinished == 1 and q.job("a").job_id is None
    [job] = q.wait(timeout=60)
    assert job.state is JobState.DONE, job.result
    assert (tmp_path / "count").read_text() == "ran\n"  # it ran once
    assert (tmp_path / "a" / "out").read_text() == "end\n"
    assert [e.state for e in events if e.state != "running"] == ["done"]
    q.close()
    again = Queue.attach(tmp_path / "q.jsonl")
    assert again.job("a").final and again.unfinished == 0  # never run a final job twice


def test_cancel_all_ends_a_job_known_only_by_its_status_file(tmp_path: Path) -> None:
    _launch_and_die(tmp_path, 120)
    q = Queue.attach(tmp_path / "q.jsonl")
    rec = read_status(q.job("a").spec.status_path)
    assert rec is not None and rec.process is not None and rec.process.alive()
    q.step()
    assert q.job("a").state is JobState.RUNNING
    q.cancel_all(timeout=30)
    assert q.job("a").state is JobState.CANCELLED
    deadline = time.monotonic() + 60
    while rec.process.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not rec.process.alive()


_LAUNCHER = textwrap.dedent(
    """
    import os, sys
    from mle_scheduler import JobSpec, LocalBackend, Queue
    tmp = sys.argv[1]
    q = Queue(LocalBackend(max_cores=1), state_file=tmp + "/queue.jsonl", max_retries=1)
    q.submit(JobSpec(["sh", "-c", "sleep 0.5; echo one"], stdout=tmp + "/a.out"))
    q.submit(JobSpec(["sh", "-c", "echo two; exit 3"], stdout=tmp + "/b.out"))
    q.submit(JobSpec(["sh", "-c", "echo three"], stdout=tmp + "/c.out"))
    os._exit(0)  # the launcher dies at once: no cleanup, no wait, no close
    """
)


def test_jsonl_queue_is_rebuilt_after_the_launcher_died(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", _LAUNCHER, str(tmp_path)], check=True, timeout=60)
    q = Queue.attach(tmp_path / "queue.jsonl")
    assert q.max_retries == 1
    q.wait(timeout=60)
    a, b, c = q.jobs
    assert a.state is JobState.DONE and a.retries == 0
    assert (tmp_path / "a.out").read_text() == "one\n"
    assert b.state is JobState.FAILED and b.retries == 1 and len(b.job_ids) == 3
    assert c.state is JobState.DONE and c.retries == 0
