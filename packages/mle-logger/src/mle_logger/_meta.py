"""Facts about the run recorded in a log's meta group: time, host, versions, git commit."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path

from .__about__ import __version__


def now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds precision."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _git_dir(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # worktree or submodule: "gitdir: <path>"
            text = dot_git.read_text().strip()
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:") :].strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


def git_commit(start: str | os.PathLike[str] | None = None) -> str | None:
    """The commit checked out in the git working copy around ``start`` (cwd), without git."""
    try:
        git = _git_dir(Path(start or os.getcwd()).resolve())
        if git is None:
            return None
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head[4:].strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text().strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                return (base / ref).read_text().strip() or None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        return None
    return None


def run_facts() -> dict[str, object]:
    """Host, process and version facts for a new log's meta."""
    import platform
    import socket

    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python_version": platform.python_version(),
        "mle_logger_version": __version__,
        "git_commit": git_commit(),
        "argv": " ".join(sys.argv),
    }
