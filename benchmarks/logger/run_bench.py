"""Side-by-side benchmark: mle-logger against the original mle-logging 0.0.6.

Each logger runs under the interpreter of its own environment (see RESULTS.md for the set-up):

    python benchmarks/logger/run_bench.py --ours-python /tmp/bench-ours/bin/python \\
        --orig-python /tmp/bench-orig/bin/python

Figures: import cost over ``import numpy, h5py`` (median of in-process timings over fresh
interpreters), microseconds per ``update`` of 10 scalars, total seconds for 10,000 updates with
a save every 100 (creation and close included), and the size of the files written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

IMPORTS = {
    "ours": "from mle_logger import Logger",
    "ours-seed-api": "from mle_toolbox.utils import DeepLogger, get_configs_ready",
    "original": "from mle_logging import MLELogger",
}
PROBE = (
    "import time, numpy, h5py\nt0 = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - t0)\n"
)


def import_cost_ms(python: str, stmt: str, runs: int) -> float:
    costs = []
    for _ in range(runs):
        out = subprocess.run(
            [python, "-c", PROBE.format(stmt=stmt)],
            capture_output=True,
            text=True,
            check=True,
        )
        costs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(costs) * 1e3


def worker(python: str, impl: str, extra: list[str]) -> dict[str, float]:
    reps = ["--total-reps", "1"] if impl == "original" else []  # ~10 s per run: one is enough
    out = subprocess.run(
        [python, str(HERE / "bench_worker.py"), "--impl", impl, *reps, *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours-python", default=sys.executable)
    ap.add_argument("--orig-python", required=True)
    ap.add_argument("--import-runs", type=int, default=11)
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    args, extra = ap.parse_known_args()
    pythons = {"ours": args.ours_python, "ours-seed-api": args.ours_python}
    pythons["original"] = args.orig_python
    rows = {}
    for impl, python in pythons.items():
        row = worker(python, impl, extra)
        row["import_ms"] = import_cost_ms(python, IMPORTS[impl], args.import_runs)
        rows[impl] = row
        print(json.dumps(row), flush=True)
    machine = {
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    args.out.write_text(json.dumps({"machine": machine, "results": rows}, indent=1) + "\n")
    o, r = rows["ours"], rows["original"]
    print(f"\nmachine: {machine}")
    print("| figure | mle-logger | mle-logger seed API | mle-logging 0.0.6 | ratio |")
    print("| --- | --- | --- | --- | --- |")
    s = rows["ours-seed-api"]
    print(
        f"| import over numpy+h5py (ms) | {o['import_ms']:.1f} | {s['import_ms']:.1f} | "
        f"{r['import_ms']:.1f} | {r['import_ms'] / o['import_ms']:.0f}x |"
    )
    print(
        f"| update, 10 scalars (us) | {o['update_us']:.2f} | {s['update_us']:.2f} | "
        f"{r['update_us']:.2f} | {r['update_us'] / o['update_us']:.1f}x |"
    )
    print(
        f"| 10k updates, save every 100 (s) | {o['total_s']:.3f} | {s['total_s']:.3f} | "
        f"{r['total_s']:.3f} | {r['total_s'] / o['total_s']:.0f}x |"
    )
    print(
        f"| file size (KiB) | {o['file_bytes'] / 1024:.0f} | {s['file_bytes'] / 1024:.0f} | "
        f"{r['file_bytes'] / 1024:.0f} | |"
    )


if __name__ == "__main__":
    main()
