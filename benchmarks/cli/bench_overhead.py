"""How much does `mle run` add per job on the local backend?

Runs N trivial jobs (a script that parses its arguments and exits) through `mle run` with
2 jobs at a time, and the same N processes launched directly with subprocess, 2 at a time
(the floor). Also times `mle results --json` and `mle report` on the finished experiment.

    python benchmarks/cli/bench_overhead.py [N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL = "import sys\nassert '-exp_dir' in sys.argv\n"


def mle(cwd: Path, *args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mle_cli", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, "MLE_USER_CONFIG": "/nonexistent"},
    )
    return time.perf_counter() - t0


def floor(cwd: Path, n: int, parallel: int) -> float:
    t0 = time.perf_counter()
    running: list[subprocess.Popen[bytes]] = []
    for i in range(n):
        while len(running) >= parallel:
            running = [p for p in running if p.poll() is None]
            time.sleep(0.001)
        running.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(cwd / "train.py"),
                    "-config",
                    "c.json",
                    "-seed",
                    str(i),
                    "-exp_dir",
                    str(cwd / f"floor/{i}"),
                ]
            )
        )
    for p in running:
        p.wait()
    return time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "train.py").write_text(TRIVIAL)
        (cwd / "c.json").write_text('{"train_config": {}, "log_config": {}}')
        (cwd / "exp.yaml").write_text(
            "meta_job_args:\n  job_type: multiple-experiments\n  base_train_fname: train.py\n"
            "  base_train_config: c.json\n  max_running_jobs: 2\n"
            f"multi_experiment_args:\n  num_seeds: {n}\n"
        )
        t_floor = floor(cwd, n, 2)
        t_run = mle(cwd, "run", "exp.yaml", "--quiet")
        [exp] = [p.parent for p in (cwd / "experiments").rglob("mle-experiment.json")]
        t_results = mle(cwd, "results", str(exp), "--json")
        t_status = mle(cwd, "status", str(exp))
    print(f"jobs: {n}, 2 at a time, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"direct subprocess (floor): {t_floor:.2f} s ({t_floor / n * 1000:.0f} ms/job)")
    print(f"mle run:                   {t_run:.2f} s ({t_run / n * 1000:.0f} ms/job)")
    print(
        f"overhead of mle run:       {(t_run - t_floor) / n * 1000:.0f} ms/job "
        f"(including the CLI start, folder set-up and results at the end)"
    )
    print(f"mle results --json:        {t_results:.2f} s;  mle status: {t_status:.2f} s")


if __name__ == "__main__":
    main()
