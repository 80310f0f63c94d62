"""Which Python runs a job: a venv path, a conda env by name, else this one with a warning."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from mle_scheduler import choose_python


def _venv(folder: Path) -> Path:
    (folder / "bin").mkdir(parents=True)
    os.symlink(sys.executable, folder / "bin" / "python")
    return folder / "bin" / "python"


def test_no_env_is_this_python() -> None:
    choice = choose_python(None, Path.cwd())
    assert choice.executable == sys.executable and choice.warning is None


def test_env_name_as_a_venv_path_uses_its_python(tmp_path: Path) -> None:
    py = _venv(tmp_path / "venv")
    choice = choose_python("venv", tmp_path)
    assert choice.executable == str(py) and choice.warning is None


def test_bare_name_is_looked_up_among_condas_envs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    py = _venv(tmp_path / "envs" / "mle-toolbox")
    conda = tmp_path / "conda"
    envs = json.dumps({"envs": [str(tmp_path / "envs" / "mle-toolbox")]})
    conda.write_text(f"#!/bin/sh\necho '{envs}'\n")
    conda.chmod(0o755)
    monkeypatch.setenv("CONDA_EXE", str(conda))
    choice = choose_python("mle-toolbox", tmp_path / "elsewhere")
    assert choice.executable == str(py) and choice.warning is None


def test_missing_env_falls_back_to_this_python_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no conda on PATH
    monkeypatch.delenv("CONDA_EXE", raising=False)
    choice = choose_python("mle-toolbox", tmp_path, where="single_job_args.env_name")
    assert choice.executable == sys.executable
    assert choice.warning is not None and "conda is not installed" in choice.warning
    assert choice.warning.startswith("single_job_args.env_name: ")
