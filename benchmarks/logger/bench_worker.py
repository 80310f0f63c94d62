"""One benchmark process for one logger implementation; prints a JSON line of figures.

Run by ``run_bench.py`` under the interpreter of the environment that holds the logger:
``ours`` (mle-logger) or ``original`` (mle-logging 0.0.6, in a throwaway venv).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N_STATS = 10


def make_logger(impl: str, folder: Path, seed: int) -> Any:
    names = [f"s{i}" for i in range(N_STATS)]
    if impl == "ours":
        from mle_logger import Logger

        return Logger(folder, seed_id=seed, time_keys=["step"], stats_keys=names)
    if impl == "ours-seed-api":
        from mle_logger import DeepLogger

        return DeepLogger(
            time_to_track=["step"],
            what_to_track=names,
            experiment_dir=str(folder),
            seed_id=seed,
            verbose=False,
        )
    from mle_logging import MLELogger

    return MLELogger(
        experiment_dir=str(folder),
        time_to_track=["step"],
        what_to_track=names,
        seed_id=seed,
        verbose=False,  # 0.0.6 crashes on numpy 2 with verbose=True
    )


def ticks(n: int) -> list[tuple[dict[str, int], dict[str, float]]]:
    return [({"step": i}, {f"s{k}": i * 0.001 + k for k in range(N_STATS)}) for i in range(n)]


def do_update(impl: str, log: Any, t: dict[str, int], s: dict[str, float], save: bool) -> None:
    if impl == "ours":
        log.update(time=t, stats=s, save=save)
    elif impl == "ours-seed-api":
        log.update_log(list(t.values()), list(s.values()), save=save)
    else:
        log.update(t, s, save=save)


def finish(impl: str, log: Any) -> None:
    if impl.startswith("ours"):
        log.close()


def bench_update(impl: str, tmp: Path, reps: int, per_rep: int) -> float:
    """Median seconds per update call of 10 scalars (no save)."""
    data = ticks(per_rep)
    times = []
    for r in range(reps):
        log = make_logger(impl, tmp / f"upd{r}", seed=r)
        t0 = time.perf_counter()
        for t, s in data:
            do_update(impl, log, t, s, False)
        times.append((time.perf_counter() - t0) / per_rep)
        finish(impl, log)
    return statistics.median(times)


def bench_total(impl: str, tmp: Path, n: int, save_every: int, reps: int) -> tuple[float, int]:
    """Median seconds for n updates with a save every ``save_every`` (creation and close
    included) over ``reps`` fresh logs, and the size of the files one log wrote."""
    runs = [bench_total_once(impl, tmp / f"total{r}", n, save_every) for r in range(reps)]
    return statistics.median(t for t, _ in runs), runs[0][1]


def bench_total_once(impl: str, folder: Path, n: int, save_every: int) -> tuple[float, int]:
    data = ticks(n)
    t0 = time.perf_counter()
    log = make_logger(impl, folder, seed=0)
    for i, (t, s) in enumerate(data):
        do_update(impl, log, t, s, (i + 1) % save_every == 0)
    finish(impl, log)
    elapsed = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return elapsed, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=["ours", "ours-seed-api", "original"], required=True)
    ap.add_argument("--n-updates", type=int, default=10_000)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--update-reps", type=int, default=5)
    ap.add_argument("--update-per-rep", type=int, default=2_000)
    ap.add_argument("--total-reps", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mle-logger-bench-"))
    try:
        per_update = bench_update(args.impl, tmp, args.update_reps, args.update_per_rep)
        total, size = bench_total(args.impl, tmp, args.n_updates, args.save_every, args.total_reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    json.dump(
        {"impl": args.impl, "update_us": per_update * 1e6, "total_s": total, "file_bytes": size},
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
