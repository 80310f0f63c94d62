"""Process identities that survive pid reuse and reboots.

A bare pid names a different process after the original ended and the number came round again,
or after a reboot. :class:`ProcessRef` stores the pid with the process's start time (field 22 of
``/proc/<pid>/stat``, clock ticks since boot) and the kernel's boot id, and checks both before
it reports the process alive or sends it a signal. Where ``/proc`` is missing (not Linux), the
start time and boot id are ``None`` and only the pid can be checked.
"""

from __future__ import annotations

import contextlib
import os
import signal as _signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ProcessRef", "boot_id", "process_start_epoch", "process_start_time"]

_BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id"


def boot_id() -> str | None:
    """This boot's id (changes at every reboot); ``None`` where the kernel does not say."""
    try:
        with open(_BOOT_ID_PATH, encoding="ascii") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of ``/proc/<pid>/stat`` (after the parenthesised command name)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def process_start_time(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (``/proc/<pid>/stat`` field 22)."""
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 20:
        return None
    try:
        return int(fields[19])  # field 22; fields[0] is field 3
    except ValueError:
        return None


def process_start_epoch(pid: int) -> float | None:
    """When ``pid`` started, in Unix seconds (boot time + start ticks; about 1 s precise)."""
    ticks = process_start_time(pid)
    if ticks is None:
        return None
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            btime = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
        hertz = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration, IndexError):
        return None
    return btime + ticks / hertz


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


@dataclass(frozen=True)
class ProcessRef:
    """A pid plus what makes it unique: its start time and the boot it belongs to.

    :meth:`alive` and :meth:`signal` refuse a process whose start time or boot id differ from
    the recorded ones (the pid was reused, or the machine rebooted). A ref recorded without a
    start time (e.g. by an older version, or off Linux) is checked by pid only.
    """

    pid: int
    start_time: int | None = None
    boot_id: str | None = None

    @classmethod
    def of(cls, pid: int) -> ProcessRef:
        """The identity of the running process ``pid`` as of now."""
        return cls(pid, process_start_time(pid), boot_id())

    @classmethod
    def current(cls) -> ProcessRef:
        """The identity of this process."""
        return cls.of(os.getpid())

    def alive(self) -> bool:
        """True when this very process still runs (not a zombie, not a reused pid)."""
        if self.pid <= 0:
            return False
        if self.boot_id is not None:
            now = boot_id()
            if now is not None and now != self.boot_id:
                return False
        fields = _stat_fields(self.pid)
        if fields is None:
            if os.path.isdir("/proc/self"):
                return False  # /proc works here: no entry means no process
            return self.start_time is None and _pid_exists(self.pid)
        if fields and fields[0] in ("Z", "X"):
            return False  # ended; only its exit status is left
        if self.start_time is not None:
            try:
                return len(fields) >= 20 and int(fields[19]) == self.start_time
            except ValueError:
                return False
        return True

    def leads_group(self) -> bool:
        """True when this process is alive and leads its own process group."""
        if not self.alive():
            return False
        try:
            return os.getpgid(self.pid) == self.pid
        except (ProcessLookupError, PermissionError):
            return False

    def signal(self, sig: int = _signal.SIGTERM, *, group: bool = False) -> bool:
        """Send ``sig`` to the process (``group=True``: to the process group it leads).

        Returns False, sending nothing, when the process is not this one any more (or, with
        ``group``, does not lead its group); also when the signal could not be delivered.
        """
        pidfd: int | None = None
        if not group:  # a pidfd pins the process: checked, then signalled, with no reuse gap
            with contextlib.suppress(AttributeError, OSError):
                pidfd = os.pidfd_open(self.pid)
        try:
            if not (self.leads_group() if group else self.alive()):
                return False
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if group:
                    os.killpg(self.pid, sig)
                elif pidfd is not None:
                    _signal.pidfd_send_signal(pidfd, sig)
                else:
                    os.kill(self.pid, sig)
                return True
            return False
        finally:
            if pidfd is not None:
                os.close(pidfd)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"pid", "start_time", "boot_id"}``."""
        return {"pid": self.pid, "start_time": self.start_time, "boot_id": self.boot_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcessRef | None:
        """Read :meth:`to_dict`'s form back; ``None`` when it holds no valid pid."""
        pid, start, boot = data.get("pid"), data.get("start_time"), data.get("boot_id")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            return None
        if not isinstance(start, int) or isinstance(start, bool):
            start = None
        if not isinstance(boot, str) or not boot:
            boot = None
        return cls(pid, start, boot)
