"""One writer per seed log: an advisory lock on ``seed_<id>.lock`` that dies with its process.

The lock is ``flock`` on an open file: the kernel drops it when the process ends, however it ends
(SIGKILL included), so a crashed writer never blocks a retry. The holder removes the file when it
is done; a taker checks it locked the file that is still at the path (not one just removed).
On NFS, ``flock`` is carried by the NFS lock service and works across hosts; on a mount without
it (``nolock``) it only sees writers on the same host, and where locking fails with ``ENOLCK``
the logger warns and writes without the check.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
import warnings
from pathlib import Path

from .errors import LogBusyError, LogWriteWarning

_BUSY = (errno.EWOULDBLOCK, errno.EAGAIN)
_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class WriterLock:
    """A held lock; :meth:`release` (idempotent) removes the lock file and unlocks."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        self._pid = os.getpid()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._pid == os.getpid():  # a forked child shares the lock: only its owner removes it
            with contextlib.suppress(OSError):  # still locked: a taker that opened it retries
                self.path.unlink(missing_ok=True)
        os.close(fd)


def _holder(fd: int, patience: float = 1.0) -> str:
    """Who holds the lock, as the holder wrote it. A holder writes its name just after it locks,
    so an empty file is re-read for up to ``patience`` seconds before giving up on the name."""
    deadline = time.monotonic() + patience
    while True:
        try:
            text = os.pread(fd, 200, 0).decode(errors="replace").split()
        except OSError:
            return "another process"
        if len(text) >= 2 and text[0].isdigit():
            return f"pid {text[0]} on host {text[1]}"
        if time.monotonic() >= deadline:
            return "another process"
        time.sleep(0.01)


def acquire(lock_file: Path, log_file: Path) -> WriterLock | None:
    """Lock ``lock_file`` for the writer of ``log_file``; raise :class:`LogBusyError` when a live
    process holds it. None (after a warning) where the file system cannot lock."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no check
        return None
    import socket

    for _ in range(100):
        fd = os.open(lock_file, _FLAGS, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            who = _holder(fd) if exc.errno in _BUSY else ""
            os.close(fd)
            if exc.errno in _BUSY:
                raise LogBusyError(
                    f"{log_file}: its writer ({who}) is still running; a second writer of one "
                    "seed would lose rows (give each run its own seed_id or folder, or wait)"
                ) from None
            warnings.warn(
                f"mle-logger cannot lock {lock_file} ({exc.strerror}; a file system without "
                "lock support, e.g. NFS mounted with 'nolock'): a second writer of this seed "
                "would not be refused",
                LogWriteWarning,
                stacklevel=4,
            )
            return None
        try:
            st = os.stat(lock_file)
            fst = os.fstat(fd)
        except FileNotFoundError:
            os.close(fd)  # the holder removed it as we locked it: try the new one
            continue
        if (st.st_dev, st.st_ino) != (fst.st_dev, fst.st_ino):
            os.close(fd)
            continue
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        except OSError:
            pass  # the holder's name is a courtesy for the error message
        return WriterLock(lock_file, fd)
    raise LogBusyError(f"{log_file}: could not take {lock_file} (it keeps being replaced)")
