"""Queue: slots, callbacks that submit, retries, Ctrl-C, detach/reattach, polling back-off."""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from mle_scheduler import (
    Backend,
    BackendNotFoundError,
    JobSpec,
    JobState,
    LocalBackend,
    NativeStatus,
    Queue,
    QueuedJob,
    StateFileError,
    SubmitError,
    get_backend,
    read_status,
)


def _spec(tmp: Path, name: str, argv: list[str]) -> JobSpec:
    return JobSpec(argv, stdout=tmp / f"{name}.out")


class FakeBackend(Backend):
    """Jobs 'run' for ``duration`` seconds of wall time; records every scheduler call."""

    name = "fake"
    poll_interval = (0.01, 0.08)

    def __init__(self, duration: float = 0.0, fail_submit: str | None = None) -> None:
        super().__init__()
        self.duration = duration
        self.fail_submit = fail_submit
        self.started: dict[str, float] = {}
        self.poll_calls: list[tuple[float, list[str]]] = []
        self.submit_calls: list[int] = []

    def _submit(self, specs: list[JobSpec]) -> list[str]:
        if self.fail_submit:
            raise SubmitError(self.fail_submit)
        self.submit_calls.append(len(specs))
        ids = [str(len(self.started) + i) for i in range(len(specs))]
        for i in ids:
            self.started[i] = time.monotonic()
        return ids

    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        self.poll_calls.append((time.monotonic(), list(ids)))
        now = time.monotonic()
        return {
            i: NativeStatus(
                JobState.RUNNING if now - self.started[i] < self.duration else JobState.DONE,
                exit_code=0,
            )
            for i in ids
        }

    def _cancel(self, ids: list[str]) -> None:
        pass


def test_polling_is_one_call_for_all_jobs_and_backs_off(tmp_path: Path) -> None:
    backend = FakeBackend(duration=1.0)
    q = Queue(backend)
    q.submit_many([_spec(tmp_path, f"j{i}", ["true"]) for i in range(5)])
    q.wait(timeout=10)
    assert [j.state for j in q.jobs] == [JobState.DONE] * 5
    assert backend.submit_calls == [5]  # one submission for the batch
    assert all(len(ids) == 5 for _, ids in backend.poll_calls)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(backend.poll_calls)]
    # without back-off a 10 ms interval would mean ~100 polls in one second
    assert len(backend.poll_calls) < 25
    assert statistics.median(gaps[:3]) < statistics.median(gaps[-3:])
    assert max(gaps) >= 0.07


def test_submit_error_is_raised_with_the_schedulers_message_not_retried(tmp_path: Path) -> None:
    backend = FakeBackend(fail_submit="sbatch: error: invalid partition specified: gpu")
    q = Queue(backend)
    with pytest.raises(SubmitError, match="invalid partition"):
        q.submit(_spec(tmp_path, "x", ["true"]))
    assert q.unfinished == 1 and backend.submit_calls == []


def test_max_running_caps_jobs_in_the_backend(tmp_path: Path) -> None:
    backend = FakeBackend(duration=0.05)
    q = Queue(backend, max_running=2)
    q.submit_many([_spec(tmp_path, f"j{i}", ["true"]) for i in range(6)])
    assert backend.submit_calls == [2]
    q.wait(timeout=10)
    assert max(len(ids) for _, ids in backend.poll_calls) <= 2
    assert sum(backend.submit_calls) == 6


def test_search_pattern_submit_from_callback_and_between_waits(tmp_path: Path) -> None:
    """A search asks for a proposal whenever a slot frees, until its budget is spent."""
    q = Queue(LocalBackend(max_cores=2))
    budget, finished = 7, []
    n = 0

    def propose() -> None:
        nonlocal n
        q.submit(_spec(tmp_path, f"p{n}", ["sleep", "0.1"]), meta={"proposal": n})
        n += 1

    slots = q.free_slots()
    assert slots == 2
    for _ in range(slots):
        propose()

    def on_finish(job: QueuedJob) -> None:
        finished.append(job.meta["proposal"])
        if n < budget - 1:
            propose()

    q.wait(on_finish=on_finish)
    assert sorted(finished) == list(range(budget - 1))
    # between waits: one more proposal, then return as soon as it finishes
    propose()
    done = q.wait(on_finish=on_finish, return_when="any")
    assert [j.meta["proposal"] for j in done] == [budget - 1]
    starts = sorted(read_status(j.spec.status_path).start for j in q.jobs)  # type: ignore[union-attr]
    ends = sorted(read_status(j.spec.status_path).end for j in q.jobs)  # type: ignore[union-attr]
    # never more than 2 running: the k-th start happens after the (k-2)-th end
    assert all(starts[k] >= ends[k - 2] - 0.01 for k in range(2, budget))


def test_ctrl_c_in_wait_cancels_what_it_submitted(tmp_path: Path) -> None:
    q = Queue(LocalBackend(max_cores=2, kill_grace=0.5))
    q.submit(_spec(tmp_path, "quick", ["true"]))
    long = q.submit(_spec(tmp_path, "long", ["sleep", "60"]))

    def interrupt(job: QueuedJob) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        q.wait(on_finish=interrupt)
    assert q.job(long).state is JobState.CANCELLED
    assert q.unfinished == 0


def test_detached_queue_leaves_jobs_running_on_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "queue.json"
    q = Queue(LocalBackend(max_cores=2), state_file=state)
    q.submit(_spec(tmp_path, "quick", ["true"]))
    long = q.submit(_spec(tmp_path, "long", ["sleep", "60"]))
    assert q.detach() == state

    def interrupt(job: QueuedJob) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        q.wait(on_finish=interrupt)
    other = Queue.attach(state)  # e.g. `mle status` in another terminal
    assert other.detached
    assert other.status()[JobState.RUNNING] == 1
    other.cancel_all()
    assert other.job(long).state is JobState.CANCELLED
    saved = json.loads(state.read_text())
    assert [j["result"]["state"] for j in saved["jobs"]] == ["done", "cancelled"]


_LAUNCHER = textwrap.dedent(
    """
    import os, sys
    from mle_scheduler import JobSpec, LocalBackend, Queue
    tmp = sys.argv[1]
    q = Queue(LocalBackend(max_cores=1), state_file=tmp + "/queue.json", max_retries=1)
    q.submit(JobSpec(["sh", "-c", "sleep 0.5; echo one"], stdout=tmp + "/a.out"))
    q.submit(JobSpec(["sh", "-c", "echo two; exit 3"], stdout=tmp + "/b.out"))
    q.submit(JobSpec(["sh", "-c", "echo three"], stdout=tmp + "/c.out"))
    os._exit(0)  # the launcher dies at once: no cleanup, no wait
    """
)


def test_queue_is_rebuilt_from_files_after_the_launcher_died(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", _LAUNCHER, str(tmp_path)], check=True, timeout=60)
    q = Queue.attach(tmp_path / "queue.json")
    assert isinstance(q.backend, LocalBackend) and q.backend.max_cores == 1
    assert q.max_retries == 1
    q.wait(timeout=30)
    a, b, c = q.jobs
    assert a.state is JobState.DONE and a.retries == 0  # finished by itself, found by its file
    assert (tmp_path / "a.out").read_text() == "one\n"
    # b and c never started (1 core): resubmitted, not counted as retries; b then fails twice
    assert b.state is JobState.FAILED and b.result is not None and b.result.exit_code == 3
    assert b.retries == 1 and len(b.job_ids) == 3
    assert c.state is JobState.DONE and c.retries == 0


def test_attach_rejects_a_broken_state_file(tmp_path: Path) -> None:
    bad = tmp_path / "q.json"
    bad.write_text("{not json")
    with pytest.raises(StateFileError, match="expected JSON"):
        Queue.attach(bad)
    bad.write_text(json.dumps({"jobs": []}))
    with pytest.raises(StateFileError, match="queue state file"):
        Queue.attach(bad)
    with pytest.raises(StateFileError, match="cannot read"):
        Queue.attach(tmp_path / "missing.json")


def test_state_file_is_replaced_atomically(tmp_path: Path) -> None:
    state = tmp_path / "q.json"
    q = Queue(FakeBackend(), state_file=state)
    q.submit_many(
        [_spec(tmp_path, f"j{i}", ["true"]) for i in range(3)], metas=[{"i": i} for i in range(3)]
    )
    q.wait()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("q.json")) == ["q.json"]
    data = json.loads(state.read_text())
    assert [j["meta"]["i"] for j in data["jobs"]] == [0, 1, 2]
    assert all(j["final"] and j["result"]["state"] == "done" for j in data["jobs"])


def test_get_backend_by_name_and_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = get_backend("local", max_cores=3)
    assert isinstance(backend, LocalBackend) and backend.max_cores == 3
    with pytest.raises(
        BackendNotFoundError, match="unknown backend 'pbs'; available: local, sge, slurm"
    ):
        get_backend("pbs")
    ep = EntryPoint(name="mine", value="mle_scheduler:LocalBackend", group="mle_scheduler.backends")
    monkeypatch.setattr("mle_scheduler._registry.entry_points", lambda group: [ep])
    assert isinstance(get_backend("mine", max_cores=1), LocalBackend)
