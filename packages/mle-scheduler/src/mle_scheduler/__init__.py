"""mle-scheduler: one job API over local processes, Grid Engine and Slurm."""

from .__about__ import __version__
from ._script import StatusRecord, read_status, render_body, render_script
from ._types import JobResult, JobSpec, JobState, Resources, parse_time
from .backends.base import Backend, NativeStatus
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
    "Backend",
    "BackendNotFoundError",
    "BackendUnavailableError",
    "JobResult",
    "JobSpec",
    "JobSpecError",
    "JobState",
    "NativeStatus",
    "ResourceError",
    "Resources",
    "SchedulerError",
    "StateFileError",
    "StatusRecord",
    "SubmitError",
    "__version__",
    "parse_time",
    "read_status",
    "render_body",
    "render_script",
]
