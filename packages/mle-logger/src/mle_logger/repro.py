"""The reproducibility record of an experiment: what ran, where, with which code and packages.

>>> write_reproducibility_record(Path("exp/reproducibility.json"), Path("exp/git.diff"),
...                              sys.argv, Path.cwd())
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._files import atomic_file

__all__ = ["RECORDED_PACKAGES", "git_info", "package_versions", "write_reproducibility_record"]

#: recorded besides every installed mle-* distribution
RECORDED_PACKAGES = (
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
    """Versions of every installed ``mle-*`` distribution and of :data:`RECORDED_PACKAGES`
    (None: not installed)."""
    found = {str(d.metadata["Name"]).lower(): d.version for d in importlib.metadata.distributions()}
    mle = sorted(n for n in found if n.startswith("mle-"))
    return {n: found.get(n) for n in [*mle, *RECORDED_PACKAGES]}


def _write_synced(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_file(path, write)


def write_reproducibility_record(
    path: Path,
    diff_path: Path,
    argv: Sequence[str],
    cwd: Path,
    purpose: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write the record to ``path`` as JSON (and the working tree's ``git diff HEAD`` to
    ``diff_path`` when it is dirty), both atomically; returns the record.

    Keys: ``created``, ``command`` (``argv``), ``cwd``, ``host``, ``platform``, ``python``,
    ``python_executable``, ``packages``, ``git`` (:func:`git_info` less the diff, plus
    ``diff_file``; None outside a repository) and ``purpose`` (its words joined, when given).
    """
    git = git_info(cwd)
    record: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": list(argv),
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
            _write_synced(diff_path, diff)
            git["diff_file"] = diff_path.name
        record["git"] = git
    _write_synced(path, json.dumps(record, indent=2) + "\n")
    return record
