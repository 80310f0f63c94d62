"""On a real cluster: a queue whose process was killed inside the submit call (the scheduler
accepted the job, the queue never recorded its id) is reattached, and the job is found by its
name and followed: it runs once, not twice (issue 9's double-run on `mle resume`)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, JsonlStore, Queue, Resources
from mle_scheduler.backends.cluster import ClusterBackend
from mle_scheduler.errors import BackendUnavailableError


class _Killed(BaseException):
    """Stands for the SIGKILL that ends the process right after the scheduler accepted."""


def _killed_inside_submit(
    make: Callable[[], ClusterBackend], tmp_path: Path, hold: str, release: list[str]
) -> None:
    name = f"slim-{uuid.uuid4().hex[:8]}"
    counter = tmp_path / "ran.txt"
    spec = JobSpec(
        ["sh", "-c", f"echo ran >> {counter}"],
        stdout=tmp_path / "run" / "out.txt",
        resources=Resources(job_name=name, extra_flags=(hold,)),  # held: still queued later
    )
    first = make()
    accepted: list[str] = []
    submit_job = first.submit_job

    def accept_then_die(script: Path, job: JobSpec) -> str:
        accepted.append(submit_job(script, job))
        raise _Killed

    first.submit_job = accept_then_die  # type: ignore[method-assign]
    store = tmp_path / "queue.jsonl"
    with pytest.raises(_Killed):
        Queue(first, store=JsonlStore(store)).submit(spec, key="k0")
    first.close()  # the process is gone; its job waits in the scheduler
    assert len(accepted) == 1
    again = make()
    queue: Queue | None = None
    try:
        queue = Queue.attach(JsonlStore(store), again)
        queue.step(timeout=0.0)
        assert queue.job("k0").job_id == accepted[0]  # followed, not submitted again
        subprocess.run([*release, accepted[0]], check=True, capture_output=True)
        queue.wait(timeout=180)
        assert queue.job("k0").state is JobState.DONE, queue.job("k0").result
        assert counter.read_text() == "ran\n"
        assert queue.job("k0").job_ids == [accepted[0]]
    finally:  # nothing held is left behind, also when the test fails
        again.cancel(sorted({*accepted, *(queue.job("k0").job_ids if queue else [])}))
        again.close()


@pytest.mark.slurm
def test_slurm_job_accepted_before_a_kill_runs_once_after_attach(tmp_path: Path) -> None:
    from mle_scheduler.backends.slurm import SlurmBackend

    _killed_inside_submit(SlurmBackend, tmp_path, "--hold", ["scontrol", "release"])


@pytest.mark.sge
@pytest.mark.parametrize("transport", ["drmaa", "qsub"])
def test_grid_engine_job_accepted_before_a_kill_runs_once_after_attach(
    tmp_path: Path, transport: str
) -> None:
    from mle_scheduler.backends.sge import SGEBackend

    def make() -> SGEBackend:
        try:
            return SGEBackend(use_drmaa=transport == "drmaa")
        except BackendUnavailableError as exc:
            if os.environ.get("MLE_REQUIRE_CLUSTER") == "1":
                pytest.fail(f"DRMAA is required in CI: {exc}", pytrace=False)
            pytest.skip(f"DRMAA not loadable here: {exc}")

    _killed_inside_submit(make, tmp_path, "-h", ["qrls"])


# -------------------------------------------------- the rule, without a cluster (fake commands)
def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f'#!/bin/bash\necho "$@" >> {bin_dir}/{name}.log\n{body}\n')
    path.chmod(0o755)


@pytest.mark.parametrize(
    ("listed", "adopt", "want"),
    [
        ("7|exp-a\n8|other\n", True, ["7"]),  # one live job of that name: followed
        ("7|exp-a\n9|exp-a\n", True, ["555"]),  # two: which one is ours? submit
        ("7_1|exp-a\n", True, ["555"]),  # an array task: never taken for a single job
        ("7|exp-a\n", False, ["555"]),  # a fresh queue (no attach) never looks
    ],
)
def test_a_reattached_backend_follows_the_one_live_job_of_that_name(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    listed: str,
    adopt: bool,
    want: list[str],
) -> None:
    from mle_scheduler.backends.slurm import SlurmBackend

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    _fake(bin_dir, "squeue", f"printf '{listed}'")
    _fake(bin_dir, "sbatch", "echo 555")
    backend = SlurmBackend(jobcomp_log="")
    if adopt:
        backend.adopt({})  # what Queue.attach does
    spec = JobSpec(["true"], stdout=tmp_path / "o.out", resources=Resources(job_name="exp-a"))
    assert backend.submit([spec]) == want
    assert (bin_dir / "sbatch.log").exists() == (want == ["555"])
    assert backend.submit([spec]) == ["555"]  # only the first submission after attach looks
