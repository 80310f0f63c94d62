"""Local backend behaviour beyond the shared suite: cores, GPUs, process groups, conda."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mle_scheduler import (
    JobSpec,
    JobState,
    LocalBackend,
    ProcessRef,
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
    q.wait(timeout=120)  # generous: CI is a loaded 2-core machine
    assert q.unfinished == 0
    return q


def test_cores_are_counted_per_job(tmp_path: Path) -> None:
    # 1.5 s: the second launch may lag the first on a loaded machine, yet they must overlap
    one = [_spec(tmp_path, f"one{i}", ["sleep", "1.5"]) for i in range(2)]
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


def test_more_gpus_than_the_machine_has_runs_without_them_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # detected: this machine has no GPU
    argv = ["sh", "-c", "echo gpus=${CUDA_VISIBLE_DEVICES-unset}"]
    specs = [_spec(tmp_path, f"g{i}", argv, num_gpus=1) for i in range(2)]
    backend = LocalBackend(max_cores=2)
    with caplog.at_level("WARNING"):
        q = _run_all(backend, specs)
    assert [j.state for j in q.jobs] == [JobState.DONE] * 2  # as the original ran them locally
    assert (tmp_path / "g0.out").read_text() == "gpus=\n"  # the inherited setting, unchanged
    warnings = [r.getMessage() for r in caplog.records if "GPU" in r.getMessage()]
    assert len(warnings) == 1 and "offers none" in warnings[0]
    assert "LocalBackend" not in warnings[0]  # a CLI user never constructs one


def test_strict_gpus_refuses_before_anything_is_created(tmp_path: Path) -> None:
    backend = LocalBackend(gpus=["0"], strict_gpus=True)
    spec = JobSpec(["true"], stdout=tmp_path / "new" / "g.out", resources=Resources(num_gpus=2))
    with pytest.raises(
        ResourceError,
        match=r"^num_gpus: job asks for 2 GPU\(s\); this machine "
        r"offers 1 \(0\)$",
    ) as info:
        backend.validate([spec])
    assert "LocalBackend" not in str(info.value)
    with pytest.raises(ResourceError):
        backend.submit([spec])
    assert not (tmp_path / "new").exists()


def test_modules_to_load_without_a_module_command_is_refused_by_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASH_ENV", "")  # no start-up file may define a module function
    monkeypatch.delenv("BASH_FUNC_module%%", raising=False)
    spec = _spec(tmp_path, "m", ["true"], modules_to_load=["cuda/12"])
    with pytest.raises(ResourceError, match=r"^modules_to_load: cuda/12 needs the 'module'"):
        LocalBackend().validate([spec])
    assert not spec.stdout_path.exists()


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
    deadline = time.monotonic() + 60
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    child = int(pidfile.read_text())
    assert _pid_alive(child)
    if how == "cancel":
        q.cancel_all()
    else:
        q.wait(timeout=120)
    assert q.job(key).state is (JobState.TIMEOUT if how == "timeout" else JobState.CANCELLED)
    deadline = time.monotonic() + 30
    while _pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(child), "a grandchild of the job survived"


def test_job_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    spec = _spec(tmp_path, "stubborn", [sys.executable, "-c", code], time_per_job="00:00:01")
    started = time.monotonic()
    q = _run_all(LocalBackend(kill_grace=0.5), [spec])
    assert q.jobs[0].state is JobState.TIMEOUT
    assert time.monotonic() - started < 50  # not the 60 s it asked for


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


def test_background_processes_a_job_leaves_behind_end_with_it(tmp_path: Path) -> None:
    pidfile = tmp_path / "bg.pid"
    argv = ["sh", "-c", f"sleep 300 & echo $! > {pidfile}"]  # exits at once, sleep stays
    q = _run_all(LocalBackend(kill_grace=1.0), [_spec(tmp_path, "bg", argv)])
    assert q.jobs[0].state is JobState.DONE
    stray = int(pidfile.read_text())
    deadline = time.monotonic() + 30  # SIGTERM went out when the job was reported final
    while _pid_alive(stray) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(stray), "the job's background sleep outlived it"


def test_leftover_ignoring_sigterm_is_killed_at_the_latest_when_the_backend_closes(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "bg.pid"
    argv = ["sh", "-c", f"(trap '' TERM; exec sleep 300) & echo $! > {pidfile}"]
    backend = LocalBackend(kill_grace=0.5)
    q = _run_all(backend, [_spec(tmp_path, "bg", argv)])
    assert q.jobs[0].state is JobState.DONE
    stray = int(pidfile.read_text())
    backend.close()  # SIGKILL for what outlived its SIGTERM (at the next poll after the grace)
    deadline = time.monotonic() + 30
    while _pid_alive(stray) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(stray), "a leftover that ignores SIGTERM outlived the backend"


def test_adopted_job_whose_pid_was_reused_is_neither_running_nor_signalled(
    tmp_path: Path,
) -> None:
    # An unrelated process group leader now holds the pid the status file names.
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        real = ProcessRef.of(other.pid)
        assert real.start_time is not None
        spec = _spec(tmp_path, "old", ["true"])
        spec.status_path.write_text(
            json.dumps(
                {
                    "start": time.time() - 3600,
                    "host": "vm",
                    "pid": other.pid,
                    "pid_start": real.start_time - 1,  # the job's wrapper started earlier
                    "boot_id": real.boot_id,
                }
            )
        )
        backend = LocalBackend()
        backend.adopt({"old.1": spec})
        assert backend.poll(["old.1"])["old.1"].state is JobState.LOST
        backend.cancel(["old.1"])
        time.sleep(0.2)
        assert other.poll() is None, "an unrelated process was signalled"
        # the same record with the right start time is the job's own wrapper: it runs
        spec.status_path.write_text(
            json.dumps({"start": time.time(), "pid": other.pid, **_identity(real)})
        )
        fresh = LocalBackend()
        fresh.adopt({"old.2": spec})
        assert fresh.poll(["old.2"])["old.2"].state is JobState.RUNNING
    finally:
        other.kill()
        other.wait()


def test_record_without_start_time_naming_a_younger_process_is_not_the_job(
    tmp_path: Path,
) -> None:
    # A status file written before start times were recorded; its pid now names a process
    # that started long after the job did (pid reuse, or a reboot).
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        spec = _spec(tmp_path, "legacy", ["true"])
        record = {"start": time.time() - 3600, "host": "vm", "pid": other.pid}
        spec.status_path.write_text(json.dumps(record))
        backend = LocalBackend()
        backend.adopt({"legacy.1": spec})
        assert backend.poll(["legacy.1"])["legacy.1"].state is JobState.LOST
        backend.cancel(["legacy.1"])
        time.sleep(0.2)
        assert other.poll() is None, "an unrelated process was signalled"
        spec.status_path.write_text(json.dumps({**record, "start": time.time()}))
        fresh = LocalBackend()  # a record as old as the process: it is taken to be the job
        fresh.adopt({"legacy.2": spec})
        assert fresh.poll(["legacy.2"])["legacy.2"].state is JobState.RUNNING
    finally:
        other.kill()
        other.wait()


def _identity(ref: ProcessRef) -> dict[str, object]:
    return {"pid_start": ref.start_time, "boot_id": ref.boot_id}


def test_forget_drops_what_the_backend_keeps_about_ended_jobs(tmp_path: Path) -> None:
    backend = LocalBackend(max_cores=2)
    ids = backend.submit([_spec(tmp_path, f"f{i}", ["true"]) for i in range(5)])
    deadline = time.monotonic() + 60
    while not all(r.state.finished for r in backend.poll(ids).values()):
        assert time.monotonic() < deadline
        backend.wait_for_change(0.5)
    backend.forget(ids)  # a Queue calls it as attempts end: memory flat in finished jobs
    assert backend._specs == {} and backend._finished == {}
