"""Queue stores (JSON snapshot, append-only JSON lines), the jsonl helpers, and Queue.attach:
reattaching, jobs whose driver died inside submit, never running a final job twice."""

from __future__ import annotations

import json
import threading
import time
import warnings
from pathlib import Path

import pytest
from mle_scheduler import (
    JobSpec,
    JobState,
    JsonlStore,
    JsonlWarning,
    JsonSnapshotStore,
    Queue,
    QueueEvent,
    StateFileError,
    append_jsonl,
    read_jsonl,
)
from mle_scheduler.jsonl import JsonlWriter
from mle_scheduler.testing import FakeBackend


def _spec(tmp: Path, name: str) -> JobSpec:
    return JobSpec(["true"], stdout=tmp / name / "out.txt")


def _status(spec: JobSpec, **record: object) -> None:
    spec.status_path.parent.mkdir(parents=True, exist_ok=True)
    spec.status_path.write_text(json.dumps(record))


# ----------------------------------------------------------------------------- jsonl helpers
def test_torn_last_line_is_closed_before_the_next_append(tmp_path: Path) -> None:
    """A writer killed mid-line left no newline: the next record must not be glued to it
    (the CLI's old append lost that record for good)."""
    path = tmp_path / "jobs.jsonl"
    append_jsonl(path, [{"job": 1}, {"job": 2}])
    with path.open("ab") as fh:
        fh.write(b'{"job": 3, "sta')  # torn
    append_jsonl(path, {"job": 4})
    with pytest.warns(JsonlWarning, match=r"jobs.jsonl: skipped 1 unreadable line\(s\) \(line 3\)"):
        assert read_jsonl(path) == [{"job": 1}, {"job": 2}, {"job": 4}]
    with JsonlWriter(path) as writer:  # the repair happens once, not per append
        writer.append({"job": 5})
        writer.append({"job": 6}, flush=True)
    with pytest.warns(JsonlWarning):
        assert [r["job"] for r in read_jsonl(path)] == [1, 2, 4, 5, 6]


def test_read_jsonl_skips_bad_lines_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"a": 1}\n\xff\xfe not utf-8\n[1, 2]\n\n{"a": 2}\n{"a": 3')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_jsonl(path) == [{"a": 1}, {"a": 2}]
    assert len(caught) == 1 and "line 2, 3, 6" in str(caught[0].message)
    assert read_jsonl(tmp_path / "missing.jsonl") == []
    with pytest.raises(StateFileError, match=r"missing\.jsonl: cannot read"):
        read_jsonl(tmp_path / "missing.jsonl", missing_ok=False)


def test_append_refuses_non_finite_numbers(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="strict JSON"):
        append_jsonl(tmp_path / "x.jsonl", {"score": float("inf")})


# -------------------------------------------------------------------------------- stores
@pytest.mark.parametrize("name", ["q.json", "q.jsonl"])
def test_both_stores_rebuild_the_queue(tmp_path: Path, name: str) -> None:
    backend = FakeBackend()
    q = Queue(backend, max_retries=2, max_running=3, state_file=tmp_path / name)
    assert isinstance(q.store, JsonlStore if name.endswith("l") else JsonSnapshotStore)
    keys = q.submit_many(
        [_spec(tmp_path, f"j{i}") for i in range(4)],
        keys=["a", "b", "c", "d"],
        metas=[{"i": 1}] * 4,
    )
    backend.finish(q.job("a"), exit_code=0)
    backend.finish(q.job("b"), exit_code=1)
    q.step()
    q.close()
    again = Queue.attach(tmp_path / name, backend)
    assert [j.key for j in again.jobs] == keys
    assert again.max_retries == 2 and again.max_running == 3
    a, b, _c, d = again.jobs
    assert a.final and a.state is JobState.DONE and a.meta == {"i": 1}
    assert a.result is not None and a.result.stderr == a.spec.stderr_path  # from the spec
    assert not b.final and b.retries == 1 and b.job_id is not None  # its retry was submitted
    assert d.job_id is not None  # "a" freed a slot
    assert again.unfinished == 3
    for key in ("b", "c"):
        backend.finish(again.job(key).job_id)  # type: ignore[arg-type]
    done = again.wait(timeout=60, return_when="any")
    assert sorted(j.key for j in done) == ["b", "c"]
    backend.finish(again.job("d").job_id)  # type: ignore[arg-type]
    assert [j.key for j in again.wait(timeout=60)] == ["d"]
    assert backend.submit_calls == [3, 2]  # the retry of "b" with "d"; "a" never ran twice


def test_jsonl_store_appends_and_never_rewrites(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend()
    q = Queue(backend, state_file=path)
    q.submit(_spec(tmp_path, "a"))
    before = path.read_bytes()
    assert before.endswith(b"\n")
    q.submit(_spec(tmp_path, "b"))
    backend.finish(q.job("0"))
    q.step()
    q.close()
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    lines = [json.loads(x) for x in after.splitlines()]
    assert lines[0]["queue"]["format"] == "mle-scheduler-queue" and lines[0]["queue"]["start"]
    final = [x for x in lines if x.get("final")]
    assert final == [
        {
            "key": "0",
            "final": True,
            "result": {"job_id": "fake.1", "state": "done", "exit_code": 0, **final[0]["result"]},
        }
    ]
    assert "stdout" not in final[0]["result"]  # compact: paths come from the spec


def test_a_new_queue_on_an_old_jsonl_file_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    old = Queue(FakeBackend(), state_file=path)
    old.submit(_spec(tmp_path, "a"), key="old")
    old.close()
    new = Queue(FakeBackend(), state_file=path)
    new.submit(_spec(tmp_path, "b"), key="new")
    new.close()
    assert [j.key for j in Queue.attach(path, FakeBackend()).jobs] == ["new"]
    assert b'"old"' in path.read_bytes()  # nothing was erased


def test_attach_repairs_a_torn_jsonl_store_and_loses_no_later_record(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend()
    q = Queue(backend, state_file=path)
    q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")], keys=["a", "b"])
    q.close()
    with path.open("ab") as fh:
        fh.write(b'{"key": "a", "final": tr')  # the driver died mid-line
    with pytest.warns(JsonlWarning, match="skipped 1"):
        again = Queue.attach(path, backend)
    backend.finish(again.job("b").job_id)  # type: ignore[arg-type]
    [job] = again.step()
    again.close()
    assert job.key == "b"
    with pytest.warns(JsonlWarning, match="skipped 1"):
        third = Queue.attach(path, backend)
    assert third.job("b").final and third.job("b").state is JobState.DONE
    assert not third.job("a").final


def test_attach_rejects_broken_stores(tmp_path: Path) -> None:
    empty = tmp_path / "q.jsonl"
    empty.write_text('{"key": "0"}\n')
    with pytest.raises(StateFileError, match="expected an mle-scheduler queue state file"):
        Queue.attach(empty)
    with pytest.raises(StateFileError, match="cannot read"):
        Queue.attach(tmp_path / "missing.jsonl")
    head = {"queue": {"format": "mle-scheduler-queue", "version": 1, "backend": "fake"}}
    bad = tmp_path / "bad.jsonl"
    append_jsonl(bad, [head, {"key": "0", "spec": {"argv": "not a list", "stdout": "x"}}])
    with pytest.raises(StateFileError, match=r"bad.jsonl: job '0': malformed record"):
        Queue.attach(bad, FakeBackend())


def test_a_job_whose_first_record_was_lost_is_left_out_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend()
    q = Queue(backend, state_file=path)
    q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")], keys=["a", "b"])
    q.close()
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(x for x in lines if b'"spec"' not in x or b'"b"' not in x))
    with pytest.warns(JsonlWarning, match="job 'b' has no spec"):
        again = Queue.attach(path, backend)
    assert [j.key for j in again.jobs] == ["a"] and "b" not in again


def test_attaching_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend()
    q = Queue(backend, state_file=path)
    q.submit(_spec(tmp_path, "a"))
    q.close()
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        again = Queue.attach(path, backend)
        assert again.status()[JobState.RUNNING] == 1
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


def test_read_only_attach_polls_but_never_writes_or_submits(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend(capacity=1)
    q = Queue(backend, max_running=1, state_file=path)
    first, second = q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")])
    q.close()
    before = path.read_bytes()
    backend.finish(q.job(first))
    view = Queue.attach(path, backend, read_only=True)
    assert view.state_file == path
    counts = view.status()
    assert counts[JobState.DONE] == 1 and counts[JobState.QUEUED] == 1
    assert [j.key for j in view.step()] == [first]  # reported once, found by status()
    assert view.step() == [] and view.job(second).job_id is None
    assert backend.submit_calls == [1] and path.read_bytes() == before


def test_status_submits_nothing(tmp_path: Path) -> None:
    backend = FakeBackend()
    q = Queue(backend, max_running=1)
    first, _ = q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")])
    backend.finish(q.job(first))
    assert q.status()[JobState.DONE] == 1 and backend.submit_calls == [1]
    assert [j.key for j in q.step()] == [first] and backend.submit_calls == [1, 1]


def test_snapshot_store_is_today_format(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    q = Queue(FakeBackend(auto_finish=0), state_file=path)
    q.submit(_spec(tmp_path, "a"), meta={"seed": 1})
    q.wait(timeout=60)
    data = json.loads(path.read_text())
    assert data["format"] == "mle-scheduler-queue" and data["version"] == 1
    assert data["backend"] == "fake" and data["retry_on"] == ["failed", "lost"]
    [job] = data["jobs"]
    assert job["meta"] == {"seed": 1} and job["final"] and job["result"]["state"] == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "q.json"]


# ------------------------------------------------------------------------------ reattaching
def test_adopted_job_lost_without_end_record_runs_again_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend()
    q = Queue(backend, state_file=path)
    key = q.submit(_spec(tmp_path, "a"))
    q.detach()
    q.close()
    events: list[QueueEvent] = []
    again = Queue.attach(path, backend, on_event=events.append)
    assert again.detached
    backend.lose(again.job(key))  # e.g. the machine rebooted
    assert again.step() == []
    assert [e.state for e in events] == ["retrying", "submitted"]
    assert again.job(key).retries == 0 and len(again.job(key).job_ids) == 2
    backend.finish(again.job(key))
    assert [j.state for j in again.step()] == [JobState.DONE]


def _died_inside_submit(tmp_path: Path, path: Path) -> tuple[JobSpec, float]:
    """A queue that recorded a job as being submitted, then died inside the backend's submit."""
    spec = _spec(tmp_path, "a")
    q = Queue(FakeBackend(fail_submit="killed"), state_file=path)
    with pytest.raises(Exception, match="killed"):
        q.submit(spec, key="a")
    q.close()
    [rec] = [r for r in read_jsonl(path) if r.get("submitting")]
    return spec, rec["submitting"]


@pytest.mark.parametrize("name", ["q.json", "q.jsonl"])
def test_job_that_never_started_is_submitted_anew(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    spec = _spec(tmp_path, "a")
    q = Queue(FakeBackend(fail_submit="killed"), state_file=path)
    with pytest.raises(Exception, match="killed"):
        q.submit(spec, key="a")
    q.close()
    backend = FakeBackend(auto_finish=0)
    started = time.monotonic()
    again = Queue.attach(path, backend, settle=0.3)
    assert time.monotonic() - started < 10
    assert [j.key for j in again.wait(timeout=60)] == ["a"]
    assert backend.submit_calls == [1]


def test_job_whose_driver_died_inside_submit_but_ran_is_not_run_again(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    spec, since = _died_inside_submit(tmp_path, path)
    _status(spec, start=since + 0.1, host="elsewhere", end=since + 1, exit_code=0)
    backend = FakeBackend()
    again = Queue.attach(path, backend)
    assert again.unfinished == 1
    [job] = again.step()
    assert job.state is JobState.DONE and job.result is not None and job.result.host == "elsewhere"
    assert backend.submit_calls == []


def test_a_stale_status_record_of_an_earlier_attempt_does_not_count(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    spec, since = _died_inside_submit(tmp_path, path)
    _status(spec, start=since - 3600, host="elsewhere", end=since - 3000, exit_code=1)
    backend = FakeBackend(auto_finish=0)
    again = Queue.attach(path, backend)
    [job] = again.wait(timeout=60)
    assert job.state is JobState.DONE and backend.submit_calls == [1]


def test_a_job_just_launched_by_a_killed_driver_is_given_time_to_write(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    spec, since = _died_inside_submit(tmp_path, path)
    # the record is written 0.3 s after attach starts (a launch the killed driver just made)
    timer = threading.Timer(0.3, _status, args=[spec], kwargs={"start": time.time(), "host": "n1"})
    timer.start()
    backend = FakeBackend()
    again = Queue.attach(path, backend, settle=30)
    timer.join()
    assert again.unfinished == 1 and backend.submit_calls == []
    assert again.step() == [] and again.job("a").state is JobState.RUNNING  # followed
    _status(spec, start=since, host="n1", end=time.time(), exit_code=4)
    [job] = again.step()
    assert job.state is JobState.FAILED and job.result.exit_code == 4  # type: ignore[union-attr]
    assert backend.submit_calls == []


def test_an_orphan_on_this_host_whose_process_is_gone_runs_again(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "q.jsonl"
    spec, since = _died_inside_submit(tmp_path, path)
    _status(spec, start=since + 0.01, host=socket.gethostname(), pid=2**22 + 12345)
    backend = FakeBackend(auto_finish=0)
    events: list[QueueEvent] = []
    again = Queue.attach(path, backend, on_event=events.append)
    [job] = again.wait(timeout=60)
    assert job.state is JobState.DONE and job.retries == 0 and backend.submit_calls == [1]
    assert events[0].state == "retrying" and "without an end record" in str(events[0].message)


def test_cancel_all_of_an_attached_queue(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend(capacity=1)
    q = Queue(backend, state_file=path)
    q.submit_many([_spec(tmp_path, "a"), _spec(tmp_path, "b")], keys=["a", "b"])
    q.close()
    again = Queue.attach(path, backend)
    again.cancel_all(timeout=30)
    again.close()
    third = Queue.attach(path, backend)
    assert [j.state for j in third.jobs] == [JobState.CANCELLED, JobState.CANCELLED]
    assert third.unfinished == 0 and backend.running() == []


def test_attach_with_keep_finished_false_holds_only_open_jobs(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    backend = FakeBackend()
    q = Queue(backend, state_file=path)
    keys = q.submit_many([_spec(tmp_path, f"j{i}") for i in range(3)])
    backend.finish(q.job(keys[0]))
    backend.finish(q.job(keys[1]), exit_code=1)
    q.step()
    q.close()
    again = Queue.attach(path, backend, keep_finished=False)
    assert [j.key for j in again.jobs] == [keys[2]]
    assert again.final_state(keys[1]) is JobState.FAILED and len(again) == 3
    again.requeue(keys[1], spec=_spec(tmp_path, "j1"))
    backend.auto_finish = 0
    assert sorted(j.key for j in again.wait(timeout=60)) == [keys[1], keys[2]]


def test_jsonl_store_flushes_per_change_and_fsyncs_only_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    calls: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    path = tmp_path / "q.jsonl"
    q = Queue(FakeBackend(auto_finish=0), state_file=path)
    q.submit_many([_spec(tmp_path, f"j{i}") for i in range(20)])
    q.wait(timeout=60)
    assert calls == []  # a crash of this process keeps what was flushed: no fsync per change
    assert len(Queue.attach(path, FakeBackend()).jobs) == 20  # all of it is readable already
    q.close()
    assert len(calls) == 1
