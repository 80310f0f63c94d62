"""Grid Engine backend: DRMAA (PyPI ``drmaa`` with ``DRMAA_LIBRARY_PATH``) when the library
loads, else ``qsub``/``qstat -xml``/``qacct``/``qdel``.

Many jobs of one shape go in as one array (``runBulkJobs`` / ``qsub -t``). Where the outcome of
a job comes from, in this order:

1. the job's own status file, written beside its outputs by the wrapper (read by the base
   class; it wins for the exit code whenever it has an end record);
2. with DRMAA, the session's finished-job records (``wait``, served from the session's event
   stream, no request per job): exit status, signal, abort (``qdel``);
3. ONE ``qstat -xml`` call per poll for all jobs: queued, running, error (``Eqw``) states.
   (DRMAA's ``jobStatus`` would be one qmaster request per job, so it is not used to poll.)
4. the accounting file (``$SGE_ROOT/$SGE_CELL/common/accounting``, read incrementally), or
   ``qacct -j`` when that file is not readable here: ``failed`` 37 is a time limit (h_rt),
   otherwise ``exit_status``;
5. a job gone from ``qstat`` with none of the above is given ``lost_after`` seconds (the
   accounting file is flushed every ``flush_time``, 15 s by default) before it is ``lost``.
"""

from __future__ import annotations

import contextlib
import getpass
import math
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from shlex import quote
from typing import Any, ClassVar

from .._script import render_script
from .._types import JobSpec, JobState, Resources
from ..errors import BackendUnavailableError, ResourceError, SchedulerError, SubmitError
from . import _cluster
from .base import Backend, NativeStatus

__all__ = ["SGEBackend", "parse_accounting_line", "parse_qstat_xml"]

_INSTALL_HINT = (
    "install the DRMAA binding (pip install 'mle-scheduler[drmaa]'), set DRMAA_LIBRARY_PATH to "
    "libdrmaa.so (Debian: /usr/lib/gridengine-drmaa/lib/libdrmaa.so.1.0), and, if Python "
    "reports 'cannot allocate memory in static TLS block', start it with "
    "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096"
)
#: ``failed`` codes in the accounting record that mean a limit was enforced (h_rt/h_cpu/h_vmem)
_LIMIT_FAILED = {37}


def parse_qstat_xml(text: str) -> dict[str, NativeStatus]:
    """Parse ``qstat -xml`` into ``{id: NativeStatus}``; array tasks are ``"<job>.<task>"``."""
    try:
        root = ET.fromstring(text)  # noqa: S314 - output of the local qstat, not user input
    except ET.ParseError as exc:
        raise SchedulerError(f"qstat -xml printed unreadable XML: {exc}") from None
    out: dict[str, NativeStatus] = {}
    for job in root.iter("job_list"):
        number = (job.findtext("JB_job_number") or "").strip()
        code = (job.findtext("state") or "").strip()
        if not number:
            continue
        queue = (job.findtext("queue_name") or "").strip()
        host = queue.split("@", 1)[1] if "@" in queue else None
        if "E" in code:
            status = NativeStatus(
                JobState.FAILED,
                message=f"job in error state {code!r} (see: qstat -j {number})",
                host=host,
            )
        elif re.search(r"[rtRsSTd]", code):
            status = NativeStatus(JobState.RUNNING, host=host)
        else:
            status = NativeStatus(JobState.QUEUED, message=f"state {code}" if code else None)
        tasks = (job.findtext("tasks") or "").strip()
        if tasks:
            for t in _cluster.expand_tasks(tasks):
                out[f"{number}.{t}"] = status
        else:
            out[number] = status
    return out


def parse_accounting_line(line: str) -> tuple[str, NativeStatus] | None:
    """One line of the accounting file (accounting(5)) as ``(id, NativeStatus)``."""
    if line.startswith("#"):
        return None
    f = line.rstrip("\n").split(":")
    if len(f) < 36 or not f[5].isdigit():
        return None
    number, failed, exit_status, task = f[5], f[11], f[12], f[35]
    key = number if task in ("0", "") else f"{number}.{task}"
    return key, _from_accounting(int(failed or 0), int(exit_status or 0), f[1] or None)


def _from_accounting(failed: int, exit_status: int, host: str | None) -> NativeStatus:
    if failed in _LIMIT_FAILED:
        return NativeStatus(
            JobState.TIMEOUT, message=f"killed by a limit (failed {failed})", host=host
        )
    if failed:
        return NativeStatus(
            JobState.FAILED,
            exit_code=None if exit_status > 128 else exit_status,
            message=f"Grid Engine reports failed={failed}, exit_status={exit_status}",
            host=host,
        )
    state = JobState.DONE if exit_status == 0 else JobState.FAILED
    return NativeStatus(state, exit_code=exit_status, host=host)


def _parse_qacct(text: str) -> dict[str, NativeStatus]:
    out: dict[str, NativeStatus] = {}
    for block in text.split("=" * 10):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, _, value = line.partition(" ")
            if key:
                fields[key] = value.strip()
        if "jobnumber" not in fields:
            continue
        task = fields.get("taskid", "undefined")
        key = fields["jobnumber"] if not task.isdigit() else f"{fields['jobnumber']}.{task}"
        failed = int(fields.get("failed", "0").split()[0] or 0)
        exit_status = int(fields.get("exit_status", "0").split()[0] or 0)
        out[key] = _from_accounting(failed, exit_status, fields.get("hostname"))
    return out


def _load_drmaa() -> Any:
    try:
        import drmaa  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise BackendUnavailableError(f"DRMAA is not available ({exc}): {_INSTALL_HINT}") from None
    except (OSError, RuntimeError) as exc:  # library missing or not loadable
        raise BackendUnavailableError(
            f"libdrmaa could not be loaded ({exc}): {_INSTALL_HINT}"
        ) from None
    return drmaa


class _Session:
    """The one DRMAA session a process may hold, shared by all SGEBackend objects."""

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


def _unsafe_path(path: Path) -> bool:
    """Paths qsub/DRMAA cannot carry as -o/-e (``host:path``, ``$VAR`` expansion, spaces)."""
    return bool(re.search(r"[\s:$\"'\\,]", os.fspath(path.absolute())))


class SGEBackend(Backend):
    """Jobs on Grid Engine, through DRMAA when it loads, else through the qsub commands.

    Args:
        use_drmaa: ``True`` requires DRMAA, ``False`` uses the commands; ``None`` (default)
            tries DRMAA and falls back to the commands.
        array_min: submit a group of at least this many same-shaped jobs as one array job;
            ``0`` never uses arrays.
        array_throttle: at most this many tasks of one array run at once (``-tc``).
        pe: the parallel environment for ``num_logical_cores > 1`` (``-pe <pe> N``).
        gpu_complex: the consumable requested for GPUs (``-l <gpu_complex>=N``).
        gpu_type_complex: the complex that selects a GPU type; ``gpu_type`` is refused
            without it.
        export_env: pass the submitting environment to jobs (``-V``), as Slurm does.
        qsub_flags: extra tokens for every job (e.g. ``("-P", "lab")``).
        accounting_file: where finished jobs are recorded; default
            ``$SGE_ROOT/$SGE_CELL/common/accounting``.
        lost_after: seconds a job may be missing from qstat without an end record anywhere
            before it counts as lost.
    """

    name = "sge"
    poll_interval = (1.0, 30.0)

    def __init__(
        self,
        *,
        use_drmaa: bool | None = None,
        array_min: int = 2,
        array_throttle: int | None = None,
        pe: str = "smp",
        gpu_complex: str = "gpu",
        gpu_type_complex: str | None = None,
        export_env: bool = True,
        qsub_flags: Sequence[str] = (),
        accounting_file: str | os.PathLike[str] | None = None,
        lost_after: float = 30.0,
    ) -> None:
        super().__init__()
        if array_throttle is not None and array_throttle < 1:
            raise ResourceError(f"array_throttle: expected an integer >= 1, found {array_throttle}")
        self.array_min = array_min
        self.array_throttle = array_throttle
        self.pe = pe
        self.gpu_complex = gpu_complex
        self.gpu_type_complex = gpu_type_complex
        self.export_env = export_env
        self.qsub_flags = tuple(qsub_flags)
        self.lost_after = lost_after
        self._drmaa: Any = None
        self._session: Any = None
        if use_drmaa is not False:
            try:
                self._drmaa = _load_drmaa()
            except BackendUnavailableError:
                if use_drmaa:
                    raise
        self._options: dict[str, Any] = {
            "use_drmaa": use_drmaa, "array_min": array_min, "array_throttle": array_throttle,
            "pe": pe, "gpu_complex": gpu_complex, "gpu_type_complex": gpu_type_complex,
            "export_env": export_env, "qsub_flags": list(self.qsub_flags),
            "accounting_file": None if accounting_file is None else os.fspath(accounting_file),
            "lost_after": lost_after,
        }  # fmt: skip
        if accounting_file is None:
            root = os.environ.get("SGE_ROOT", "/var/lib/gridengine")
            cell = os.environ.get("SGE_CELL", "default")
            accounting_file = Path(root, cell, "common", "accounting")
        self._accounting = _cluster.IncrementalLog(accounting_file)
        self._finished: dict[str, NativeStatus] = {}
        self._last_seen: dict[str, float] = {}
        self._last_native: dict[str, NativeStatus] = {}
        self._watch = _cluster.StatusWatch()
        self._poll_failures = 0
        self._qacct_tried: set[str] = set()
        #: scheduler calls made, by command (or ``drmaa.<method>``), for benchmarks
        self.calls: dict[str, int] = {}

    def options(self) -> dict[str, Any]:
        """Constructor options, JSON-ready (stored in a queue's state file)."""
        return dict(self._options)

    @property
    def mode(self) -> str:
        """``"drmaa"`` or ``"qsub"``: how jobs are submitted and cancelled."""
        return "drmaa" if self._drmaa is not None else "qsub"

    def _count(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1

    def _get_session(self) -> Any:
        if self._session is None:
            self._session = _Session.acquire(self._drmaa)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session = None
            _Session.release()

    # ------------------------------------------------------------------ scripts
    def resource_flags(self, res: Resources) -> list[str]:
        """Generic resources as qsub options (one token each)."""
        flags: list[str] = []
        if res.num_logical_cores > 1:
            flags += ["-pe", self.pe, str(res.num_logical_cores)]
        if res.time_limit_seconds is not None:
            flags += ["-l", f"h_rt={res.time_limit_seconds}"]
        if res.memory_per_job is not None:  # h_vmem is per slot in Grid Engine
            flags += ["-l", f"h_vmem={math.ceil(res.memory_per_job / res.num_logical_cores)}M"]
        if res.queue is not None:
            flags += ["-q", res.queue]
        if res.num_gpus:
            flags += ["-l", f"{self.gpu_complex}={res.num_gpus}"]
            if res.gpu_type is not None and self.gpu_type_complex is not None:
                flags += ["-l", f"{self.gpu_type_complex}={res.gpu_type}"]
        if res.exclude_nodes:
            flags += ["-l", "h=" + "&".join(f"!{n}" for n in res.exclude_nodes)]
        if res.job_name is not None:
            flags += ["-N", res.job_name]
        flags.extend(res.extra_flags)
        return flags

    def _common_flags(self) -> list[str]:
        flags = ["-cwd", "-S", "/bin/bash"]
        if self.export_env:
            flags.append("-V")
        return [*flags, *self.qsub_flags]

    def _job_flags(self, res: Resources, spec: JobSpec | None) -> list[str]:
        """All options of one job (``spec``) or array (``None``): common, resources, a name."""
        flags = [*self._common_flags(), *self.resource_flags(res)]
        if res.job_name is None:  # else Grid Engine names it after the script
            flags += ["-N", _default_name(spec)]
        return flags

    def check(self, spec: JobSpec) -> None:
        res = spec.resources
        if res.gpu_type is not None and (not res.num_gpus or self.gpu_type_complex is None):
            raise ResourceError(
                f"gpu_type: {res.gpu_type!r} needs num_gpus >= 1 and SGEBackend(gpu_type_complex="
                f"...) naming the site's GPU-type complex; found num_gpus={res.num_gpus}, "
                f"gpu_type_complex={self.gpu_type_complex!r}"
            )
        for flag in (*self.resource_flags(res), *self.qsub_flags):
            if re.search(r"\s", flag):
                raise ResourceError(
                    f"resources: Grid Engine options must not contain whitespace, found {flag!r}"
                )

    def _output_flags(self, spec: JobSpec) -> list[str]:
        if _unsafe_path(spec.stdout_path) or _unsafe_path(spec.stderr_path):
            return ["-o", "/dev/null", "-j", "y"]
        flags = ["-o", os.fspath(spec.stdout_path.absolute())]
        if spec.stderr is None:
            return [*flags, "-j", "y"]
        return [*flags, "-e", os.fspath(spec.stderr_path.absolute())]

    def directives(self, spec: JobSpec) -> list[str]:
        flags = [*self._job_flags(spec.resources, spec), *self._output_flags(spec)]
        return [f"#$ {line}" for line in _pair(flags)]

    def render(self, spec: JobSpec) -> str:
        redirect = _unsafe_path(spec.stdout_path) or _unsafe_path(spec.stderr_path)
        return render_script(spec, self.directives(spec), redirect_output=redirect)

    # ------------------------------------------------------------------ submit
    def _submit(self, specs: list[JobSpec]) -> list[str]:
        ids: list[str | None] = [None] * len(specs)
        with _cluster.all_or_nothing(ids, self._cancel):
            for group in _cluster.group_by_shape(specs, self.array_min):
                if len(group) == 1:
                    ids[group[0]] = self._submit_one(specs[group[0]])
                else:
                    got = self._submit_array([specs[i] for i in group])
                    for i, job_id in zip(group, got, strict=True):
                        ids[i] = job_id
        now = time.monotonic()
        submitted = [i for i in ids if i is not None]
        for key, spec in zip(submitted, specs, strict=True):
            self._last_seen[key] = now
            self._watch.add(key, spec.status_path)
        return submitted

    def _submit_one(self, spec: JobSpec) -> str:
        path = _cluster.write_script(_cluster.script_path(spec), self.render(spec))
        if self._drmaa is None:
            return self._qsub(path)
        redirect = _unsafe_path(spec.stdout_path) or _unsafe_path(spec.stderr_path)
        native = self._job_flags(spec.resources, spec)
        if redirect:
            return self._drmaa_run(path, native, ":/dev/null", None)[0]
        err = None if spec.stderr is None else ":" + os.fspath(spec.stderr_path.absolute())
        return self._drmaa_run(path, native, ":" + os.fspath(spec.stdout_path.absolute()), err)[0]

    def dry_run(self, specs: Sequence[JobSpec]) -> str:
        """What :meth:`submit` would do with ``specs``, submitting nothing: each submission
        (``qsub`` command, or DRMAA call) and its script (arrays: the driver and the first task)."""
        specs = list(specs)
        for spec in specs:
            self.check(spec)
        groups = _cluster.group_by_shape(specs, self.array_min)

        def single(spec: JobSpec) -> tuple[str, str]:
            path = quote(os.fspath(_cluster.script_path(spec)))
            if self._drmaa is None:
                return f"qsub -terse {path}", self.render(spec)
            native = " ".join(self._job_flags(spec.resources, spec))
            return f"DRMAA runJob: /bin/bash {path}  (native: {native})", self.render(spec)

        def array(members: list[JobSpec]) -> tuple[str, str]:
            driver = quote(os.fspath(_cluster.array_driver_path(members[0], "<stamp>")))
            log = members[0].stdout_path.absolute().with_name("mle-array-<stamp>")
            script = self.array_script(members, log)
            if self._drmaa is None:
                return f"qsub -terse {driver}", script
            native = " ".join(self._job_flags(members[0].resources, None))
            return (
                f"DRMAA runBulkJobs 1-{len(members)}: /bin/bash {driver}  (native: {native})",
                script,
            )

        return _cluster.dry_run_text(specs, groups, single, array)

    def array_script(self, specs: Sequence[JobSpec], log: Path) -> str:
        """The driver script of an array over ``specs`` (which share their resources)."""
        flags = self._job_flags(specs[0].resources, None)
        flags += ["-t", f"1-{len(specs)}"]
        if self.array_throttle:
            flags += ["-tc", str(self.array_throttle)]
        flags += ["-o", f"{log}.$TASK_ID.log", "-j", "y"]
        tasks = [_cluster.script_path(s) for s in specs]
        return _cluster.array_driver(tasks, [f"#$ {x}" for x in _pair(flags)], "SGE_TASK_ID")

    def _submit_array(self, specs: list[JobSpec]) -> list[str]:
        for spec in specs:
            _cluster.write_task_script(spec)
        stamp = _cluster.unique_stamp()
        log = specs[0].stdout_path.absolute().with_name(f"mle-array-{stamp}")
        if _unsafe_path(log):
            log = Path("/dev/null")
        driver = _cluster.write_script(
            _cluster.array_driver_path(specs[0], stamp), self.array_script(specs, log)
        )
        if self._drmaa is None:
            base = self._qsub(driver).split(".", 1)[0]
            return [f"{base}.{i}" for i in range(1, len(specs) + 1)]
        native = self._job_flags(specs[0].resources, None)
        if self.array_throttle:
            native += ["-tc", str(self.array_throttle)]
        out = ":/dev/null" if log == Path("/dev/null") else f":{log}.$drmaa_incr_ph$.log"
        return self._drmaa_run(driver, native, out, None, bulk=len(specs))

    def _qsub(self, script: Path) -> str:
        self._count("qsub")
        out = _cluster.run_command(["qsub", "-terse", os.fspath(script)], what="qsub")
        job = out.strip().splitlines()[-1].strip() if out.strip() else ""
        if not re.match(r"^\d+(\.\S+)?$", job):
            raise SubmitError(f"qsub printed no job id for {script}: {out.strip()!r}")
        return job

    def _drmaa_run(
        self, script: Path, native: list[str], out: str, err: str | None, bulk: int = 0
    ) -> list[str]:
        drmaa = self._drmaa
        session = self._get_session()
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

    # ------------------------------------------------------------------- query
    def _reap(self) -> bool:
        """Collect finished jobs from the DRMAA session; True if one of ours was new."""
        if self._drmaa is None or self._session is None:
            return False
        drmaa = self._drmaa
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
        # The session is shared by every SGEBackend in this process: take what is ours.
        new = False
        for job_id, info in _Session.reaped.items():
            if job_id in self._specs and job_id not in self._finished:
                self._finished[job_id] = self._from_drmaa(job_id, info)
                new = True
        return new

    def _from_drmaa(self, job_id: str, info: Any) -> NativeStatus:
        usage = info.resourceUsage or {}
        host = None
        if info.wasAborted:
            return NativeStatus(
                JobState.CANCELLED, message="aborted (qdel) before or while running", host=host
            )
        if info.hasExited:
            code = int(info.exitStatus)
            return NativeStatus(JobState.DONE if code == 0 else JobState.FAILED, exit_code=code)
        if info.hasSignal:
            spec = self._specs.get(job_id)
            limit = spec.resources.time_limit_seconds if spec else None
            wall = float(usage.get("ru_wallclock", 0) or 0)
            if limit is not None and wall >= limit - 1:
                return NativeStatus(
                    JobState.TIMEOUT,
                    message=f"killed by {info.terminatedSignal} after {wall:.0f} s (h_rt={limit})",
                )
            return NativeStatus(JobState.FAILED, message=f"killed by {info.terminatedSignal}")
        return NativeStatus(JobState.FAILED, message="ended without exit status (DRMAA)")

    def _qstat(self) -> dict[str, NativeStatus]:
        self._count("qstat")
        text = _cluster.run_command(
            ["qstat", "-xml", "-u", getpass.getuser()], what="qstat", error=SchedulerError
        )
        return parse_qstat_xml(text)

    def _error_reason(self, job_id: str, status: NativeStatus) -> NativeStatus:
        """Add Grid Engine's "error reason" (``qstat -j``) to a job in error state."""
        self._count("qstat")
        try:
            text = _cluster.run_command(
                ["qstat", "-j", job_id.split(".", 1)[0]], what="qstat", error=SchedulerError
            )
        except SchedulerError:
            return status
        reasons = [
            line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("error reason") and ":" in line
        ]
        if not reasons:
            return status
        return NativeStatus(JobState.FAILED, message=f"{status.message}: {reasons[0]}")

    def _read_accounting(self, wanted: set[str]) -> bool:
        if not self._accounting.readable():
            return False
        for line in self._accounting.new_lines():
            parsed = parse_accounting_line(line)
            if parsed is not None and parsed[0] in wanted:
                self._finished.setdefault(parsed[0], parsed[1])
        return True

    def _qacct(self, job_id: str) -> None:
        self._count("qacct")
        number = job_id.split(".", 1)[0]
        try:
            res = subprocess.run(
                ["qacct", "-j", number],
                capture_output=True,
                text=True,
                timeout=_cluster.COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return
        for key, status in _parse_qacct(res.stdout).items():
            self._finished.setdefault(key, status)

    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        out = self._query_all(ids)
        for job_id in ids:
            native = out.get(job_id)
            if native is None or native.state.finished:
                self._watch.discard(job_id)
        return out

    def _query_all(self, ids: list[str]) -> dict[str, NativeStatus]:
        self._reap()
        out: dict[str, NativeStatus] = {i: self._finished[i] for i in ids if i in self._finished}
        pending = [i for i in ids if i not in out]
        if not pending:
            return out
        try:
            live = self._qstat()
        except SchedulerError as exc:
            self._poll_failures += 1
            if self._poll_failures >= _cluster.MAX_POLL_FAILURES:
                raise
            unknown = NativeStatus(JobState.QUEUED, message=f"qstat did not answer: {exc}")
            out.update({i: self._last_native.get(i, unknown) for i in pending})
            return out
        self._poll_failures = 0
        now = time.monotonic()
        gone: list[str] = []
        stuck: list[str] = []
        for job_id in pending:
            if job_id in live:
                out[job_id] = self._last_native[job_id] = live[job_id]
                self._last_seen[job_id] = now
                if live[job_id].state is JobState.FAILED:  # error state (Eqw): it never runs
                    out[job_id] = self._finished[job_id] = self._error_reason(job_id, live[job_id])
                    stuck.append(job_id)
            else:
                gone.append(job_id)
        if stuck:  # remove it, so that a retry is not blocked behind it
            with contextlib.suppress(SchedulerError):
                self._cancel(stuck)
        if not gone:
            return out
        self._reap()  # a job may have ended between the two calls
        unresolved = [i for i in gone if i not in self._finished]
        record_done = {i for i in unresolved if (r := self._record(i)) is not None and r.finished}
        wanted = set(unresolved) - record_done
        if wanted:
            readable = self._read_accounting(set(self._specs) | wanted)
            for job_id in sorted(wanted - set(self._finished)):
                # Not in the accounting file we can read (unreadable here, or older than the
                # part we read): ask qacct once, after half the grace period.
                late = now - self._last_seen.get(job_id, now) >= self.lost_after / 2
                if late and (job_id not in self._qacct_tried or not readable):
                    self._qacct_tried.add(job_id)
                    self._qacct(job_id)
        for job_id in gone:
            prev = self._last_native.get(job_id)
            if job_id in self._finished:
                out[job_id] = self._finished[job_id]
            elif job_id in record_done:
                continue  # the status file tells the base class everything
            elif job_id in self._cancelled:
                out[job_id] = NativeStatus(JobState.CANCELLED, message="cancelled")
            elif now - self._last_seen.setdefault(job_id, now) < self.lost_after:
                # Left qstat; the accounting record may not be flushed yet.
                out[job_id] = NativeStatus(
                    JobState.RUNNING,
                    message="finished; waiting for its accounting record",
                    host=prev.host if prev else None,
                )
            elif prev is not None and prev.state is JobState.QUEUED:
                # Deleted while queued (by another process): such jobs leave no accounting.
                out[job_id] = NativeStatus(
                    JobState.CANCELLED, message="left the queue without running (qdel?)"
                )
        return out

    def wait_for_change(self, timeout: float) -> None:
        # Wakes up early when a status file changes or DRMAA reports a finished job.
        self._watch.wait(timeout, also=self._reap if self._session is not None else None)

    def adopt(self, jobs: Mapping[str, JobSpec]) -> None:
        super().adopt(jobs)
        now = time.monotonic()
        for job_id, spec in jobs.items():
            self._watch.add(job_id, spec.status_path)
            self._last_seen.setdefault(job_id, now)

    # ------------------------------------------------------------------ cancel
    def _cancel(self, ids: list[str]) -> None:
        # One qdel for all ids when the command is there (DRMAA's control is one request per
        # job: 2.4 s for a 500-task array against 0.2 s); DRMAA only without the commands.
        if shutil.which("qdel") is None and self._drmaa is not None:
            self._get_session()
            drmaa = self._drmaa
            problems = []
            for job_id in ids:
                self._count("drmaa.control")
                try:
                    self._session.control(job_id, drmaa.JobControlAction.TERMINATE)
                except drmaa.errors.InvalidJobException:
                    pass  # already finished
                except drmaa.errors.DrmaaException as exc:
                    problems.append(f"{job_id}: {exc}")
            if problems:
                raise SchedulerError("DRMAA could not cancel: " + "; ".join(problems))
            return
        self._count("qdel")
        _cluster.cancel_command(
            ["qdel", *ids], benign=("does not exist", "registered the job", "has deleted")
        )


def _default_name(spec: JobSpec | None) -> str:
    """A valid Grid Engine job name (no ``/:@\\*?``, not starting with a digit) for ``spec``."""
    if spec is None:
        return "mle-array"
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", spec.stdout_path.name)[:64]
    return name if name[:1].isalpha() else f"mle-{name}"


def _pair(flags: list[str]) -> list[str]:
    """Group option tokens into lines (``-pe smp 2`` stays on one line) for ``#$`` directives."""
    lines: list[list[str]] = []
    for token in flags:
        if token.startswith("-") or not lines:
            lines.append([token])
        else:
            lines[-1].append(token)
    return [" ".join(line) for line in lines]
