"""Slurm backend without a cluster: parsing, flag mapping, scripts, and sbatch/squeue/scancel
replaced by small fake commands on PATH (each logs its arguments)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, Resources, SubmitError
from mle_scheduler.backends.slurm import SlurmBackend, parse_jobcomp_line, parse_squeue
from mle_scheduler.errors import BackendUnavailableError, ResourceError, SchedulerError

# Real `squeue --me -h -t all -O JobID:|,ArrayJobID:|,...` output from Slurm 22.05.
SQUEUE = """\
64|64|3-6%2|PENDING|0||JobArrayTaskLimit
66|64|1|RUNNING|0|vm|None
67|64|2|CANCELLED|15|vm|None
65|65|N/A|FAILED|9|vm|JobLaunchFailure
1|1|N/A|FAILED|768|vm|NonZeroExitCode
3|3|N/A|COMPLETED|0|vm|None
9|9|N/A|TIMEOUT|0|vm|TimeLimit
"""
JOBCOMP = (
    "JobId=4 UserId=root(0) GroupId=root(0) Name=j.sh JobState=FAILED Partition=debug "
    "TimeLimit=UNLIMITED StartTime=2026-11-28T12:15:13 EndTime=2026-11-28T12:15:13 NodeList=vm "
    "NodeCnt=1 ProcCnt=1 WorkDir=/tmp/cx ReservationName= Tres=cpu=1,mem=24105M,node=1,billing=1 "
    "Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-28T12:15:12 "
    "EligibleTime=2026-11-28T12:15:12 ArrayJobId=2 ArrayTaskId=1 DerivedExitCode=0:0 ExitCode=3:0 "
)


def test_parse_squeue_expands_pending_array_ranges_and_decodes_exit_status() -> None:
    got = parse_squeue(SQUEUE)
    assert {k for k in got if k.startswith("64_")} == {f"64_{i}" for i in range(1, 7)}
    assert got["64_5"].state is JobState.QUEUED and "JobArrayTaskLimit" in (
        got["64_5"].message or ""
    )
    assert got["64_1"].state is JobState.RUNNING and got["64_1"].host == "vm"
    assert got["64_2"].state is JobState.CANCELLED
    assert got["1"].state is JobState.FAILED and got["1"].exit_code == 3
    assert got["65"].state is JobState.FAILED and got["65"].exit_code is None
    assert "signal 9" in (got["65"].message or "")
    assert got["3"].state is JobState.DONE and got["3"].exit_code == 0
    assert got["9"].state is JobState.TIMEOUT


def test_parse_jobcomp_line_keys_array_tasks_by_array_id() -> None:
    parsed = parse_jobcomp_line(JOBCOMP)
    assert parsed is not None
    key, status = parsed
    assert key == "2_1"
    assert status.state is JobState.FAILED and status.exit_code == 3 and status.host == "vm"
    assert parse_jobcomp_line("not a job line") is None


def test_generic_resources_map_to_sbatch_flags() -> None:
    res = Resources(
        num_logical_cores=4,
        num_gpus=2,
        gpu_type="a100",
        memory_per_job=8000,
        time_per_job="1-02:00:00",
        queue="gpu",
        exclude_nodes=["n1", "n2"],
        job_name="exp",
        extra_flags=["--qos=high"],
    )
    assert SlurmBackend.resource_flags(res) == [
        "--cpus-per-task=4",
        "--mem=8000M",
        "--time=1-02:00:00",
        "--partition=gpu",
        "--gres=gpu:a100:2",
        "--exclude=n1,n2",
        "--job-name=exp",
        "--qos=high",
    ]
    assert SlurmBackend.resource_flags(Resources(num_gpus=1))[-1] == "--gres=gpu:1"


def test_rendered_script_shows_directives_and_runs_argv_verbatim(tmp_path: Path) -> None:
    argv = ["printf", "%s|", "a b", "it's", '"q"', "$(id)", "; rm -rf /", "100%"]
    spec = JobSpec(argv, stdout=tmp_path / "o%1.out", resources=Resources(num_logical_cores=2))
    script = SlurmBackend().render(spec)
    assert "#SBATCH --cpus-per-task=2" in script
    assert f"#SBATCH --output={tmp_path}/o%%1.out" in script  # % escaped for Slurm's patterns
    # Run the dry-run script by hand: the job must see exactly these arguments.
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert res.stdout == "".join(f"{a}|" for a in argv[2:])
    record = json.loads((tmp_path / "o%1.out.status.json").read_text())
    assert record["exit_code"] == 0


def test_paths_sbatch_cannot_carry_are_redirected_by_the_script(tmp_path: Path) -> None:
    spec = JobSpec(["echo", "hi"], stdout=tmp_path / "with space" / "o.out")
    script = SlurmBackend().render(spec)
    assert "#SBATCH --output=/dev/null" in script
    (tmp_path / "with space").mkdir()
    subprocess.run(["bash", "-c", script], check=True, cwd=tmp_path)
    assert (tmp_path / "with space" / "o.out").read_text() == "hi\n"


def test_gpu_type_without_gpus_is_refused(tmp_path: Path) -> None:
    spec = JobSpec(["true"], stdout=tmp_path / "o", resources=Resources(gpu_type="a100"))
    with pytest.raises(ResourceError, match="num_gpus"):
        SlurmBackend().check(spec)


# ------------------------------------------------------------------ fake commands
def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f'#!/bin/bash\necho "$@" >> {bin_dir}/{name}.log\n{body}\n')
    path.chmod(0o755)


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return bin_dir


def _calls(bin_dir: Path, name: str) -> list[str]:
    log = bin_dir / f"{name}.log"
    return log.read_text().splitlines() if log.exists() else []


def test_refused_submission_raises_the_commands_message_once(
    fake_bin: Path, tmp_path: Path
) -> None:
    _fake(fake_bin, "sbatch", 'echo "sbatch: error: invalid partition specified: nope" >&2; exit 1')
    spec = JobSpec(["true"], stdout=tmp_path / "o.out", resources=Resources(queue="nope"))
    with pytest.raises(SubmitError, match="invalid partition specified: nope"):
        SlurmBackend().submit([spec])
    assert len(_calls(fake_bin, "sbatch")) == 1  # no resubmit loop


def test_failure_midway_cancels_what_was_already_submitted(fake_bin: Path, tmp_path: Path) -> None:
    counter = fake_bin / "n"
    _fake(
        fake_bin,
        "sbatch",
        f'if [ -e {counter} ]; then echo "boom" >&2; exit 1; fi; touch {counter}; echo 101',
    )
    _fake(fake_bin, "scancel", "exit 0")
    specs = [
        JobSpec(["true"], stdout=tmp_path / "a.out"),
        JobSpec(["true"], stdout=tmp_path / "b.out", resources=Resources(num_logical_cores=2)),
    ]
    with pytest.raises(SubmitError, match="boom"):
        SlurmBackend().submit(specs)
    assert _calls(fake_bin, "scancel") == ["101"]


def test_same_shaped_jobs_go_in_as_one_throttled_array(fake_bin: Path, tmp_path: Path) -> None:
    _fake(fake_bin, "sbatch", f'cp "${{@: -1}}" {fake_bin}/last.sh; echo 555')
    specs = [JobSpec(["echo", str(i)], stdout=tmp_path / f"{i}.out") for i in range(5)]
    ids = SlurmBackend(array_throttle=2).submit(specs)
    assert ids == [f"555_{i}" for i in range(1, 6)]
    assert len(_calls(fake_bin, "sbatch")) == 1
    driver = (fake_bin / "last.sh").read_text()
    assert "#SBATCH --array=1-5%2" in driver
    assert driver.count("exec /bin/bash") == 5


def test_one_squeue_call_per_poll_for_all_jobs(fake_bin: Path, tmp_path: Path) -> None:
    rows = "".join(f"{700 + i}|{700 + i}|N/A|RUNNING|0|vm|None\\n" for i in range(40))
    _fake(fake_bin, "squeue", f'printf "{rows}"')
    backend = SlurmBackend(jobcomp_log="")
    ids = [str(700 + i) for i in range(40)]
    backend.adopt({i: JobSpec(["true"], stdout=tmp_path / f"{i}.out") for i in ids})
    results = backend.poll(ids)
    assert {r.state for r in results.values()} == {JobState.RUNNING}
    assert len(_calls(fake_bin, "squeue")) == 1


def test_exit_code_from_the_completion_log_once_squeue_forgot(
    fake_bin: Path, tmp_path: Path
) -> None:
    _fake(fake_bin, "squeue", "exit 0")  # the controller no longer knows the job
    log = tmp_path / "jobcomp.log"
    log.write_text(JOBCOMP + "\n")
    backend = SlurmBackend(jobcomp_log=log)
    backend.adopt({"2_1": JobSpec(["true"], stdout=tmp_path / "t.out")})  # no status file
    [res] = backend.poll(["2_1"]).values()
    assert res.state is JobState.FAILED and res.exit_code == 3
    # With neither squeue, a status file nor a completion line, the job is lost.
    backend.adopt({"99": JobSpec(["true"], stdout=tmp_path / "u.out")})
    assert backend.poll(["99"])["99"].state is JobState.LOST


def test_missing_sbatch_is_reported_as_unavailable(
    fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(fake_bin))
    with pytest.raises(BackendUnavailableError, match="sbatch"):
        SlurmBackend().submit([JobSpec(["true"], stdout=tmp_path / "o.out")])


def test_a_busy_controller_does_not_end_the_run_until_it_keeps_failing(
    fake_bin: Path, tmp_path: Path
) -> None:
    ok = fake_bin / "ok"
    ok.touch()
    _fake(
        fake_bin,
        "squeue",
        f'if [ -e {ok} ]; then printf "5|5|N/A|RUNNING|0|vm|None\\n"; '
        'else echo "slurm_load_jobs error: Socket timed out" >&2; exit 1; fi',
    )
    backend = SlurmBackend(jobcomp_log="")
    backend.adopt({"5": JobSpec(["true"], stdout=tmp_path / "o.out")})
    assert backend.poll(["5"])["5"].state is JobState.RUNNING
    ok.unlink()
    for _ in range(4):  # the last known state is kept while squeue fails
        result = backend.poll(["5"])["5"]
        assert result.state is JobState.RUNNING
    with pytest.raises(SchedulerError, match="Socket timed out"):
        backend.poll(["5"])


def test_dry_run_shows_each_sbatch_and_script_without_submitting(
    fake_bin: Path, tmp_path: Path
) -> None:
    _fake(fake_bin, "sbatch", "echo 1")
    specs = [
        JobSpec(["python", "train.py", str(i)], stdout=tmp_path / f"{i}.out") for i in range(3)
    ]
    specs.append(
        JobSpec(["echo", "a b"], stdout=tmp_path / "x.out", resources=Resources(num_gpus=1))
    )
    text = SlurmBackend(array_throttle=2).dry_run(specs)
    assert text.count("# $ sbatch --parsable") == 2  # one array, one single job
    assert "#SBATCH --array=1-3%2" in text and "#SBATCH --gres=gpu:1" in text
    assert "exec python train.py 0" in text and "exec echo 'a b'" in text
    assert _calls(fake_bin, "sbatch") == []
