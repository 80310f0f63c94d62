"""Drive local_bench.py for every implementation and workload; append JSON lines to a file.

    python benchmarks/scheduler/local_run.py --ours-python PY --venv-python PY2 [--repeat 3]

``--ours-python``: an interpreter with this repo's mle-scheduler (the hatch-test env);
``--venv-python``: a throwaway venv with the originals (``pip install mle-scheduler==0.0.8
submitit``), never the project's env. Results go to local_results.jsonl beside this file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours-python", required=True)
    parser.add_argument("--venv-python", required=True)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours (originals: 1)")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument(
        "--mle008-jobs",
        type=int,
        default=20,
        help="jobs for mle-scheduler 0.0.8: its queue sleeps 0.1 s per queue entry per scan, "
        "so its makespan grows with jobs^2 (200 jobs: about 35 min per workload)",
    )
    parser.add_argument("--workloads", nargs="+", default=["sleep", "pass"])
    parser.add_argument("--impls", nargs="+", default=["ours", "submitit", "mle008"])
    parser.add_argument("--out", type=Path, default=HERE / "local_results.jsonl")
    args = parser.parse_args()
    python = {
        "ours": args.ours_python,
        "bare": args.ours_python,
        "submitit": args.venv_python,
        "mle008": args.venv_python,
    }
    for workload in args.workloads:
        plan = []
        for impl in args.impls:
            plan += [impl] * (args.repeat if impl == "ours" else 1)
        for impl in plan:
            jobs = args.mle008_jobs if impl == "mle008" else args.jobs
            cmd = [
                python[impl],
                str(HERE / "local_bench.py"),
                "--impl",
                impl,
                "--workload",
                workload,
                "--jobs",
                str(jobs),
            ]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd="/tmp")
            line = res.stdout.strip().splitlines()[-1]
            json.loads(line)
            print(line, flush=True)
            with args.out.open("a") as fh:
                fh.write(line + "\n")


if __name__ == "__main__":
    main()
