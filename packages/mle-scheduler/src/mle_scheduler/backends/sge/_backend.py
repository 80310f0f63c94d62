"""The Grid Engine backend: its flags, its two transports (DRMAA, ``qsub``), its status query
(``qstat -xml``, DRMAA reaping, the accounting file or ``qacct``)."""

from __future__ import annotations

import contextlib
import getpass
import math
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from shlex import quote
from typing import Any

from ..._types import JobSpec, JobState, Resources
from ...errors import BackendUnavailableError, ResourceError, SchedulerError, SubmitError
from .. import _cluster
from ..base import NativeStatus
from ..cluster import ClusterBackend
from ._drmaa import DrmaaTransport, load_drmaa, status_from_info
from ._parse import parse_accounting_line, parse_qacct, parse_qstat_names, parse_qstat_xml

__all__ = ["SGEBackend"]

#: seconds between two ``qacct`` calls for one job while its accounting record is awaited
QACCT_INTERVAL = 5.0


class SGEBackend(ClusterBackend):
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
            before it counts as lost, counted from the first poll that missed it.
    """

    name = "sge"
    directive_prefix = "#$"
    task_variable = "SGE_TASK_ID"
    unsafe_path_chars = r"[\s:$\"'\\,]"  # host:path, $VAR expansion, lists
    cancel_benign = ("does not exist", "registered the job", "has deleted")

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
        lost_after: float = 60.0,
    ) -> None:
        super().__init__(array_min=array_min, array_throttle=array_throttle, lost_after=lost_after)
        self.pe = pe
        self.gpu_complex = gpu_complex
        self.gpu_type_complex = gpu_type_complex
        self.export_env = export_env
        self.qsub_flags = tuple(qsub_flags)
        self._options: dict[str, Any] = {
            "use_drmaa": use_drmaa, "array_min": array_min, "array_throttle": array_throttle,
            "pe": pe, "gpu_complex": gpu_complex, "gpu_type_complex": gpu_type_complex,
            "export_env": export_env, "qsub_flags": list(self.qsub_flags),
            "accounting_file": None if accounting_file is None else os.fspath(accounting_file),
            "lost_after": lost_after,
        }  # fmt: skip
        self._drmaa: DrmaaTransport | None = None
        if use_drmaa is not False:
            try:
                self._drmaa = DrmaaTransport(load_drmaa(), self._count)
            except BackendUnavailableError:
                if use_drmaa:
                    raise
        if accounting_file is None:
            root = os.environ.get("SGE_ROOT", "/var/lib/gridengine")
            cell = os.environ.get("SGE_CELL", "default")
            accounting_file = Path(root, cell, "common", "accounting")
        self._accounting = _cluster.IncrementalLog(accounting_file)
        self._qacct_at: dict[str, float] = {}

    def options(self) -> dict[str, Any]:
        """Constructor options, JSON-ready (stored in a queue's state file)."""
        return dict(self._options)

    @property
    def mode(self) -> str:
        """``"drmaa"`` or ``"qsub"``: how jobs are submitted and cancelled."""
        return "drmaa" if self._drmaa is not None else "qsub"

    def close(self) -> None:
        if self._drmaa is not None:
            self._drmaa.close()

    # -------------------------------------------------------------------- flags
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

    def job_flags(self, res: Resources, spec: JobSpec | None) -> list[str]:
        flags = ["-cwd", "-S", "/bin/bash", *(["-V"] if self.export_env else []), *self.qsub_flags]
        flags += self.resource_flags(res)
        if res.job_name is None:  # else Grid Engine names it after the script
            flags += ["-N", _default_name(spec)]
        return flags

    def output_flags(self, stdout: Path, stderr: Path | None) -> list[str]:
        flags = ["-o", os.fspath(stdout)]
        return [*flags, "-j", "y"] if stderr is None else [*flags, "-e", os.fspath(stderr)]

    def array_flags(self, n_tasks: int, log: Path | None) -> list[str]:
        flags = ["-t", f"1-{n_tasks}"]
        if self.array_throttle:
            flags += ["-tc", str(self.array_throttle)]
        out = "/dev/null" if log is None else f"{log}.$TASK_ID.log"
        return [*flags, "-o", out, "-j", "y"]

    def directive_lines(self, flags: Sequence[str]) -> list[str]:
        return [f"#$ {line}" for line in _pair(list(flags))]

    def check(self, spec: JobSpec) -> None:
        res = spec.resources
        if res.gpu_type is not None and (not res.num_gpus or self.gpu_type_complex is None):
            raise ResourceError(
                f"gpu_type: {res.gpu_type!r} needs num_gpus >= 1 and SGEBackend(gpu_type_complex="
                f"...) naming the site's GPU-type complex; found num_gpus={res.num_gpus}, "
                f"gpu_type_complex={self.gpu_type_complex!r}"
            )
        super().check(spec)
        for flag in (*self.resource_flags(res), *self.qsub_flags):
            if re.search(r"\s", flag):
                raise ResourceError(
                    f"resources: Grid Engine options must not contain whitespace, found {flag!r}"
                )

    # ------------------------------------------------------- submit (two transports)
    def submit_command(self, script: Path) -> list[str]:
        return ["qsub", "-terse", os.fspath(script)]

    def parse_job_id(self, output: str) -> str:
        job = output.strip().splitlines()[-1].strip() if output.strip() else ""
        if not re.match(r"^\d+(\.\S+)?$", job):
            raise SubmitError(f"qsub printed no job id: {output.strip()!r}")
        return job.split(".", 1)[0]

    def array_ids(self, base: str, n_tasks: int) -> list[str]:
        return [f"{base}.{i}" for i in range(1, n_tasks + 1)]

    def submit_job(self, script: Path, spec: JobSpec) -> str:
        if self._drmaa is None:
            return super().submit_job(script, spec)
        native = self.job_flags(spec.resources, spec)
        if self._redirects(spec):
            return self._drmaa.run(script, native, ":/dev/null", None)[0]
        err = None if spec.stderr is None else ":" + os.fspath(spec.stderr_path.absolute())
        return self._drmaa.run(script, native, ":" + os.fspath(spec.stdout_path.absolute()), err)[0]

    def submit_array(self, driver: Path, specs: list[JobSpec], log: Path | None) -> list[str]:
        if self._drmaa is None:
            return super().submit_array(driver, specs, log)
        out = ":/dev/null" if log is None else f":{log}.$drmaa_incr_ph$.log"
        return self._drmaa.run(driver, self._drmaa_array_flags(specs), out, None, bulk=len(specs))

    def _drmaa_array_flags(self, specs: Sequence[JobSpec]) -> list[str]:
        native = self.job_flags(specs[0].resources, None)
        return native + (["-tc", str(self.array_throttle)] if self.array_throttle else [])

    def describe_submit(self, script: Path, specs: list[JobSpec], array: bool) -> str:
        if self._drmaa is None:
            return super().describe_submit(script, specs, array)
        path = quote(os.fspath(script))
        if array:
            native = " ".join(self._drmaa_array_flags(specs))
            return f"DRMAA runBulkJobs 1-{len(specs)}: /bin/bash {path}  (native: {native})"
        native = " ".join(self.job_flags(specs[0].resources, specs[0]))
        return f"DRMAA runJob: /bin/bash {path}  (native: {native})"

    # ---------------------------------------------------------------- cancel
    def cancel_command(self, ids: list[str]) -> list[str]:
        return ["qdel", *ids]

    def _cancel(self, ids: list[str]) -> None:
        # One qdel for all ids when the command is there (DRMAA's control is one request per
        # job: 2.4 s for a 500-task array against 0.2 s); DRMAA only without the commands.
        if shutil.which("qdel") is None and self._drmaa is not None:
            self._drmaa.terminate(ids)
            return
        super()._cancel(ids)

    # ----------------------------------------------------------------- query
    def reaped(self) -> Mapping[str, NativeStatus]:
        if self._drmaa is None or not self._drmaa.started:
            return {}
        out = {}
        for job_id, info in self._drmaa.reap().items():
            spec = self._specs.get(job_id)
            if spec is not None and job_id not in self._finished:
                out[job_id] = status_from_info(info, spec.resources.time_limit_seconds)
        return out

    def forget(self, ids: Sequence[str]) -> None:
        super().forget(ids)
        for job_id in ids:
            self._qacct_at.pop(job_id, None)
        if self._drmaa is not None:
            self._drmaa.forget(ids)

    def live_jobs(self) -> Mapping[str, list[str]]:
        text = self.run(["qstat", "-xml", "-u", getpass.getuser()], "names", error=SchedulerError)
        return parse_qstat_names(text)

    def query_scheduler(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        text = self.run(["qstat", "-xml", "-u", getpass.getuser()], "status", error=SchedulerError)
        live = parse_qstat_xml(text)
        stuck = [i for i in ids if i in live and live[i].state is JobState.FAILED]
        for job_id in stuck:  # error state (Eqw): it never runs; say why
            live[job_id] = self._error_reason(job_id, live[job_id])
        if stuck:  # and remove it, so that a retry is not blocked behind it
            with contextlib.suppress(SchedulerError):
                self._cancel(stuck)
        return live

    def _error_reason(self, job_id: str, status: NativeStatus) -> NativeStatus:
        """Add Grid Engine's "error reason" (``qstat -j``) to a job in error state."""
        try:
            text = self.run(["qstat", "-j", job_id.split(".", 1)[0]], "why", error=SchedulerError)
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

    def query_finished(
        self, ids: list[str], missing_for: Mapping[str, float]
    ) -> Mapping[str, NativeStatus]:
        """The accounting file (read incrementally) and, where it cannot answer, ``qacct``."""
        found: dict[str, NativeStatus] = {}
        readable = self._accounting.readable()
        if readable:
            known = set(self._specs) | set(ids)
            for line in self._accounting.new_lines():
                parsed = parse_accounting_line(line)
                if parsed is not None and parsed[0] in known:
                    found.setdefault(*parsed)
            self._finished.update({k: v for k, v in found.items() if k not in ids})
        now = time.monotonic()
        for job_id in ids:
            if job_id in found:
                continue
            # Not in the part of the accounting file read here (unreadable on this host, or
            # older than the backlog): ask qacct, which reads the whole file, now and then.
            last = self._qacct_at.get(job_id)
            if readable and (last is not None or missing_for[job_id] < self.lost_after / 2):
                continue  # with a readable file, qacct once, after half the grace
            if last is not None and now - last < QACCT_INTERVAL:
                continue
            self._qacct_at[job_id] = now
            for key, status in self._qacct(job_id).items():
                if key in ids:
                    found.setdefault(key, status)
        return found

    def _qacct(self, job_id: str) -> dict[str, NativeStatus]:
        try:
            text = self.run(["qacct", "-j", job_id.split(".", 1)[0]], "accounting")
        except (SchedulerError, BackendUnavailableError):
            return {}  # qacct exits 1 while the job is not in the accounting file yet
        return parse_qacct(text)


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
