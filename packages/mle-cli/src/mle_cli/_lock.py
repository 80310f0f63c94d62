"""One driver per experiment folder: ``driver.lock`` is held (flock) while a driver runs and
names it by :class:`~mle_scheduler.ProcessRef` (pid, start time, boot id), so a stale or
reused pid is never signalled or waited on."""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._layout import ExperimentDir
from .errors import UsageError

if TYPE_CHECKING:
    from mle_scheduler import ProcessRef


def _lock_path(exp: ExperimentDir) -> str:
    return str(exp.driver_lock)


@contextlib.contextmanager
def driver_lock(exp: ExperimentDir) -> Iterator[None]:
    """Hold the experiment's driver lock (it dies with this process); UsageError when another
    driver holds it."""
    from mle_scheduler import ProcessRef

    with open(_lock_path(exp), "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            other = running_driver(exp)
            raise UsageError(
                f"{exp.root}: expected no other driver, found one running "
                f"(pid {other.pid if other else '?'}); see `mle status {exp.root}` "
                f"or `mle cancel {exp.root}`"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(ProcessRef.current().to_dict()))
        fh.flush()
        yield


def running_driver(exp: ExperimentDir) -> ProcessRef | None:
    """The driver holding the experiment's lock, or None when none runs. Opened read-only, so
    a read-only (shared) experiment folder can be inspected."""
    from mle_scheduler import ProcessRef

    try:
        fh = open(_lock_path(exp), encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = fh.read().strip()
        else:
            return None  # nobody holds it
    ref: ProcessRef | None = None
    if text.isdigit():  # written by an older version: a bare pid
        ref = ProcessRef(int(text))
    else:
        with contextlib.suppress(ValueError):
            data = json.loads(text)
            ref = ProcessRef.from_dict(data) if isinstance(data, dict) else None
    if ref is None or not ref.alive():
        return ProcessRef(-1)  # held, by a process we cannot name: never signalled
    return ref


def driver_pid(exp: ExperimentDir) -> int | None:
    """The pid of the running driver (-1: one runs but cannot be named), or None."""
    ref = running_driver(exp)
    return None if ref is None else ref.pid


def stop_driver(exp: ExperimentDir, timeout: float = 30.0) -> ProcessRef | None:
    """Ask the running driver to stop (SIGTERM, after a flag file it also checks) and wait up
    to ``timeout`` s for it to release the lock. Returns the driver that still runs, or None."""
    import signal

    ref = running_driver(exp)
    if ref is None:
        return None
    with contextlib.suppress(OSError):
        exp.cancel_flag.touch()
    if ref.pid > 0:
        ref.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_driver(exp) is None:
            return None
        time.sleep(0.1)
    return running_driver(exp)


__all__ = ["driver_lock", "driver_pid", "running_driver", "stop_driver"]
