"""Hartmann-6's local-minimum trap (-3.2032, gap 0.119): how often each GP gets stuck in it.

    python benchmarks/search/bench_gp_trap.py [--trials 100] [--seeds 0 1 ...] [--sides ...]

Sides: ``smbo:GP/<acq>`` (ours), ``raw-optuna:gp`` (Optuna's GPSampler from its own random
start), ``from-ours:gp`` (GPSampler started from *our* first 10 random points of the same seed,
told through ``add_trial``) and ``from-optuna:GP/<acq>`` (ours started from GPSampler's first
10 random points, told through ``resume_from``): the last two separate the model and its
acquisition from the luck of the initial design. One row per side and seed (the gap after
25/50/100/... trials), then a summary: runs still in the trap (final gap > 0.05), median gap,
CPU s per run.
Needs mle-search[smbo,optuna] and torch; single-threaded like bench_scale.py.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from bench_scale import PROBLEMS, Ours, RawOptuna, _vec, make_side, space_config  # noqa: E402

warnings.simplefilter("ignore")
TRAPPED = 0.05  # a final gap above this: still in a local minimum (the trap's is 0.119)
CHECKPOINTS = (25, 50, 100, 150, 200)


def run(side_name: str, seed: int, trials: int, n_init: int = 10) -> tuple[dict[int, float], float]:
    f, bounds, optimum = PROBLEMS["hartmann6"]
    t0 = time.process_time()
    best, start = np.inf, 0
    if side_name.startswith("from-ours:"):
        from mle_search import make_strategy

        ours = make_strategy("smbo", space_config(bounds), seed=seed, n_initial_points=n_init)
        xs = np.array([_vec(p, bounds) for p in ours.ask(n_init)])
        ys = [f(x) for x in xs]
        side = RawOptuna(bounds, side_name.split(":", 1)[1], seed)
        side.load(xs, ys)
        best, start = min(ys), n_init
    elif side_name.startswith("from-optuna:"):
        import optuna
        from mle_search import make_strategy

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        est, _, acq = side_name.split(":", 1)[1].partition("/")
        study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
        dists = {
            f"x{i}": optuna.distributions.FloatDistribution(lo, hi)
            for i, (lo, hi) in enumerate(bounds)
        }
        records = []
        for _ in range(n_init):  # GPSampler's startup trials: its RandomSampler's points
            trial = study.ask(dists)
            y = f(_vec(trial.params, bounds))
            study.tell(trial, y)
            records.append({"params": dict(trial.params), "scores": [y]})
        side = Ours(bounds, "smbo", seed, base_estimator=est, acq_function=acq or "gp_hedge")
        side.s.resume_from(records)
        best, start = min(r["scores"][0] for r in records), n_init
    else:
        side = make_side(side_name, bounds, seed)
    traj = {}
    for i in range(start, trials):
        best = min(best, side.cycle(f))
        if i + 1 in CHECKPOINTS:
            traj[i + 1] = float(best - optimum)
    return traj, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    ap.add_argument(
        "--sides",
        nargs="+",
        default=["smbo:GP/gp_hedge", "raw-optuna:gp", "from-ours:gp", "from-optuna:GP/gp_hedge"],
    )
    ap.add_argument("--out", default=None, help="write the summary rows as JSON here")
    args = ap.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    summary = []
    for name in args.sides:
        finals, cpus = [], []
        for seed in args.seeds:
            traj, cpu = run(name, seed, args.trials)
            finals.append(traj[max(traj)])
            cpus.append(cpu)
            print(json.dumps({"side": name, "seed": seed, "gaps": traj, "cpu_s": round(cpu, 1)}))
        row = {
            "side": name,
            "trials": args.trials,
            "seeds": len(args.seeds),
            "trapped": sum(g > TRAPPED for g in finals),
            "median_gap": statistics.median(finals),
            "cpu_s_per_run": round(statistics.mean(cpus), 1),
        }
        summary.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(summary, fh, indent=1)


if __name__ == "__main__":
    main()
