"""The reproducibility record: what ran, where, with which code and packages."""

from __future__ import annotations

import importlib.metadata
import platform
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._layout import atomic_write_text, write_json

#: recorded besides every installed mle-* distribution
_PACKAGES = (
    "numpy",
    "h5py",
    "pyyaml",
    "scikit-optimize",
    "scikit-learn",
    "drmaa",
    "rich",
    "matplotlib",
)


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        res = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout if res.returncode == 0 else None


def git_info(cwd: Path) -> dict[str, Any] | None:
    """Commit, branch and diff (as text) of the repository holding ``cwd``; None outside one."""
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top is None:
        return None
    commit = _git(["rev-parse", "HEAD"], cwd)
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd)
    diff = _git(["diff", "HEAD"], cwd) or ""
    status = _git(["status", "--porcelain"], cwd) or ""
    return {
        "toplevel": top.strip(),
        "commit": commit.strip() if commit else None,
        "branch": branch.strip() if branch else None,
        "dirty": bool(status.strip()),
        "untracked": [ln[3:] for ln in status.splitlines() if ln.startswith("??")],
        "diff": diff,
    }


def package_versions() -> dict[str, str | None]:
    """Versions of the toolbox's packages (every ``mle-*`` installed) and its dependencies."""
    found = {str(d.metadata["Name"]).lower(): d.version for d in importlib.metadata.distributions()}
    mle = sorted(n for n in found if n.startswith("mle-"))
    return {n: found.get(n) for n in [*mle, *_PACKAGES]}


def write_record(
    path: Path, diff_path: Path, argv: list[str], cwd: Path, purpose: list[str] | None = None
) -> dict[str, Any]:
    """Write ``reproducibility.json`` (and ``git.diff`` when the working tree is dirty);
    ``purpose``: the words of ``mle run -p`` (the original toolbox's note on the experiment)."""
    git = git_info(cwd)
    record: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": argv,
        "cwd": str(cwd),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": sys.version,
        "python_executable": sys.executable,
        "packages": package_versions(),
        "git": None,
    }
    if purpose:
        record["purpose"] = " ".join(purpose)
    if git is not None:
        diff = git.pop("diff")
        if diff:
            atomic_write_text(diff_path, diff)
            git["diff_file"] = diff_path.name
        record["git"] = git
    write_json(path, record)
    return record
