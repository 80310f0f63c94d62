"""MedianPruner's per-step table gives the same decisions as the plain rule (each other trial's
latest value at or before the step, among trials that reached it), whether trials report on
the same steps or on different ones, in any interleaving."""

from __future__ import annotations

import bisect
from collections.abc import Hashable

import numpy as np
import pytest
from mle_search import CONTINUE, STOP, MedianPruner


class PlainMedian:
    """The rule as written, one pass over every trial per decision."""

    def __init__(self, n_startup_trials: int) -> None:
        self.n = n_startup_trials
        self.steps: dict[Hashable, list[float]] = {}
        self.curve: dict[Hashable, list[float]] = {}
        self.best: dict[Hashable, float] = {}
        self.stopped: set[Hashable] = set()

    def decide(self, trial: Hashable, step: float, value: float) -> str:
        if trial in self.stopped:
            return STOP
        steps, curve = self.steps.setdefault(trial, []), self.curve.setdefault(trial, [])
        if not steps or step > steps[-1]:
            steps.append(step)
            curve.append(value)
        elif step == steps[-1]:
            curve[-1] = value
        self.best[trial] = min(self.best.get(trial, value), value)
        others = [
            self.curve[t][bisect.bisect_right(s, step) - 1]
            for t, s in self.steps.items()
            if t != trial and s[-1] >= step
        ]
        if len(others) >= self.n and self.best[trial] > float(np.median(others)):
            self.stopped.add(trial)
            return STOP
        return CONTINUE


@pytest.mark.parametrize("seed", range(6))
def test_decisions_match_the_plain_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    fast, plain = MedianPruner(n_startup_trials=3), PlainMedian(3)
    trials = 40
    grid = {t: (2.0 if t % 4 == 0 else 1.0) for t in range(trials)}  # some log every 2nd step
    at = dict.fromkeys(range(trials), 0.0)
    quality = rng.uniform(0, 1, trials)
    for _ in range(600):
        t = int(rng.integers(trials))
        if rng.uniform() < 0.05 and at[t] > 0:  # the same step logged again (a new value)
            step = at[t]
        else:
            at[t] += grid[t]
            step = at[t]
        value = float(quality[t] + 1 / step + rng.normal(0, 0.05))
        assert fast.decide(t, step, value) == plain.decide(t, step, value), (t, step)
