"""Grid Engine backend without a cluster: parsing of qstat -xml, accounting and qacct, flag
mapping, scripts, and qsub/qstat/qdel replaced by small fake commands on PATH."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, JobState, Resources, SubmitError
from mle_scheduler.backends import sge
from mle_scheduler.backends.sge import SGEBackend, parse_accounting_line, parse_qstat_xml
from mle_scheduler.errors import BackendUnavailableError, ResourceError

# Real `qstat -xml` output (Grid Engine 8.1.9): job 44 runs, array 45 has task 1 running and
# tasks 2-5 pending; 46 was added by hand in error state.
QSTAT_XML = """<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>44</JB_job_number><state>r</state>
      <queue_name>all.q@vm</queue_name><slots>1</slots>
    </job_list>
    <job_list state="running">
      <JB_job_number>45</JB_job_number><state>r</state>
      <queue_name>all.q@vm</queue_name><slots>1</slots><tasks>1</tasks>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>45</JB_job_number><state>qw</state>
      <queue_name></queue_name><slots>1</slots><tasks>2-5:1</tasks>
    </job_list>
    <job_list state="pending">
      <JB_job_number>46</JB_job_number><state>Eqw</state><queue_name></queue_name>
    </job_list>
  </job_info>
</job_info>
"""
# Real accounting lines: exit 3 with -pe smp 2; killed by h_rt (failed 37); array task 1 exit 3.
ACCT_EXIT3 = (
    "all.q:vm:root:root:s.out.job.sh:17:sge:0:1795868500:1795868500:1795868500:0:3:0:0.001796:"
    "0.012299:4696.000000:0:0:0:0:879:0:0:0.000000:32:0:0:0:7:4:NONE:defaultdepartment:smp:2:0:"
    "0.014095:0.000000:0.000000:-pe smp 2:0.000000:NONE:0.000000:0:0"
)
ACCT_HRT = (
    "all.q:vm:root:root:t.out.job.sh:18:sge:0:1795868500:1795868506:1795868509:37:137:3:0.004055:"
    "0.004592:4604.000000:0:0:0:0:488:0:0:0.000000:16:0:0:0:4:1:NONE:defaultdepartment:NONE:1:0:"
    "0.008647:0.000000:0.000035:-l h_rt=2:0.000000:NONE:5021696.000000:0:0"
)
ACCT_TASK = (
    "all.q:vm:root:root:j.sh:2:sge:0:1795868043:1795868044:1795868044:0:3:0:0.000000:0.007337:"
    "4500.000000:0:0:0:0:302:0:0:0.000000:24:0:0:0:1:6:NONE:defaultdepartment:NONE:1:1:0.007337:"
    "0.000000:0.000000:NONE:0.000000:NONE:0.000000:0:0"
)


def test_parse_qstat_xml_expands_task_ranges_and_maps_states() -> None:
    got = parse_qstat_xml(QSTAT_XML)
    assert got["44"].state is JobState.RUNNING and got["44"].host == "vm"
    assert got["45.1"].state is JobState.RUNNING
    assert [got[f"45.{t}"].state for t in range(2, 6)] == [JobState.QUEUED] * 4
    assert "45.6" not in got and "45" not in got
    assert got["46"].state is JobState.FAILED and "Eqw" in (got["46"].message or "")


def test_parse_accounting_lines() -> None:
    key, st = parse_accounting_line(ACCT_EXIT3) or ("", None)
    assert key == "17" and st is not None and st.state is JobState.FAILED and st.exit_code == 3
    key, st = parse_accounting_line(ACCT_HRT) or ("", None)
    assert key == "18" and st is not None and st.state is JobState.TIMEOUT
    key, st = parse_accounting_line(ACCT_TASK) or ("", None)
    assert key == "2.1" and st is not None and st.exit_code == 3
    assert parse_accounting_line("# Version: 8.1.9") is None


def test_parse_qacct_output() -> None:
    text = (
        "=" * 62 + "\njobnumber    2\ntaskid       1\nhostname     vm\nfailed       0    \n"
        "exit_status  3                   \n" + "=" * 62 + "\njobnumber    18\ntaskid       "
        "undefined\nfailed       37  : qmaster enforced h_rt, h_cpu, or h_vmem limit\n"
        "exit_status  137                  (Killed)\n"
    )
    got = sge.parse_qacct(text)
    assert got["2.1"].exit_code == 3 and got["2.1"].state is JobState.FAILED
    assert got["18"].state is JobState.TIMEOUT


def test_generic_resources_map_to_qsub_options() -> None:
    backend = SGEBackend(use_drmaa=False, gpu_type_complex="gpu_model")
    res = Resources(
        num_logical_cores=4,
        num_gpus=2,
        gpu_type="a100",
        memory_per_job=1000,
        time_per_job="1-00:00:30",
        queue="gpu.q",
        exclude_nodes="n1,n2",
        job_name="exp",
        extra_flags=["-P", "lab"],
    )
    assert backend.resource_flags(res) == [
        "-pe",
        "smp",
        "4",
        "-l",
        "h_rt=86430",
        "-l",
        "h_vmem=250M",  # h_vmem is per slot
        "-q",
        "gpu.q",
        "-l",
        "gpu=2",
        "-l",
        "gpu_model=a100",
        "-l",
        "h=!n1&!n2",
        "-N",
        "exp",
        "-P",
        "lab",
    ]
    assert backend.resource_flags(Resources()) == []  # one slot needs no PE


def test_gpu_type_needs_the_sites_gpu_type_complex(tmp_path: Path) -> None:
    spec = JobSpec(
        ["true"], stdout=tmp_path / "o", resources=Resources(num_gpus=1, gpu_type="v100")
    )
    with pytest.raises(ResourceError, match="gpu_type_complex"):
        SGEBackend(use_drmaa=False).check(spec)


def test_rendered_script_shows_directives_and_runs_argv_verbatim(tmp_path: Path) -> None:
    argv = ["printf", "%s|", "a b", "it's", "$HOME", "; rm -rf /"]
    spec = JobSpec(
        argv,
        stdout=tmp_path / "o.out",
        stderr=tmp_path / "e.err",
        resources=Resources(num_logical_cores=2, time_per_job="00:01:00"),
    )
    script = SGEBackend(use_drmaa=False).render(spec)
    for line in (
        "#$ -pe smp 2",
        "#$ -l h_rt=60",
        f"#$ -o {tmp_path}/o.out",
        f"#$ -e {tmp_path}/e.err",
        "#$ -S /bin/bash",
        "#$ -cwd",
    ):
        assert line in script.splitlines()
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert res.stdout == "a b|it's|$HOME|; rm -rf /|"
    assert json.loads((tmp_path / "o.out.status.json").read_text())["exit_code"] == 0


def test_required_drmaa_that_cannot_load_says_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "drmaa", None)  # import drmaa -> ImportError
    with pytest.raises(BackendUnavailableError, match="DRMAA_LIBRARY_PATH") as info:
        SGEBackend(use_drmaa=True)
    assert isinstance(info.value, ImportError)  # a missing optional dependency
    assert SGEBackend().mode == "qsub"  # the default falls back to the commands


# ------------------------------------------------------------------ fake commands
def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f'#!/bin/bash\necho "$@" >> {bin_dir}/{name}.log\n{body}\n')
    path.chmod(0o755)


def _calls(bin_dir: Path, name: str) -> list[str]:
    log = bin_dir / f"{name}.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return bin_dir


def test_refused_submission_raises_the_commands_message_once(
    fake_bin: Path, tmp_path: Path
) -> None:
    _fake(
        fake_bin,
        "qsub",
        'echo "Unable to run job: job requests unknown queue \\"x.q\\"" >&2; exit 1',
    )
    spec = JobSpec(["true"], stdout=tmp_path / "o.out", resources=Resources(queue="x.q"))
    with pytest.raises(SubmitError, match=r'unknown queue "x\.q"'):
        SGEBackend(use_drmaa=False).submit([spec])
    assert len(_calls(fake_bin, "qsub")) == 1  # no resubmit loop


def test_array_ids_and_one_qstat_per_poll(fake_bin: Path, tmp_path: Path) -> None:
    _fake(fake_bin, "qsub", f'cp "${{@: -1}}" {fake_bin}/last.sh; echo "45.1-5:1"')
    _fake(fake_bin, "qstat", f"cat <<'EOF'\n{QSTAT_XML}EOF")
    backend = SGEBackend(use_drmaa=False, array_throttle=3)
    specs = [JobSpec(["echo", str(i)], stdout=tmp_path / f"{i}.out") for i in range(5)]
    ids = backend.submit(specs)
    assert ids == [f"45.{i}" for i in range(1, 6)]
    driver = (fake_bin / "last.sh").read_text()
    assert "#$ -t 1-5" in driver and "#$ -tc 3" in driver
    states = {k: r.state for k, r in backend.poll(ids).items()}
    assert states == {"45.1": JobState.RUNNING, **{f"45.{i}": JobState.QUEUED for i in range(2, 6)}}
    assert len(_calls(fake_bin, "qstat")) == 1


def test_job_gone_from_qstat_waits_for_accounting_then_is_lost(
    fake_bin: Path, tmp_path: Path
) -> None:
    _fake(fake_bin, "qstat", "printf '<job_info></job_info>'")
    _fake(fake_bin, "qacct", "exit 1")
    acct = tmp_path / "accounting"
    acct.write_text("")
    backend = SGEBackend(use_drmaa=False, accounting_file=acct, lost_after=0.5)
    backend.adopt(
        {
            "17": JobSpec(["true"], stdout=tmp_path / "a.out"),
            "99": JobSpec(["true"], stdout=tmp_path / "b.out"),
        }
    )
    first = backend.poll(["17", "99"])
    assert first["17"].state is JobState.RUNNING  # not lost yet: accounting may lag
    with acct.open("a") as fh:
        fh.write(ACCT_EXIT3 + "\n")
    second = backend.poll(["17", "99"])
    assert second["17"].state is JobState.FAILED and second["17"].exit_code == 3
    time.sleep(0.6)
    assert backend.poll(["99"])["99"].state is JobState.LOST


def test_dry_run_shows_each_qsub_and_script_without_submitting(
    fake_bin: Path, tmp_path: Path
) -> None:
    _fake(fake_bin, "qsub", "echo 1")
    specs = [
        JobSpec(["python", "train.py", str(i)], stdout=tmp_path / f"{i}.out") for i in range(3)
    ]
    specs.append(
        JobSpec(
            ["echo", "a b"], stdout=tmp_path / "x.out", resources=Resources(num_logical_cores=2)
        )
    )
    text = SGEBackend(use_drmaa=False).dry_run(specs)
    assert text.count("# $ qsub -terse") == 2  # one array, one single job
    assert "#$ -t 1-3" in text and "#$ -pe smp 2" in text
    assert "exec python train.py 0" in text and "exec echo 'a b'" in text
    assert _calls(fake_bin, "qsub") == []


def test_accounting_is_read_incrementally_from_a_bounded_backlog(tmp_path: Path) -> None:
    from mle_scheduler.backends._cluster import IncrementalLog

    path = tmp_path / "accounting"
    path.write_text("old line 1\nold line 2\nold line 3\n")
    log = IncrementalLog(path, backlog=15)  # a huge site file: only its tail is read at first
    assert log.new_lines() == ["old line 3"]
    with path.open("a") as fh:
        fh.write("new 1\nnew 2 (unfinis")
    assert log.new_lines() == ["new 1"]
    with path.open("a") as fh:
        fh.write("hed)\n")
    assert log.new_lines() == ["new 2 (unfinished)"]
    path.write_text("rotated\n")  # shrank: start over
    assert log.new_lines() == ["rotated"]


def test_job_last_seen_long_ago_still_gets_its_grace_once_it_leaves_qstat(
    fake_bin: Path, tmp_path: Path
) -> None:
    # A long run backs its polls off (up to 30 s apart), so the poll that first misses a job
    # comes long after the one that last listed it; its accounting record may still be
    # unflushed (a busy qmaster). It used to be `lost` at once: a failed job reported lost.
    listing = tmp_path / "qstat.xml"
    listing.write_text(QSTAT_XML)
    _fake(
        fake_bin, "qstat", f'if [ -e {listing} ]; then cat {listing}; else echo "<job_info/>"; fi'
    )
    _fake(fake_bin, "qacct", "exit 1")
    acct = tmp_path / "accounting"
    acct.write_text("")
    backend = SGEBackend(use_drmaa=False, accounting_file=acct, lost_after=1.0)
    backend.adopt({"44": JobSpec(["true"], stdout=tmp_path / "a.out")})  # no status file
    assert backend.poll(["44"])["44"].state is JobState.RUNNING
    time.sleep(1.5)  # more than lost_after between two polls
    listing.unlink()  # the job ended meanwhile
    gone = backend.poll(["44"])["44"]
    assert gone.state is JobState.RUNNING, gone  # not lost: its records may lag
    with acct.open("a") as fh:
        fh.write(ACCT_EXIT3.replace(":17:sge:", ":44:sge:") + "\n")
    res = backend.poll(["44"])["44"]
    assert res.state is JobState.FAILED and res.exit_code == 3


@pytest.mark.parametrize("name", ["two\nlines", "tab\there", "bell\x07"])
def test_job_name_with_control_characters_is_refused_before_anything_is_made(
    tmp_path: Path, name: str
) -> None:
    from mle_scheduler.backends.slurm import SlurmBackend

    spec = JobSpec(["true"], stdout=tmp_path / "new" / "o.out", resources=Resources(job_name=name))
    for backend in (SGEBackend(use_drmaa=False), SlurmBackend()):
        with pytest.raises(ResourceError, match=r"^job_name: expected one line") as info:
            backend.validate([spec])
        assert "\n" not in str(info.value)
        with pytest.raises(ResourceError):
            backend.dry_run([spec])
    assert not (tmp_path / "new").exists()
