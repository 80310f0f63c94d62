"""Where a :class:`~mle_scheduler.Queue` records its jobs, so that another (or a restarted)
process can rebuild it with :meth:`Queue.attach <mle_scheduler.Queue.attach>`.

The record is an index, not the truth: each job's status file (written by its wrapper beside its
outputs) says what happened to it. So a store flushes after each change (that survives a crash
of the queue's process) but does not fsync per change; it fsyncs when closed.

Two stores: :class:`JsonSnapshotStore` rewrites one JSON document atomically (easy to read, its
cost grows with the number of jobs) and :class:`JsonlStore` appends one short line per change
(constant cost per change; a torn last line is repaired before the next append and skipped
with a warning on reading).
"""

from __future__ import annotations

import abc
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import StateFileError
from .jsonl import JsonlWriter, iter_jsonl

if TYPE_CHECKING:
    from ._job import QueuedJob

__all__ = ["FORMAT", "VERSION", "JsonSnapshotStore", "JsonlStore", "QueueStore", "open_store"]

#: the ``format`` field of a queue header
FORMAT = "mle-scheduler-queue"
#: the ``version`` field of a queue header (readers accept this one only)
VERSION = 1
_SAVE_EVERY = 0.5  # seconds between throttled snapshot rewrites


class QueueStore(abc.ABC):
    """How a queue persists itself. A subclass implements :meth:`load`, :meth:`write_header`,
    :meth:`write_job` and :meth:`sync`; the queue calls them in this order of events:

    * ``write_header(header)`` before the first job is written and when a setting changes
      (e.g. :meth:`Queue.detach`); ``header`` holds ``format``, ``version``, the backend's name
      and options and the queue's settings;
    * ``write_job(job, fields)`` after each change of a job; ``fields`` is what changed,
      JSON-ready (a new job's ``spec`` and ``meta``; ``submitting``, ``job_id``, ``job_ids``,
      ``retries``, ``final``, ``result``);
    * ``sync(urgent)``: make the changes so far survive a crash of this process. The queue calls
      it with ``urgent=True`` before a job is handed to the backend and after the backend
      accepted it, and with ``urgent=False`` for result changes, which may be deferred;
    * :meth:`close` at the end.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @abc.abstractmethod
    def load(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(header, jobs): the last header written and each job's fields folded, in the order
        jobs were first written. Raises :class:`StateFileError` when the store cannot be read."""

    @abc.abstractmethod
    def write_header(self, header: Mapping[str, Any]) -> None:
        """Record the queue's header (see the class docstring)."""

    @abc.abstractmethod
    def write_job(self, job: QueuedJob, fields: Mapping[str, Any]) -> None:
        """Record that ``fields`` of ``job`` changed."""

    @abc.abstractmethod
    def sync(self, urgent: bool = True) -> None:
        """Make what was written survive a crash of this process (``urgent=False``: may wait)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Write what is pending and release the file (the store can still be written later)."""

    def start(self) -> None:  # noqa: B027 - optional hook
        """A new queue (not an attached one) starts here: earlier content no longer counts."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({os.fspath(self.path)!r})"


def _check_header(path: Path, header: object) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StateFileError(f"{path}: expected an mle-scheduler queue state file")
    if header.get("version") != VERSION:
        raise StateFileError(
            f"{path}: expected state file version {VERSION}, found {header.get('version')!r}"
        )
    return header


class JsonSnapshotStore(QueueStore):
    """One JSON document (``{"format", "version", ..., "jobs": [...]}``), replaced atomically
    (temp file + rename). Submissions are written at once; result changes at most every half
    second, and always on :meth:`sync` / :meth:`close`. Each job's JSON is kept, so a rewrite
    joins strings instead of serialising every job again."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._header: dict[str, Any] = {}
        self._frags: dict[str, str] = {}
        self._dirty = False
        self._saved_at = 0.0

    def load(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        path = self.path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StateFileError(f"{path}: cannot read the queue state file ({exc})") from None
        except ValueError as exc:
            raise StateFileError(f"{path}: expected JSON, found invalid text ({exc})") from None
        header = _check_header(path, data)
        jobs = header.pop("jobs", None)
        if not isinstance(jobs, list) or not all(isinstance(j, dict) for j in jobs):
            raise StateFileError(f"{path}: malformed queue state file (jobs: expected a list)")
        self._header = dict(header)
        self._frags = {str(j.get("key")): json.dumps(j) for j in jobs}
        return header, jobs

    def write_header(self, header: Mapping[str, Any]) -> None:
        self._header = dict(header)
        self._dirty = True

    def write_job(self, job: QueuedJob, fields: Mapping[str, Any]) -> None:
        self._frags[job.key] = json.dumps(job.to_dict())
        self._dirty = True

    def sync(self, urgent: bool = True) -> None:
        if not self._dirty:
            return
        now = time.monotonic()
        if not urgent and now - self._saved_at < _SAVE_EVERY:
            return
        self._saved_at, self._dirty = now, False
        head = json.dumps(self._header)
        text = head[:-1] + (", " if self._header else "") + '"jobs": [\n'
        text += ",\n".join(self._frags.values()) + "\n]}\n"
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def close(self) -> None:
        self.sync(urgent=True)

    def start(self) -> None:
        self._frags.clear()
        self._dirty = True


_UMASK: list[int] = []


def _umask() -> int:
    """The process's umask (read once: setting it to read it races with other threads)."""
    if not _UMASK:
        mask = os.umask(0o022)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]


class JsonlStore(QueueStore):
    """Append-only JSON lines: a header line ``{"queue": {...}}``, then one line per change of
    a job, ``{"key": ..., <fields that changed>}``; later lines update earlier ones. A new queue
    writes a header with ``"start": true``, after which earlier lines no longer count. Lines are
    flushed per batch of changes, never fsync'd per change (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._writer = JsonlWriter(self.path)
        self._start = False

    def load(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        header: dict[str, Any] | None = None
        jobs: dict[str, dict[str, Any]] = {}
        for rec in iter_jsonl(self.path, missing_ok=False):
            head = rec.get("queue")
            if isinstance(head, dict):
                if head.get("start"):
                    jobs.clear()
                header = head
                continue
            key = rec.get("key")
            if not isinstance(key, str):
                continue
            entry = jobs.get(key)
            if entry is None:
                jobs[key] = rec
            else:
                entry.update(rec)
        if header is None:
            raise StateFileError(f"{self.path}: expected an mle-scheduler queue state file")
        header = dict(_check_header(self.path, header))
        header.pop("start", None)
        return header, list(jobs.values())

    def start(self) -> None:
        self._start = True

    def write_header(self, header: Mapping[str, Any]) -> None:
        head = dict(header)
        if self._start:
            head["start"], self._start = True, False
        self._writer.append({"queue": head})

    def write_job(self, job: QueuedJob, fields: Mapping[str, Any]) -> None:
        self._writer.append({"key": job.key, **fields})

    def sync(self, urgent: bool = True) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close(fsync=True)


def open_store(path: str | os.PathLike[str]) -> QueueStore:
    """The store for a file: :class:`JsonlStore` for a ``.jsonl`` name, else a snapshot."""
    p = Path(path)
    return JsonlStore(p) if p.suffix == ".jsonl" else JsonSnapshotStore(p)
