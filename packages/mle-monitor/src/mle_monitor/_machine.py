"""What the machine and the cluster are doing: local CPU and memory (from ``/proc``), GPUs
(``nvidia-smi``), Grid Engine queue load (``qstat -g c``) and Slurm partitions (``sinfo``).

Scheduler commands run with argument lists (never a shell), with a timeout, once per
``cluster_interval`` seconds at most for all experiments together (many users share a
scheduler); their last answer is kept in between.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "GpuInfo",
    "MachineProbe",
    "MachineSnapshot",
    "QueueLoad",
    "parse_nvidia_smi",
    "parse_qstat_gc",
    "parse_sinfo",
]

#: runs one command (argv) and returns (exit code, stdout); raises OSError / TimeoutExpired
Runner = Callable[[Sequence[str], float], tuple[int, str]]

NVIDIA_SMI = (
    "nvidia-smi",
    "--query-gpu=index,name,utilization.gpu,memory.used,memory.total",
    "--format=csv,noheader,nounits",
)
QSTAT = ("qstat", "-g", "c")
SINFO = ("sinfo", "-h", "-o", "%P|%a|%C")


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    utilization: float | None  # percent
    memory_used_mb: float | None
    memory_total_mb: float | None


@dataclass(frozen=True)
class QueueLoad:
    """One Grid Engine cluster queue or Slurm partition."""

    scheduler: str  # "sge" | "slurm"
    name: str
    used: int  # slots (SGE) or CPUs (Slurm) in use
    total: int
    available: int | None = None
    load: float | None = None  # SGE's CQLOAD
    state: str | None = None  # Slurm's partition state (up, down, ...)


@dataclass(frozen=True)
class MachineSnapshot:
    host: str
    cpu_percent: float | None
    load: tuple[float, float, float] | None
    memory_used: int | None  # bytes
    memory_total: int | None
    gpus: list[GpuInfo] = field(default_factory=list)
    queues: list[QueueLoad] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read, in one line each


def _run(argv: Sequence[str], timeout: float) -> tuple[int, str]:
    res = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
    return res.returncode, res.stdout


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_nvidia_smi(text: str) -> list[GpuInfo]:
    """The lines of ``nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,
    memory.total --format=csv,noheader,nounits``."""
    gpus = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5 or _int(parts[0]) is None:
            continue
        gpus.append(
            GpuInfo(int(parts[0]), parts[1], _float(parts[2]), _float(parts[3]), _float(parts[4]))
        )
    return gpus


def parse_qstat_gc(text: str) -> list[QueueLoad]:
    """The table of Grid Engine's ``qstat -g c`` (CLUSTER QUEUE, CQLOAD, USED, RES, AVAIL,
    TOTAL, ...); a queue with load ``-NA-`` has no load."""
    queues = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[0] == "CLUSTER" or set(line.strip()) <= {"-"}:
            continue
        used, avail, total = _int(parts[2]), _int(parts[4]), _int(parts[5])
        if used is None or total is None:
            continue
        queues.append(QueueLoad("sge", parts[0], used, total, avail, _float(parts[1])))
    return queues


def parse_sinfo(text: str) -> list[QueueLoad]:
    """The lines of ``sinfo -h -o %P|%a|%C`` (partition, availability, CPUs
    allocated/idle/other/total), summed per partition; the default partition's ``*`` is
    dropped."""
    found: dict[str, list[int]] = {}
    states: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) != 3:
            continue
        cpus = [_int(x) for x in parts[2].split("/")]
        if len(cpus) != 4 or any(c is None for c in cpus):
            continue
        name = parts[0].rstrip("*")
        acc = found.setdefault(name, [0, 0, 0, 0])
        for i, c in enumerate(cpus):
            acc[i] += c or 0
        states[name] = parts[1]
    return [
        QueueLoad("slurm", name, a[0], a[3], a[1], None, states[name]) for name, a in found.items()
    ]


def _detect_schedulers() -> list[str]:
    found = []
    if shutil.which("qstat") and (os.environ.get("SGE_ROOT") or shutil.which("qconf")):
        found.append("sge")
    if shutil.which("sinfo"):
        found.append("slurm")
    return found


class MachineProbe:
    """Takes :class:`MachineSnapshot` s. ``schedulers``: which of ``"sge"``, ``"slurm"`` to
    ask (default: those whose commands are installed); ``gpus``: ask ``nvidia-smi`` (default:
    when installed); ``run``: how a command is run (tests pass a fake)."""

    def __init__(
        self,
        *,
        schedulers: Sequence[str] | None = None,
        gpus: bool | None = None,
        cluster_interval: float = 10.0,
        timeout: float = 10.0,
        proc: str | os.PathLike[str] = "/proc",
        run: Runner | None = None,
    ) -> None:
        self.schedulers = list(_detect_schedulers() if schedulers is None else schedulers)
        self.gpus = shutil.which("nvidia-smi") is not None if gpus is None else gpus
        self.cluster_interval = cluster_interval
        self.timeout = timeout
        self.proc = Path(proc)
        self.run: Runner = run or _run
        self.calls = 0  # commands run so far (each scheduler at most once per interval)
        self._cpu: tuple[int, int] | None = None
        self._cluster: tuple[float, list[QueueLoad], list[str]] | None = None

    def _command(self, argv: Sequence[str], notes: list[str]) -> str | None:
        self.calls += 1
        try:
            code, out = self.run(argv, self.timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            notes.append(f"{argv[0]}: {type(exc).__name__}: {exc}")
            return None
        if code != 0:
            notes.append(f"{argv[0]}: exit code {code}")
            return None
        return out

    def _cpu_percent(self) -> float | None:
        try:
            first = (self.proc / "stat").read_text().splitlines()[0].split()
        except (OSError, IndexError):
            return None
        values = [int(x) for x in first[1:] if x.isdigit()]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        total = sum(values[:8])
        prev, self._cpu = self._cpu, (total, idle)
        if prev is None or total <= prev[0]:
            return None
        return 100.0 * (1.0 - (idle - prev[1]) / (total - prev[0]))

    def _memory(self) -> tuple[int | None, int | None]:
        info: dict[str, int] = {}
        try:
            for line in (self.proc / "meminfo").read_text().splitlines():
                key, _, rest = line.partition(":")
                value = rest.split()
                if value and value[0].isdigit():
                    info[key] = int(value[0]) * 1024
        except OSError:
            return None, None
        total, avail = info.get("MemTotal"), info.get("MemAvailable", info.get("MemFree"))
        if total is None or avail is None:
            return None, total
        return total - avail, total

    def _queues(self, now: float) -> tuple[list[QueueLoad], list[str]]:
        if self._cluster is not None and now - self._cluster[0] < self.cluster_interval:
            return self._cluster[1], self._cluster[2]
        queues: list[QueueLoad] = []
        notes: list[str] = []
        for name in self.schedulers:
            if name == "sge":
                out = self._command(QSTAT, notes)
                queues += parse_qstat_gc(out) if out is not None else []
            elif name == "slurm":
                out = self._command(SINFO, notes)
                queues += parse_sinfo(out) if out is not None else []
        self._cluster = (now, queues, notes)
        return queues, notes

    def snapshot(self, now: float | None = None) -> MachineSnapshot:
        """The machine now; the cluster as of at most ``cluster_interval`` seconds ago."""
        now = time.monotonic() if now is None else now
        notes: list[str] = []
        used, total = self._memory()
        try:
            load: tuple[float, float, float] | None = os.getloadavg()
        except OSError:
            load = None
        gpus: list[GpuInfo] = []
        if self.gpus:
            out = self._command(NVIDIA_SMI, notes)
            gpus = parse_nvidia_smi(out) if out is not None else []
        queues, cluster_notes = self._queues(now)
        return MachineSnapshot(
            host=socket.gethostname(),
            cpu_percent=self._cpu_percent(),
            load=load,
            memory_used=used,
            memory_total=total,
            gpus=gpus,
            queues=queues,
            notes=notes + cluster_notes,
        )
