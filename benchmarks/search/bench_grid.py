"""Lazy grid: a 10^6-point grid, ask(1000) time and memory.

hatch run bench:python benchmarks/search/bench_grid.py
"""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc

from mle_search import GridSearch, Space

CONFIG = {
    "integer": {"a": {"begin": 1, "end": 100}, "b": {"begin": 1, "end": 100}},
    "real": {"c": {"begin": 0.0, "end": 1.0, "bins": 100}},
}


def main() -> None:
    print(f"cpus={os.cpu_count()} load={os.getloadavg()}")
    space = Space.from_config(CONFIG)
    tracemalloc.start()
    grid = GridSearch(space)
    built = tracemalloc.get_traced_memory()[0]
    times = []
    for _ in range(20):  # 20 x ask(1000): the first 20 000 points
        t0 = time.perf_counter()
        got = grid.ask(1000)
        times.append(time.perf_counter() - t0)
        grid.tell(got, [[0.0]] * len(got))  # told: pending shrinks, history grows
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"grid size: {grid.size}")
    print(f"memory after construction: {built / 1e3:.1f} kB")
    print(
        f"ask(1000): median {1e3 * statistics.median(times):.1f} ms, "
        f"max {1e3 * max(times):.1f} ms over 20 calls"
    )
    print(
        f"traced memory after 20 000 proposals told: {current / 1e6:.1f} MB "
        f"(peak {peak / 1e6:.1f} MB)"
    )

    # Memory of the grid itself stays flat: jump deep into it (cursor) without materializing.
    grid2 = GridSearch(space)
    grid2._cursor = 999_000
    tracemalloc.start()
    t0 = time.perf_counter()
    tail = grid2.ask(1000)
    dt = time.perf_counter() - t0
    _, peak2 = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"ask(1000) at index 999 000: {1e3 * dt:.1f} ms, peak {peak2 / 1e6:.2f} MB, "
        f"last point {tail[-1]}, exhausted={grid2.exhausted}"
    )


if __name__ == "__main__":
    main()
