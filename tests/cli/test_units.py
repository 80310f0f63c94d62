"""Small pieces of the CLI that end-to-end tests do not pin down."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pytest
from mle_cli._pyenv import choose_python
from mle_cli._scoring import aggregate, run_score


@pytest.mark.parametrize(
    ("problem_type", "maximize", "expected"),
    [("final", True, 2.0), ("best", True, 5.0), ("best", False, 1.0), ("mean", False, 8 / 3)],
)
def test_run_score_by_problem_type(problem_type: str, maximize: bool, expected: float) -> None:
    assert run_score([1.0, 5.0, float("nan"), 2.0], problem_type, maximize) == pytest.approx(
        expected
    )


def test_run_score_without_values_is_none_and_bad_type_is_rejected() -> None:
    assert run_score([], "final", True) is None
    with pytest.raises(ValueError, match="problem_type"):
        run_score([1.0], "last", True)


def test_aggregate_skips_failed_seeds_and_counts_them() -> None:
    mean, std, n_failed = aggregate([1.0, None, 3.0, math.nan])
    assert (mean, std, n_failed) == (2.0, 1.0, 2)
    assert aggregate([None, None]) == (None, None, 2)


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
