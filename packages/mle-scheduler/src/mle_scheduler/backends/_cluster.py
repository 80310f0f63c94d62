"""Helpers shared by the cluster backends (Grid Engine, Slurm): running scheduler commands,
writing job scripts, grouping same-shaped jobs into arrays, and the array driver script."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from shlex import quote

from .._script import render_script
from .._types import JobSpec, Resources
from ..errors import BackendUnavailableError, SchedulerError, SubmitError

__all__ = [
    "IncrementalLog",
    "StatusWatch",
    "all_or_nothing",
    "array_driver",
    "cancel_command",
    "dry_run_text",
    "expand_tasks",
    "group_by_shape",
    "run_command",
    "script_path",
    "write_script",
]

#: seconds a scheduler command may take before it counts as failed
COMMAND_TIMEOUT = 120.0
#: consecutive failed status calls (squeue, qstat) tolerated before a poll raises; meanwhile
#: the last known states are reported, so a busy controller does not end a long run
MAX_POLL_FAILURES = 5


def _invoke(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a scheduler command: no shell, no stdin, output captured as text."""
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
    )


def run_command(
    argv: Sequence[str],
    *,
    what: str = "scheduler command",
    error: type[Exception] = SubmitError,
    timeout: float = COMMAND_TIMEOUT,
) -> str:
    """Run ``argv`` (no shell) and return its stdout.

    A missing program raises :class:`BackendUnavailableError`; a non-zero exit or a time-out
    raises ``error`` carrying the command line and the command's own message (its stderr).
    Never retried here: the caller decides.
    """
    argv = list(argv)
    try:
        res = _invoke(argv, timeout)
    except FileNotFoundError:
        raise BackendUnavailableError(
            f"{what}: {argv[0]!r} is not on PATH; is the scheduler's client installed?"
        ) from None
    except subprocess.TimeoutExpired:
        raise error(
            f"{what} timed out after {timeout:.0f} s: {' '.join(map(quote, argv))}"
        ) from None
    if res.returncode != 0:
        msg = res.stderr.strip() or res.stdout.strip() or "(no output)"
        raise error(
            f"{what} failed with exit code {res.returncode}: {' '.join(map(quote, argv))}\n{msg}"
        )
    return res.stdout


def cancel_command(argv: Sequence[str], benign: Sequence[str]) -> None:
    """Run a cancel command (``qdel``, ``scancel``) for many ids at once.

    Lines of its output that contain one of the ``benign`` phrases (a job that already ended,
    a deletion being registered) are not errors; any other output of a failing call raises
    :class:`SchedulerError` with the command's own message.
    """
    argv = list(argv)
    try:
        res = _invoke(argv, COMMAND_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SchedulerError(f"{argv[0]} failed: {exc}") from None
    if res.returncode == 0:
        return
    problems = [
        line
        for line in (res.stdout + res.stderr).splitlines()
        if line.strip() and not any(phrase in line for phrase in benign)
    ]
    if problems:
        raise SchedulerError(
            f"{argv[0]} failed with exit code {res.returncode}: " + "\n".join(problems)
        )


@contextlib.contextmanager
def all_or_nothing(
    ids: Sequence[str | None], cancel: Callable[[list[str]], None]
) -> Iterator[None]:
    """Submit inside this block, filling ``ids``; on any error cancel what was already
    submitted, so half a submission is never left running behind the error."""
    try:
        yield
    except BaseException:
        done = [i for i in ids if i is not None]
        if done:
            with contextlib.suppress(SchedulerError):
                cancel(done)
        raise


def script_path(spec: JobSpec) -> Path:
    """Where the generated job script of ``spec`` is kept: beside its stdout file."""
    out = spec.stdout_path
    return out.with_name(out.name + ".job.sh")


def write_script(path: Path, text: str) -> Path:
    """Write a job script atomically (temp file + rename), executable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o700)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_task_script(spec: JobSpec) -> Path:
    """The script one array task runs: the shared body, writing its own output files."""
    return write_script(script_path(spec), render_script(spec, (), redirect_output=True))


def group_by_shape(specs: Sequence[JobSpec], min_size: int) -> list[list[int]]:
    """Indices of ``specs`` grouped by identical :class:`Resources` (in first-seen order).

    Groups smaller than ``min_size`` are split into single jobs, so every returned group of
    two or more can be submitted as one array.
    """
    groups: dict[Resources, list[int]] = {}
    for i, spec in enumerate(specs):
        groups.setdefault(spec.resources, []).append(i)
    out: list[list[int]] = []
    for members in groups.values():
        if min_size >= 1 and len(members) >= max(2, min_size):
            out.append(members)
        else:
            out.extend([i] for i in members)
    return out


def dry_run_text(
    specs: Sequence[JobSpec],
    groups: Sequence[Sequence[int]],
    single: Callable[[JobSpec], tuple[str, str]],
    array: Callable[[list[JobSpec]], tuple[str, str]],
) -> str:
    """Join what a backend would submit: per group, its command line and its script; for an
    array also the first task's script (the others differ only in their job)."""
    parts: list[str] = []
    for group in groups:
        members = [specs[i] for i in group]
        if len(members) == 1:
            command, script = single(members[0])
            parts.append(f"# $ {command}\n{script}")
            continue
        command, script = array(members)
        first = render_script(members[0], (), redirect_output=True)
        parts.append(f"# $ {command}  ({len(members)} tasks)\n{script}")
        parts.append(f"# task 1 runs {quote(os.fspath(script_path(members[0])))}:\n{first}")
    return "\n".join(parts)


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def array_driver(task_scripts: Sequence[Path], directives: Sequence[str], task_var: str) -> str:
    """A bash array job script that runs task ``i`` (1-based, from ``$task_var``)'s script."""
    lines = ["#!/bin/bash", *directives]
    lines.append("# mle-scheduler array driver: task i runs the i-th job script below.")
    lines.append(f'case "${{{task_var}:-}}" in')
    for i, path in enumerate(task_scripts, start=1):
        lines.append(f"    {i}) exec /bin/bash {quote(os.fspath(path.absolute()))} ;;")
    lines.append("esac")
    lines.append(f'echo "mle-scheduler: no job script for array task ${{{task_var}:-?}}" >&2')
    lines.append("exit 1")
    return "\n".join(lines) + "\n"


def array_driver_path(first: JobSpec, stamp: str) -> Path:
    """Where the driver script of an array is kept (beside the first job's output)."""
    return first.stdout_path.with_name(f"mle-array-{stamp}.sh")


def unique_stamp() -> str:
    """A short token that names one submission's array files uniquely enough."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"


_RANGE = re.compile(r"^(\d+)(?:-(\d+)(?::(\d+))?)?$")


def expand_tasks(text: str) -> list[int]:
    """Task ids in a scheduler's range list: ``"1-5:2,8"`` (SGE), ``"[1-4%2]"`` (Slurm)."""
    text = text.strip().strip("[]")
    text = text.split("%", 1)[0]
    out: list[int] = []
    for part in text.split(","):
        match = _RANGE.match(part.strip())
        if match is None:
            continue
        first = int(match.group(1))
        last = int(match.group(2) or first)
        step = int(match.group(3) or 1)
        out.extend(range(first, last + 1, max(step, 1)))
    return out


class IncrementalLog:
    """An append-only text file (a completion or accounting log) read a little at a time.

    :meth:`new_lines` returns the complete lines added since the last call; if the file shrank
    (rotated), it starts over from the beginning. The first call reads at most ``backlog``
    bytes from the end: a site's accounting file can hold years of jobs.
    """

    def __init__(self, path: str | os.PathLike[str], backlog: int = 32 * 2**20) -> None:
        self.path = Path(path)
        self.backlog = backlog
        self._offset: int | None = None
        self._partial = b""

    def readable(self) -> bool:
        return os.access(self.path, os.R_OK)

    def new_lines(self) -> list[str]:
        skip_first = False
        try:
            with open(self.path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if self._offset is None:
                    self._offset = max(0, size - self.backlog)
                    skip_first = self._offset > 0  # starts mid-line
                elif size < self._offset:
                    self._offset, self._partial = 0, b""
                fh.seek(self._offset)
                data = fh.read()
        except OSError:
            return []
        self._offset += len(data)
        data = self._partial + data
        *complete, self._partial = data.split(b"\n")
        if skip_first and complete:
            complete = complete[1:]
        return [line.decode("utf-8", errors="replace") for line in complete if line]


class StatusWatch:
    """Wakes a waiting poller as soon as a job's status file appears or changes.

    Looking at files beside the outputs costs the scheduler nothing, so a queue notices a job
    that started or ended within a fraction of a second while its scheduler polls back off.
    """

    def __init__(self, step: float = 0.25, limit: int = 5000) -> None:
        self.step = step
        self.limit = limit
        self._paths: dict[str, Path] = {}

    def add(self, job_id: str, path: Path) -> None:
        self._paths[job_id] = path

    def discard(self, job_id: str) -> None:
        self._paths.pop(job_id, None)

    def _stamps(self) -> dict[str, tuple[int, int] | None]:
        out: dict[str, tuple[int, int] | None] = {}
        for job_id, path in list(self._paths.items())[: self.limit]:
            try:
                st = path.stat()
            except OSError:
                out[job_id] = None
            else:
                out[job_id] = (st.st_mtime_ns, st.st_size)
        return out

    def wait(self, timeout: float, also: Callable[[], bool] | None = None) -> bool:
        """Sleep up to ``timeout`` s; True as soon as a watched file (or ``also()``) changed."""
        end = time.monotonic() + timeout
        before = self._stamps() if self._paths else {}
        step = self.step if len(self._paths) <= 1000 else 1.0  # a stat per file and step
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(step, left))
            if also is not None and also():
                return True
            if self._paths and self._stamps() != before:
                return True
