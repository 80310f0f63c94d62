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
4. nothing: the job is reported ``lost``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from shlex import quote
from typing import Any

from .._script import render_script
from .._types import JobSpec, JobState, Resources
from ..errors import ResourceError, SchedulerError, SubmitError
from . import _cluster
from .base import Backend, NativeStatus

__all__ = ["SlurmBackend", "parse_jobcomp_line", "parse_squeue"]

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


def _needs_redirect(spec: JobSpec) -> bool:
    """Paths #SBATCH cannot carry safely (whitespace, quotes) are redirected by the script."""
    paths = [spec.stdout_path, spec.stderr_path]
    return any(re.search(r"[\s\"'\\]", os.fspath(p.absolute())) for p in paths)


class SlurmBackend(Backend):
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
    """

    name = "slurm"
    poll_interval = (1.0, 30.0)

    def __init__(
        self,
        *,
        array_min: int = 2,
        array_throttle: int | None = None,
        array_max: int = 1000,
        sbatch_flags: Sequence[str] = (),
        jobcomp_log: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        if array_throttle is not None and array_throttle < 1:
            raise ResourceError(f"array_throttle: expected an integer >= 1, found {array_throttle}")
        if array_max < 1:
            raise ResourceError(f"array_max: expected an integer >= 1, found {array_max}")
        self.array_min = array_min
        self.array_throttle = array_throttle
        self.array_max = array_max
        self.sbatch_flags = tuple(sbatch_flags)
        self._jobcomp_path = jobcomp_log
        self._options: dict[str, Any] = {
            "array_min": array_min, "array_throttle": array_throttle, "array_max": array_max,
            "sbatch_flags": list(self.sbatch_flags),
            "jobcomp_log": None if jobcomp_log is None else os.fspath(jobcomp_log),
        }  # fmt: skip
        self._jobcomp: _cluster.IncrementalLog | None = None
        self._completed: dict[str, NativeStatus] = {}
        self._watch = _cluster.StatusWatch()
        self._last: dict[str, NativeStatus] = {}
        self._poll_failures = 0
        #: scheduler calls made (sbatch, squeue, scancel, scontrol), for benchmarks
        self.calls: dict[str, int] = {}

    def options(self) -> dict[str, Any]:
        """Constructor options, JSON-ready (stored in a queue's state file)."""
        return dict(self._options)

    # ------------------------------------------------------------------ scripts
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

    def check(self, spec: JobSpec) -> None:
        res = spec.resources
        if res.gpu_type is not None and not res.num_gpus:
            raise ResourceError(
                f"gpu_type: set to {res.gpu_type!r} but num_gpus is 0; expected num_gpus >= 1"
            )
        for flag in (*self.resource_flags(res), *self.sbatch_flags):
            if "\n" in flag:
                raise ResourceError(f"extra_flags: expected one-line tokens, found {flag!r}")

    def directives(self, spec: JobSpec) -> list[str]:
        lines = [f"#SBATCH {f}" for f in (*self.resource_flags(spec.resources), *self.sbatch_flags)]
        if _needs_redirect(spec):
            lines.append("#SBATCH --output=/dev/null")
        else:
            lines.append(f"#SBATCH --output={_escape_pattern(spec.stdout_path)}")
            if spec.stderr is not None:
                lines.append(f"#SBATCH --error={_escape_pattern(spec.stderr_path)}")
        return lines

    def render(self, spec: JobSpec) -> str:
        return render_script(spec, self.directives(spec), redirect_output=_needs_redirect(spec))

    # -------------------------------------------------------------------- hooks
    def _run(self, argv: list[str], what: str, **kwargs: object) -> str:
        self.calls[argv[0]] = self.calls.get(argv[0], 0) + 1
        return _cluster.run_command(argv, what=what, **kwargs)  # type: ignore[arg-type]

    def _sbatch(self, script: Path) -> str:
        out = self._run(["sbatch", "--parsable", os.fspath(script)], "sbatch")
        job_id = out.strip().split(";", 1)[0]
        if not job_id.isdigit():
            raise SubmitError(f"sbatch printed no job id for {script}: {out.strip()!r}")
        return job_id

    def _submit(self, specs: list[JobSpec]) -> list[str]:
        ids: list[str | None] = [None] * len(specs)
        with _cluster.all_or_nothing(ids, self._cancel):
            for group in _cluster.group_by_shape(specs, self.array_min):
                if len(group) == 1:
                    spec = specs[group[0]]
                    path = _cluster.write_script(_cluster.script_path(spec), self.render(spec))
                    ids[group[0]] = self._sbatch(path)
                    continue
                for chunk in _cluster.chunks(group, self.array_max):
                    for i, job_id in zip(
                        chunk, self._submit_array([specs[i] for i in chunk]), strict=True
                    ):
                        ids[i] = job_id
        submitted = [i for i in ids if i is not None]
        for key, spec in zip(submitted, specs, strict=True):
            self._watch.add(key, spec.status_path)
        return submitted

    def dry_run(self, specs: Sequence[JobSpec]) -> str:
        """What :meth:`submit` would do with ``specs``, submitting nothing: each ``sbatch``
        command and its script (arrays: the driver and the first task's script)."""
        specs = list(specs)
        for spec in specs:
            self.check(spec)
        groups = [
            chunk
            for group in _cluster.group_by_shape(specs, self.array_min)
            for chunk in _cluster.chunks(group, self.array_max)
        ]

        def single(spec: JobSpec) -> tuple[str, str]:
            path = quote(os.fspath(_cluster.script_path(spec)))
            return f"sbatch --parsable {path}", self.render(spec)

        def array(members: list[JobSpec]) -> tuple[str, str]:
            driver = _cluster.array_driver_path(members[0], "<stamp>")
            command = f"sbatch --parsable {quote(os.fspath(driver))}"
            return command, self.array_script(members, "<stamp>")

        return _cluster.dry_run_text(specs, groups, single, array)

    def array_script(self, specs: Sequence[JobSpec], stamp: str) -> str:
        """The driver script of an array over ``specs`` (which share their resources)."""
        first = specs[0]
        tasks = [_cluster.script_path(s) for s in specs]
        rng = f"1-{len(specs)}" + (f"%{self.array_throttle}" if self.array_throttle else "")
        log = first.stdout_path.with_name(f"mle-array-{stamp}")
        flags = [
            *self.resource_flags(first.resources),
            *self.sbatch_flags,
            f"--array={rng}",
            f"--output={_escape_pattern(log)}.%A_%a.log",
        ]
        return _cluster.array_driver(tasks, [f"#SBATCH {f}" for f in flags], "SLURM_ARRAY_TASK_ID")

    def _submit_array(self, specs: list[JobSpec]) -> list[str]:
        for spec in specs:
            _cluster.write_task_script(spec)
        stamp = _cluster.unique_stamp()
        driver = _cluster.write_script(
            _cluster.array_driver_path(specs[0], stamp), self.array_script(specs, stamp)
        )
        base = self._sbatch(driver)
        return [f"{base}_{i}" for i in range(1, len(specs) + 1)]

    def _query(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        out = self._query_all(ids)
        for job_id in ids:
            native = out.get(job_id)
            if native is None or native.state.finished:
                self._watch.discard(job_id)
        return out

    def wait_for_change(self, timeout: float) -> None:
        # Status files beside the outputs change when a job starts or ends: wake up then.
        self._watch.wait(timeout)

    def adopt(self, jobs: Mapping[str, JobSpec]) -> None:
        super().adopt(jobs)
        for job_id, spec in jobs.items():
            self._watch.add(job_id, spec.status_path)

    def _query_all(self, ids: list[str]) -> dict[str, NativeStatus]:
        try:
            text = self._run(
                ["squeue", "--me", "-h", "-t", "all", "-O", SQUEUE_FORMAT],
                "squeue",
                error=SchedulerError,
            )
        except SchedulerError as exc:
            self._poll_failures += 1
            if self._poll_failures >= _cluster.MAX_POLL_FAILURES:
                raise
            unknown = NativeStatus(JobState.QUEUED, message=f"squeue did not answer: {exc}")
            return {i: self._last.get(i, unknown) for i in ids}
        self._poll_failures = 0
        seen = parse_squeue(text)
        out = {i: seen[i] for i in ids if i in seen}
        self._last.update(out)
        missing = [i for i in ids if i not in out]
        if missing:
            self._read_jobcomp(set(missing))
            out.update({i: self._completed[i] for i in missing if i in self._completed})
        return out

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
            text = self._run(["scontrol", "show", "config"], "scontrol", error=SchedulerError)
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

    def _cancel(self, ids: list[str]) -> None:
        self.calls["scancel"] = self.calls.get("scancel", 0) + 1
        # Jobs that already ended are not an error; anything else is.
        _cluster.cancel_command(
            ["scancel", *ids],
            benign=("already completing or completed", "Invalid job id specified"),
        )
