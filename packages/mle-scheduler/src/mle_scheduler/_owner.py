"""One owner at a time for a queue store (or any folder): :class:`OwnerLock`.

Two processes driving one queue store would submit the same jobs twice and interleave their
writes, so a driver holds an ``flock`` on a lock file while it runs. The file names the holder
by :class:`~mle_scheduler.ProcessRef` (pid, start time, boot id) as JSON, so a stale or reused
pid is never signalled or waited on; a file holding a bare pid (older writers) is read too.
The lock dies with its process: a SIGKILLed owner leaves no stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal as _signal
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from ._process import ProcessRef
from .errors import LockHeldError

__all__ = ["OwnerLock"]


class OwnerLock:
    """An exclusive, process-lifetime lock on ``path`` that names its holder.

    >>> with OwnerLock("queue.lock"):  # LockHeldError while another process holds it
    ...     queue.wait()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fh: IO[str] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fh is not None

    def acquire(self) -> None:
        """Take the lock and write this process's :class:`ProcessRef` into the file.

        Raises :class:`LockHeldError` (with ``.holder``) when another process holds it.
        """
        if self._fh is not None:
            return
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            holder = self.holder()
            raise LockHeldError(
                f"{self.path}: expected no other owner, found one running "
                f"(pid {holder.pid if holder else '?'})",
                holder=holder,
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps(ProcessRef.current().to_dict()))
            fh.flush()
        except BaseException:
            fh.close()
            raise
        self._fh = fh

    def release(self) -> None:
        """Let the lock go (closing the file releases the flock; the file stays)."""
        fh, self._fh = self._fh, None
        if fh is not None:
            fh.close()

    def __enter__(self) -> OwnerLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def holder(self) -> ProcessRef | None:
        """The process holding the lock, or None when nobody does.

        ``ProcessRef(-1)`` when it is held by a process that cannot be named (an unreadable
        file, or a pid that no longer matches): such a holder is never signalled. The file is
        opened read-only, so a lock in a read-only (shared) folder can be inspected.
        """
        try:
            fh = open(self.path, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError:
            return None
        with fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                text = fh.read().strip()
            else:
                return None  # nobody holds it
        ref: ProcessRef | None = None
        if text.isdigit():  # written by an older version: a bare pid
            ref = ProcessRef(int(text))
        else:
            with contextlib.suppress(ValueError):
                data = json.loads(text)
                ref = ProcessRef.from_dict(data) if isinstance(data, dict) else None
        if ref is None or not ref.alive():
            return ProcessRef(-1)
        return ref

    def stop(self, timeout: float = 30.0, sig: int = _signal.SIGTERM) -> ProcessRef | None:
        """Signal the holder (when it can be named) and wait up to ``timeout`` s for it to
        let go. Returns the holder that still holds the lock, or None."""
        ref = self.holder()
        if ref is None:
            return None
        if ref.pid > 0:
            ref.signal(sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.holder() is None:
                return None
            time.sleep(0.1)
        return self.holder()
