"""Slurm backend: ``sbatch`` with a generated bash script, ``squeue`` once per poll, ``scancel``.

Where the outcome of a job comes from, in this order (no ``sacct``: a single-node cluster has
no accounting daemon):

1. the job's own status file, written beside its outputs by the wrapper (exit code, times,
   host). The base class reads it; it wins for the exit code whenever it has an end record;
2. ONE ``squeue --me -t all`` call per poll for all jobs: the state of queued and running jobs,
   and for finished jobs still in the controller's memory (``MinJobAge``, 300 s by default) the
   final state (COMPLETED, FAILED, TIMEOUT, CANCELLED, OUT_OF_MEMORY, ...) and the raw exit
   status (the same facts ``scontrol show job`` gives, without one call per job);
3. the job-completion log (``JobCompType=jobcomp/filetxt``, path from ``scontrol show config``),
   read incrementally and only when a job has left ``squeue``: its permanent line holds the
   final state and ``ExitCode``;
4. nothing: the job is reported ``lost`` (after ``lost_after`` seconds, 0 by default: Slurm
   lists a finished job for ``MinJobAge`` seconds, so a job it no longer lists is long gone).

The workflow (arrays, all-or-nothing submission, tolerated failed polls, status-file watch,
adopting, dry run) is :class:`~mle_scheduler.backends.cluster.ClusterBackend`'s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._types import JobSpec, JobState, Resources
from ..errors import ResourceError, SchedulerError, SubmitError
from . import _cluster
from .base import NativeStatus
from .cluster import ClusterBackend

__all__ = ["SlurmBackend", "parse_jobcomp_line", "parse_squeue", "parse_squeue_names"]

_QUEUED = {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"}
_RUNNING = {
    "RUNNING",
    "COMPLETING",
    "STAGE_OUT",
    "SIGNALING",
    "SUSPENDED",
    "RESIZING",
    "STOPPED",
}
_FINAL = {
    "COMPLETED": JobState.DONE,
    "CANCELLED": JobState.CANCELLED,
    "TIMEOUT": JobState.TIMEOUT,
    "DEADLINE": JobState.TIMEOUT,
}
_SQUEUE_FIELDS = ("JobID", "ArrayJobID", "ArrayTaskID", "State", "Exit_Code", "NodeList", "Reason")
SQUEUE_FORMAT = ",".join(f"{f}:|" for f in _SQUEUE_FIELDS[:-1]) + f",{_SQUEUE_FIELDS[-1]}:"


def _state(word: str) -> JobState:
    word = word.split()[0].rstrip("+") if word.strip() else ""
    if word in _QUEUED:
        return JobState.QUEUED
    if word in _RUNNING:
        return JobState.RUNNING
    return _FINAL.get(word, JobState.FAILED)


#: states of a job that was accepted and has not ended
_LIVE_STATES = "PENDING,CONFIGURING,RUNNING,SUSPENDED,REQUEUED,REQUEUE_HOLD"


def parse_squeue_names(text: str) -> dict[str, list[str]]:
    """Parse ``squeue -h -o '%i|%j'`` into ``{job name: [ids]}``, array tasks left out."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        job_id, sep, name = line.strip().partition("|")
        if sep and job_id.isdigit():
            out.setdefault(name, []).append(job_id)
    return out


def parse_squeue(text: str) -> dict[str, NativeStatus]:
    """Parse ``squeue -h -O`` output in :data:`SQUEUE_FORMAT` into ``{id: NativeStatus}``.

    Ids are ``"<job>"`` or ``"<array job>_<task>"``; a pending array's range record (e.g.
    ``1-10%2``) is expanded to one id per task. ``Exit_Code`` is the raw wait status.
    """
    out: dict[str, NativeStatus] = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) < len(_SQUEUE_FIELDS):
            continue
        job_id, array_id, task, state_word, raw, nodes, reason = (p.strip() for p in parts[:7])
        state = _state(state_word)
        code: int | None = None
        message = None
        if raw.isdigit() and state.finished:
            status = int(raw)
            if status & 0x7F:
                message = f"killed by signal {status & 0x7F}"
            else:
                code = status >> 8
        if state is JobState.QUEUED and reason not in ("", "None", "(null)"):
            message = f"pending: {reason}"
        elif state.finished and state is not JobState.DONE and reason not in ("", "None"):
            message = f"{state_word}: {reason}" if message is None else f"{message} ({reason})"
        host = nodes if nodes not in ("", "(null)", "N/A") else None
        status_obj = NativeStatus(state=state, exit_code=code, message=message, host=host)
        if task in ("", "N/A"):
            out[job_id] = status_obj
        else:
            tasks = _cluster.expand_tasks(task)
            for t in tasks:
                out[f"{array_id}_{t}"] = status_obj
    return out


_JC_ID = re.compile(r"\bJobId=(\d+)\b")
_JC_STATE = re.compile(r"\bJobState=(\S+)")
_JC_EXIT = re.compile(r"\bExitCode=(\d+):(\d+)")
_JC_ARRAY = re.compile(r"\bArrayJobId=(\d+) ArrayTaskId=(\d+)")
_JC_NODES = re.compile(r"\bNodeList=(\S+)")


def parse_jobcomp_line(line: str) -> tuple[str, NativeStatus] | None:
    """One ``jobcomp/filetxt`` line as ``(id, NativeStatus)``; None if it is not a job line."""
    jid, st = _JC_ID.search(line), _JC_STATE.search(line)
    if jid is None or st is None:
        return None
    arr = _JC_ARRAY.search(line)
    key = f"{arr.group(1)}_{arr.group(2)}" if arr else jid.group(1)
    state = _state(st.group(1))
    if not state.finished:  # a completion line is always final
        state = JobState.FAILED
    code = None
    message = None
    ex = _JC_EXIT.search(line)
    if ex:
        if int(ex.group(2)):
            message = f"killed by signal {ex.group(2)}"
        else:
            code = int(ex.group(1))
    nodes = _JC_NODES.search(line)
    host = nodes.group(1) if nodes and nodes.group(1) not in ("(null)", "None") else None
    return key, NativeStatus(state=state, exit_code=code, message=message, host=host)


def _escape_pattern(path: Path) -> str:
    """A path for ``--output``/``--error``: Slurm expands ``%x`` patterns, ``%%`` is a ``%``."""
    return os.fspath(path.absolute()).replace("%", "%%")


class SlurmBackend(ClusterBackend):
    """Jobs through ``sbatch``; many jobs of one shape go in as one ``--array``.

    Args:
        array_min: submit a group of at least this many same-shaped jobs (identical
            :class:`Resources`) as one array; ``0`` never uses arrays.
        array_throttle: at most this many tasks of one array run at once (``--array=...%K``).
        array_max: split arrays larger than this (Slurm's ``MaxArraySize`` is 1001 by default).
        sbatch_flags: extra ``sbatch`` tokens for every job (e.g. ``("--account=lab",)``).
        jobcomp_log: the job-completion log to read exit codes from once ``squeue`` has
            forgotten a job; ``None`` asks ``scontrol show config`` (filetxt logs only), ``""``
            disables it.
        lost_after: seconds a job missing from ``squeue`` without any end record is given
            before it is ``lost``.
    """

    name = "slurm"
    directive_prefix = "#SBATCH"
    task_variable = "SLURM_ARRAY_TASK_ID"
    cancel_benign = ("already completing or completed", "Invalid job id specified")

    def __init__(
        self,
        *,
        array_min: int = 2,
        array_throttle: int | None = None,
        array_max: int = 1000,
        sbatch_flags: Sequence[str] = (),
        jobcomp_log: str | os.PathLike[str] | None = None,
        lost_after: float = 0.0,
    ) -> None:
        super().__init__(
            array_min=array_min,
            array_throttle=array_throttle,
            array_max=array_max,
            lost_after=lost_after,
        )
        self.sbatch_flags = tuple(sbatch_flags)
        self._jobcomp_path = jobcomp_log
        self._jobcomp_option = None if jobcomp_log is None else os.fspath(jobcomp_log)
        self._jobcomp: _cluster.IncrementalLog | None = None
        self._completed: dict[str, NativeStatus] = {}

    def options(self) -> dict[str, Any]:
        """Constructor options, JSON-ready (stored in a queue's state file)."""
        return {
            **super().options(),
            "sbatch_flags": list(self.sbatch_flags),
            "jobcomp_log": self._jobcomp_option,
        }

    # -------------------------------------------------------------------- flags
    @staticmethod
    def resource_flags(res: Resources) -> list[str]:
        """Generic resources as ``sbatch`` flags (one token each)."""
        flags = [f"--cpus-per-task={res.num_logical_cores}"]
        if res.memory_per_job is not None:
            flags.append(f"--mem={res.memory_per_job}M")
        if res.time_per_job is not None:
            flags.append(f"--time={res.time_per_job}")
        if res.queue is not None:
            flags.append(f"--partition={res.queue}")
        if res.num_gpus:
            gres = f"gpu:{res.gpu_type}:{res.num_gpus}" if res.gpu_type else f"gpu:{res.num_gpus}"
            flags.append(f"--gres={gres}")
        if res.exclude_nodes:
            flags.append(f"--exclude={','.join(res.exclude_nodes)}")
        if res.job_name is not None:
            flags.append(f"--job-name={res.job_name}")
        flags.extend(res.extra_flags)
        return flags

    def job_flags(self, res: Resources, spec: JobSpec | None) -> list[str]:
        return [*self.resource_flags(res), *self.sbatch_flags]

    def output_flags(self, stdout: Path, stderr: Path | None) -> list[str]:
        flags = [f"--output={_escape_pattern(stdout)}"]
        return flags if stderr is None else [*flags, f"--error={_escape_pattern(stderr)}"]

    def array_flags(self, n_tasks: int, log: Path | None) -> list[str]:
        rng = f"1-{n_tasks}" + (f"%{self.array_throttle}" if self.array_throttle else "")
        out = "/dev/null" if log is None else f"{_escape_pattern(log)}.%A_%a.log"
        return [f"--array={rng}", f"--output={out}"]

    def check(self, spec: JobSpec) -> None:
        res = spec.resources
        if res.gpu_type is not None and not res.num_gpus:
            raise ResourceError(
                f"gpu_type: set to {res.gpu_type!r} but num_gpus is 0; expected num_gpus >= 1"
            )
        super().check(spec)

    # ----------------------------------------------------------- submit, cancel
    def submit_command(self, script: Path) -> list[str]:
        return ["sbatch", "--parsable", os.fspath(script)]

    def parse_job_id(self, output: str) -> str:
        job_id = output.strip().split(";", 1)[0]
        if not job_id.isdigit():
            raise SubmitError(f"sbatch printed no job id: {output.strip()!r}")
        return job_id

    def array_ids(self, base: str, n_tasks: int) -> list[str]:
        return [f"{base}_{i}" for i in range(1, n_tasks + 1)]

    def cancel_command(self, ids: list[str]) -> list[str]:
        return ["scancel", *ids]

    # -------------------------------------------------------------------- query
    def query_scheduler(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        text = self.run(
            ["squeue", "--me", "-h", "-t", "all", "-O", SQUEUE_FORMAT],
            "status",
            error=SchedulerError,
        )
        return parse_squeue(text)

    def live_jobs(self) -> Mapping[str, list[str]]:
        text = self.run(
            ["squeue", "--me", "-h", "-t", _LIVE_STATES, "-o", "%i|%j"],
            "names",
            error=SchedulerError,
        )
        return parse_squeue_names(text)

    def forget(self, ids: Sequence[str]) -> None:
        super().forget(ids)
        for job_id in ids:
            self._completed.pop(job_id, None)

    def query_finished(
        self, ids: list[str], missing_for: Mapping[str, float]
    ) -> Mapping[str, NativeStatus]:
        self._read_jobcomp(set(ids))
        return {i: self._completed[i] for i in ids if i in self._completed}

    def _read_jobcomp(self, wanted: set[str]) -> None:
        if self._jobcomp is None:
            path = self._jobcomp_path
            if path is None:
                path = self._find_jobcomp()
            if not path:
                return
            self._jobcomp = _cluster.IncrementalLog(path)
        known = set(self._specs) | wanted
        for line in self._jobcomp.new_lines():
            parsed = parse_jobcomp_line(line)
            if parsed is not None and parsed[0] in known:
                self._completed[parsed[0]] = parsed[1]

    def _find_jobcomp(self) -> str:
        try:
            text = self.run(["scontrol", "show", "config"], "config", error=SchedulerError)
        except SchedulerError:
            self._jobcomp_path = ""
            return ""
        conf = dict(
            (k.strip(), v.strip())
            for k, _, v in (line.partition("=") for line in text.splitlines())
            if v
        )
        path = conf.get("JobCompLoc", "") if conf.get("JobCompType") == "jobcomp/filetxt" else ""
        self._jobcomp_path = path
        return path
