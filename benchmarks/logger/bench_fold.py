"""Memory and time of folding a long journal: at ``close()`` and with ``fold_log`` after a crash.

    python benchmarks/logger/bench_fold.py --rows 200000

Each phase runs in a fresh interpreter and reports its peak resident memory (``ru_maxrss``)
above the interpreter's baseline after ``import mle_logger, h5py``, and its wall time:

- ``close``: ``rows`` updates of 10 stats + 1 time value, each saved (one journal record per
  row, the worst case), then ``close()``; the figure is the peak over the whole run.
- ``fold``: the same log killed before ``close`` (no fold), then ``fold_log`` on it.
- ``load``: ``load_log`` of the folded log (its arrays are the result: linear by nature).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

PHASE = r"""
import json, os, resource, sys, time
import h5py, numpy
import mle_logger
from mle_logger import Logger, fold_log, load_log
phase, folder, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if phase in ("close", "crash"):
    log = Logger(folder, seed_id=0)
    for i in range(rows):
        log.update(time={"step": i}, stats={f"s{k}": i * 0.5 + k for k in range(10)}, save=True)
    t0 = time.perf_counter()
    if phase == "crash":
        os._exit(0)  # killed: the journal stays unfolded
    log.close()
elif phase == "fold":
    fold_log(folder, force=True)
else:
    assert load_log(folder).n_rows == rows
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"phase": phase, "seconds": time.perf_counter() - t0,
                  "peak_mb": (peak - base) / 1024}))
"""


def run(phase: str, folder: str, rows: int) -> dict[str, float] | None:
    out = subprocess.run(
        [sys.executable, "-c", PHASE, phase, folder, str(rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run("close", f"{tmp}/closed", args.rows)]
        run("crash", f"{tmp}/crashed", args.rows)
        results.append(run("fold", f"{tmp}/crashed", args.rows))
        results.append(run("load", f"{tmp}/crashed", args.rows))
    for r in results:
        print(json.dumps({"rows": args.rows, **(r or {})}))


if __name__ == "__main__":
    main()
