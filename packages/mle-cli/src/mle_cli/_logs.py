"""Read a run's log through mle-logger (the one place the CLI opens a run's log)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mle_logger import SeedLog


def read_run(run_dir: Path) -> SeedLog | None:
    """The run's log, or None when the run wrote none or it cannot be read (no score, never a
    crash of the CLI)."""
    from mle_logger import MleLoggerError, SeedLog, SeedLogs, load_log

    try:
        log = load_log(run_dir)
    except (MleLoggerError, OSError, KeyError, ValueError):
        return None
    if isinstance(log, SeedLog):
        return log
    return next(iter(log.seeds.values()), None) if isinstance(log, SeedLogs) else None
