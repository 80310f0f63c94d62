"""The machine panel: /proc, nvidia-smi, qstat -g c and sinfo parsed; one scheduler call per
refresh interval, always an argument list."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from mle_monitor import MachineProbe
from mle_monitor._machine import parse_nvidia_smi, parse_qstat_gc, parse_sinfo

QSTAT = """\
CLUSTER QUEUE                   CQLOAD   USED    RES  AVAIL  TOTAL aoACDS  cdsuE
--------------------------------------------------------------------------------
all.q                             2.61      2      0      0      2      0      0
gpu.q                             -NA-      0      0      4      4      0      0
"""
SINFO = "debug*|up|1/1/0/2\ndebug*|up|0/2/0/2\nlong|down|0/0/4/4\n"
SMI = "0, NVIDIA H200, 37, 1024, 143771\n1, NVIDIA H200, [N/A], 0, 143771\n"


def test_parsers() -> None:
    q = parse_qstat_gc(QSTAT)
    assert [(x.name, x.used, x.total, x.available, x.load) for x in q] == [
        ("all.q", 2, 2, 0, 2.61),
        ("gpu.q", 0, 4, 4, None),
    ]
    s = parse_sinfo(SINFO)
    assert [(x.name, x.used, x.total, x.available, x.state) for x in s] == [
        ("debug", 1, 4, 3, "up"),
        ("long", 0, 4, 0, "down"),
    ]
    g = parse_nvidia_smi(SMI)
    assert [(x.index, x.name, x.utilization, x.memory_total_mb) for x in g] == [
        (0, "NVIDIA H200", 37.0, 143771.0),
        (1, "NVIDIA H200", None, 143771.0),
    ]
    assert parse_qstat_gc("error: commlib error\n") == [] and parse_sinfo("junk") == []


class FakeRun:
    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[Sequence[str]] = []
        self.fail = fail

    def __call__(self, argv: Sequence[str], timeout: float) -> tuple[int, str]:
        assert not isinstance(argv, str) and timeout > 0
        self.calls.append(tuple(argv))
        if argv[0] == self.fail:
            raise subprocess.TimeoutExpired(list(argv), timeout)
        return 0, {"qstat": QSTAT, "sinfo": SINFO, "nvidia-smi": SMI}[argv[0]]


def test_one_scheduler_call_per_interval_and_proc(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "meminfo").write_text("MemTotal: 1048576 kB\nMemFree: 10 kB\nMemAvailable: 262144 kB\n")
    (proc / "stat").write_text("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3 4\n")
    run = FakeRun()
    probe = MachineProbe(
        schedulers=["sge", "slurm"], gpus=True, cluster_interval=10.0, proc=proc, run=run
    )
    first = probe.snapshot(now=0.0)
    assert first.cpu_percent is None  # needs two samples
    assert (first.memory_used, first.memory_total) == (768 * 2**20, 2**30)
    assert [q.scheduler for q in first.queues] == ["sge", "sge", "slurm", "slurm"]
    assert len(first.gpus) == 2
    (proc / "stat").write_text("cpu  150 0 150 900 0 0 0 0 0 0\n")
    second = probe.snapshot(now=5.0)
    assert second.cpu_percent == 50.0
    assert second.queues == first.queues
    probe.snapshot(now=11.0)
    schedulers = [c for c in run.calls if c[0] in ("qstat", "sinfo")]
    assert schedulers == [
        ("qstat", "-g", "c"),
        ("sinfo", "-h", "-o", "%P|%a|%C"),
        ("qstat", "-g", "c"),
        ("sinfo", "-h", "-o", "%P|%a|%C"),
    ]


def test_a_scheduler_that_hangs_is_a_note(tmp_path: Path) -> None:
    probe = MachineProbe(schedulers=["sge"], gpus=False, run=FakeRun(fail="qstat"))
    snap = probe.snapshot()
    assert snap.queues == [] and snap.notes and "qstat" in snap.notes[0]
