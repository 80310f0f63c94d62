"""mle-scheduler: one job API over local processes, Grid Engine and Slurm."""

from .__about__ import __version__
from ._process import ProcessRef
from ._queue import Queue, QueuedJob
from ._registry import ENTRY_POINT_GROUP, available_backends, get_backend
from ._script import StatusRecord, read_status, render_body, render_script
from ._types import JobResult, JobSpec, JobState, Resources, parse_time
from .backends.base import Backend, NativeStatus
from .backends.cluster import ClusterBackend
from .backends.local import LocalBackend
from .errors import (
    BackendNotFoundError,
    BackendUnavailableError,
    JobSpecError,
    MissingDependencyError,
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
    "ClusterBackend",
    "JobResult",
    "JobSpec",
    "JobSpecError",
    "JobState",
    "LocalBackend",
    "MissingDependencyError",
    "NativeStatus",
    "ProcessRef",
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
