"""Multi-fidelity search (issue 11): best validation loss against total epochs spent.

A softmax regression on scikit-learn's digits, trained by minibatch SGD with momentum; the
budget axis is epochs. Every side runs in this process on simulated workers: ``WORKERS``
trials train side by side, one epoch per tick, and a trial that continues a parent starts
from the parent's weights (the "checkpoint", kept in memory). Sides:

- random: random search, every trial at the full ``MAX_EPOCHS``;
- hyperband: ``HyperbandSearch(max_resource=MAX_EPOCHS, eta=3)``, passes with new seeds
  until the budget is spent;
- asha: ``ASHASearch`` whose ``ASHAPruner`` is consulted after every epoch of every run;
- pbt: ``PBTSearch`` (8 workers, 3 epochs per generation, truncation + additive noise);
- optuna-hb / optuna-median: Optuna's TPE with its HyperbandPruner / MedianPruner, the
  trial reporting its loss after every epoch (sequential: Optuna's own loop).

Each side gets the same total budget (``BUDGET`` epochs, that of ``N_RANDOM`` full-budget
random trials) and is cut when it is spent. Run: ``python benchmarks/search/bench_multifidelity.py
[repetitions]`` (numpy + scikit-learn; Optuna for its two sides).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from mle_search import (
    STOP,
    ASHASearch,
    HyperbandSearch,
    PBTSearch,
    RandomSearch,
    SearchLoop,
    Space,
    Strategy,
    Trial,
)

MAX_EPOCHS = 27
N_RANDOM = 30
BUDGET = N_RANDOM * MAX_EPOCHS  # 810 epochs
WORKERS = 4
CHECKPOINTS = (BUDGET // 9, BUDGET // 3, BUDGET)  # 90, 270, 810
SPACE = {
    "real": {
        "lr": {"begin": 1e-4, "end": 3.0, "prior": "log-uniform"},
        "l2": {"begin": 1e-6, "end": 1.0, "prior": "log-uniform"},
        "momentum": {"begin": 0.0, "end": 0.99},
    },
    "categorical": {"batch": [16, 64, 256]},
}


def load() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order], y[order]
    cut = 600  # a small training set: the loss keeps separating configurations
    return x[:cut], y[:cut], x[cut:], y[cut:]


DATA = load()


@dataclass
class Model:
    """A checkpoint: weights, momentum buffer, epochs done, the shuffling stream."""

    w: np.ndarray
    v: np.ndarray
    epochs: int
    rng: np.random.Generator

    @classmethod
    def fresh(cls, seed: int) -> Model:
        rng = np.random.default_rng(seed)
        w = rng.normal(0, 0.01, (65, 10))
        return cls(w, np.zeros_like(w), 0, rng)

    def copy(self) -> Model:
        rng = np.random.default_rng()
        rng.bit_generator.state = self.rng.bit_generator.state
        return Model(self.w.copy(), self.v.copy(), self.epochs, rng)


def epoch(model: Model, params: dict[str, Any]) -> float:
    """One epoch of SGD; returns the validation cross-entropy (NaN once diverged)."""
    xt, yt, xv, yv = DATA
    lr, l2 = params["train_config.lr"], params["train_config.l2"]
    mom, batch = params["train_config.momentum"], params["train_config.batch"]
    order = model.rng.permutation(len(yt))
    with np.errstate(all="ignore"):
        for start in range(0, len(yt), batch):
            idx = order[start : start + batch]
            xb = np.hstack([xt[idx], np.ones((len(idx), 1))])
            logits = xb @ model.w
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), yt[idx]] -= 1.0
            grad = xb.T @ p / len(idx) + l2 * model.w
            model.v = mom * model.v - lr * grad
            model.w = model.w + model.v
        model.epochs += 1
        logits = np.hstack([xv, np.ones((len(xv), 1))]) @ model.w
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = float(-logp[np.arange(len(yv)), yv].mean())
    return loss if math.isfinite(loss) and np.all(np.isfinite(model.w)) else float("nan")


@dataclass
class Curve:
    """Lowest validation loss after each epoch spent (of a trial that ran its budget)."""

    spent: int = 0
    best: float = math.inf
    points: list[tuple[int, float]] = field(default_factory=list)

    def tick(self) -> None:
        self.spent += 1

    def found(self, value: float | None) -> None:
        if value is not None and value < self.best:
            self.best = value
        self.points.append((self.spent, self.best))

    def at(self, budget: int) -> float:
        best = math.inf
        for spent, value in self.points:
            if spent <= budget:
                best = value
        return best


def drive(make: Callable[[int], Strategy], rep: int) -> Curve:
    """The simulated runner around SearchLoop (a fresh strategy per pass)."""
    curve = Curve()
    checkpoints: dict[int, Model] = {}
    npass = 0
    while curve.spent < BUDGET:
        strategy = make(1000 * rep + npass)
        loop = SearchLoop(strategy, budget=None, seeds=[0])
        pruner = loop.pruner
        running: dict[int, tuple[Trial, Model, int]] = {}  # id -> trial, model, epochs left
        while not loop.done and curve.spent < BUDGET:
            for trial in loop.propose(WORKERS - len(running)):
                parent = checkpoints.get(trial.parent) if trial.parent is not None else None
                model = parent.copy() if parent is not None else Model.fresh(trial.id + rep)
                left = int(trial.budget or MAX_EPOCHS) - model.epochs
                running[trial.id] = (trial, model, left)
            if not running:
                break
            for tid in sorted(running):
                trial, model, left = running[tid]
                loss = epoch(model, trial.params)
                curve.tick()
                left -= 1
                value = None if math.isnan(loss) else loss
                if (
                    pruner is not None
                    and left > 0
                    and pruner.decide(tid, model.epochs, value) == STOP
                ):
                    del running[tid]
                    loop.report(tid, 0, value, pruned_at=model.epochs)
                    continue
                if left <= 0 or value is None:
                    del running[tid]
                    checkpoints[tid] = model
                    loop.report(tid, 0, value)
                    curve.found(value)
                else:
                    running[tid] = (trial, model, left)
                if curve.spent >= BUDGET:
                    break
        npass += 1
    return curve


def space() -> Space:
    return Space.from_config(SPACE)


SIDES: dict[str, Callable[[int], Curve]] = {
    "random (full budget)": lambda rep: drive(
        lambda s: _full(RandomSearch(space(), seed=s, maximize=False)), rep
    ),
    "hyperband (ours)": lambda rep: drive(
        lambda s: HyperbandSearch(space(), seed=s, maximize=False, max_resource=MAX_EPOCHS, eta=3),
        rep,
    ),
    "asha (ours)": lambda rep: drive(
        lambda s: ASHASearch(space(), seed=s, maximize=False, max_resource=MAX_EPOCHS, eta=3), rep
    ),
    "pbt (ours)": lambda rep: drive(
        lambda s: PBTSearch(
            space(),
            seed=s,
            maximize=False,
            num_workers=8,
            steps_until_ready=3,
            num_generations=MAX_EPOCHS // 3,
            exploit={"strategy": "truncation", "selection_percent": 0.25},
            explore={"strategy": "additive_noise", "noise_scale": 0.1},
        ),
        rep,
    ),
}


def _full(strategy: Strategy) -> Strategy:
    return strategy  # a plain strategy: every trial runs MAX_EPOCHS (budget None)


def optuna_side(pruner_name: str) -> Callable[[int], Curve]:
    def run(rep: int) -> Curve:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        pruner: optuna.pruners.BasePruner
        if pruner_name == "hyperband":
            pruner = optuna.pruners.HyperbandPruner(
                min_resource=1, max_resource=MAX_EPOCHS, reduction_factor=3
            )
        else:
            pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
        study = optuna.create_study(
            direction="minimize", sampler=optuna.samplers.TPESampler(seed=rep), pruner=pruner
        )
        curve = Curve()
        number = 0
        while curve.spent < BUDGET:
            trial = study.ask()
            params = {
                "train_config.lr": trial.suggest_float("lr", 1e-4, 3.0, log=True),
                "train_config.l2": trial.suggest_float("l2", 1e-6, 1.0, log=True),
                "train_config.momentum": trial.suggest_float("momentum", 0.0, 0.99),
                "train_config.batch": trial.suggest_categorical("batch", [16, 64, 256]),
            }
            model = Model.fresh(number + rep)
            number += 1
            value: float | None = None
            state = optuna.trial.TrialState.COMPLETE
            for step in range(1, MAX_EPOCHS + 1):
                loss = epoch(model, params)
                curve.tick()
                if math.isnan(loss):
                    state = optuna.trial.TrialState.FAIL
                    value = None
                    break
                value = loss
                trial.report(loss, step)
                if step < MAX_EPOCHS and trial.should_prune():
                    state = optuna.trial.TrialState.PRUNED
                    break
                if curve.spent >= BUDGET:
                    break
            if state == optuna.trial.TrialState.COMPLETE:
                study.tell(trial, value)
                curve.found(value)
            else:
                study.tell(trial, state=state)
        return curve

    return run


def decision_cost(running: int = 500, epochs: int = 27) -> None:
    """The runner's own cost per decision: ``running`` trials each report every epoch."""
    from mle_search import ASHAPruner, MedianPruner

    rng = np.random.default_rng(0)
    values = rng.random((running, epochs))
    for name, pruner in (
        ("ASHAPruner", ASHAPruner(max_resource=epochs, eta=3)),
        ("MedianPruner", MedianPruner(n_startup_trials=5)),
    ):
        start = time.perf_counter()
        for step in range(epochs):
            for trial in range(running):
                pruner.decide(trial, step + 1, float(values[trial, step]))
        per = (time.perf_counter() - start) / (running * epochs)
        print(f"{name}: {per * 1e6:.1f} us per decision ({running} running trials)")


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    sides = dict(SIDES)
    try:
        import optuna  # noqa: F401

        sides["optuna TPE + HyperbandPruner"] = optuna_side("hyperband")
        sides["optuna TPE + MedianPruner"] = optuna_side("median")
    except ImportError:
        print("optuna not installed: its sides are skipped")
    print(f"budget {BUDGET} epochs ({N_RANDOM} full trials of {MAX_EPOCHS}), {reps} repetitions")
    header = " | ".join(f"best @ {c}" for c in CHECKPOINTS)
    print(f"| side | {header} | CPU s / rep |")
    print("|---|" + "---|" * (len(CHECKPOINTS) + 1))
    for name, run in sides.items():
        rows: list[list[float]] = [[] for _ in CHECKPOINTS]
        start = time.process_time()
        for rep in range(reps):
            curve = run(rep)
            for i, c in enumerate(CHECKPOINTS):
                rows[i].append(curve.at(c))
        cpu = (time.process_time() - start) / reps
        cells = " | ".join(f"{statistics.median(r):.4f} ({min(r):.3f}-{max(r):.3f})" for r in rows)
        print(f"| {name} | {cells} | {cpu:.2f} |", flush=True)
    decision_cost()


if __name__ == "__main__":
    main()
