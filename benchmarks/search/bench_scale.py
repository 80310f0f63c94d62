"""Searches of hundreds of trials (issue 14): proposal cost, the loop's responsiveness, quality.

    python benchmarks/search/bench_scale.py timing [--sizes 50 200 500 1000] [--cycles 5]
    python benchmarks/search/bench_scale.py responsiveness [--n 500]
    python benchmarks/search/bench_scale.py quality [--trials 50] [--seeds 5] [--samplers ...]

Needs mle-search[smbo,optuna] (and torch for Optuna's GPSampler; greenlet speeds it up).
Every side runs single-threaded (OMP/OPENBLAS/MKL threads and torch threads = 1), in one
process, one after the other, on the same points: see RESULTS.md for the machine and its load.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

warnings.simplefilter("ignore")

# -- test functions (minimized) --------------------------------------------------------------
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x: np.ndarray) -> float:
    """Branin on [-5, 10] x [0, 15]; minimum 0.397887."""
    x1, x2 = x
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return float(
        (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10
    )


def hartmann6(x: np.ndarray) -> float:
    """Hartmann 6-D on [0, 1]^6; minimum -3.32237."""
    inner = (_H6_A * (x[None, :] - _H6_P) ** 2).sum(1)
    return float(-(_H6_ALPHA * np.exp(-inner)).sum())


def four_d(x: np.ndarray) -> float:
    """The timing problem: a smooth 4-D function on [0, 1]^4."""
    return float(((x - 0.3) ** 2).sum() + 0.1 * np.sin(10 * x).sum())


PROBLEMS: dict[str, tuple[Callable[[np.ndarray], float], list[tuple[float, float]], float]] = {
    "branin": (branin, [(-5.0, 10.0), (0.0, 15.0)], 0.397887),
    "hartmann6": (hartmann6, [(0.0, 1.0)] * 6, -3.32237),
    "four_d": (four_d, [(0.0, 1.0)] * 4, float("nan")),
}


def _names(bounds: list[tuple[float, float]]) -> list[str]:
    return [f"x{i}" for i in range(len(bounds))]


def space_config(bounds: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "real": {
            n: {"begin": lo, "end": hi} for n, (lo, hi) in zip(_names(bounds), bounds, strict=True)
        }
    }


def _vec(params: dict[str, Any], bounds: list[tuple[float, float]]) -> np.ndarray:
    return np.array([params.get(f"train_config.{n}", params.get(n)) for n in _names(bounds)])


# -- the sides ---------------------------------------------------------------------------------
class Side:
    """One optimizer: ``load(xs, ys)`` puts it in a state with these observations (untimed),
    ``cycle(f)`` asks one point, evaluates and tells it (timed by the caller)."""

    def load(self, xs: np.ndarray, ys: list[float]) -> None: ...

    def cycle(self, f: Callable[[np.ndarray], float]) -> float: ...


class Ours(Side):
    def __init__(self, bounds: list[tuple[float, float]], kind: str, seed: int, **opts: Any):
        from mle_search import make_strategy

        self.bounds = bounds
        self.s = make_strategy(kind, space_config(bounds), seed=seed, **opts)

    def load(self, xs: np.ndarray, ys: list[float]) -> None:
        names = _names(self.bounds)
        self.s.resume_from(
            [
                {"params": dict(zip(names, map(float, x), strict=True)), "scores": [y]}
                for x, y in zip(xs, ys, strict=True)
            ]
        )

    def cycle(self, f: Callable[[np.ndarray], float]) -> float:
        (p,) = self.s.ask(1)
        y = f(_vec(p, self.bounds))
        self.s.tell([p], [y])
        return y


class RawOptuna(Side):
    def __init__(self, bounds: list[tuple[float, float]], sampler: str, seed: int):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        cls = {"gp": optuna.samplers.GPSampler, "tpe": optuna.samplers.TPESampler}[sampler]
        self.optuna, self.bounds = optuna, bounds
        self.study = optuna.create_study(sampler=cls(seed=seed))
        self.dists = {
            n: optuna.distributions.FloatDistribution(lo, hi)
            for n, (lo, hi) in zip(_names(bounds), bounds, strict=True)
        }

    def load(self, xs: np.ndarray, ys: list[float]) -> None:
        for x, y in zip(xs, ys, strict=True):
            self.study.add_trial(
                self.optuna.trial.create_trial(
                    params=dict(zip(self.dists, map(float, x), strict=True)),
                    distributions=self.dists,
                    value=y,
                )
            )

    def cycle(self, f: Callable[[np.ndarray], float]) -> float:
        trial = self.study.ask(self.dists)
        y = f(_vec(trial.params, self.bounds))
        self.study.tell(trial, y)
        return y


class RawSkopt(Side):
    def __init__(self, bounds: list[tuple[float, float]], seed: int):
        from skopt import Optimizer

        self.opt = Optimizer(bounds, base_estimator="GP", acq_func="gp_hedge", random_state=seed)

    def load(self, xs: np.ndarray, ys: list[float]) -> None:
        self.opt.tell([list(map(float, x)) for x in xs], list(ys))

    def cycle(self, f: Callable[[np.ndarray], float]) -> float:
        x = self.opt.ask()
        y = f(np.array(x))
        self.opt.tell(x, y)
        return y


def make_side(name: str, bounds: list[tuple[float, float]], seed: int) -> Side:
    kind, _, rest = name.partition(":")
    if kind == "smbo":
        est, _, acq = rest.partition("/")
        return Ours(bounds, "smbo", seed, base_estimator=est, acq_function=acq or "gp_hedge")
    if kind == "optuna":
        return Ours(bounds, "optuna", seed, sampler=rest)
    if kind == "raw-optuna":
        return RawOptuna(bounds, rest, seed)
    if kind == "raw-skopt":
        return RawSkopt(bounds, seed)
    return Ours(bounds, kind, seed)  # random, coordinate


# -- timing -------------------------------------------------------------------------------------
TIMING_SIDES = [
    "random",
    "coordinate",
    "smbo:GP/gp_hedge",
    "smbo:GP/EI",
    "smbo:RF/EI",
    "smbo:ET/EI",
    "smbo:GBRT/EI",
    "optuna:tpe",
    "optuna:gp",
    "optuna:cmaes",
    "optuna:qmc",
    "optuna:nsgaii",
    "raw-skopt:GP/gp_hedge",
    "raw-optuna:gp",
    "raw-optuna:tpe",
]


def timing(sizes: list[int], cycles: int, sides: list[str], skip: dict[str, int]) -> list[dict]:
    f, bounds, _ = PROBLEMS["four_d"]
    rows = []
    for n in sizes:
        rng = np.random.default_rng(n)
        xs = rng.uniform(size=(n - 1, len(bounds)))
        ys = [f(x) for x in xs]
        for name in sides:
            if n > skip.get(name, 10**9):
                continue
            side = make_side(name, bounds, seed=0)
            side.load(xs, ys)
            k = 1 if name.startswith("raw-skopt") else cycles
            times = []
            for _ in range(k):
                t0 = time.perf_counter()
                side.cycle(f)
                times.append(time.perf_counter() - t0)
            row = {
                "n": n,
                "side": name,
                "median_s": statistics.median(times),
                "max_s": max(times),
                "cycles": k,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


# -- responsiveness -------------------------------------------------------------------------------
def responsiveness(n: int, sides: list[str]) -> list[dict]:
    """A driver with 4 slots at ``n`` observations: a job ends while the next proposal is being
    computed. Measured: how long report() (log + tell) holds the driver, and how long from the
    job's end to the next trial for its slot (the next submission)."""
    from mle_search import SearchLoop

    f, bounds, _ = PROBLEMS["four_d"]
    rng = np.random.default_rng(n)
    xs = rng.uniform(size=(n, len(bounds)))
    names = _names(bounds)
    records = [
        {"id": i, "params": dict(zip(names, map(float, x), strict=True)), "scores": [f(x)]}
        for i, x in enumerate(xs)
    ]
    rows = []
    for name in sides:
        for background in (False, True):
            side = make_side(name, bounds, seed=0)
            assert isinstance(side, Ours)
            loop = SearchLoop(side.s, budget=None, seeds=1, background=background)
            loop.restore(records)
            loop.wait_proposals(600)
            open_trials = []
            while len(open_trials) < 2:  # two jobs running
                open_trials += loop.propose(2 - len(open_trials))
                if len(open_trials) < 2:
                    loop.wait_proposals(600)
            worst_call = 0.0
            # job 0 ends: report it, then fill its slot; job 1 ends while that is computed
            t_end = time.perf_counter()
            t0 = time.perf_counter()
            trial = open_trials[0]
            loop.report(trial.id, 0, f(_vec(trial.params, bounds)))
            report_s = time.perf_counter() - t0
            worst_call = max(worst_call, report_s)
            new: list[Any] = []
            second_report = None
            while not new:
                t0 = time.perf_counter()
                new = loop.propose(1)
                worst_call = max(worst_call, time.perf_counter() - t0)
                if second_report is None:  # the other job ends meanwhile
                    t1 = time.perf_counter()
                    other = open_trials[1]
                    loop.report(other.id, 0, f(_vec(other.params, bounds)))
                    second_report = time.perf_counter() - t1
                    worst_call = max(worst_call, second_report)
                if not new:
                    threading.Event().wait(0.001)  # a driver's step: poll jobs, then again
            to_submit = time.perf_counter() - t_end
            loop.close()
            row = {
                "n": n,
                "side": name,
                "background": background,
                "report_s": report_s,
                "second_report_s": second_report,
                "end_to_next_submit_s": to_submit,
                "longest_call_s": worst_call,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


# -- quality --------------------------------------------------------------------------------------
QUALITY_SIDES = [
    "random",
    "smbo:GP/gp_hedge",
    "smbo:GP/EI",
    "optuna:tpe",
    "optuna:gp",
    "optuna:cmaes",
    "optuna:qmc",
]


def quality(problems: list[str], trials: int, seeds: int, sides: list[str]) -> list[dict]:
    rows = []
    for prob in problems:
        f, bounds, optimum = PROBLEMS[prob]
        for name in sides:
            bests, secs = [], []
            for seed in range(seeds):
                side = make_side(name, bounds, seed=seed)
                t0 = time.perf_counter()
                best = min(side.cycle(f) for _ in range(trials))
                secs.append(time.perf_counter() - t0)
                bests.append(best)
            gaps = [b - optimum for b in bests]
            row = {
                "problem": prob,
                "trials": trials,
                "side": name,
                "seeds": seeds,
                "median_gap": statistics.median(gaps),
                "mean_gap": statistics.mean(gaps),
                "worst_gap": max(gaps),
                "seconds_per_run": statistics.mean(secs),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("timing")
    t.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 500, 1000])
    t.add_argument("--cycles", type=int, default=5)
    t.add_argument("--sides", nargs="+", default=TIMING_SIDES)
    t.add_argument(
        "--skip",
        nargs="*",
        default=[
            "raw-skopt:GP/gp_hedge=500",
            "smbo:RF/EI=500",
            "smbo:ET/EI=500",
            "smbo:GBRT/EI=500",
        ],
        help="side=N: not above N observations (too slow to afford here)",
    )
    r = sub.add_parser("responsiveness")
    r.add_argument("--n", type=int, default=500)
    r.add_argument("--sides", nargs="+", default=["smbo:GP/gp_hedge", "optuna:gp"])
    q = sub.add_parser("quality")
    q.add_argument("--problems", nargs="+", default=["branin", "hartmann6"])
    q.add_argument("--trials", type=int, default=50)
    q.add_argument("--seeds", type=int, default=5)
    q.add_argument("--sides", nargs="+", default=QUALITY_SIDES)
    for p in (t, r, q):
        p.add_argument("--out", default=None, help="write the rows as JSON here")
    args = ap.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    if args.what == "timing":
        skip = {s.rsplit("=", 1)[0]: int(s.rsplit("=", 1)[1]) for s in args.skip}
        rows = timing(args.sizes, args.cycles, args.sides, skip)
    elif args.what == "responsiveness":
        rows = responsiveness(args.n, args.sides)
    else:
        rows = quality(args.problems, args.trials, args.seeds, args.sides)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
