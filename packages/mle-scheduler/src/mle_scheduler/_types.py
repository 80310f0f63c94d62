"""Public value types: what a job needs (:class:`Resources`, :class:`JobSpec`) and what became of
it (:class:`JobState`, :class:`JobResult`). All are immutable and JSON round-trippable."""

from __future__ import annotations

import dataclasses
import enum
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .errors import JobSpecError, ResourceError

__all__ = ["JobResult", "JobSpec", "JobState", "Resources", "parse_time"]

_TIME_RE = re.compile(r"^(?:(\d+)-)?(\d+):([0-5]\d):([0-5]\d)$")


def parse_time(value: str) -> int:
    """Return the seconds in a ``"HH:MM:SS"`` or ``"D-HH:MM:SS"`` duration.

    >>> parse_time("1-00:00:30")
    86430
    """
    match = _TIME_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ResourceError(f"time_per_job: expected 'HH:MM:SS' or 'D-HH:MM:SS', found {value!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _str_tuple(key: str, value: Any) -> tuple[str, ...]:
    """Accept a list of strings, or one string (comma- or space-separated for node/module lists)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p for p in re.split(r"[,\s]+", value) if p)
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ResourceError(f"{key}: expected a list of strings, found {value!r}")


@dataclass(frozen=True)
class Resources:
    """What one job asks the backend for. Keys are generic; each backend maps them to its flags.

    ``memory_per_job`` is in MB; ``time_per_job`` is ``"HH:MM:SS"`` or ``"D-HH:MM:SS"``;
    ``queue`` is the SGE queue or the Slurm partition; ``env_name`` a conda environment,
    ``venv_path`` a virtualenv folder, ``modules_to_load`` environment modules, all activated
    by the generated job script; ``extra_flags`` are native scheduler flags passed verbatim
    (one argv token each, e.g. ``("--qos=high",)`` or ``("-l", "h=node1")``).
    """

    num_logical_cores: int = 1
    num_gpus: int = 0
    gpu_type: str | None = None
    memory_per_job: int | None = None
    time_per_job: str | None = None
    queue: str | None = None
    exclude_nodes: tuple[str, ...] = ()
    job_name: str | None = None
    env_name: str | None = None
    venv_path: str | None = None
    modules_to_load: tuple[str, ...] = ()
    extra_flags: tuple[str, ...] = ()

    #: accepted alternative spellings in :meth:`from_dict`
    ALIASES: ClassVar[dict[str, str]] = {
        "partition": "queue",
        "venv": "venv_path",
        "num_cpus": "num_logical_cores",
    }

    def __post_init__(self) -> None:
        for key in ("num_logical_cores", "num_gpus"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ResourceError(f"{key}: expected an integer >= 0, found {value!r}")
        if self.num_logical_cores < 1:
            raise ResourceError(
                f"num_logical_cores: expected an integer >= 1, found {self.num_logical_cores!r}"
            )
        mem = self.memory_per_job
        if mem is not None and (not isinstance(mem, int) or isinstance(mem, bool) or mem <= 0):
            raise ResourceError(f"memory_per_job: expected MB as an integer > 0, found {mem!r}")
        if self.time_per_job is not None and parse_time(self.time_per_job) == 0:
            raise ResourceError(
                f"time_per_job: expected a duration > 0, found {self.time_per_job!r} "
                "(leave it unset for no limit)"
            )
        for key in ("gpu_type", "queue", "job_name", "env_name", "venv_path"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or not value):
                raise ResourceError(f"{key}: expected a non-empty string, found {value!r}")
        for key in ("exclude_nodes", "modules_to_load"):
            object.__setattr__(self, key, _str_tuple(key, getattr(self, key)))
        flags = self.extra_flags
        if isinstance(flags, str) or not all(isinstance(f, str) for f in flags):
            raise ResourceError(
                f"extra_flags: expected a list of strings (one token each), found {flags!r}"
            )
        object.__setattr__(self, "extra_flags", tuple(flags))

    @classmethod
    def allowed_keys(cls) -> list[str]:
        """The keys :meth:`from_dict` accepts (aliases included)."""
        return sorted([f.name for f in dataclasses.fields(cls)] + list(cls.ALIASES))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "resources") -> Resources:
        """Build from a plain mapping (e.g. a YAML section); unknown keys are rejected.

        ``where`` names the mapping in error messages (e.g. ``"single_job_args"``). A value of
        ``None`` means "not set". Integers given as numeric strings are not accepted.
        """
        if not isinstance(data, Mapping):
            raise ResourceError(f"{where}: expected a mapping, found {type(data).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(k for k in data if k not in fields and k not in cls.ALIASES)
        if unknown:
            raise ResourceError(
                f"{where}: unknown resource key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(cls.allowed_keys())}"
            )
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = cls.ALIASES.get(key, key)
            if name in kwargs:
                raise ResourceError(f"{where}: {key!r} given twice (also as an alias)")
            if value is not None:
                kwargs[name] = value
        try:
            return cls(**kwargs)
        except ResourceError as exc:
            raise ResourceError(f"{where}.{exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The fields that differ from the defaults, JSON-ready (lists for tuples)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default and value != ():
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @property
    def time_limit_seconds(self) -> int | None:
        """``time_per_job`` in seconds, or ``None`` when unlimited."""
        return None if self.time_per_job is None else parse_time(self.time_per_job)


@dataclass(frozen=True)
class JobSpec:
    """One job: the command (an argv list, never a shell string), where it runs and writes.

    ``stderr=None`` sends stderr to the stdout file. The wrapper records start time, end time,
    exit code and host as JSON in ``status_path`` (default: ``<stdout>.status.json``), beside
    the outputs: that file is the truth about the job, from which a queue can be rebuilt.
    ``env`` entries are added to (not substituted for) the launching environment.
    """

    argv: Sequence[str]
    stdout: str | os.PathLike[str]
    stderr: str | os.PathLike[str] | None = None
    cwd: str | os.PathLike[str] | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)
    status_file: str | os.PathLike[str] | None = None
    _paths: tuple[Path, Path, Path] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        argv = self.argv
        if isinstance(argv, str | bytes):
            raise JobSpecError(
                f"argv: expected a list of strings (no shell string), found {argv!r}"
            )
        argv = tuple(os.fspath(a) if isinstance(a, os.PathLike) else a for a in argv)
        if not argv or not all(isinstance(a, str) for a in argv):
            raise JobSpecError(f"argv: expected a non-empty list of strings, found {argv!r}")
        object.__setattr__(self, "argv", argv)
        env = dict(self.env)
        for k, v in env.items():
            if not isinstance(k, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
                raise JobSpecError(f"env: expected variable names like NAME_1, found {k!r}")
            if not isinstance(v, str):
                raise JobSpecError(f"env[{k!r}]: expected a string value, found {v!r}")
        object.__setattr__(self, "env", env)
        object.__setattr__(self, "stdout", Path(self.stdout))
        for key in ("stderr", "cwd", "status_file"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, Path(value))
        out = Path(self.stdout)
        err = out if self.stderr is None else Path(self.stderr)
        status = out.with_name(out.name + ".status.json")
        if self.status_file is not None:
            status = Path(self.status_file)
        object.__setattr__(self, "_paths", (out, err, status))  # computed once: polled often
        if isinstance(self.resources, Mapping):
            object.__setattr__(self, "resources", Resources.from_dict(self.resources))
        elif not isinstance(self.resources, Resources):
            raise JobSpecError(
                f"resources: expected Resources or a mapping, found {self.resources!r}"
            )

    @property
    def stdout_path(self) -> Path:
        """Where stdout goes."""
        return self._paths[0]

    @property
    def stderr_path(self) -> Path:
        """Where stderr goes (the stdout file when ``stderr`` is None)."""
        return self._paths[1]

    @property
    def status_path(self) -> Path:
        """The wrapper's JSON record of this job (start, end, exit code, host)."""
        return self._paths[2]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for state files); :meth:`from_dict` reverses it."""
        d: dict[str, Any] = {"argv": list(self.argv), "stdout": os.fspath(self.stdout)}
        for key in ("stderr", "cwd", "status_file"):
            value = getattr(self, key)
            if value is not None:
                d[key] = os.fspath(value)
        if self.env:
            d["env"] = dict(self.env)
        res = self.resources.to_dict()
        if res:
            d["resources"] = res
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSpec:
        allowed = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise JobSpecError(f"job spec: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        kwargs = dict(data)
        kwargs["resources"] = Resources.from_dict(kwargs.get("resources") or {})
        return cls(**kwargs)


class JobState(str, enum.Enum):
    """Where a job is. ``done``/``failed``/``cancelled``/``timeout``/``lost``/``pruned`` are
    final; ``lost`` means neither the scheduler nor the job's status file can say what
    happened; ``pruned`` means the caller stopped it early on purpose (e.g. its metric fell
    below a pruner's cut): not a failure, never retried (see :meth:`Queue.cancel`)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    LOST = "lost"
    PRUNED = "pruned"

    @property
    def finished(self) -> bool:
        """True for the final states."""
        return self not in (JobState.QUEUED, JobState.RUNNING)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class JobResult:
    """What a backend knows about one job. Times are Unix epoch seconds (``None`` if unknown)."""

    job_id: str
    state: JobState
    exit_code: int | None = None
    start_time: float | None = None
    end_time: float | None = None
    stdout: Path | None = None
    stderr: Path | None = None
    host: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        """True when the job finished with exit code 0."""
        return self.state is JobState.DONE

    def stderr_tail(self, lines: int = 20, max_bytes: int = 16384) -> str:
        """The last ``lines`` lines of the job's stderr file ('' if there is none)."""
        return tail(self.stderr, lines=lines, max_bytes=max_bytes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "state": self.state.value,
            "exit_code": self.exit_code,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "stdout": None if self.stdout is None else os.fspath(self.stdout),
            "stderr": None if self.stderr is None else os.fspath(self.stderr),
            "host": self.host,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobResult:
        kwargs = dict(data)
        kwargs["state"] = JobState(kwargs["state"])
        for key in ("stdout", "stderr"):
            if kwargs.get(key) is not None:
                kwargs[key] = Path(kwargs[key])
        return cls(**kwargs)


def tail(
    path: str | os.PathLike[str] | None,
    lines: int = 20,
    max_bytes: int = 16384,
    *,
    skip_blank: bool = False,
) -> str:
    """Read the last ``lines`` lines (at most ``max_bytes``) of a text file; '' if unreadable.
    ``skip_blank`` leaves out blank lines and trailing whitespace before counting."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    rows = data.decode("utf-8", errors="replace").splitlines()
    if skip_blank:
        rows = [row.rstrip() for row in rows if row.strip()]
    return "\n".join(rows[-lines:])
