"""Reading Grid Engine's answers: ``qstat -xml``, accounting lines (accounting(5)), ``qacct -j``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..._types import JobState
from ...errors import SchedulerError
from .._cluster import expand_tasks
from ..base import NativeStatus

__all__ = [
    "from_accounting",
    "parse_accounting_line",
    "parse_qacct",
    "parse_qstat_names",
    "parse_qstat_xml",
]

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
            for t in expand_tasks(tasks):
                out[f"{number}.{t}"] = status
        else:
            out[number] = status
    return out


def parse_qstat_names(text: str) -> dict[str, list[str]]:
    """Parse ``qstat -xml`` into ``{job name: [ids]}``, array jobs left out."""
    try:
        root = ET.fromstring(text)  # noqa: S314 - output of the local qstat, not user input
    except ET.ParseError as exc:
        raise SchedulerError(f"qstat -xml printed unreadable XML: {exc}") from None
    out: dict[str, list[str]] = {}
    for job in root.iter("job_list"):
        number = (job.findtext("JB_job_number") or "").strip()
        if number and not (job.findtext("tasks") or "").strip():
            out.setdefault((job.findtext("JB_name") or "").strip(), []).append(number)
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
    return key, from_accounting(int(failed or 0), int(exit_status or 0), f[1] or None)


def from_accounting(failed: int, exit_status: int, host: str | None) -> NativeStatus:
    """A final status from an accounting record's ``failed`` and ``exit_status`` fields."""
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


def parse_qacct(text: str) -> dict[str, NativeStatus]:
    """Parse ``qacct -j`` output into ``{id: NativeStatus}`` (array tasks ``"<job>.<task>"``)."""
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
        out[key] = from_accounting(failed, exit_status, fields.get("hostname"))
    return out
