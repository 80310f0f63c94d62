"""Queue.cancel(..., state="pruned"): a job stopped early on purpose is final as ``pruned``
(not failed, never retried), counted in status(), announced as an event, and kept so by the
stores and by a queue attached later, even when the cancel was not yet confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, Queue, QueueError, QueueEvent
from mle_scheduler.testing import FakeBackend


class SlowCancel(FakeBackend):
    """Cancels are only recorded; the job ends when the test says so (a cluster's delay)."""

    def __init__(self) -> None:
        super().__init__()
        self.cancelled: list[str] = []
        self.calls = 0

    def _cancel(self, ids: list[str]) -> None:
        self.cancelled.extend(ids)
        self.calls += 1


def _spec(tmp: Path, name: str) -> JobSpec:
    return JobSpec(["true"], stdout=tmp / name / "out.txt")


def test_a_pruned_job_is_final_as_pruned_and_never_retried(tmp_path: Path) -> None:
    events: list[QueueEvent] = []
    q = Queue(
        FakeBackend(),
        max_retries=3,
        retry_on={"failed", "cancelled", "lost"},
        on_event=events.append,
    )
    key = q.submit(_spec(tmp_path, "a"), key="a")
    other = q.submit(_spec(tmp_path, "b"), key="b")
    assert q.cancel(key, state="pruned", message="pruned at step 30") == [key]
    [job] = q.step()
    assert job.key == key and job.state is JobState.PRUNED and job.final and job.retries == 0
    assert job.result is not None and job.result.message == "pruned at step 30"
    assert q.unfinished == 1 and q.job(other).state is JobState.RUNNING
    assert [e.state for e in events if e.key == key][-1] == "pruned"
    assert q.status(refresh=False)[JobState.PRUNED] == 1
    assert q.cancel([key, "nosuch"], state="pruned") == []  # final and unknown keys: skipped


def test_a_job_waiting_for_a_slot_is_pruned_at_once_and_never_submitted(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend, max_running=1)
    q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")], keys=["a", "b"])
    assert q.cancel("b", state=JobState.PRUNED) == ["b"]
    assert [j.key for j in q.step()] == ["b"] and q.job("b").state is JobState.PRUNED
    backend.finish(q.job("a"))
    assert [j.key for j in q.step()] == ["a"]
    assert backend.submit_calls == [1]


def test_a_job_that_finished_well_before_the_cancel_took_effect_stays_done(
    tmp_path: Path,
) -> None:
    backend = SlowCancel()
    q = Queue(backend)
    q.submit(_spec(tmp_path, "a"), key="a")
    q.cancel("a", state="pruned")
    backend.finish(q.job("a"), exit_code=0)
    assert q.step()[0].state is JobState.DONE


def test_the_killed_attempt_counts_as_pruned_whatever_the_backend_calls_it(
    tmp_path: Path,
) -> None:
    backend = SlowCancel()
    q = Queue(backend, max_retries=2)
    q.submit(_spec(tmp_path, "a"), key="a")
    q.cancel("a", state="pruned", message="pruned at step 3")
    assert backend.cancelled == [q.job("a").job_id]
    backend.finish(q.job("a"), exit_code=143)  # e.g. SGE: killed, reported as failed
    [job] = q.step()
    assert job.state is JobState.PRUNED and job.retries == 0


@pytest.mark.parametrize("name", ["queue.jsonl", "queue.json"])
def test_pruned_round_trips_through_the_store(tmp_path: Path, name: str) -> None:
    backend = FakeBackend()
    q = Queue(backend, state_file=tmp_path / name)
    q.submit(_spec(tmp_path, "a"), key="a")
    q.cancel("a", state="pruned", message="pruned at step 3")
    q.step()
    q.close()
    again = Queue.attach(tmp_path / name, backend)
    assert again.final_state("a") is JobState.PRUNED
    assert again.job("a").result.message == "pruned at step 3"  # type: ignore[union-attr]
    assert again.status(refresh=False)[JobState.PRUNED] == 1 and again.unfinished == 0


def test_a_prune_the_dead_writer_asked_for_is_settled_by_the_queue_attached_later(
    tmp_path: Path,
) -> None:
    backend = SlowCancel()
    q = Queue(backend, state_file=tmp_path / "queue.jsonl", max_retries=1)
    q.submit(_spec(tmp_path, "a"), key="a")
    job_id = q.job("a").job_id
    q.cancel("a", state="pruned", message="pruned at step 7")
    q.close()  # the driver dies before the backend confirms
    again = Queue.attach(tmp_path / "queue.jsonl", backend)
    assert backend.cancelled == [job_id, job_id]  # asked again: the first may never have left
    backend.finish(job_id, exit_code=143, state=JobState.CANCELLED)
    [job] = again.step()
    assert job.state is JobState.PRUNED and job.result is not None
    assert job.result.message == "pruned at step 7"


def test_cancel_all_while_a_prune_is_unconfirmed_records_it_as_pruned(tmp_path: Path) -> None:
    backend = SlowCancel()
    q = Queue(backend)
    q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")], keys=["a", "b"])
    q.cancel("a", state="pruned")
    q.cancel_all(timeout=0.05)
    states = {j.key: j.state for j in q.step()}
    assert states == {"a": JobState.PRUNED, "b": JobState.CANCELLED}


def test_pruned_is_refused_in_retry_on_and_cancel_takes_only_two_states(tmp_path: Path) -> None:
    with pytest.raises(QueueError, match=r"retry_on: expected final states .* found 'pruned'"):
        Queue(FakeBackend(), retry_on={"pruned"})
    q = Queue(FakeBackend())
    q.submit(_spec(tmp_path, "a"), key="a")
    with pytest.raises(QueueError, match="expected state 'cancelled' or 'pruned', found 'done'"):
        q.cancel("a", state="done")


def test_many_jobs_are_pruned_in_one_backend_call_each_with_its_message(tmp_path: Path) -> None:
    backend = SlowCancel()
    q = Queue(backend)
    q.submit_many([_spec(tmp_path, k) for k in "abc"], keys=list("abc"))
    why = {"a": "pruned at step 2", "b": "pruned at step 4"}
    assert q.cancel(list(why), state="pruned", message=why) == ["a", "b"]
    assert backend.cancelled == [q.job("a").job_id, q.job("b").job_id] and backend.calls == 1
    for key in why:
        backend.finish(q.job(key), exit_code=143)
    got = {j.key: j.result.message for j in q.step() if j.result is not None}
    assert got == why and q.job("c").state is JobState.RUNNING
