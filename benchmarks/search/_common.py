"""Shared by the SMBO benchmarks: the space, the objective, the points, the timing protocol."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: As mle-search / mle-hyperopt configs (mle-hyperopt wants a prior on integers).
REAL = {
    "lr": {"begin": 1e-4, "end": 1e-1, "prior": "log-uniform"},
    "mom": {"begin": 0.0, "end": 1.0, "prior": "uniform"},
}
INTEGER = {"layers": {"begin": 1, "end": 8, "prior": "uniform"}}


def skopt_dims() -> list[Any]:
    from skopt.space import Integer, Real

    return [Real(1e-4, 1e-1, prior="log-uniform"), Real(0.0, 1.0), Integer(1, 8)]


def f(x: list[float]) -> float:
    return float((np.log10(x[0]) + 2) ** 2 + (x[1] - 0.3) ** 2 + 0.1 * (x[2] - 3) ** 2)


def points(n: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    return [
        [float(10 ** rng.uniform(-4, -1)), float(rng.uniform(0, 1)), int(rng.integers(1, 9))]
        for _ in range(n)
    ]


class Timer:
    """Wall and process-CPU seconds of one block (CPU time is less hurt by a loaded machine)."""

    def __enter__(self) -> Timer:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def compare(
    runs: dict[str, Callable[[int, list[list[float]]], tuple[Timer, Any]]],
    sizes: list[int],
    reps: int,
) -> list[dict[str, Any]]:
    """Interleave the runs (a, b, a, b, ...) ``reps`` times per size; medians per run."""
    rows = []
    for n in sizes:
        xs = points(n, seed=n)
        timings: dict[str, list[Timer]] = {name: [] for name in runs}
        proposals: dict[str, Any] = {}
        for _ in range(reps):
            for name, run in runs.items():
                timer, proposal = run(n, xs)
                timings[name].append(timer)
                proposals[name] = proposal
        row: dict[str, Any] = {"n": n, "proposals": proposals}
        for name, ts in timings.items():
            row[name] = (
                statistics.median(t.wall for t in ts),
                statistics.median(t.cpu for t in ts),
            )
        rows.append(row)
    return rows
