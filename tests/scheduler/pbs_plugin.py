"""A PBS-style backend written on the cluster-backend template, as a plug-in author would.

This module is the whole backend: flags, submit call, array ids, status query, cancel call.
Arrays, all-or-nothing submission, tolerated failed polls, the grace before ``lost``, the
status-file watch, adopting and the dry run come from ``ClusterBackend``. The test registers it
under the ``mle_scheduler.backends`` entry-point group, as a package's pyproject would:
``[project.entry-points."mle_scheduler.backends"] pbs = "pbs_plugin:PBSBackend"``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from mle_scheduler import (
    ClusterBackend,
    JobSpec,
    JobState,
    NativeStatus,
    Resources,
    SchedulerError,
    SubmitError,
)

_STATES = {"Q": JobState.QUEUED, "H": JobState.QUEUED, "R": JobState.RUNNING}


class PBSBackend(ClusterBackend):
    name = "pbs"
    directive_prefix = "#PBS"
    task_variable = "PBS_ARRAY_INDEX"
    cancel_benign = ("Unknown Job Id",)

    def job_flags(self, res: Resources, spec: JobSpec | None) -> list[str]:
        flags = [f"-l select=1:ncpus={res.num_logical_cores}"]
        if res.time_limit_seconds is not None:
            flags.append(f"-l walltime={res.time_limit_seconds}")
        if res.job_name is not None:
            flags.append(f"-N {res.job_name}")
        return flags

    def output_flags(self, stdout: Path, stderr: Path | None) -> list[str]:
        join = ["-j oe"] if stderr is None else [f"-e {stderr}"]
        return [f"-o {stdout}", *join]

    def array_flags(self, n_tasks: int, log: Path | None) -> list[str]:
        return [f"-J 1-{n_tasks}", f"-o {log or '/dev/null'}"]

    def submit_command(self, script: Path) -> list[str]:
        return ["qsub", os.fspath(script)]

    def parse_job_id(self, output: str) -> str:
        match = re.match(r"^(\d+)(\[\])?\.", output.strip())
        if match is None:
            raise SubmitError(f"qsub printed no job id: {output.strip()!r}")
        return match.group(1)

    def array_ids(self, base: str, n_tasks: int) -> list[str]:
        return [f"{base}[{i}]" for i in range(1, n_tasks + 1)]

    def query_scheduler(self, ids: list[str]) -> Mapping[str, NativeStatus]:
        out = {}
        for line in self.run(["qstat"], "status", error=SchedulerError).splitlines():
            job_id, _, state = line.partition(" ")
            out[job_id] = NativeStatus(_STATES.get(state.strip(), JobState.RUNNING))
        return out

    def cancel_command(self, ids: list[str]) -> list[str]:
        return ["qdel", *ids]
