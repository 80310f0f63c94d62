"""Read a run's log through mle-logger, as plain arrays (the only place that touches it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class RunLog:
    """The series one run logged: ``stats[name]`` and ``time[name]`` as 1-D float arrays."""

    stats: dict[str, np.ndarray] = field(default_factory=dict)
    time: dict[str, np.ndarray] = field(default_factory=dict)


def _as_series(obj: object) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if obj is None:
        return out
    items: list[tuple[str, object]]
    if hasattr(obj, "items"):
        items = list(obj.items())
    elif hasattr(obj, "keys"):
        items = [(k, obj[k]) for k in obj]  # type: ignore[attr-defined,index]
    else:
        items = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
    for name, val in items:
        try:
            arr = np.asarray(val, dtype=float)
        except (TypeError, ValueError):
            continue
        out[str(name)] = arr.reshape(-1)
    return out


def read_run(run_dir: Path) -> RunLog | None:
    """The run's log, or None when the run wrote none (or it cannot be read)."""
    from mle_logger import load_log

    try:
        log = load_log(run_dir)
    except Exception:  # a missing or torn log means "no score", never a crash of the CLI
        return None
    return RunLog(
        stats=_as_series(getattr(log, "stats", None)), time=_as_series(getattr(log, "time", None))
    )
