"""Issue 12 "Set-up on other machines": `hatch test` must work with whichever supported Python
(3.10 to 3.13) a machine has. A matrix pinned to one version made hatch download a CPython on a
machine without it (failing offline); the matrix must list every version the packages support,
so hatch runs on the interpreter it finds, and CI must run a second version too."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]


def _lowest_python(pyproject: Path) -> str:
    spec = tomllib.loads(pyproject.read_text())["project"]["requires-python"]
    found = re.fullmatch(r">=\s*(3\.\d+)", spec.strip())
    assert found, f"{pyproject}: expected requires-python '>=3.N', found {spec!r}"
    return found.group(1)


def test_hatch_test_matrix_lists_every_supported_python() -> None:
    hatch = tomllib.loads((ROOT / "hatch.toml").read_text())
    matrix = hatch["envs"]["hatch-test"]["matrix"]
    versions = {v for entry in matrix for v in entry.get("python", [])}
    assert set(SUPPORTED) <= versions, f"hatch-test matrix {sorted(versions)} misses a version"
    # nothing the packages do not support (hatch would try to download it)
    assert all(tuple(map(int, v.split("."))) <= (3, 13) for v in versions), sorted(versions)


def test_every_package_supports_the_oldest_listed_python() -> None:
    pyprojects = sorted((ROOT / "packages").glob("*/pyproject.toml"))
    assert len(pyprojects) >= 5
    for pyproject in pyprojects:
        assert _lowest_python(pyproject) == SUPPORTED[0], pyproject


def test_ci_runs_the_suite_on_a_second_python() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "second" in ci and all(v in ci for v in ("3.10", "3.12", "3.13"))
