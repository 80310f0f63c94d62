"""The DRMAA transport for Grid Engine: submit (``runJob``, ``runBulkJobs``), reap finished jobs
from the session's event stream (``wait`` with no timeout, no request per job) and terminate."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..._types import JobState
from ...errors import BackendUnavailableError, MissingDependencyError, SchedulerError, SubmitError
from ..base import NativeStatus

__all__ = ["INSTALL_HINT", "DrmaaTransport", "late_allocator", "load_drmaa", "status_from_info"]

INSTALL_HINT = (
    "install the DRMAA binding (pip install 'mle-scheduler[drmaa]'), set DRMAA_LIBRARY_PATH to "
    "libdrmaa.so (Debian: /usr/lib/gridengine-drmaa/lib/libdrmaa.so.1.0), and, if Python "
    "reports 'cannot allocate memory in static TLS block', start it with "
    "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096"
)


def late_allocator(library: str | None = None) -> str | None:
    """Why loading libdrmaa into this process is unsafe, or None.

    Debian's libdrmaa links jemalloc. Loaded into a running Python (by ``import drmaa``),
    jemalloc makes extension modules loaded after it abort ("free(): invalid pointer" on
    ``import scipy.optimize``, matplotlib, scikit-learn): a search or report in the same
    process would crash long after the backend started. Safe when jemalloc was the allocator
    from the start (``LD_PRELOAD``)."""
    path = library or os.environ.get("DRMAA_LIBRARY_PATH")
    if not path:
        return None
    try:
        with open(path, "rb") as lib:  # its dynamic string table names what it links
            links_jemalloc = b"libjemalloc" in lib.read()
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not links_jemalloc or "jemalloc" in maps:
        return None
    return (
        f"{path} links jemalloc, which breaks extension modules loaded after it in this "
        "process (scipy, matplotlib abort); start Python with "
        "LD_PRELOAD=<path of libjemalloc.so.2> (Debian: /lib/x86_64-linux-gnu/libjemalloc.so.2)"
        " to use DRMAA, or use the qsub commands"
    )


def load_drmaa() -> Any:
    """Import the ``drmaa`` binding; :class:`MissingDependencyError` (an ``ImportError`` and a
    ``BackendUnavailableError``) says how to fix it, also where loading libdrmaa into this
    process would break later imports (:func:`late_allocator`)."""
    unsafe = late_allocator()
    if unsafe is not None:
        raise MissingDependencyError(f"DRMAA is not used: {unsafe}")
    try:
        import drmaa  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise MissingDependencyError(f"DRMAA is not available ({exc}): {INSTALL_HINT}") from None
    except (OSError, RuntimeError) as exc:  # library missing or not loadable
        raise MissingDependencyError(
            f"libdrmaa could not be loaded ({exc}): {INSTALL_HINT}"
        ) from None
    return drmaa


class _Session:
    """The one DRMAA session a process may hold, shared by all transports."""

    session: Any = None
    users = 0
    #: finished-job records reaped from the session, by job id
    reaped: ClassVar[dict[str, Any]] = {}

    @classmethod
    def acquire(cls, drmaa: Any) -> Any:
        if cls.session is None:
            session = drmaa.Session()
            try:
                session.initialize()
            except drmaa.errors.AlreadyActiveSessionException:
                pass
            except drmaa.errors.DrmaaException as exc:
                raise BackendUnavailableError(f"DRMAA session could not start: {exc}") from None
            cls.session = session
        cls.users += 1
        return cls.session

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users <= 0 and cls.session is not None:
            with contextlib.suppress(Exception):  # best effort at shutdown
                cls.session.exit()
            cls.session, cls.users = None, 0


def status_from_info(info: Any, time_limit: int | None) -> NativeStatus:
    """A final status from DRMAA's ``JobInfo`` (``time_limit`` tells a kill at h_rt apart)."""
    if info.wasAborted:
        return NativeStatus(JobState.CANCELLED, message="aborted (qdel) before or while running")
    if info.hasExited:
        code = int(info.exitStatus)
        return NativeStatus(JobState.DONE if code == 0 else JobState.FAILED, exit_code=code)
    if info.hasSignal:
        usage = info.resourceUsage or {}
        wall = float(usage.get("ru_wallclock", 0) or 0)
        if time_limit is not None and wall >= time_limit - 1:
            return NativeStatus(
                JobState.TIMEOUT,
                message=f"killed by {info.terminatedSignal} after {wall:.0f} s (h_rt={time_limit})",
            )
        return NativeStatus(JobState.FAILED, message=f"killed by {info.terminatedSignal}")
    return NativeStatus(JobState.FAILED, message="ended without exit status (DRMAA)")


class DrmaaTransport:
    """Submission, reaping and termination through one process-wide DRMAA session."""

    def __init__(self, drmaa: Any, count: Callable[[str], None]) -> None:
        self.drmaa = drmaa
        self._count = count
        self._session: Any = None

    @property
    def started(self) -> bool:
        """True once this transport holds the session (it has submitted or cancelled)."""
        return self._session is not None

    def session(self) -> Any:
        if self._session is None:
            self._session = _Session.acquire(self.drmaa)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session = None
            _Session.release()

    def run(
        self, script: Path, native: Sequence[str], out: str, err: str | None, bulk: int = 0
    ) -> list[str]:
        """Submit ``/bin/bash script`` (``bulk`` > 0: as tasks 1..bulk); the job ids."""
        drmaa = self.drmaa
        session = self.session()
        jt = session.createJobTemplate()
        try:
            jt.remoteCommand = "/bin/bash"
            jt.args = [os.fspath(script.absolute())]
            jt.workingDirectory = os.getcwd()
            jt.nativeSpecification = " ".join(native)
            jt.outputPath = out
            if err is None:
                jt.joinFiles = True
            else:
                jt.errorPath = err
            if bulk:
                self._count("drmaa.runBulkJobs")
                return [str(i) for i in session.runBulkJobs(jt, 1, bulk, 1)]
            self._count("drmaa.runJob")
            return [str(session.runJob(jt))]
        except drmaa.errors.DrmaaException as exc:
            raise SubmitError(
                f"Grid Engine refused the job (DRMAA, native specification "
                f"{' '.join(native)!r}): {exc}"
            ) from None
        finally:
            session.deleteJobTemplate(jt)

    def reap(self) -> dict[str, Any]:
        """Every finished job's ``JobInfo`` the session has reported so far (all transports')."""
        if self._session is None:
            return _Session.reaped
        drmaa = self.drmaa
        for _ in range(100_000):  # each call disposes of one finished job
            try:
                self._count("drmaa.wait")
                info = self._session.wait(drmaa.Session.JOB_IDS_SESSION_ANY, 0)
            except (drmaa.errors.ExitTimeoutException, drmaa.errors.InvalidJobException):
                break
            except Exception:  # noqa: S112 - e.g. code 24 "no usage information" for a
                # job deleted while queued: disposed of, but its id is not returned; the cancel
                # record or qstat/accounting tells what became of it.
                continue
            _Session.reaped[str(info.jobId)] = info
        return _Session.reaped

    def forget(self, ids: Sequence[str]) -> None:
        """Drop the reaped records of ``ids`` (jobs whose outcome was taken in)."""
        for job_id in ids:
            _Session.reaped.pop(job_id, None)

    def terminate(self, ids: Sequence[str]) -> None:
        """DRMAA's ``control(TERMINATE)``, one request per job (use ``qdel`` where it exists)."""
        drmaa = self.drmaa
        session = self.session()
        problems = []
        for job_id in ids:
            self._count("drmaa.control")
            try:
                session.control(job_id, drmaa.JobControlAction.TERMINATE)
            except drmaa.errors.InvalidJobException:
                pass  # already finished
            except drmaa.errors.DrmaaException as exc:
                problems.append(f"{job_id}: {exc}")
        if problems:
            raise SchedulerError("DRMAA could not cancel: " + "; ".join(problems))
