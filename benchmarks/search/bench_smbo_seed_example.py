"""The seed's SMBO example (GP, gp_hedge, 10 initial points, 3 x 5 proposals) run the way the
CLI runs it: 2 workers, a new proposal asked whenever one frees while the other is pending.
Reports the time spent in ask + tell (the strategy's share of the search's wall time).

    hatch run bench:python benchmarks/search/bench_smbo_seed_example.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml
from mle_search import Space, make_strategy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ode" / "ode_smbo_search.yaml"


def main() -> None:
    args = yaml.safe_load(EXAMPLE.read_text())["param_search_args"]
    print(f"cpus={os.cpu_count()} load={os.getloadavg()}")
    for seed in range(3):
        t0 = time.perf_counter()
        search = make_strategy(
            args["search_type"],
            Space.from_config(args["params_to_search"]),
            seed=seed,
            maximize=args["maximize_objective"],
            **args["smbo_config"],
        )
        budget = args["num_search_batches"] * args["num_iter_per_batch"]
        running = search.ask(2)
        asked, slowest = len(running), 0.0
        while running:
            done = running.pop(0)
            x = done["train_config.x_0"]
            t = time.perf_counter()
            search.tell([done], [[-((x - 4.0) ** 2)] * args["num_evals_per_iter"]])
            if asked < budget:
                running += search.ask(1)
                asked += 1
            slowest = max(slowest, time.perf_counter() - t)
        total = time.perf_counter() - t0
        print(
            f"seed {seed}: {asked} proposals, ask+tell total {total:.2f} s, "
            f"slowest tell+ask {slowest:.2f} s, best x_0 {search.best(1)[0].params}"
        )


if __name__ == "__main__":
    main()
