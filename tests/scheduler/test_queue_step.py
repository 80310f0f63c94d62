"""Queue.step, retry_on, keys, requeue, events and prepare, on the in-memory FakeBackend."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from mle_scheduler import (
    DEFAULT_RETRY_ON,
    JobSpec,
    JobState,
    Queue,
    QueuedJob,
    QueueError,
    QueueEvent,
    SubmitError,
)
from mle_scheduler.testing import FakeBackend


def _spec(tmp: Path, name: str) -> JobSpec:
    return JobSpec(["true"], stdout=tmp / name / "out.txt")


def _specs(tmp: Path, n: int) -> list[JobSpec]:
    return [_spec(tmp, f"j{i}") for i in range(n)]


def test_step_does_not_block_and_returns_each_final_job_once(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend)
    a, b, c = q.submit_many(_specs(tmp_path, 3))
    assert q.step() == [] and q.unfinished == 3
    backend.finish(q.job(b), exit_code=0)
    [done] = q.step()
    assert done.key == b and done.state is JobState.DONE and done.final
    assert q.step() == []
    backend.finish(q.job(a), exit_code=2)
    backend.finish(q.job(c))
    got = q.step()
    assert sorted(j.key for j in got) == [a, c]
    assert q.job(a).state is JobState.FAILED and q.job(a).result.exit_code == 2  # type: ignore[union-attr]
    assert q.unfinished == 0 and q.step() == []


def test_step_with_timeout_wakes_up_through_the_backends_watch(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend)
    key = q.submit(_spec(tmp_path, "x"))
    assert q.step(timeout=30) == []  # nothing to wait for yet: the first step only polls
    timer = threading.Timer(0.2, backend.finish, args=[q.job(key).job_id])
    timer.start()
    started = time.monotonic()
    got: list[QueuedJob] = []
    while not got:
        got = q.step(timeout=30)
    timer.join()
    assert [j.key for j in got] == [key]
    assert time.monotonic() - started < 20  # woken by the change, not by the timeout


class _NapRecorder(FakeBackend):
    poll_interval = (0.01, 0.08)

    def __init__(self) -> None:
        super().__init__()
        self.naps: list[float] = []

    def wait_for_change(self, timeout: float) -> None:
        self.naps.append(round(timeout, 6))


def test_step_backs_off_while_nothing_changes_and_starts_over_at_a_change(
    tmp_path: Path,
) -> None:
    backend = _NapRecorder()
    q = Queue(backend)
    key = q.submit(_spec(tmp_path, "x"))
    for _ in range(7):
        q.step(timeout=10)
    assert backend.naps == [0.01, 0.02, 0.04, 0.08, 0.08, 0.08]
    assert q.step(timeout=0.05) == [] and backend.naps[-1] == 0.05  # never longer than asked
    q.step(timeout=0)  # timeout 0: no wait at all
    assert len(backend.naps) == 7
    backend.finish(q.job(key))
    assert [j.key for j in q.step(timeout=10)] == [key]
    q.submit(_spec(tmp_path, "y"))
    q.step(timeout=10)
    q.step(timeout=10)
    assert backend.naps[-1] == 0.01  # a change resets the interval


def test_wait_is_a_loop_over_step(tmp_path: Path) -> None:
    backend = FakeBackend(auto_finish=lambda spec: 3 if "j1" in str(spec.stdout) else 0)
    q = Queue(backend, max_running=2)
    keys = q.submit_many(_specs(tmp_path, 5))
    seen: list[str] = []
    done = q.wait(on_finish=lambda job: seen.append(job.key), timeout=60)
    assert sorted(seen) == sorted(keys) == sorted(j.key for j in done)
    assert [q.job(k).state for k in keys] == [JobState.DONE, JobState.FAILED] + [JobState.DONE] * 3
    assert max(backend.submit_calls) <= 2


def test_retry_on_default_retries_failed_and_lost_but_not_timeout(tmp_path: Path) -> None:
    assert frozenset({JobState.FAILED, JobState.LOST}) == DEFAULT_RETRY_ON
    backend = FakeBackend()
    q = Queue(backend, max_retries=1)
    fail, slow, lost = q.submit_many(_specs(tmp_path, 3))
    q.step()
    backend.finish(q.job(fail), exit_code=1)
    backend.finish(q.job(slow), exit_code=143, state=JobState.TIMEOUT)
    backend.lose(q.job(lost))
    finals = q.step()
    assert [j.key for j in finals] == [slow]  # the timeout is final at once
    assert q.job(fail).retries == 1 and len(q.job(fail).job_ids) == 2
    assert q.job(lost).retries == 1  # it had started (its status file says so): an attempt
    backend.finish(q.job(fail), exit_code=1)
    backend.finish(q.job(lost))
    finals = q.step()
    assert {j.key: j.state for j in finals} == {fail: JobState.FAILED, lost: JobState.DONE}


def test_retry_on_can_name_other_states(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend, max_retries=2, retry_on={"timeout"})
    key = q.submit(_spec(tmp_path, "x"))
    backend.finish(q.job(key), 143, state=JobState.TIMEOUT)
    assert q.step() == [] and q.job(key).retries == 1
    backend.finish(q.job(key), exit_code=1)
    [job] = q.step()
    assert job.state is JobState.FAILED and job.retries == 1  # failed is not in retry_on now
    with pytest.raises(QueueError, match=r"retry_on: expected final states .* found 'running'"):
        Queue(backend, retry_on={"running"})
    with pytest.raises(QueueError, match="found 'nope'"):
        Queue(backend, retry_on=["nope"])


def test_caller_chosen_keys_must_be_unique(tmp_path: Path) -> None:
    q = Queue(FakeBackend())
    assert q.submit(_spec(tmp_path, "a"), key="c0_s1") == "c0_s1"
    assert q.submit_many(_specs(tmp_path, 2), keys=["c1_s1", "1"]) == ["c1_s1", "1"]
    assert q.submit(_spec(tmp_path, "b")) == "0"
    assert q.submit(_spec(tmp_path, "c")) == "2"  # "1" is taken by the caller
    with pytest.raises(QueueError, match="a key not yet in the queue, found 'c0_s1'"):
        q.submit(_spec(tmp_path, "d"), key="c0_s1")
    with pytest.raises(QueueError, match="found 'x'"):
        q.submit_many(_specs(tmp_path, 2), keys=["x", "x"])
    with pytest.raises(QueueError, match="keys: expected 2 entries, found 1"):
        q.submit_many(_specs(tmp_path, 2), keys=["y"])
    with pytest.raises(QueueError, match="non-empty strings"):
        q.submit(_spec(tmp_path, "e"), key="")
    assert len(q) == 5 and "c0_s1" in q and "x" not in q


def test_requeue_runs_a_final_job_again_with_a_fresh_retry_budget(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend, max_retries=1)
    key = q.submit(_spec(tmp_path, "x"), key="k")
    q.step()
    with pytest.raises(QueueError, match="expected a final job, found 'k' running"):
        q.requeue(key)
    for _ in range(2):
        backend.finish(q.job(key), exit_code=1)
        done = q.step()
    assert [j.key for j in done] == [key] and q.job(key).retries == 1
    q.requeue(key)
    assert q.unfinished == 1 and not q.job(key).final and q.job(key).retries == 0
    q.step()
    backend.finish(q.job(key), exit_code=0)
    [job] = q.step()
    assert job.state is JobState.DONE and len(job.job_ids) == 3
    with pytest.raises(QueueError, match="a key of this queue, found 'nope'"):
        q.requeue("nope")


def test_events_tell_submitted_running_retrying_and_final(tmp_path: Path) -> None:
    events: list[QueueEvent] = []
    backend = FakeBackend()
    q = Queue(backend, max_retries=1, on_event=events.append)
    key = q.submit(_spec(tmp_path, "x"), key="c0")
    q.step()
    first = q.job(key).job_id
    backend.finish(first, exit_code=7)  # type: ignore[arg-type]
    q.step()
    second = q.job(key).job_id
    q.step()
    backend.finish(second, exit_code=0)  # type: ignore[arg-type]
    q.step()
    got = [(e.key, e.state, e.attempt, e.backend_id, e.exit_code) for e in events]
    assert got == [
        ("c0", "submitted", 0, first, None),
        ("c0", "running", 0, first, None),
        ("c0", "retrying", 0, first, 7),
        ("c0", "submitted", 1, second, None),
        ("c0", "running", 1, second, None),
        ("c0", "done", 1, second, 0),
    ]
    assert events[2].message == "failed"
    assert all(abs(e.time - time.time()) < 600 for e in events)
    assert events[-1].to_dict() == {
        "key": "c0",
        "state": "done",
        "attempt": 1,
        "backend_id": second,
        "exit_code": 0,
        "time": events[-1].time,
    }


def test_cancel_all_sends_cancelled_events_and_returns_the_jobs_once(tmp_path: Path) -> None:
    events: list[QueueEvent] = []
    backend = FakeBackend(capacity=1)
    q = Queue(backend, max_running=1, on_event=events.append)
    running, waiting = q.submit_many(_specs(tmp_path, 2))
    q.cancel_all(timeout=30)
    assert [e.state for e in events if e.key == waiting] == ["cancelled"]
    assert [e.state for e in events if e.key == running] == ["submitted", "cancelled"]
    assert sorted(j.key for j in q.step()) == [running, waiting]
    assert q.step() == [] and q.unfinished == 0


def test_prepare_runs_before_each_attempt_and_may_replace_the_spec(tmp_path: Path) -> None:
    calls: list[tuple[str, int]] = []

    def prepare(job: QueuedJob) -> JobSpec | None:
        calls.append((job.key, job.retries))
        if job.retries:
            return JobSpec(["echo", "again"], stdout=job.spec.stdout)
        return None

    backend = FakeBackend()
    q = Queue(backend, max_retries=1, prepare=prepare, state_file=tmp_path / "q.jsonl")
    key = q.submit(_spec(tmp_path, "x"))
    assert calls == [(key, 0)]
    backend.finish(q.job(key), exit_code=1)
    q.step()
    assert calls == [(key, 0), (key, 1)]
    assert list(q.job(key).spec.argv) == ["echo", "again"]
    assert list(backend.jobs[q.job(key).job_id].spec.argv) == ["echo", "again"]  # type: ignore[index]
    q.close()
    assert list(Queue.attach(tmp_path / "q.jsonl", backend).job(key).spec.argv) == [
        "echo",
        "again",
    ]


def test_a_failing_prepare_leaves_the_job_waiting(tmp_path: Path) -> None:
    def prepare(job: QueuedJob) -> None:
        raise OSError("disk full")

    backend = FakeBackend()
    q = Queue(backend, prepare=prepare)
    with pytest.raises(OSError, match="disk full"):
        q.submit(_spec(tmp_path, "x"))
    assert q.unfinished == 1 and backend.submit_calls == []
    q.prepare = None
    q.step()
    assert backend.submit_calls == [1]


def test_submit_error_keeps_the_jobs_waiting(tmp_path: Path) -> None:
    backend = FakeBackend(fail_submit="sbatch: error: invalid partition")
    q = Queue(backend)
    with pytest.raises(SubmitError, match="invalid partition"):
        q.submit_many(_specs(tmp_path, 2))
    assert q.unfinished == 2
    backend.fail_submit = None
    q.step()
    assert backend.submit_calls == [2]


def test_keep_finished_false_releases_jobs_once_reported(tmp_path: Path) -> None:
    backend = FakeBackend(auto_finish=lambda spec: 1 if "j0" in str(spec.stdout) else 0)
    q = Queue(backend, keep_finished=False)
    keys = q.submit_many(_specs(tmp_path, 3))
    done = q.wait(timeout=60)
    assert sorted(j.key for j in done) == keys
    assert q.jobs == [] and len(q) == 3 and keys[0] in q
    with pytest.raises(KeyError, match="released"):
        q.job(keys[0])
    assert q.final_state(keys[0]) is JobState.FAILED
    counts = q.status()
    assert counts[JobState.DONE] == 2 and counts[JobState.FAILED] == 1
    with pytest.raises(QueueError, match="pass its spec"):
        q.requeue(keys[0])
    with pytest.raises(QueueError, match="not yet in the queue"):
        q.submit(_spec(tmp_path, "again"), key=keys[0])
    backend.auto_finish = 0
    q.requeue(keys[0], spec=_spec(tmp_path, "j0"))
    [job] = q.wait(timeout=60)
    assert job.key == keys[0] and job.state is JobState.DONE


def test_fake_backend_capacity_and_free_slots(tmp_path: Path) -> None:
    backend = FakeBackend(capacity=2)
    q = Queue(backend)
    assert q.free_slots() == 2
    keys = q.submit_many(_specs(tmp_path, 3))
    q.step()
    assert q.free_slots() == 0
    assert [q.job(k).state for k in keys] == [JobState.RUNNING, JobState.RUNNING, JobState.QUEUED]
    backend.finish(q.job(keys[0]))
    q.step()
    assert q.job(keys[2]).state is JobState.RUNNING
    status = keys and q.job(keys[2]).spec.status_path
    assert status and status.exists()  # FakeBackend writes status files like the wrapper


def test_fake_backend_finds_a_job_by_its_run_folder_name(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend)
    q.submit_many([_spec(tmp_path, "c0_s1"), _spec(tmp_path, "c1_s1")], keys=["a", "b"])
    with pytest.raises(KeyError, match="several jobs named"):
        backend.finish(tmp_path.name)
    backend.finish("c1_s1", exit_code=5)
    [job] = q.step()
    assert job.key == "b" and job.result is not None and job.result.exit_code == 5
    with pytest.raises(KeyError, match="no unfinished job named 'c1_s1'"):
        backend.finish("c1_s1")


class _Forgetful(FakeBackend):
    def __init__(self) -> None:
        super().__init__()
        self.forgotten: list[str] = []

    def forget(self, ids: list[str]) -> None:
        self.forgotten += ids


def test_the_backend_may_forget_attempts_that_ended(tmp_path: Path) -> None:
    backend = _Forgetful()
    q = Queue(backend, max_retries=1)
    key = q.submit(_spec(tmp_path, "x"))
    first = q.job(key).job_id
    backend.finish(first, exit_code=1)  # type: ignore[arg-type]
    q.step()
    second = q.job(key).job_id
    assert backend.forgotten == [first]
    backend.finish(second)  # type: ignore[arg-type]
    q.step()
    assert backend.forgotten == [first, second]
