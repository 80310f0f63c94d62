"""The job script shared by all backends, and the JSON status record its wrapper writes.

The script is bash; every user string (argv, paths, env values, env/module names) goes through
:func:`shlex.quote`. It records ``{"start", "host", "pid", "pid_start", "boot_id"}`` when the
job starts (the last two identify the wrapper process beyond its pid: see
:class:`~mle_scheduler.ProcessRef`) and adds
``"end"`` and ``"exit_code"`` when it ends, each time written atomically (temp file + rename)
to the job's status file, so the truth about a job lives beside its outputs. A launcher that
writes the start record itself (the local backend) sets ``MLE_SCHEDULER_NOTED=1`` in the job's
environment to save the wrapper that write (the wrapper still writes it when no record exists:
a launcher killed right after starting the job never writes one, and a resumed queue must see
that the job runs); the variable is removed before the job runs.

The wrapper starts no process but the job: times come from ``$EPOCHREALTIME`` (bash >= 5;
``printf '%(%s)T'`` before), the host from ``$HOSTNAME``, and each record is written by
``history -w``, which in bash >= 4.4 writes a temp file beside the status file and renames it
over it (as ``mv`` did, for about 1 ms less per job: see ``benchmarks/scheduler/RESULTS.md``).
The wrapper creates that temp file (and an absent status file) itself first, so that the record
takes its mode from the umask like every other file (``history -w`` would create them 0600). It
reads the record back and, should anything differ (an odd ``BASH_ENV``, another temp name),
rewrites it with ``printf`` + ``mv``, which bash < 4.4 uses throughout.
The user's ``HISTTIMEFORMAT`` (which would add a timestamp line) is unset in the wrapper and
exported again for the job; the other history variables are local to the record function.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from shlex import quote

from ._process import ProcessRef
from ._types import JobSpec

__all__ = ["StatusRecord", "read_status", "render_body", "render_script"]

_PRELUDE = r"""# mle-scheduler wrapper: records start, end, exit code and host in the status file.
__mle_status=%(status)s
__mle_hist=0
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)) && enable history 2>/dev/null; then
    __mle_hist=1
    [[ -n ${HISTTIMEFORMAT+x} ]] && __mle_htf=("$HISTTIMEFORMAT") &&
        unset -v HISTTIMEFORMAT 2>/dev/null || unset -v __mle_htf
fi
# history -w renames "<file>-<pid mod 100000, 5 digits>.tmp" over the file if the file exists;
# both are made first, so that they (and the record) take their mode from the umask, not 0600
printf -v __mle_tmp '%%s-%%05d.tmp' "$__mle_status" $(($$ %% 100000))
__mle_record() {
    if ((__mle_hist)) && [[ ! -L $__mle_status ]]; then
        local HISTSIZE=1 HISTCONTROL= HISTIGNORE= __mle_back=
        [[ -e $__mle_status ]] || : >> "$__mle_status"
        if : > "$__mle_tmp" && builtin history -c && builtin history -s "$1" &&
            builtin history -w "$__mle_status" 2>/dev/null && [[ ! -e $__mle_tmp ]] &&
            read -r __mle_back < "$__mle_status" && [[ $__mle_back == "$1" ]]; then
            return 0
        fi
        __mle_hist=0
    fi
    printf '%%s\n' "$1" > "$__mle_tmp" && mv -f "$__mle_tmp" "$__mle_status"
}
__mle_now() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then __mle_t=${EPOCHREALTIME/,/.}
    else printf -v __mle_t '%%(%%s)T' -1 2>/dev/null || __mle_t=$(date +%%s); fi
}
__mle_host=${HOSTNAME:-unknown}
__mle_host=${__mle_host//[\"\\]/}
__mle_now
__mle_t0=$__mle_t
__mle_pstart=null __mle_boot= __mle_stat=()
{
    read -r -a __mle_stat < "/proc/$$/stat" && read -r __mle_boot < /proc/sys/kernel/random/boot_id
} 2>/dev/null
if [[ ${__mle_stat[1]-} == *")" && ${__mle_stat[2]-} == [A-Za-z] ]]; then
    __mle_pstart=${__mle_stat[21]:-null}
elif ((${#__mle_stat[@]})); then  # a command name with spaces: fields after its last ")"
    __mle_stat="${__mle_stat[*]}"
    __mle_stat=(${__mle_stat##*) })
    __mle_pstart=${__mle_stat[19]:-null}
fi
__mle_head="\"start\": $__mle_t0, \"host\": \"$__mle_host\", \"pid\": $$"
[[ $__mle_pstart =~ ^[0-9]+$ ]] || __mle_pstart=null
__mle_head="$__mle_head, \"pid_start\": $__mle_pstart"
__mle_head="$__mle_head, \"boot_id\": \"${__mle_boot//[^0-9a-f-]/}\""
if [ -z "${MLE_SCHEDULER_NOTED:-}" ] || [ ! -e "$__mle_status" ]; then
    __mle_record "{$__mle_head}"
fi
unset MLE_SCHEDULER_NOTED
"""

#: the job gets back the HISTTIMEFORMAT the wrapper unset for ``history -w``
_JOB_HEAD = '    [[ -z ${__mle_htf+x} ]] || export HISTTIMEFORMAT="${__mle_htf[0]}"'

_POSTLUDE = r"""__mle_code=$?
__mle_now
__mle_record "{$__mle_head, \"end\": $__mle_t, \"exit_code\": $__mle_code}"
exit $__mle_code
"""


def _fail(what: str) -> str:
    return "{ echo " + quote(f"mle-scheduler: {what}") + " >&2; exit 1; }"


def render_body(spec: JobSpec, *, redirect_output: bool = False) -> str:
    """The part of the job script after the scheduler directives.

    With ``redirect_output`` the script itself sends stdout/stderr to the spec's files (for
    schedulers that cannot be told per job, e.g. inside an array); otherwise the caller does.
    """
    res = spec.resources
    lines: list[str] = []
    if redirect_output:
        out = quote(os.fspath(spec.stdout_path))
        if spec.stderr is None:
            lines.append(f"exec >>{out} 2>&1")
        else:
            lines.append(f"exec >>{out} 2>>{quote(os.fspath(spec.stderr_path))}")
    lines.append(_PRELUDE % {"status": quote(os.fspath(spec.status_path))})
    lines.append("(")
    lines.append(_JOB_HEAD)
    if res.modules_to_load:
        mods = " ".join(quote(m) for m in res.modules_to_load)
        lines.append(f"    module load {mods} || {_fail('module load ' + mods + ' failed')}")
    if res.env_name:
        name = quote(res.env_name)
        lines.append(
            f'    eval "$(conda shell.bash hook 2>/dev/null)" && conda activate {name} '
            f"|| {_fail('cannot activate conda environment ' + res.env_name)}"
        )
    if res.venv_path:
        activate = quote(os.path.join(res.venv_path, "bin", "activate"))
        lines.append(f"    . {activate} || {_fail('cannot activate venv ' + res.venv_path)}")
    if spec.cwd is not None:
        cwd = os.fspath(spec.cwd)
        lines.append(f"    cd -- {quote(cwd)} || {_fail('cannot cd to ' + cwd)}")
    for key, value in spec.env.items():
        lines.append(f"    export {key}={quote(value)}")
    lines.append("    exec " + " ".join(quote(a) for a in spec.argv))
    lines.append(")")
    lines.append(_POSTLUDE)
    return "\n".join(lines)


def render_script(spec: JobSpec, directives: Sequence[str] = (), **kwargs: bool) -> str:
    """A complete bash job script: shebang, scheduler ``directives`` lines, then the body."""
    head = ["#!/bin/bash", *directives]
    return "\n".join(head) + "\n" + render_body(spec, **kwargs)


@dataclass(frozen=True)
class StatusRecord:
    """What the wrapper wrote: ``end``/``exit_code`` are None while the job runs."""

    start: float | None
    host: str | None
    pid: int | None
    end: float | None = None
    exit_code: int | None = None
    pid_start: int | None = None
    boot_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.exit_code is not None

    @property
    def process(self) -> ProcessRef | None:
        """The wrapper process (pid, start time, boot id); None when no pid was recorded."""
        if self.pid is None:
            return None
        return ProcessRef(self.pid, self.pid_start, self.boot_id)


def _num(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def read_status(path: str | os.PathLike[str]) -> StatusRecord | None:
    """Read a status file; ``None`` when it is absent or not a wrapper record."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    code, host, boot = data.get("exit_code"), data.get("host"), data.get("boot_id")
    return StatusRecord(
        start=_num(data.get("start")),
        host=host if isinstance(host, str) else None,
        pid=_int(data.get("pid")),
        end=_num(data.get("end")),
        exit_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        pid_start=_int(data.get("pid_start")),
        boot_id=boot if isinstance(boot, str) and boot else None,
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
