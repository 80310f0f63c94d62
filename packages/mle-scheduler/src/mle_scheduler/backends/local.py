"""The local backend: jobs run as child processes of this one, in their own process groups.

Cores are counted per job (``num_logical_cores``); a job asking for more cores than the backend
has still runs, alone. Jobs start in submission order (no backfilling, so a big job is never
starved). GPUs are handed out by id through ``CUDA_VISIBLE_DEVICES``. Output goes straight to the
job's files (never through pipes). A time limit or a cancel sends SIGTERM to the whole process
group, then SIGKILL after ``kill_grace`` seconds; so does the end of a job to the background
processes it left behind in its group. (A process that leaves the group with ``setsid`` escapes:
ending it would need a cgroup per job.) Pids read back from status files are checked with
:class:`~mle_scheduler.ProcessRef` (start time, boot id) before they are signalled.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

from .._process import ProcessRef, process_start_epoch
from .._script import render_script
from .._types import JobSpec, JobState, Resources
from ..errors import ResourceError
from .base import Backend, NativeStatus

__all__ = ["LocalBackend"]

_log = logging.getLogger(__name__)

#: seconds a wrapper's start may differ from its record's ``start`` (records without a start
#: time: /proc's boot time is whole seconds, the record is written just after the launch)
_LEGACY_START_SLACK = 5.0


def _default_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def _parse_gpus(value: str | Sequence[int | str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    return [str(g) for g in value]


def _detect_gpus() -> list[str]:
    """GPU ids this process may use: ``CUDA_VISIBLE_DEVICES`` if set, else ``nvidia-smi``."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return _parse_gpus(visible)
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def _has_module_command() -> bool:
    """True when a job's bash (same environment, non-interactive) knows ``module``."""
    try:
        res = subprocess.run(
            ["bash", "-c", "type module"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return res.returncode == 0


def _note_launch(path: Path, pid: int) -> None:
    """Record the wrapper's pid at once, so that a process reattaching in the instant before
    the wrapper writes its own start record still finds the job. Create-only (link), so it can
    never replace a record the wrapper already wrote; the wrapper's records replace it."""
    ref = ProcessRef.of(pid)
    record = {
        "start": time.time(),
        "host": socket.gethostname(),
        "pid": pid,
        "pid_start": ref.start_time,
        "boot_id": ref.boot_id,
    }
    tmp = path.with_name(f"{path.name}.launch.{os.getpid()}")
    try:
        tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.link(tmp, path)
    except OSError:
        pass  # the wrapper was first, or the folder is odd: its own records still follow
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@dataclass
class _Running:
    spec: JobSpec
    proc: subprocess.Popen[bytes]
    cores: int
    gpus: list[str]
    deadline: float | None
    pidfd: int | None
    reason: JobState | None = None  # TIMEOUT or CANCELLED once we decided to kill it
    kill_at: float | None = None  # when SIGKILL follows the SIGTERM
    files: list[IO[bytes]] = field(default_factory=list)


class LocalBackend(Backend):
    """Run jobs as local child processes.

    ``max_cores``: cores to hand out (default: the CPUs this process may use).
    ``gpus``: GPU ids to hand out (default: ``CUDA_VISIBLE_DEVICES``, else ``nvidia-smi``).
    ``strict_gpus``: a job asking for more GPUs than there are is refused (``ResourceError``
    from :meth:`validate`, before anything runs); by default it runs without GPUs, with one
    warning, as the original toolbox did locally.
    ``activate_env``: activate ``env_name`` with conda; ``None`` (default) does so only when
    ``conda`` is on PATH and otherwise runs the job in the current environment with a warning,
    so that an experiment written for a cluster also runs on a laptop.
    ``kill_grace``: seconds between SIGTERM and SIGKILL on a time limit or cancel.
    """

    name: ClassVar[str] = "local"
    poll_interval: ClassVar[tuple[float, float]] = (0.05, 1.0)
    _queued_is_exact: ClassVar[bool] = True  # a queued local job has not been started

    def __init__(
        self,
        max_cores: int | None = None,
        gpus: str | Sequence[int | str] | None = None,
        activate_env: bool | None = None,
        kill_grace: float = 3.0,
        strict_gpus: bool = False,
    ) -> None:
        super().__init__()
        if max_cores is not None and (not isinstance(max_cores, int) or max_cores < 1):
            raise ResourceError(f"max_cores: expected an integer >= 1, found {max_cores!r}")
        self.max_cores = max_cores or _default_cores()
        self._gpus: list[str] | None = None if gpus is None else _parse_gpus(gpus)
        self.activate_env = activate_env
        self.kill_grace = float(kill_grace)
        self.strict_gpus = bool(strict_gpus)
        self._token = f"{os.getpid()}.{int(time.time() * 1000) % 10**10}"
        self._seq = 0
        self._pending: deque[tuple[str, JobSpec]] = deque()
        self._running: dict[str, _Running] = {}
        self._finished: dict[str, NativeStatus] = {}
        self._cores_used = 0
        self._warned_conda = False
        self._warned_gpus = False
        self._has_module: bool | None = None
        #: process groups of ended jobs that got SIGTERM, and when SIGKILL follows
        self._strays: list[tuple[int, float]] = []

    def options(self) -> dict[str, Any]:
        """Constructor options, JSON-ready (stored in a queue's state file)."""
        return {
            "max_cores": self.max_cores,
            "gpus": None if self._gpus is None else list(self._gpus),
            "activate_env": self.activate_env,
            "kill_grace": self.kill_grace,
            "strict_gpus": self.strict_gpus,
        }

    # ------------------------------------------------------------------ resources
    @property
    def gpus(self) -> list[str]:
        """The GPU ids this backend hands out."""
        if self._gpus is None:
            self._gpus = _detect_gpus()
        return self._gpus

    def _free_gpus(self) -> list[str]:
        if not self.gpus:
            return []
        used = {g for run in self._running.values() for g in run.gpus}
        return [g for g in self.gpus if g not in used]

    def _gpus_wanted(self, res: Resources) -> int:
        """GPUs a job gets: what it asks for, or none when the machine has too few."""
        return res.num_gpus if res.num_gpus <= len(self.gpus) else 0

    def check(self, spec: JobSpec) -> None:
        res = spec.resources
        need = res.num_gpus
        if need and need > len(self.gpus):
            found = f"{len(self.gpus)} ({','.join(self.gpus)})" if self.gpus else "none"
            if self.strict_gpus:
                raise ResourceError(
                    f"num_gpus: job asks for {need} GPU(s); this machine offers {found}"
                )
            if not self._warned_gpus:
                self._warned_gpus = True
                _log.warning(
                    "num_gpus: a job asks for %d GPU(s) but this machine offers %s; "
                    "running such jobs without GPUs",
                    need,
                    found,
                )
        if res.modules_to_load:
            if self._has_module is None:
                self._has_module = _has_module_command()
            if not self._has_module:
                raise ResourceError(
                    f"modules_to_load: {', '.join(res.modules_to_load)} needs the 'module' "
                    "command (environment modules or Lmod), which this machine does not have; "
                    "remove modules_to_load to run here"
                )

    def capacity(self, resources: Resources) -> int | None:
        n = max(1, self.max_cores // resources.num_logical_cores)
        gpus = self._gpus_wanted(resources)
        if gpus:
            n = min(n, len(self.gpus) // gpus)
        return n

    # ---------------------------------------------------------------------- hooks
    def _submit(self, specs: list[JobSpec]) -> list[str]:
        ids = []
        for spec in specs:
            self._seq += 1
            job_id = f"{self._token}.{self._seq}"
            self._pending.append((job_id, spec))
            ids.append(job_id)
        self._start_ready()
        return ids

    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        self._reap()
        self._start_ready()
        out: dict[str, NativeStatus] = {}
        pending = {job_id for job_id, _ in self._pending}
        for job_id in ids:
            if job_id in self._finished:
                out[job_id] = self._finished[job_id]
            elif job_id in self._running:
                out[job_id] = NativeStatus(JobState.RUNNING)
            elif job_id in pending:
                out[job_id] = NativeStatus(JobState.QUEUED)
            elif self._adopted_process(job_id) is not None:
                # adopted from another process: the status file is all we have
                out[job_id] = NativeStatus(JobState.RUNNING)
        return out

    def _cancel(self, ids: list[str]) -> None:
        wanted = set(ids)
        kept = deque(item for item in self._pending if item[0] not in wanted)
        for job_id, _ in self._pending:
            if job_id in wanted:
                self._finished[job_id] = NativeStatus(JobState.CANCELLED, message="cancelled")
        self._pending = kept
        for job_id in ids:
            run = self._running.get(job_id)
            if run is not None:
                self._kill(run, JobState.CANCELLED)
            elif job_id not in self._finished:
                ref = self._adopted_process(job_id)
                if ref is not None:
                    ref.signal(signal.SIGTERM, group=True)
        self._reap()

    def forget(self, ids: Sequence[str]) -> None:
        super().forget(ids)
        for job_id in ids:
            self._finished.pop(job_id, None)

    def wait_for_change(self, timeout: float) -> None:
        now = time.monotonic()
        for run in self._running.values():
            for t in (run.deadline, run.kill_at):
                if t is not None:
                    timeout = min(timeout, max(0.0, t - now))
        for _, t in self._strays:
            timeout = min(timeout, max(0.0, t - now))
        fds = [run.pidfd for run in self._running.values() if run.pidfd is not None]
        if fds:  # poll(), not select(): no FD_SETSIZE limit on machines with many cores
            poller = select.poll()
            for fd in fds:
                poller.register(fd, select.POLLIN)
            poller.poll(timeout * 1000)
        elif self._running:  # no pidfd support: short naps
            time.sleep(min(timeout, 0.02))
        else:
            time.sleep(timeout)

    def close(self) -> None:
        """Stop tracking; running jobs keep running (cancel them first to stop them). What
        ended jobs left behind and still ignores its SIGTERM is killed now."""
        for run in self._running.values():
            self._release(run)
        self._end_strays(float("inf"))

    # ------------------------------------------------------------------ internals
    def _adopted_process(self, job_id: str) -> ProcessRef | None:
        """The wrapper of a job started by another process, if that very process still runs
        and leads its group (a reused pid or a pid from before a reboot does not count)."""
        record = self._record(job_id)
        if record is None or record.finished:
            return None
        ref = record.process
        if ref is None or not ref.leads_group():
            return None
        if ref.start_time is None and record.start is not None:
            # A record without the start time (an older version): the process must at least
            # have started when the record says the job did.
            started = process_start_epoch(ref.pid)
            if started is not None and abs(started - record.start) > _LEGACY_START_SLACK:
                return None
        return ref

    def _start_ready(self) -> None:
        while self._pending:
            job_id, spec = self._pending[0]
            res = spec.resources
            cores = min(res.num_logical_cores, self.max_cores)
            if self._running and self._cores_used + cores > self.max_cores:
                break
            gpus: list[str] = []
            want = self._gpus_wanted(res)
            if want:
                free = self._free_gpus()
                if len(free) < want:
                    break
                gpus = free[:want]
            self._pending.popleft()
            try:
                self._running[job_id] = self._launch(spec, cores, gpus)
            except OSError as exc:
                self._finished[job_id] = NativeStatus(
                    JobState.FAILED, message=f"cannot start the job: {exc}"
                )
                continue
            self._cores_used += cores

    def _script_spec(self, spec: JobSpec) -> JobSpec:
        res = spec.resources
        if res.env_name is None or self.activate_env is True:
            return spec
        if self.activate_env is None and shutil.which("conda") is not None:
            return spec
        if self.activate_env is None and not self._warned_conda:
            self._warned_conda = True
            _log.warning(
                "conda is not on PATH: running jobs that name env_name=%r in the current "
                "environment (pass activate_env=True to require conda)",
                res.env_name,
            )
        return dataclasses.replace(spec, resources=dataclasses.replace(res, env_name=None))

    def _launch(self, spec: JobSpec, cores: int, gpus: list[str]) -> _Running:
        script = render_script(self._script_spec(spec))
        env = dict(os.environ)
        env["MLE_SCHEDULER_NOTED"] = "1"  # _note_launch writes the start record
        if gpus:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
        files: list[IO[bytes]] = []
        try:
            out = open(spec.stdout_path, "wb")  # noqa: SIM115 - closed in _release
            files.append(out)
            if spec.stderr is None or spec.stderr_path == spec.stdout_path:
                err: IO[bytes] | int = subprocess.STDOUT
            else:
                err = open(spec.stderr_path, "wb")  # noqa: SIM115
                files.append(err)
            proc = subprocess.Popen(
                ["bash", "-c", script, "mle-job"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        except OSError:
            for fh in files:
                fh.close()
            raise
        _note_launch(spec.status_path, proc.pid)
        pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(proc.pid)
        limit = spec.resources.time_limit_seconds
        deadline = None if limit is None else time.monotonic() + limit
        return _Running(spec, proc, cores, gpus, deadline, pidfd, files=files)

    def _kill(self, run: _Running, reason: JobState) -> None:
        if run.reason is None:
            run.reason = reason
            run.kill_at = time.monotonic() + self.kill_grace
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(run.proc.pid, signal.SIGTERM)

    def _release(self, run: _Running) -> None:
        for fh in run.files:
            fh.close()
        run.files.clear()
        if run.pidfd is not None:
            os.close(run.pidfd)
            run.pidfd = None

    def _end_strays(self, now: float) -> None:
        """SIGKILL the groups of ended jobs whose leftovers outlived their SIGTERM grace."""
        keep = []
        for pgid, kill_at in self._strays:
            if now < kill_at:
                keep.append((pgid, kill_at))
                continue
            # No ProcessRef needed: Linux never hands out a number still used as a group id,
            # so while any stray lives the number names only that group (once none is left,
            # the pid counter would have to come round within the grace to name another).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        self._strays = keep

    def _reap(self) -> None:
        now = time.monotonic()
        self._end_strays(now)
        for job_id, run in list(self._running.items()):
            code = run.proc.poll()
            if code is None:
                if run.deadline is not None and now >= run.deadline:
                    self._kill(run, JobState.TIMEOUT)
                elif run.kill_at is not None and now >= run.kill_at:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(run.proc.pid, signal.SIGKILL)
                    run.kill_at = None
                continue
            if run.reason is not None:  # killed on purpose: nothing of its group may linger
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(run.proc.pid, signal.SIGKILL)
            else:  # ended by itself: background processes it left behind end with it
                try:
                    os.killpg(run.proc.pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    pass  # nothing left in its group
                else:
                    self._strays.append((run.proc.pid, now + self.kill_grace))
            del self._running[job_id]
            self._cores_used -= run.cores
            self._release(run)
            if run.reason is not None:
                limit = run.spec.resources.time_per_job
                msg = f"time limit {limit} reached" if run.reason is JobState.TIMEOUT else None
                status = NativeStatus(run.reason, message=msg or "cancelled")
            elif code < 0:
                status = NativeStatus(JobState.FAILED, 128 - code, f"killed by signal {-code}")
            else:
                status = NativeStatus(JobState.DONE if code == 0 else JobState.FAILED, code)
            self._finished[job_id] = status
