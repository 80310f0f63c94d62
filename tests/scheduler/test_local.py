"""Local backend behaviour beyond the shared suite: cores, GPUs, process groups, conda."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from mle_scheduler import (
    JobSpec,
    JobState,
    LocalBackend,
    Queue,
    ResourceError,
    Resources,
    read_status,
)


def _spec(tmp: Path, name: str, argv: list[str], **res: object) -> JobSpec:
    return JobSpec(argv, stdout=tmp / f"{name}.out", resources=Resources(**res))  # type: ignore[arg-type]


def _interval(spec: JobSpec) -> tuple[float, float]:
    rec = read_status(spec.status_path)
    assert rec is not None and rec.start is not None and rec.end is not None
    return rec.start, rec.end


def _run_all(backend: LocalBackend, specs: list[JobSpec]) -> Queue:
    q = Queue(backend)
    q.submit_many(specs)
    q.wait(timeout=30)
    assert q.unfinished == 0
    return q


def test_cores_are_counted_per_job(tmp_path: Path) -> None:
    one = [_spec(tmp_path, f"one{i}", ["sleep", "0.3"]) for i in range(2)]
    two = [_spec(tmp_path, f"two{i}", ["sleep", "0.3"], num_logical_cores=2) for i in range(2)]
    _run_all(LocalBackend(max_cores=2), one + two)
    (a0, a1), (b0, b1) = _interval(one[0]), _interval(one[1])
    assert max(a0, b0) < min(a1, b1), "two 1-core jobs on 2 cores should overlap"
    (c0, c1), (d0, _) = _interval(two[0]), _interval(two[1])
    assert c0 >= max(a1, b1) - 0.01 and d0 >= c1 - 0.01, "2-core jobs on 2 cores run one at a time"


def test_job_larger_than_the_machine_runs_alone(tmp_path: Path) -> None:
    big = _spec(tmp_path, "big", ["sleep", "0.2"], num_logical_cores=64)
    small = _spec(tmp_path, "small", ["sleep", "0.2"])
    q = _run_all(LocalBackend(max_cores=2), [big, small])
    assert [j.state for j in q.jobs] == [JobState.DONE, JobState.DONE]
    assert _interval(small)[0] >= _interval(big)[1] - 0.01


def test_gpus_are_handed_out_one_job_at_a_time(tmp_path: Path) -> None:
    argv = ["sh", "-c", "echo $CUDA_VISIBLE_DEVICES; sleep 0.3"]
    specs = [_spec(tmp_path, f"g{i}", argv, num_gpus=1) for i in range(3)]
    _run_all(LocalBackend(max_cores=8, gpus="3,5"), specs)
    seen = [(tmp_path / f"g{i}.out").read_text().strip() for i in range(3)]
    assert sorted(seen[:2]) == ["3", "5"] and seen[2] in ("3", "5")
    assert _interval(specs[2])[0] >= min(_interval(specs[0])[1], _interval(specs[1])[1]) - 0.01


def test_more_gpus_than_offered_is_an_error(tmp_path: Path) -> None:
    backend = LocalBackend(gpus=[])
    with pytest.raises(ResourceError, match=r"asks for 1 GPU.*offers 0"):
        backend.submit([_spec(tmp_path, "g", ["true"], num_gpus=1)])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as dead
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["timeout", "cancel"])
def test_time_limit_and_cancel_kill_the_whole_process_group(tmp_path: Path, how: str) -> None:
    pidfile = tmp_path / "child.pid"
    # the job starts a grandchild that ignores nothing, then waits on it
    argv = ["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"]
    res = {"time_per_job": "00:00:01"} if how == "timeout" else {}
    backend = LocalBackend(kill_grace=1.0)
    q = Queue(backend)
    key = q.submit(_spec(tmp_path, "grp", argv, **res))
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.05)
    child = int(pidfile.read_text())
    assert _pid_alive(child)
    if how == "cancel":
        q.cancel_all()
    else:
        q.wait(timeout=20)
    assert q.job(key).state is (JobState.TIMEOUT if how == "timeout" else JobState.CANCELLED)
    deadline = time.monotonic() + 5
    while _pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(child), "a grandchild of the job survived"


def test_job_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    spec = _spec(tmp_path, "stubborn", [sys.executable, "-c", code], time_per_job="00:00:01")
    started = time.monotonic()
    q = _run_all(LocalBackend(kill_grace=0.5), [spec])
    assert q.jobs[0].state is JobState.TIMEOUT
    assert time.monotonic() - started < 10


def test_stderr_defaults_to_the_stdout_file(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "both", ["sh", "-c", "echo out; echo err >&2; exit 2"])
    q = _run_all(LocalBackend(), [spec])
    job = q.jobs[0]
    assert job.state is JobState.FAILED and job.result is not None and job.result.exit_code == 2
    assert (tmp_path / "both.out").read_text() == "out\nerr\n"
    assert job.stderr_tail() == "out\nerr"


def test_env_name_without_conda_runs_in_the_current_env_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: None)
    spec = _spec(tmp_path, "env", ["echo", "ran"], env_name="mle-toolbox")
    q = _run_all(LocalBackend(), [spec])
    assert q.jobs[0].state is JobState.DONE
    assert "conda is not on PATH" in caplog.text


def test_env_name_with_activate_env_true_requires_conda(tmp_path: Path) -> None:
    spec = JobSpec(
        ["echo", "ran"],
        stdout=tmp_path / "o",
        stderr=tmp_path / "e",
        resources=Resources(env_name="surely-not-an-env-here"),
    )
    q = _run_all(LocalBackend(activate_env=True), [spec])
    job = q.jobs[0]
    assert job.state is JobState.FAILED
    assert "cannot activate conda environment surely-not-an-env-here" in job.stderr_tail()


def test_capacity_counts_cores_and_gpus() -> None:
    backend = LocalBackend(max_cores=8, gpus=["0", "1"])
    assert backend.max_parallel == 8
    assert backend.capacity(Resources(num_logical_cores=3)) == 2
    assert backend.capacity(Resources(num_gpus=1)) == 2
    assert backend.capacity(Resources(num_logical_cores=64)) == 1
