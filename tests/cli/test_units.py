"""Small pieces of the CLI that end-to-end tests do not pin down."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from mle_cli._pyenv import choose_python


def test_env_name_as_a_venv_path_uses_its_python(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    choice = choose_python("venv", tmp_path)
    assert choice.executable == str(venv / "bin" / "python") and choice.warning is None


def test_missing_env_falls_back_to_this_python_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no conda on PATH
    monkeypatch.delenv("CONDA_EXE", raising=False)
    choice = choose_python("mle-toolbox", tmp_path)
    assert choice.executable == sys.executable
    assert choice.warning is not None and "conda is not installed" in choice.warning
