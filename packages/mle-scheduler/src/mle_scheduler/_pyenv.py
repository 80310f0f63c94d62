"""Which Python runs a job: env_name or venv_path resolved to an interpreter, else this one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PythonChoice", "choose_python"]


@dataclass(frozen=True)
class PythonChoice:
    """The interpreter for the jobs, and a warning when the requested one is missing."""

    executable: str
    warning: str | None = None


def _venv_python(path: Path) -> Path | None:
    for cand in (path / "bin" / "python", path / "Scripts" / "python.exe"):
        if cand.is_file():
            return cand
    return None


def _conda_envs() -> list[Path]:
    conda = os.environ.get("CONDA_EXE") or shutil.which("conda")
    if not conda:
        return []
    try:
        res = subprocess.run(
            [conda, "env", "list", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        envs = json.loads(res.stdout).get("envs", []) if res.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []
    return [Path(e) for e in envs]


def choose_python(env_name: str | None, cwd: Path, *, where: str = "env_name") -> PythonChoice:
    """Resolve ``env_name`` to a Python executable.

    A path (absolute, or relative to ``cwd``) to a venv or conda env folder is used directly;
    a bare name is looked up among conda's environments. When nothing matches, the current
    interpreter runs the jobs and ``warning`` says so, starting with ``where`` (the setting
    that named the environment).
    """
    if not env_name:
        return PythonChoice(sys.executable)
    as_path = Path(env_name).expanduser()
    if not as_path.is_absolute():
        as_path = cwd / as_path
    if as_path.is_dir():
        py = _venv_python(as_path)
        if py is not None:
            return PythonChoice(str(py))
    if "/" not in env_name:
        for env in _conda_envs():
            if env.name == env_name:
                py = _venv_python(env)
                if py is not None:
                    return PythonChoice(str(py))
    why = (
        "conda is not installed"
        if not (os.environ.get("CONDA_EXE") or shutil.which("conda"))
        else f"no conda env or venv named {env_name!r} exists"
    )
    return PythonChoice(
        sys.executable,
        warning=f"{where}: {why}; jobs run with the current Python ({sys.executable})",
    )
