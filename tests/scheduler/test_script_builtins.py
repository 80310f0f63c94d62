"""The wrapper writes its status records with bash builtins only, and still atomically.

The records replace the status file by rename (``history -w`` writes a temp file and renames it,
bash >= 4.4), so a job runs with no ``mv``/``date``/``hostname`` process beside it. These tests
run the wrapper with a PATH that has none of those tools, and with the history variables a user
may export set to values that would otherwise change what ``history -w`` writes.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from mle_scheduler import JobSpec, read_status, render_script

BASH = shutil.which("bash") or "/bin/bash"
SH = shutil.which("sh") or "/bin/sh"
ENV = shutil.which("env") or "/usr/bin/env"

#: values that, if they reached ``history -w``, would add a timestamp line, drop the record or
#: write an empty list
HOSTILE_HISTORY = {
    "HISTTIMEFORMAT": "%s ",
    "HISTSIZE": "0",
    "HISTFILESIZE": "0",
    "HISTIGNORE": "*",
    "HISTCONTROL": "ignoreboth:erasedups",
}

pytestmark = pytest.mark.skipif(
    subprocess.run(
        [BASH, "-c", "((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404))"], check=False
    ).returncode
    != 0,
    reason="bash < 4.4 writes the records with mv",
)


def _run(
    spec: JobSpec, env: dict[str, str], bash_env: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**env, "BASH_ENV": os.fspath(bash_env)} if bash_env else env
    return subprocess.run(
        [BASH, "-c", render_script(spec)], capture_output=True, text=True, env=full, check=False
    )


def _record(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.count("\n") == 1, text  # one JSON line, nothing else
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("noted", [False, True], ids=["wrapper-start", "launcher-start"])
def test_records_are_complete_without_mv_date_or_hostname(tmp_path: Path, noted: bool) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    spec = JobSpec([SH, "-c", "exit 7"], stdout=tmp_path / "job" / "out")
    spec.status_path.parent.mkdir()
    env = {"PATH": os.fspath(empty), "HOME": os.fspath(tmp_path)}
    if noted:  # the local backend writes the start record itself; the wrapper only the end
        spec.status_path.write_text('{"start": 1.0, "host": "h", "pid": 1}\n', encoding="utf-8")
        env["MLE_SCHEDULER_NOTED"] = "1"
    res = _run(spec, env)
    assert res.returncode == 7, res.stderr
    assert res.stderr == ""  # no "mv: command not found" or similar
    data = _record(spec.status_path)
    assert data["exit_code"] == 7
    assert isinstance(data["pid"], int) and isinstance(data["pid_start"], int)
    assert isinstance(data["boot_id"], str) and data["boot_id"]
    rec = read_status(spec.status_path)
    assert rec is not None and rec.finished and rec.host
    assert rec.start is not None and rec.end is not None and rec.start <= rec.end
    assert sorted(p.name for p in spec.status_path.parent.iterdir()) == ["out.status.json"]


def test_end_record_replaces_the_start_record_by_rename(tmp_path: Path) -> None:
    """A reader sees the old record or the new one: the file is a new inode, never rewritten."""
    spec = JobSpec([SH, "-c", "exit 0"], stdout=tmp_path / "out")
    start = '{"start": 1.0, "host": "h", "pid": 1}\n'
    spec.status_path.write_text(start, encoding="utf-8")
    keep = spec.status_path.with_name("held-open")
    os.link(spec.status_path, keep)  # the old inode, as a reader holding it open would see it
    before = spec.status_path.stat().st_ino
    res = _run(spec, {**os.environ, "MLE_SCHEDULER_NOTED": "1"})
    assert res.returncode == 0, res.stderr
    assert spec.status_path.stat().st_ino != before
    assert keep.read_text(encoding="utf-8") == start  # the old record was never truncated
    assert _record(spec.status_path)["exit_code"] == 0


def test_history_variables_neither_break_the_record_nor_leak_into_the_job(
    tmp_path: Path,
) -> None:
    spec = JobSpec([ENV], stdout=tmp_path / "out")
    shadow = {"BASH_FUNC_history%%": "() { return 0; }"}  # an exported function named history
    res = _run(spec, {**os.environ, **HOSTILE_HISTORY, **shadow})
    assert res.returncode == 0, res.stderr
    assert _record(spec.status_path)["exit_code"] == 0
    seen = dict(line.split("=", 1) for line in res.stdout.splitlines() if line.startswith("HIST"))
    assert seen == HOSTILE_HISTORY  # the job gets the user's values back, exported as before


def test_a_history_write_that_goes_wrong_falls_back_to_mv(tmp_path: Path) -> None:
    """A read-only HISTTIMEFORMAT (set by a BASH_ENV file) cannot be unset, so ``history -w``
    writes a timestamp line: the wrapper reads the file back, sees that, and rewrites it."""
    bash_env = tmp_path / "bash_env"
    bash_env.write_text("readonly HISTTIMEFORMAT=%s\n", encoding="utf-8")
    spec = JobSpec([SH, "-c", "exit 3"], stdout=tmp_path / "out")
    res = _run(spec, dict(os.environ), bash_env=bash_env)
    assert res.returncode == 3, res.stderr
    assert res.stderr == ""
    assert _record(spec.status_path)["exit_code"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bash_env", "out.status.json"]


@pytest.mark.parametrize("noted", [False, True], ids=["wrapper-start", "launcher-start"])
def test_status_file_takes_its_mode_from_the_umask(tmp_path: Path, noted: bool) -> None:
    """``history -w`` creates its files 0600; a teammate in the group must still read them."""
    spec = JobSpec([SH, "-c", "exit 0"], stdout=tmp_path / "out")
    env = dict(os.environ)
    if noted:
        spec.status_path.write_text('{"start": 1.0, "host": "h", "pid": 1}\n', encoding="utf-8")
        spec.status_path.chmod(0o640)
        env["MLE_SCHEDULER_NOTED"] = "1"
    res = subprocess.run(
        [BASH, "-c", render_script(spec)], env=env, umask=0o027, capture_output=True, check=False
    )
    assert res.returncode == 0, res.stderr
    assert _record(spec.status_path)["exit_code"] == 0
    assert stat.S_IMODE(spec.status_path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.status.json"]
