"""mle-scheduler: one job API over local processes, Grid Engine and Slurm."""

from .__about__ import __version__
from ._queue import Queue, QueuedJob
from ._registry import ENTRY_POINT_GROUP, available_backends, get_backend
from ._script import StatusRecord, read_status, render_body, render_script
from ._types import JobResult, JobSpec, JobState, Resources, parse_time
from .backends.base import Backend, NativeStatus
from .backends.local import LocalBackend
from .errors import (
    BackendNotFoundError,
    BackendUnavailableError,
    JobSpecError,
    ResourceError,
    SchedulerError,
    StateFileError,
    SubmitError,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Backend",
    "BackendNotFoundError",
    "BackendUnavailableError",
    "JobResult",
    "JobSpec",
    "JobSpecError",
    "JobState",
    "LocalBackend",
    "NativeStatus",
    "Queue",
    "QueuedJob",
    "ResourceError",
    "Resources",
    "SchedulerError",
    "StateFileError",
    "StatusRecord",
    "SubmitError",
    "__version__",
    "available_backends",
    "get_backend",
    "parse_time",
    "read_status",
    "render_body",
    "render_script",
]
