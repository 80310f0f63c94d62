"""Local backend benchmark: N jobs on C cores, makespan against the ideal and per-job overhead.

Runs ONE implementation per process (the original mle-scheduler is also called ``mle_scheduler``,
so it lives in a separate venv); ``local_run.py`` drives all of them and writes the table.

    python local_bench.py --impl ours|mle008|submitit --workload pass|sleep [--jobs 200 --cores 2]

Prints one JSON line: makespan, ideal, ratio, overhead per job in ms.
Workloads: ``pass`` = ``python -c pass`` (the base interpreter for all implementations),
``sleep`` = ``sleep 0.2``. The ideal is jobs x duration / cores, with the duration of
``python -c pass`` measured here first (median of 15 sequential runs) and 0.2 s for ``sleep``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLEEP = 0.2


# the same interpreter for every implementation: the base Python, not a venv's (whose
# site-packages would make startup times differ between the implementations' venvs)
PYTHON = getattr(sys, "_base_executable", sys.executable)


def workload_argv(workload: str) -> list[str]:
    return [PYTHON, "-c", "pass"] if workload == "pass" else ["sleep", str(SLEEP)]


def single_duration(workload: str) -> float:
    if workload == "sleep":
        return SLEEP
    argv = workload_argv(workload)
    times = []
    for _ in range(15):
        t = time.perf_counter()
        subprocess.run(argv, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run_ours(argv: list[str], jobs: int, cores: int, folder: Path) -> None:
    from mle_scheduler import JobSpec, JobState, LocalBackend, Queue

    queue = Queue(LocalBackend(max_cores=cores), state_file=folder / "queue.json")
    queue.submit_many(JobSpec(argv, stdout=folder / f"job{i}.out") for i in range(jobs))
    queue.wait()
    assert all(j.state is JobState.DONE for j in queue.jobs)


def run_mle008(argv: list[str], jobs: int, cores: int, folder: Path) -> None:
    # mle-scheduler 0.0.8 always runs `<PYTHON_EXECUTABLE> <filename> -exp_dir .. -config ..
    # -seed ..` through a shell; point the executable at argv[0] and end the filename with a
    # shell comment so the same command as for the other implementations runs.
    import logging

    from mle_scheduler import MLEQueue
    from mle_scheduler.local import manage_local

    manage_local.PYTHON_EXECUTABLE = argv[0]
    queue = MLEQueue(
        resource_to_run="local",
        job_filename=" ".join(argv[1:]) + " #",
        config_filenames=["bench.json"],
        experiment_dir=str(folder),
        random_seeds=list(range(jobs)),
        max_running_jobs=cores,
        logger_level=logging.ERROR,
    )
    queue.run()


def run_submitit(argv: list[str], jobs: int, cores: int, folder: Path) -> None:
    # LocalExecutor starts every submitted job at once; a plain loop keeps `cores` in flight.
    import submitit

    executor = submitit.LocalExecutor(folder=folder)
    executor.update_parameters(timeout_min=60)
    func = submitit.helpers.CommandFunction(argv)
    running: list = []
    submitted = 0
    while submitted < jobs or running:
        while submitted < jobs and len(running) < cores:
            running.append(executor.submit(func))
            submitted += 1
        time.sleep(0.005)
        for job in [j for j in running if j.done()]:
            job.result()  # raises if the job failed
            running.remove(job)


def run_bare(argv: list[str], jobs: int, cores: int, folder: Path) -> None:
    # the floor: bare Popen with `cores` in flight, no wrapper, no bookkeeping
    running: set[int] = set()
    procs = {}
    submitted = 0
    while submitted < jobs or running:
        while submitted < jobs and len(running) < cores:
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
            procs[proc.pid] = proc
            running.add(proc.pid)
            submitted += 1
        pid, _ = os.wait()
        running.discard(pid)
        procs.pop(pid).returncode = 0


IMPLS = {"ours": run_ours, "mle008": run_mle008, "submitit": run_submitit, "bare": run_bare}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=sorted(IMPLS), required=True)
    parser.add_argument("--workload", choices=["pass", "sleep"], required=True)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    duration = single_duration(args.workload)
    argv = workload_argv(args.workload)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="mle-bench-") as tmp:
        start = time.perf_counter()
        IMPLS[args.impl](argv, args.jobs, args.cores, Path(tmp))
        makespan = time.perf_counter() - start
    ideal = args.jobs * duration / args.cores
    print(
        json.dumps(
            {
                "impl": args.impl,
                "workload": args.workload,
                "jobs": args.jobs,
                "cores": args.cores,
                "job_s": round(duration, 4),
                "makespan_s": round(makespan, 3),
                "ideal_s": round(ideal, 3),
                "ratio": round(makespan / ideal, 3),
                "overhead_ms": round((makespan - ideal) * args.cores / args.jobs * 1000, 1),
                "load1_before": load_before,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
