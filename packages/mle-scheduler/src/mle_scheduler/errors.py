"""Exceptions raised by mle-scheduler.

Every error derives from :class:`MleSchedulerError` (also importable under its first name,
:class:`SchedulerError`); each subclass also inherits the builtin that fits,
so ``except ValueError`` keeps working for callers that do not know this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._process import ProcessRef

__all__ = [
    "BackendNotFoundError",
    "BackendUnavailableError",
    "JobSpecError",
    "LockHeldError",
    "MissingDependencyError",
    "MleSchedulerError",
    "QueueError",
    "ResourceError",
    "SchedulerError",
    "StateFileError",
    "SubmitError",
]


class MleSchedulerError(Exception):
    """Root of all mle-scheduler errors (named like the other packages' roots)."""


#: the root's first name, kept for existing callers
SchedulerError = MleSchedulerError


class ResourceError(SchedulerError, ValueError):
    """A resource request is malformed (unknown key, wrong type, bad time format)."""


class JobSpecError(SchedulerError, ValueError):
    """A job specification is malformed (empty argv, non-string env value, ...)."""


class SubmitError(SchedulerError, RuntimeError):
    """The scheduler refused a submission; the message carries the command's own output."""


class BackendNotFoundError(SchedulerError, LookupError):
    """No backend is registered under the requested name."""


class BackendUnavailableError(SchedulerError, RuntimeError):
    """The backend exists but cannot run here (missing commands, library or daemon)."""


class MissingDependencyError(BackendUnavailableError, ImportError):
    """An optional dependency of a backend (the DRMAA binding or library, a plug-in's module)
    cannot be imported; the message says what to install."""


class StateFileError(SchedulerError, ValueError):
    """A queue state file cannot be read back (missing, not JSON, wrong shape)."""


class QueueError(SchedulerError, ValueError):
    """A queue was asked for something it cannot do (a duplicate key, requeueing a job that is
    not final, a bad setting)."""


class LockHeldError(SchedulerError, RuntimeError):
    """An :class:`~mle_scheduler.OwnerLock` is held by another process; ``holder`` names it
    (a ``ProcessRef``; pid -1 when it cannot be named; None when it let go meanwhile)."""

    def __init__(self, message: str, *, holder: ProcessRef | None = None) -> None:
        super().__init__(message)
        self.holder = holder
