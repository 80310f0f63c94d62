"""A job of a :class:`~mle_scheduler.Queue`, across its attempts, and its stored form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._types import JobResult, JobSpec, JobState

__all__ = ["QueuedJob", "compact_result"]


@dataclass
class QueuedJob:
    """One job of a :class:`Queue`, across its attempts.

    ``key`` is the job's id in the queue (the caller's, or ``"0"``, ``"1"``, ...; stable across
    retries); ``job_id`` is the backend id of the current or last attempt (``None`` while
    waiting for a slot, and for a job followed through its status file only); ``result`` is the
    latest :class:`JobResult` (``None`` before the first poll); ``meta`` is the caller's
    JSON-ready data, kept in the store. ``final`` is True once the job will not change.
    ``stopping`` is a stop sent to the backend and not yet confirmed (``{"state": "pruned" or
    "cancelled", "message": ...}``), kept in the store so that a queue attached later settles
    the job the same way; ``None`` otherwise.
    """

    key: str
    spec: JobSpec
    meta: dict[str, Any] = field(default_factory=dict)
    job_id: str | None = None
    job_ids: list[str] = field(default_factory=list)
    retries: int = 0
    result: JobResult | None = None
    final: bool = False
    stopping: dict[str, Any] | None = None

    @property
    def state(self) -> JobState:
        """The latest known state (``queued`` until the backend reports otherwise)."""
        return JobState.QUEUED if self.result is None else self.result.state

    @property
    def attempt(self) -> int:
        """Retries so far (0 on the first run): the ``attempt`` of this job's events."""
        return self.retries

    def stderr_tail(self, lines: int = 20) -> str:
        """The last lines of the job's stderr file."""
        return self.result.stderr_tail(lines) if self.result else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "spec": self.spec.to_dict(),
            "meta": self.meta,
            "job_id": self.job_id,
            "job_ids": self.job_ids,
            "retries": self.retries,
            "result": None if self.result is None else self.result.to_dict(),
            "final": self.final,
            "stopping": self.stopping,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueuedJob:
        spec = JobSpec.from_dict(data["spec"])
        result = data.get("result")
        res = None
        stopping = data.get("stopping")
        if result is not None:
            res = JobResult.from_dict(
                {"stdout": spec.stdout_path, "stderr": spec.stderr_path, **result}
            )
        return cls(
            key=str(data["key"]),
            spec=spec,
            meta=dict(data.get("meta") or {}),
            job_id=data.get("job_id"),
            job_ids=list(data.get("job_ids") or []),
            retries=int(data.get("retries", 0)),
            result=res,
            final=bool(data.get("final", False)),
            stopping=dict(stopping) if isinstance(stopping, Mapping) else None,
        )


def compact_result(result: JobResult) -> dict[str, Any]:
    """A final result for the store: what reports need (output paths come from the spec)."""
    out: dict[str, Any] = {"job_id": result.job_id, "state": result.state.value}
    for name in ("exit_code", "start_time", "end_time", "host", "message"):
        value = getattr(result, name)
        if value is not None:
            out[name] = value
    return out
