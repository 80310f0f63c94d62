"""What a :class:`~mle_scheduler.Queue` tells its ``on_event`` hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["QueueEvent"]


@dataclass(frozen=True)
class QueueEvent:
    """One step in a job's life, as seen by the queue.

    ``state`` is ``"submitted"`` (the backend accepted an attempt: ``backend_id`` is set),
    ``"running"`` (first seen running, once per attempt), ``"retrying"`` (the attempt ended in a
    state of ``retry_on``, or was lost after a reattach, and will run again; ``exit_code`` and
    ``message`` say why) or a final :class:`~mle_scheduler.JobState` value (``"done"``,
    ``"failed"``, ``"cancelled"``, ``"timeout"``, ``"lost"``), sent once when the job is final.
    ``attempt`` counts retries (0 for the first run); ``time`` is Unix seconds.
    """

    key: str
    state: str
    attempt: int
    time: float
    backend_id: str | None = None
    exit_code: int | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the fields that are None (one line of an event log)."""
        out: dict[str, Any] = {"key": self.key, "state": self.state, "attempt": self.attempt}
        for name in ("backend_id", "exit_code", "message"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["time"] = self.time
        return out
