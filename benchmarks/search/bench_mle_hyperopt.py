"""The original mle-hyperopt 0.0.10 SMBOSearch: tell+ask time beside raw skopt, same run.

Runs in a throwaway venv, never in the project's environment (run from the repo root):

    python3 -m venv /tmp/mlehyperopt-venv
    /tmp/mlehyperopt-venv/bin/pip install mle-hyperopt==0.0.10 scikit-optimize==0.10.2
    /tmp/mlehyperopt-venv/bin/python benchmarks/search/bench_mle_hyperopt.py

Same space, points, seed and protocol as bench_smbo_overhead.py.
"""

from __future__ import annotations

import argparse
import os
import warnings
from typing import Any

import skopt
from _common import INTEGER, REAL, Timer, compare, f, skopt_dims
from mle_hyperopt import SMBOSearch


def raw_run(acq: str) -> Any:
    def run(n: int, xs: list[list[float]]) -> tuple[Timer, Any]:
        opt = skopt.Optimizer(
            skopt_dims(), base_estimator="GP", acq_func=acq, n_initial_points=5, random_state=0
        )
        opt.tell(xs[: n - 1], [f(x) for x in xs[: n - 1]], fit=False)
        with Timer() as timer:
            opt.tell(xs[n - 1], f(xs[n - 1]))
            proposal = opt.ask()
        return timer, proposal

    return run


def original_run(acq: str) -> Any:
    def run(n: int, xs: list[list[float]]) -> tuple[Timer, Any]:
        search = SMBOSearch(
            real=REAL,
            integer=INTEGER,
            search_config={"base_estimator": "GP", "acq_function": acq, "n_initial_points": 5},
            seed_id=0,
            verbose=False,
        )
        search.hyper_optimizer.tell(xs[: n - 1], [f(x) for x in xs[: n - 1]], fit=False)
        last = {"lr": xs[n - 1][0], "mom": xs[n - 1][1], "layers": xs[n - 1][2]}
        with Timer() as timer:
            search.tell([last], [f(xs[n - 1])])
            proposal = search.ask(1)
        return timer, proposal

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--acq", default="EI")
    parser.add_argument("--sizes", default="10,50,100")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"cpus={os.cpu_count()} load={os.getloadavg()} acq={args.acq} reps={args.reps}")
    runs = {"raw": raw_run(args.acq), "orig": original_run(args.acq)}
    print(
        "| observations | raw skopt wall / CPU (s) | mle-hyperopt 0.0.10 wall / CPU (s) "
        "| CPU ratio |"
    )
    print("|---|---|---|---|")
    for row in compare(runs, [int(s) for s in args.sizes.split(",")], args.reps):
        (rw, rc), (ow, oc) = row["raw"], row["orig"]
        print(
            f"| {row['n']} | {rw:.3f} / {rc:.3f} | {ow:.3f} / {oc:.3f} | {oc / rc:.2f}x |",
            flush=True,
        )
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
