"""SMBO overhead: mle-search SMBOSearch tell+ask vs a raw skopt Optimizer, same data and seed.

At N = 10, 50, 100 observations both are in the same state (N-1 observations told, no fit),
then are told one more observation and asked for one proposal: tell fits the GP and optimizes
the acquisition; ask returns the cached point. Runs are interleaved, medians are reported, and
the proposals must be identical (same computation). Also reported: the time mle-search spends
outside skopt's own tell/ask (its real overhead, immune to machine load).

    hatch run bench:python benchmarks/search/bench_smbo_overhead.py [--reps 5] [--acq EI]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from typing import Any

import skopt
from _common import INTEGER, REAL, Timer, compare, f, skopt_dims
from mle_search import SMBOSearch, Space

OUTSIDE: dict[int, list[float]] = {}


def raw_run(acq: str) -> Any:
    def run(n: int, xs: list[list[float]]) -> tuple[Timer, Any]:
        opt = skopt.Optimizer(
            skopt_dims(), base_estimator="GP", acq_func=acq, n_initial_points=5, random_state=0
        )
        opt.tell(xs[: n - 1], [f(x) for x in xs[: n - 1]], fit=False)
        with Timer() as timer:
            opt.tell(xs[n - 1], f(xs[n - 1]))
            proposal = opt.ask()
        return timer, [float(v) for v in proposal]

    return run


def ours_run(acq: str) -> Any:
    def run(n: int, xs: list[list[float]]) -> tuple[Timer, Any]:
        space = Space.from_config({"real": REAL, "integer": INTEGER})
        search = SMBOSearch(
            space, seed=0, base_estimator="GP", acq_function=acq, n_initial_points=5
        )
        # the same state as the raw optimizer: N-1 observations told without a fit
        search._opt.tell(xs[: n - 1], [f(x) for x in xs[: n - 1]], fit=False)
        search._n_ok = n - 1
        inside = [0.0]
        for method in ("tell", "ask"):  # time skopt's own calls on this instance only
            orig = getattr(search._opt, method)

            def timed(*a: Any, _orig: Any = orig, **k: Any) -> Any:
                t = time.perf_counter()
                try:
                    return _orig(*a, **k)
                finally:
                    inside[0] += time.perf_counter() - t

            setattr(search._opt, method, timed)
        last = dict(zip(space.names, xs[n - 1], strict=True))
        with Timer() as timer:
            search.tell([last], [[f(xs[n - 1])]])
            (proposal,) = search.ask(1)
        OUTSIDE.setdefault(n, []).append(timer.wall - inside[0])
        return timer, [float(v) for v in proposal.values()]

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--acq", default="EI")
    parser.add_argument("--sizes", default="10,50,100")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"cpus={os.cpu_count()} load={os.getloadavg()} acq={args.acq} reps={args.reps}")
    runs = {"raw": raw_run(args.acq), "ours": ours_run(args.acq)}
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        "| observations | raw skopt wall / CPU (s) | mle-search wall / CPU (s) | CPU diff "
        "| mle-search outside skopt (ms) | same proposal |"
    )
    print("|---|---|---|---|---|---|")
    for row in compare(runs, sizes, args.reps):
        (rw, rc), (ow, oc) = row["raw"], row["ours"]
        outside = 1000 * statistics.median(OUTSIDE[row["n"]])
        same = row["proposals"]["raw"] == row["proposals"]["ours"]
        print(
            f"| {row['n']} | {rw:.3f} / {rc:.3f} | {ow:.3f} / {oc:.3f} | "
            f"{100 * (oc / rc - 1):+.1f}% | {outside:.2f} ({outside / 10 / rw:.3f}%) | {same} |",
            flush=True,
        )
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
