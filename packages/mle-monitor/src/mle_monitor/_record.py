"""One experiment as the registry keeps it: a flat, JSON-friendly record."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["EXPERIMENT_STATES", "FINAL_STATES", "ExperimentRecord", "experiment_id"]

#: what an experiment as a whole can be doing
EXPERIMENT_STATES = ("running", "done", "failed", "cancelled", "interrupted")
#: the states after which the experiment's driver no longer runs
FINAL_STATES = ("done", "failed", "cancelled", "interrupted")


def experiment_id(folder: str | os.PathLike[str]) -> str:
    """The registry id of an experiment folder: 10 hex digits of its absolute path's hash
    (stable across rescans and hosts that see the same path; unique in practice)."""
    path = os.path.abspath(os.fspath(folder))
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:10]  # noqa: S324


@dataclass(frozen=True)
class ExperimentRecord:
    """One row of the registry. ``folder`` is the truth; every other field can be read back
    from it (:func:`mle_monitor.read_experiment`)."""

    id: str
    folder: str
    name: str = ""
    project: str = ""
    purpose: str | None = None
    host: str | None = None
    backend: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    job_type: str | None = None
    state: str = "running"
    jobs_total: int = 0
    jobs_done: int = 0
    jobs_failed: int = 0
    jobs_running: int = 0
    started: float | None = None  # seconds since the epoch
    finished: float | None = None
    metric: str | None = None
    best_score: float | None = None
    best_params: dict[str, Any] | None = field(default=None)

    @classmethod
    def for_folder(cls, folder: str | os.PathLike[str], **values: Any) -> ExperimentRecord:
        """A record for ``folder`` with its id and name filled in."""
        path = os.path.abspath(os.fspath(folder))
        return cls(id=experiment_id(path), folder=path, name=Path(path).name, **values)

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-able data (``mle list --json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentRecord:
        """The inverse of :meth:`to_dict`; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def final(self) -> bool:
        """True once the experiment's driver no longer runs."""
        return self.state in FINAL_STATES
