"""mle-scheduler: one job API over local processes, Grid Engine and Slurm."""

from .__about__ import __version__
from ._events import QueueEvent
from ._owner import OwnerLock
from ._process import ProcessRef
from ._pyenv import PythonChoice, choose_python
from ._queue import DEFAULT_RETRY_ON, Queue, QueuedJob
from ._registry import ENTRY_POINT_GROUP, available_backends, get_backend
from ._script import StatusRecord, read_status, render_body, render_script
from ._store import JsonlStore, JsonSnapshotStore, QueueStore
from ._types import JobResult, JobSpec, JobState, Resources, parse_time, tail
from .backends.base import Backend, NativeStatus
from .backends.cluster import ClusterBackend
from .backends.local import LocalBackend
from .errors import (
    BackendNotFoundError,
    BackendUnavailableError,
    JobSpecError,
    LockHeldError,
    MissingDependencyError,
    MleSchedulerError,
    QueueError,
    ResourceError,
    SchedulerError,
    StateFileError,
    SubmitError,
)
from .jsonl import JsonlWarning, JsonlWriter, append_jsonl, iter_jsonl, read_jsonl

__all__ = [
    "DEFAULT_RETRY_ON",
    "ENTRY_POINT_GROUP",
    "Backend",
    "BackendNotFoundError",
    "BackendUnavailableError",
    "ClusterBackend",
    "JobResult",
    "JobSpec",
    "JobSpecError",
    "JobState",
    "JsonSnapshotStore",
    "JsonlStore",
    "JsonlWarning",
    "JsonlWriter",
    "LocalBackend",
    "LockHeldError",
    "MissingDependencyError",
    "MleSchedulerError",
    "NativeStatus",
    "OwnerLock",
    "ProcessRef",
    "PythonChoice",
    "Queue",
    "QueueError",
    "QueueEvent",
    "QueueStore",
    "QueuedJob",
    "ResourceError",
    "Resources",
    "SchedulerError",
    "StateFileError",
    "StatusRecord",
    "SubmitError",
    "__version__",
    "append_jsonl",
    "available_backends",
    "choose_python",
    "get_backend",
    "iter_jsonl",
    "parse_time",
    "read_jsonl",
    "read_status",
    "render_body",
    "render_script",
    "tail",
]
