"""The job wrapper's own cost: wall time of one trivial job through the wrapper vs bare bash.

    python wrapper_cost.py [--runs 300 --rounds 3] [--compare-src OTHER/packages/mle-scheduler/src]

Every variant runs ``/bin/true`` (the job itself costs about nothing) through ``bash -c SCRIPT``
with stdin from /dev/null, as the local backend starts it:

- ``bash -c true``: bash execs the job; no fork, no record (what a bare pool pays for bash).
- ``fork+exec floor``: bash forks and execs the job, then exits with its code: the least any
  wrapper that outlives its job to write an end record can cost.
- ``wrapper (local)``: the status-file wrapper with ``MLE_SCHEDULER_NOTED=1`` and a start record
  already in place (the local backend links it in): the wrapper writes the end record only.
- ``wrapper (cluster)``: no status file at start; the wrapper writes the start and end records
  (Grid Engine, Slurm).

``--compare-src`` renders the same two wrappers from another mle-scheduler source tree (e.g.
``git archive HEAD~1 packages/mle-scheduler/src | tar -x -C /tmp/before``), so before and after
are measured in the same run, interleaved run by run under the same load. Prints one table and
one JSON line: wall time quartiles per run and the first quartile minus the floor's (on a
shared machine the upper quartiles measure the queue for a CPU, not the wrapper), and the median
CPU time (user + system of bash and the job, from ``wait4``), which the load hardly moves.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRUE = shutil.which("true") or "/bin/true"
RENDER = (
    "import sys; from mle_scheduler import JobSpec, render_body; "
    "sys.stdout.write(render_body(JobSpec([sys.argv[1]], stdout=sys.argv[2])))"
)


def render(src: str | None, stdout: Path) -> str:
    """The wrapper for ``true`` from the mle-scheduler importable here, or from ``src``."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-c", RENDER, TRUE, os.fspath(stdout)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def time_one(
    script: str, env: dict[str, str], status: Path, start_record: str | None
) -> tuple[float, float]:
    """Wall time and CPU time (user + system, bash and the job) of one run."""
    if start_record is None:
        status.unlink(missing_ok=True)
    else:
        status.write_text(start_record, encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", script, "mle-job"], env=env, stdin=subprocess.DEVNULL)
    _, code, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(code)
    if proc.returncode != 0:
        raise SystemExit(f"a run failed with exit code {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300, help="runs of each variant per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare-src", help="another mle-scheduler src tree, labelled 'before'")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mle-wrapper-cost-"))
    out = tmp / "job.out"
    status = out.with_name(out.name + ".status.json")
    start = json.dumps({"start": time.time(), "host": "h", "pid": os.getpid()}) + "\n"
    plain = {k: v for k, v in os.environ.items() if k != "MLE_SCHEDULER_NOTED"}
    noted = {**plain, "MLE_SCHEDULER_NOTED": "1"}

    variants: dict[str, tuple[str, dict[str, str], str | None]] = {
        "bash -c true": (TRUE, plain, None),
        "fork+exec floor": (f"{TRUE}; exit $?", plain, None),
    }
    sources = {"": None} if args.compare_src is None else {"before ": args.compare_src, "": None}
    for label, src in sources.items():
        body = render(src, out)
        variants[f"{label}wrapper (local)"] = (body, noted, start)
        variants[f"{label}wrapper (cluster)"] = (body, plain, None)

    walls: dict[str, list[float]] = {name: [] for name in variants}
    cpus: dict[str, list[float]] = {name: [] for name in variants}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds * args.runs):  # interleaved: a load spike hits every variant
        for name, (script, env, rec) in variants.items():
            wall, cpu = time_one(script, env, status, rec)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load_after = os.getloadavg()[0]
    shutil.rmtree(tmp)

    def ms(x: float) -> float:
        return round(x * 1000, 3)

    floor_q1 = statistics.quantiles(walls["fork+exec floor"], n=4)[0]
    floor_cpu = statistics.median(cpus["fork+exec floor"])
    summary = {}
    print(
        f"{'variant':28} {'wall q1':>8} {'median':>8} {'q3':>8} {'q1-floor':>9}"
        f" {'cpu med':>8} {'-floor':>7}  (ms per job)"
    )
    for name in variants:
        q1, med, q3 = statistics.quantiles(walls[name], n=4)
        cpu = statistics.median(cpus[name])
        summary[name] = {
            "wall_q1_ms": ms(q1),
            "wall_median_ms": ms(med),
            "wall_q3_ms": ms(q3),
            "cpu_median_ms": ms(cpu),
        }
        print(
            f"{name:28} {ms(q1):8.2f} {ms(med):8.2f} {ms(q3):8.2f} {ms(q1 - floor_q1):9.2f}"
            f" {ms(cpu):8.2f} {ms(cpu - floor_cpu):7.2f}"
        )
    bash = subprocess.run(["bash", "--version"], capture_output=True, text=True).stdout
    print(
        json.dumps(
            {
                "runs_per_variant": args.runs * args.rounds,
                "bash": bash.splitlines()[0],
                "cpus": os.cpu_count(),
                "load1_before": round(load_before, 2),
                "load1_after": round(load_after, 2),
                "variants": summary,
            }
        )
    )


if __name__ == "__main__":
    main()
