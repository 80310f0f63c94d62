"""Shared by the mle-search tests: spaces, a toy objective, strategy factories.

A uniquely named module (not conftest) so that no other package's conftest can shadow it.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from typing import Any

from mle_search import (
    CoordinateSearch,
    GridSearch,
    OptunaSearch,
    RandomSearch,
    SMBOSearch,
    Space,
    Strategy,
)

#: 3 x 3 x 2 = 18 points: every strategy can run on it, and repeats are likely.
FINITE = {
    "real": {"w": {"begin": 0.5, "end": 1.5, "bins": 3}},
    "integer": {"net_config.layers": {"begin": 1, "end": 3}},
    "categorical": {"opt": ["adam", "sgd"]},
}
#: Continuous and discrete parameters (grid search cannot run on it).
MIXED = {
    "real": {"lr": {"begin": 1e-4, "end": 1e-1, "prior": "log-uniform"}},
    "integer": {"net_config.layers": {"begin": 1, "end": 3}},
    "categorical": {"opt": ["adam", "sgd", "rmsprop"]},
}

# Fast SMBO settings for tests: few initial points, a sampled acquisition optimum.
FAST_SMBO: dict[str, Any] = {
    "n_initial_points": 3,
    "acq_optimizer": "sampling",
    "optimizer_kwargs": {"acq_optimizer_kwargs": {"n_points": 200}},
}

MAKERS: dict[str, Callable[..., Strategy]] = {
    "grid": GridSearch,
    "random": RandomSearch,
    "coordinate": CoordinateSearch,
    "smbo": lambda space, **kw: SMBOSearch(space, **{**FAST_SMBO, **kw}),
}
if importlib.util.find_spec("optuna") is not None:  # the optuna extra
    MAKERS["optuna"] = lambda space, **kw: OptunaSearch(space, **{"sampler": "tpe", **kw})


def objective(params: dict[str, Any]) -> float:
    """A deterministic toy score with a unique optimum over FINITE and MIXED (lower = better)."""
    score = (params["net_config.layers"] - 2) ** 2 + (params["train_config.opt"] == "sgd")
    if "train_config.w" in params:
        score += (params["train_config.w"] - 1.0) ** 2
    if "train_config.lr" in params:
        score += (math.log10(params["train_config.lr"]) + 2) ** 2
    return float(score)


class Reversed(Strategy):
    """A third-party style strategy for the plug-in tests: the grid, last point first."""

    def __init__(
        self, space: Space, *, seed: int | None = None, maximize: bool = False, skip: int = 0
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        self._points = [GridSearch(space).point(i) for i in range(GridSearch(space).size)]
        self._points = self._points[::-1][skip:]

    def _propose(self, n: int) -> list[tuple[Any, ...]]:
        free = [k for k in self._points if not self._taken(k)]
        return free[:n]

    def _exhausted(self) -> bool:
        return all(self._taken(k) for k in self._points)


NOT_A_STRATEGY = object()
