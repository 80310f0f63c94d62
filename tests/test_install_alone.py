"""Each library installs alone into a fresh virtual environment, and pulls in no sibling it
does not declare (the dependency arrows of the design point one way only)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIBLINGS = {"mle_config", "mle_logger", "mle_scheduler", "mle_search", "mle_monitor", "mle_cli"}
# library -> (local packages to install, modules that must import, siblings it may bring)
LIBRARIES = {
    "mle-config": (["mle-config"], ["mle_config"], {"mle_config"}),
    "mle-logger": (
        ["mle-config", "mle-logger"],
        ["mle_logger", "mle_toolbox.utils"],
        {"mle_config", "mle_logger"},
    ),
    "mle-scheduler": (["mle-scheduler"], ["mle_scheduler"], {"mle_scheduler"}),
    "mle-search": (["mle-search"], ["mle_search"], {"mle_search"}),
    # results and reports read logs (mle-logger) and rank by the search's seed aggregation
    "mle-monitor": (
        ["mle-config", "mle-logger", "mle-scheduler", "mle-search", "mle-monitor"],
        ["mle_monitor", "mle_monitor.results"],
        {"mle_config", "mle_logger", "mle_scheduler", "mle_search", "mle_monitor"},
    ),
}


def _make_venv(path: Path) -> tuple[list[str], Path]:
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(path)], check=True)
        return [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(path / "bin" / "python"),
        ], path / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    py = path / "bin" / "python"
    return [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"], py


@pytest.mark.slow
@pytest.mark.parametrize("library", list(LIBRARIES))
def test_library_installs_alone(library: str, tmp_path: Path) -> None:
    packages, modules, allowed = LIBRARIES[library]
    install, python = _make_venv(tmp_path / "venv")
    subprocess.run(
        [*install, *(str(ROOT / "packages" / p) for p in packages)], check=True, timeout=600
    )
    probe = (
        "import importlib, importlib.util, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"present = sorted(m for m in {sorted(SIBLINGS)!r} if importlib.util.find_spec(m))\n"
        "print(','.join(present))\n"
    )
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert set(filter(None, out.stdout.strip().split(","))) == allowed
