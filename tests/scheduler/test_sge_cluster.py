"""Grid Engine specifics on a real cluster: refusals, limits reaching the job, excluded nodes,
arrays with a throttle, one qstat per poll, exit codes from accounting."""

from __future__ import annotations

import itertools
import json
import socket
import time
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, Queue, Resources, SubmitError, get_backend
from mle_scheduler.backends.sge import SGEBackend
from sge_helpers import drmaa_backend

pytestmark = pytest.mark.sge


@pytest.fixture(params=["drmaa", "qsub"])
def backend(request: pytest.FixtureRequest) -> SGEBackend:
    return drmaa_backend() if request.param == "drmaa" else SGEBackend(use_drmaa=False)


def _run(backend: SGEBackend, specs: list[JobSpec], timeout: float = 180.0) -> Queue:
    queue = Queue(backend)
    queue.submit_many(specs)
    queue.wait(timeout=timeout)
    assert queue.unfinished == 0
    return queue


def test_refused_submission_carries_grid_engines_message(
    backend: SGEBackend, tmp_path: Path
) -> None:
    spec = JobSpec(["true"], stdout=tmp_path / "o.out", resources=Resources(queue="nosuch.q"))
    with pytest.raises(SubmitError, match=r"nosuch\.q"):
        backend.submit([spec])


def test_slots_memory_and_time_reach_the_job(backend: SGEBackend, tmp_path: Path) -> None:
    res = Resources(num_logical_cores=2, memory_per_job=2048, time_per_job="00:10:00")
    argv = ["sh", "-c", 'echo "$NSLOTS $(ulimit -v)"']
    spec = JobSpec(argv, stdout=tmp_path / "o.out", resources=res)
    [job] = _run(backend, [spec]).jobs
    assert job.state is JobState.DONE, job.result
    # h_vmem is per slot (1024M x 2 slots): Grid Engine sets the job's address-space limit
    assert (tmp_path / "o.out").read_text() == "2 2097152\n"


def test_excluded_node_is_not_used(tmp_path: Path) -> None:
    backend = SGEBackend(use_drmaa=False)
    here = Resources(exclude_nodes=[socket.gethostname()])
    [job_id] = backend.submit([JobSpec(["true"], stdout=tmp_path / "x.out", resources=here)])
    try:
        time.sleep(3)  # several scheduling intervals
        assert backend.poll([job_id])[job_id].state is JobState.QUEUED
    finally:
        backend.cancel([job_id])
    elsewhere = Resources(exclude_nodes=["no-such-node"])
    [job] = _run(backend, [JobSpec(["true"], stdout=tmp_path / "y.out", resources=elsewhere)]).jobs
    assert job.state is JobState.DONE


@pytest.mark.parametrize("mode", ["drmaa", "qsub"])
def test_throttled_array_runs_one_task_at_a_time_with_one_qstat_per_poll(
    tmp_path: Path, mode: str
) -> None:
    backend = drmaa_backend() if mode == "drmaa" else SGEBackend(use_drmaa=False)
    backend.array_throttle = 1
    specs = [JobSpec(["sleep", "1"], stdout=tmp_path / f"{i}.out") for i in range(3)]
    queue = _run(backend, specs)
    assert [j.state for j in queue.jobs] == [JobState.DONE] * 3
    assert len({j.job_id.split(".")[0] for j in queue.jobs if j.job_id}) == 1  # one array job
    spans = sorted(
        (r["start"], r["end"]) for r in (json.loads(s.status_path.read_text()) for s in specs)
    )
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    assert backend.calls.get("qsub", 0) + backend.calls.get("drmaa.runBulkJobs", 0) == 1
    assert backend.calls["qstat"] <= queue.polls  # never more than one qstat per poll


@pytest.mark.parametrize("source", ["accounting file", "qacct"])
def test_exit_code_read_from_accounting_without_the_status_file(
    tmp_path: Path, source: str
) -> None:
    spec = JobSpec(["sh", "-c", "exit 3"], stdout=tmp_path / "o.out")
    [job] = _run(SGEBackend(use_drmaa=False), [spec]).jobs
    assert job.state is JobState.FAILED and job.job_id is not None
    spec.status_path.unlink()  # as if the job had been killed before writing its record
    # e.g. another process reattaching, on a host where the accounting file is not readable
    # (accounting may be flushed late on a loaded machine: the default grace waits for it)
    unreadable = {"accounting_file": tmp_path / "none"}
    fresh = get_backend("sge", use_drmaa=False, **(unreadable if source == "qacct" else {}))
    fresh.adopt({job.job_id: spec})
    end = time.monotonic() + 150
    while not (result := fresh.poll([job.job_id])[job.job_id]).state.finished:
        assert time.monotonic() < end, result  # qstat may still list it for a moment
        fresh.wait_for_change(0.5)
    assert result.state is JobState.FAILED and result.exit_code == 3
    assert ("qacct" in fresh.calls) is (source == "qacct")  # type: ignore[attr-defined]


def test_outputs_named_with_a_leading_digit_still_submit(
    backend: SGEBackend, tmp_path: Path
) -> None:
    # Grid Engine refuses job names starting with a digit; it names jobs after the script
    spec = JobSpec(["echo", "ok"], stdout=tmp_path / "0.out")
    [job] = _run(backend, [spec]).jobs
    assert job.state is JobState.DONE, job.result
    assert (tmp_path / "0.out").read_text() == "ok\n"


def test_job_in_error_state_fails_with_the_reason_and_is_removed(tmp_path: Path) -> None:
    backend = SGEBackend(use_drmaa=False)
    res = Resources(extra_flags=("-wd", "/nonexistent/dir"))  # the shepherd cannot chdir: Eqw
    [job] = _run(backend, [JobSpec(["true"], stdout=tmp_path / "o.out", resources=res)]).jobs
    assert job.state is JobState.FAILED
    assert job.result is not None and "/nonexistent/dir" in (job.result.message or "")
    deadline = time.monotonic() + 60  # deleted, so it does not block the queue
    while job.job_id in backend.query_scheduler([job.job_id]):
        assert time.monotonic() < deadline, "the job in error state was not deleted"
        time.sleep(0.5)
