"""A process killed (SIGKILL) right after :meth:`Queue.cancel` signalled a job: the job then
ends by itself with exit 143, and the queue attached later must settle it as the stop that
was asked for (``pruned``), never as ``failed``; so the store must hold the request before the
backend is asked. The kill is simulated deterministically: the backend copies the store file
as it is on disk at the moment of the signal (what a SIGKILL would leave) and ends the job as
its wrapper would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, Queue
from mle_scheduler.testing import FakeBackend


class KilledAtSignal(FakeBackend):
    """At the first cancel, the store's file as on disk is copied to ``left``; the signalled
    jobs end with exit 143 (killed by SIGTERM), which the scheduler reports as ``failed``."""

    def __init__(self, store: Path, left: Path) -> None:
        super().__init__()
        self.store, self.left, self.killed = store, left, False

    def _cancel(self, ids: list[str]) -> None:
        if self.killed:
            return super()._cancel(ids)
        self.killed = True
        shutil.copyfile(self.store, self.left)  # what the killed process left on disk
        for job_id in ids:
            self.finish(job_id, exit_code=143, state=JobState.FAILED)


def _spec(tmp: Path, name: str) -> JobSpec:
    (tmp / name).mkdir(exist_ok=True)
    return JobSpec(["true"], stdout=tmp / name / "out.txt")


@pytest.mark.parametrize("name", ["queue.jsonl", "queue.json"])
def test_a_queue_killed_right_after_signalling_a_prune_leaves_the_job_pruned(
    tmp_path: Path, name: str
) -> None:
    left = tmp_path / f"left-{name}"
    backend = KilledAtSignal(tmp_path / name, left)
    q = Queue(backend, state_file=tmp_path / name)
    q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")], keys=["a", "b"])
    q.cancel("a", state="pruned", message="pruned at step 2 (loss=0.9)")
    assert backend.killed
    again = Queue.attach(left, backend)  # `mle resume` on what the dead driver left
    [job] = again.step()
    assert job.key == "a" and job.state is JobState.PRUNED, job.result
    assert job.result is not None and job.result.message == "pruned at step 2 (loss=0.9)"
    assert again.job("b").state is JobState.RUNNING  # never asked: untouched
    backend.finish(again.job("b"))
    [other] = again.step()
    assert other.key == "b" and other.state is JobState.DONE
    assert backend.submit_calls == [2]  # nothing ran twice


@pytest.mark.parametrize("name", ["queue.jsonl", "queue.json"])
def test_an_unconfirmed_prune_survives_both_stores(tmp_path: Path, name: str) -> None:
    class SlowCancel(FakeBackend):
        def _cancel(self, ids: list[str]) -> None:
            pass

    backend = SlowCancel()
    q = Queue(backend, state_file=tmp_path / name)
    q.submit(_spec(tmp_path, "a"), key="a")
    q.cancel("a", state="pruned", message="pruned at step 4")
    assert q.job("a").stopping == {"state": "pruned", "message": "pruned at step 4"}
    q.close()
    again = Queue.attach(tmp_path / name, backend)
    backend.finish(again.job("a"), exit_code=143)
    [job] = again.step()
    assert job.state is JobState.PRUNED and job.stopping is None


def test_a_requeued_job_does_not_inherit_the_stop_of_its_earlier_attempt(tmp_path: Path) -> None:
    backend = FakeBackend()
    path = tmp_path / "queue.jsonl"
    q = Queue(backend, state_file=path)
    q.submit(_spec(tmp_path, "a"), key="a")
    q.cancel("a", state="cancelled")
    [job] = q.step()
    assert job.state is JobState.CANCELLED
    q.requeue("a")
    q.step()
    new_id = q.job("a").job_id
    q.close()
    again = Queue.attach(path, backend)  # the new attempt runs on: nobody asked to stop it
    assert again.job("a").stopping is None and again.job("a").job_id == new_id
    assert backend.jobs[str(new_id)].state is JobState.RUNNING
    backend.finish(new_id or "")
    [job] = again.step()
    assert job.state is JobState.DONE


def _wrapper_writes_a_missing_start_record() -> bool:
    from mle_scheduler import _script

    return '! -e "$__mle_status"' in _script._PRELUDE


@pytest.mark.skipif(
    not _wrapper_writes_a_missing_start_record(),
    reason="the job wrapper still trusts the launcher's start record (requests/H7.md R1)",
)
def test_a_queue_killed_right_after_launching_a_local_job_never_runs_it_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local backend writes the job's start record itself right after starting it and
    tells the wrapper so; killed in between, no record said the job ran, so `mle resume`
    submitted it again while it still ran (two runs in one folder: flaky resume tests)."""
    from mle_scheduler.backends import local

    class Killed(BaseException):
        pass

    def killed(path: Path, pid: int) -> None:
        raise Killed

    ran, go = tmp_path / "ran", tmp_path / "go"
    script = f'echo x >> "{ran}"; while [ ! -e "{go}" ]; do sleep 0.05; done'
    spec = JobSpec(["/bin/sh", "-c", script], stdout=tmp_path / "a" / "out")
    first = local.LocalBackend(max_cores=2)
    q = Queue(first, state_file=tmp_path / "queue.jsonl")
    monkeypatch.setattr(local, "_note_launch", killed)
    with pytest.raises(Killed):
        q.submit(spec, key="a")
    monkeypatch.undo()
    backend = local.LocalBackend(max_cores=2)
    again = Queue.attach(tmp_path / "queue.jsonl", backend, settle=30.0)
    assert again.unfinished == 1 and again.job("a").job_id is None  # followed by its record
    go.touch()
    done = again.wait(timeout=60)
    assert [j.state for j in done] == [JobState.DONE]
    assert ran.read_text() == "x\n"  # it ran once
