"""A search built from the experiment YAML's ``param_search_args`` (a plain mapping, as
mle-config validated it): its strategy and its loop, the way ``mle run`` runs them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._factory import make_strategy
from ._fidelity import FidelityStrategy
from ._hyperlog import HyperLog
from ._loop import SearchLoop
from ._space import Space
from ._strategy import Strategy
from ._trial import Trial
from .errors import SearchConfigError

__all__ = ["loop_from_args", "objectives_of", "planned_runs", "strategy_from_args"]


def objectives_of(search: Mapping[str, Any]) -> bool | dict[str, bool]:
    """``maximize`` for :func:`make_strategy`: name -> maximize for a search of several
    objectives (``objectives``), else ``maximize_objective``."""
    objectives = search.get("objectives")
    if isinstance(objectives, Mapping) and len(objectives) > 1:
        return {str(k): bool(v) for k, v in objectives.items()}
    return bool(search.get("maximize_objective", False))


def strategy_from_args(search: Mapping[str, Any]) -> Strategy:
    """The strategy of ``param_search_args``: ``search_type``, ``params_to_search``, the
    options in ``<search_type>_config``, ``random_seed``; PBT runs ``num_search_batches``
    generations unless ``num_generations`` is given (the original's meaning of a batch)."""
    stype = str(search["search_type"])
    options = dict(search.get(f"{stype}_config") or {})  # smbo_config, optuna_config, ...
    if stype == "pbt" and "num_generations" not in options:
        options["num_generations"] = int(search.get("num_search_batches") or 1)
    return make_strategy(
        stype,
        Space.from_config(search["params_to_search"]),
        seed=int(search.get("random_seed") or 0),
        maximize=objectives_of(search),
        **options,
    )


def loop_from_args(
    search: Mapping[str, Any],
    *,
    seeds: int | list[int] | tuple[int, ...],
    log: HyperLog | None = None,
    annotate: Callable[[Trial], Mapping[str, Any]] | None = None,
) -> SearchLoop:
    """The loop of ``param_search_args`` (not yet restored). The budget is
    ``num_search_batches x num_iter_per_batch`` trials, except for successive halving,
    Hyperband and PBT, whose schedule is the budget (a whole rung may be open at once; PBT's
    batches are its generations). A PBT trial's record gets its ``lineage``;
    ``race_seeds`` races seeds (refused for these schedules: each seed continues the same
    seed of its parent). ``annotate``: more fields for each trial's record."""
    strategy = strategy_from_args(search)
    per_batch = max(1, int(search.get("num_iter_per_batch") or 1))
    budget: int | None = int(search.get("num_search_batches") or 1) * per_batch
    batch_size = per_batch
    race = bool(search.get("race_seeds"))
    if isinstance(strategy, FidelityStrategy) and race:
        raise SearchConfigError(
            f"param_search_args.race_seeds: expected false for a {search['search_type']} "
            "search (each seed of a trial continues the same seed of its parent's checkpoint, "
            "so its seeds cannot be raced), found true"
        )
    if isinstance(strategy, FidelityStrategy) and strategy.planned_trials is not None:
        budget = None
        batch_size = int(getattr(strategy, "num_workers", strategy.planned_trials))
    lineage = getattr(strategy, "lineage", None)

    def fields(trial: Trial) -> dict[str, Any]:
        out = dict(annotate(trial)) if annotate is not None else {}
        if lineage is not None:
            out["lineage"] = lineage(trial.id)
        return out

    return SearchLoop(
        strategy,
        budget=budget,
        seeds=seeds,
        batch_size=batch_size,
        log=log,
        annotate=fields,
        aggregate=str(search.get("aggregate_seeds") or "mean"),
        race=race,
        background=None,  # a slow strategy proposes on a worker thread while jobs run
    )


def planned_runs(loop: SearchLoop) -> int:
    """Runs the whole search makes when nothing fails (its schedule for successive halving,
    Hyperband and PBT, else its budget), for a progress bar."""
    strategy = loop.strategy
    trials = loop.budget
    if isinstance(strategy, FidelityStrategy) and strategy.planned_trials is not None:
        trials = strategy.planned_trials
    return (trials or 0) * len(loop.seeds)
