"""The experiment's driver (one per folder, holding ``driver.lock``: an
:class:`mle_scheduler.OwnerLock`) and its job table. Every job's state comes from
:func:`mle_monitor.inspect_experiment`, the toolbox's one job-state model."""

from __future__ import annotations

import contextlib
import warnings
from typing import TYPE_CHECKING

from mle_config import PlannedJob

from ._layout import ExperimentDir

if TYPE_CHECKING:
    from mle_monitor import ExperimentDetail
    from mle_scheduler import OwnerLock, ProcessRef


def read_jobs(exp: ExperimentDir) -> list[PlannedJob]:
    """The job table, first occurrence of each job id wins."""
    from mle_scheduler import iter_jsonl

    seen: dict[str, PlannedJob] = {}
    for rec in iter_jsonl(exp.jobs):
        try:
            job = PlannedJob.from_record(rec)
        except (KeyError, TypeError, ValueError):  # a damaged row: name it, keep the rest
            warnings.warn(
                f"{exp.jobs}: skipped a row that is not a job: {rec!r:.120}", stacklevel=2
            )
            continue
        seen.setdefault(job.job_id, job)
    return list(seen.values())


def experiment_status(exp: ExperimentDir, driver_runs: bool | None = None) -> ExperimentDetail:
    """Every job's state, the plan and a search's end (``mle status``)."""
    from mle_monitor import inspect_experiment

    exp.read_marker()
    return inspect_experiment(exp.root, driver_runs=driver_runs)


def driver_lock(exp: ExperimentDir) -> OwnerLock:
    """The experiment's driver lock: held while a driver runs (LockHeldError if another does)."""
    from mle_scheduler import OwnerLock

    return OwnerLock(exp.driver_lock)


def running_driver(exp: ExperimentDir) -> ProcessRef | None:
    """The driver holding the experiment's lock (pid -1: one that cannot be named), or None."""
    return driver_lock(exp).holder()


def driver_pid(exp: ExperimentDir) -> int | None:
    """The pid of the running driver (-1: one runs but cannot be named), or None."""
    ref = running_driver(exp)
    return None if ref is None else ref.pid


def stop_driver(exp: ExperimentDir, timeout: float = 30.0) -> ProcessRef | None:
    """Ask the running driver to stop (the cancel flag it checks, then SIGTERM) and wait up to
    ``timeout`` s for it to let go. Returns the driver that still runs, or None."""
    if running_driver(exp) is None:
        return None
    with contextlib.suppress(OSError):
        exp.cancel_flag.touch()
    return driver_lock(exp).stop(timeout)
