"""Slurm specifics on a real cluster: refusals, limits reaching the job, excluded nodes, arrays
with a throttle, one squeue per poll, exit codes without the status file and from jobcomp."""

from __future__ import annotations

import itertools
import json
import socket
import time
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, Queue, Resources, SubmitError, get_backend
from mle_scheduler.backends.slurm import SlurmBackend, parse_jobcomp_line

pytestmark = pytest.mark.slurm


def _run(backend: SlurmBackend, specs: list[JobSpec], timeout: float = 180.0) -> Queue:
    queue = Queue(backend)
    queue.submit_many(specs)
    queue.wait(timeout=timeout)
    assert queue.unfinished == 0
    return queue


def _until_final(backend: SlurmBackend, job_id: str, timeout: float = 120.0) -> JobState:
    end = time.monotonic() + timeout
    while not (result := backend.poll([job_id])[job_id]).state.finished:
        assert time.monotonic() < end, result
        backend.wait_for_change(0.5)
    return result.state


def test_refused_submission_carries_sbatchs_message(tmp_path: Path) -> None:
    spec = JobSpec(["true"], stdout=tmp_path / "o.out", resources=Resources(queue="nosuch"))
    with pytest.raises(SubmitError, match=r"(?i)invalid partition"):
        SlurmBackend().submit([spec])


def test_memory_and_time_reach_the_job(tmp_path: Path) -> None:
    res = Resources(memory_per_job=100, time_per_job="00:10:00", job_name="probe")
    argv = [
        "sh",
        "-c",
        'echo "$SLURM_MEM_PER_NODE $SLURM_JOB_NAME"; squeue -h -j "$SLURM_JOB_ID" -o %l',
    ]
    spec = JobSpec(argv, stdout=tmp_path / "o.out", resources=res)
    [job] = _run(SlurmBackend(), [spec]).jobs
    assert job.state is JobState.DONE, job.result
    assert (tmp_path / "o.out").read_text() == "100 probe\n10:00\n"


def test_excluding_the_only_node_is_refused_by_slurm(tmp_path: Path) -> None:
    here = Resources(exclude_nodes=[socket.gethostname()])
    spec = JobSpec(["true"], stdout=tmp_path / "x.out", resources=here)
    with pytest.raises(SubmitError, match="node configuration is not available"):
        SlurmBackend().submit([spec])


def test_pending_job_shows_slurms_reason_and_cancels(tmp_path: Path) -> None:
    backend = SlurmBackend()
    held = Resources(extra_flags=("--hold",))
    [job_id] = backend.submit([JobSpec(["true"], stdout=tmp_path / "x.out", resources=held)])
    result = backend.poll([job_id])[job_id]
    assert result.state is JobState.QUEUED
    assert result.message is not None and "JobHeld" in result.message
    backend.cancel([job_id])
    assert _until_final(backend, job_id) is JobState.CANCELLED


def test_throttled_array_runs_one_task_at_a_time_with_one_squeue_per_poll(
    tmp_path: Path,
) -> None:
    backend = SlurmBackend(array_throttle=1)
    specs = [JobSpec(["sleep", "1"], stdout=tmp_path / f"{i}.out") for i in range(3)]
    queue = _run(backend, specs)
    assert [j.state for j in queue.jobs] == [JobState.DONE] * 3
    assert {j.job_id.split("_")[0] for j in queue.jobs if j.job_id} == {
        queue.jobs[0].job_id.split("_")[0]  # type: ignore[union-attr]
    }
    spans = sorted(
        (r["start"], r["end"]) for r in (json.loads(s.status_path.read_text()) for s in specs)
    )
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    assert backend.calls["sbatch"] == 1
    assert backend.calls["squeue"] == queue.polls  # exactly one squeue per poll


def test_exit_code_without_the_status_file_from_squeue_then_jobcomp(tmp_path: Path) -> None:
    spec = JobSpec(["sh", "-c", "exit 3"], stdout=tmp_path / "o.out")
    [job] = _run(SlurmBackend(), [spec]).jobs
    assert job.state is JobState.FAILED and job.job_id is not None
    spec.status_path.unlink()  # as if the job had been killed before writing its record
    fresh = get_backend("slurm")  # e.g. another process reattaching
    fresh.adopt({job.job_id: spec})
    result = fresh.poll([job.job_id])[job.job_id]
    assert result.state is JobState.FAILED and result.exit_code == 3  # squeue -t all
    # After MinJobAge the controller forgets the job; the completion log still has it.
    log = SlurmBackend()._find_jobcomp()
    assert log, "the test cluster writes a jobcomp/filetxt log"
    lines = [p for p in map(parse_jobcomp_line, Path(log).read_text().splitlines()) if p]
    assert dict(lines)[job.job_id].exit_code == 3
