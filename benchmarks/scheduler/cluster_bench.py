"""Submitting many jobs to Grid Engine and Slurm: one by one versus as one array, and what a
poll costs the scheduler.

For each backend (SGE through DRMAA, SGE through qsub, Slurm through sbatch) this submits N
same-shaped jobs (``sleep 600``) twice: with arrays switched off (``array_min=0``: N
submissions) and as one array, times the ``submit`` call, then polls all N jobs a few times
(counting scheduler calls and timing each poll) and cancels them. Nothing runs long: the
cluster has 2 slots and every job is cancelled right away.

Run as root on a machine with both clusters up, with the DRMAA environment::

    eval "$(bash scripts/cluster/sge-single-node.sh env)"
    $(hatch env find hatch-test)/bin/python benchmarks/scheduler/cluster_bench.py --jobs 500
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mle_scheduler import JobSpec
from mle_scheduler.backends.base import Backend
from mle_scheduler.backends.sge import SGEBackend
from mle_scheduler.backends.slurm import SlurmBackend


def _drain(kind: str) -> None:
    """Wait until the scheduler has forgotten the cancelled jobs (keeps runs independent)."""
    cmd = ["qstat", "-u", "root"] if kind == "sge" else ["squeue", "--me", "-h"]
    for _ in range(120):
        if not subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip():
            return
        time.sleep(0.5)


def bench(label: str, kind: str, make: Callable[[bool], Backend], n: int, polls: int) -> None:
    for array in (False, True):
        with tempfile.TemporaryDirectory(prefix="mle-bench-") as tmp:
            backend = make(array)
            specs = [JobSpec(["sleep", "600"], stdout=Path(tmp, f"{i}.out")) for i in range(n)]
            t0 = time.perf_counter()
            ids = backend.submit(specs)
            submit_s = time.perf_counter() - t0
            calls_before = dict(backend.calls)  # type: ignore[attr-defined]
            poll_ms = []
            for _ in range(polls):
                t1 = time.perf_counter()
                backend.poll(ids)
                poll_ms.append((time.perf_counter() - t1) * 1000)
            calls = {
                k: v - calls_before.get(k, 0)
                for k, v in backend.calls.items()  # type: ignore[attr-defined]
                if v - calls_before.get(k, 0)
            }
            t2 = time.perf_counter()
            backend.cancel(ids)
            cancel_s = time.perf_counter() - t2
            how = "one array" if array else "one by one"
            per_poll = {k: v / polls for k, v in calls.items()}
            print(
                f"| {label} | {how} | {n} | {submit_s:.2f} s | {submit_s / n * 1000:.1f} ms "
                f"| {statistics.median(poll_ms):.0f} ms | {per_poll} | {cancel_s:.2f} s |",
                flush=True,
            )
            backend.close()
        _drain(kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--polls", type=int, default=5)
    ap.add_argument("--only", choices=["sge-drmaa", "sge-qsub", "slurm"], action="append")
    args = ap.parse_args()
    runs: list[tuple[str, str, Callable[[bool], Backend]]] = [
        ("SGE (DRMAA)", "sge", lambda a: SGEBackend(use_drmaa=True, array_min=2 if a else 0)),
        ("SGE (qsub)", "sge", lambda a: SGEBackend(use_drmaa=False, array_min=2 if a else 0)),
        ("Slurm (sbatch)", "slurm", lambda a: SlurmBackend(array_min=2 if a else 0)),
    ]
    keys = {"SGE (DRMAA)": "sge-drmaa", "SGE (qsub)": "sge-qsub", "Slurm (sbatch)": "slurm"}
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}"
    )
    print(
        "| backend | submission | jobs | submit time | per job | poll (median) "
        "| scheduler calls per poll | cancel all |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, kind, make in runs:
        if args.only and keys[label] not in args.only:
            continue
        bench(label, kind, make, args.jobs, args.polls)


if __name__ == "__main__":
    main()
