"""The generated job script: quoting, environment activation and the status record."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mle_scheduler import JobSpec, Resources, read_status, render_script


def _run(spec: JobSpec, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", render_script(spec)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_status_record_has_times_host_and_exit_code(tmp_path: Path) -> None:
    spec = JobSpec(["sh", "-c", "exit 4"], stdout=tmp_path / "out")
    assert _run(spec).returncode == 4
    rec = read_status(spec.status_path)
    assert rec is not None and rec.exit_code == 4 and rec.finished
    assert rec.start is not None and rec.end is not None and rec.start <= rec.end
    assert rec.host
    assert [p.name for p in tmp_path.iterdir()] == ["out.status.json"]  # no temp file left


def test_user_strings_are_not_interpreted_by_the_shell(tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    hostile = f"$(touch {canary}); `touch {canary}` ' \" \\"
    spec = JobSpec(
        ["printf", "%s|", hostile], stdout=tmp_path / "out", env={"V": hostile}, cwd=tmp_path
    )
    res = _run(spec)
    assert res.returncode == 0, res.stderr
    assert res.stdout == hostile + "|"
    assert not canary.exists()


def test_venv_activation_and_failed_activation(tmp_path: Path) -> None:
    venv = tmp_path / "my venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text("export FROM_VENV=yes\n")
    spec = JobSpec(
        ["sh", "-c", "echo $FROM_VENV"],
        stdout=tmp_path / "o",
        resources=Resources(venv_path=str(venv)),
    )
    assert _run(spec).stdout == "yes\n"
    missing = JobSpec(
        ["true"], stdout=tmp_path / "o2", resources=Resources(venv_path=str(tmp_path / "nope"))
    )
    res = _run(missing)
    assert res.returncode == 1 and "cannot activate venv" in res.stderr
    rec = read_status(missing.status_path)
    assert rec is not None and rec.exit_code == 1  # activation failures are recorded too


def test_modules_and_conda_lines_are_quoted(tmp_path: Path) -> None:
    spec = JobSpec(
        ["true"],
        stdout=tmp_path / "o",
        resources=Resources(modules_to_load=("cuda/12.1", "a b"), env_name="my env"),
    )
    script = render_script(spec, ["#SBATCH --cpus-per-task=2"])
    assert script.splitlines()[:2] == ["#!/bin/bash", "#SBATCH --cpus-per-task=2"]
    assert "module load cuda/12.1 'a b' ||" in script
    assert "conda activate 'my env' ||" in script


def test_cd_failure_is_reported(tmp_path: Path) -> None:
    spec = JobSpec(["true"], stdout=tmp_path / "o", cwd=tmp_path / "missing")
    res = _run(spec)
    assert res.returncode == 1 and "cannot cd to" in res.stderr
