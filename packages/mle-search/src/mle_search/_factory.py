"""``make_strategy``: a strategy by the YAML's ``search_type`` name, options checked by name."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._asha import ASHASearch
from ._coordinate import CoordinateSearch
from ._grid import GridSearch
from ._halving import HyperbandSearch, SuccessiveHalvingSearch
from ._optuna import OptunaSearch
from ._pbt import PBTSearch
from ._random import RandomSearch
from ._results import Evaluation
from ._smbo import SMBOSearch
from ._space import Space
from ._strategy import Strategy
from .errors import SearchConfigError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["ENTRY_POINT_GROUP", "STRATEGIES", "available_strategies", "make_strategy"]

#: Entry-point group through which strategies are found (the built-ins are registered too).
ENTRY_POINT_GROUP = "mle_search.strategies"

#: The built-in strategies by search_type; a plug-in cannot replace these names.
STRATEGIES: dict[str, type[Strategy]] = {
    "grid": GridSearch,
    "random": RandomSearch,
    "coordinate": CoordinateSearch,
    "smbo": SMBOSearch,
    "optuna": OptunaSearch,
    "successive_halving": SuccessiveHalvingSearch,
    "hyperband": HyperbandSearch,
    "asha": ASHASearch,
    "pbt": PBTSearch,
}


def _plugins() -> dict[str, EntryPoint]:
    """Installed ``mle_search.strategies`` entry points by lower-case name (read from package
    metadata only: nothing is imported)."""
    from importlib.metadata import entry_points

    try:
        found = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # broken metadata of an unrelated package: only the built-ins
        return {}
    return {ep.name.lower(): ep for ep in found}


def available_strategies() -> list[str]:
    """Every search_type that :func:`make_strategy` accepts: the built-ins, then the installed
    plug-ins (``[project.entry-points."mle_search.strategies"]``) by name."""
    return list(STRATEGIES) + sorted(n for n in _plugins() if n not in STRATEGIES)


def strategy_class(search_type: str) -> type[Strategy]:
    """The Strategy subclass for ``search_type`` (SearchConfigError when unknown or broken)."""
    name = str(search_type).lower()
    if name in STRATEGIES:
        return STRATEGIES[name]
    plugin = _plugins().get(name)
    if plugin is None:
        raise SearchConfigError(
            f"expected search_type to be one of {', '.join(available_strategies())}, "
            f"found {search_type!r}"
        )
    try:
        cls = plugin.load()
    except Exception as exc:  # a plug-in's import may fail in any way
        raise SearchConfigError(
            f"search_type {search_type!r}: the plug-in {plugin.value!r} failed to load "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise SearchConfigError(
            f"search_type {search_type!r}: expected the plug-in {plugin.value!r} to be a "
            f"subclass of mle_search.Strategy, found {cls!r}"
        )
    return cls


def _options(cls: type[Strategy]) -> list[str] | None:
    """The strategy's own keyword options (None: it takes ``**kwargs``, so any)."""
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return [p for p in params if p not in ("self", "space", "seed", "maximize")]


def make_strategy(
    search_type: str,
    space: Space | Mapping[str, Any],
    *,
    seed: int | None = None,
    maximize: bool | Sequence[bool] | Mapping[str, bool] = False,
    history: Iterable[Mapping[str, Any] | Evaluation] | None = None,
    **options: Any,
) -> Strategy:
    """Build the strategy for ``search_type`` (grid, random, coordinate, smbo, optuna, or an
    installed plug-in; see :func:`available_strategies`).

    ``space`` is a Space or a ``params_to_search`` mapping; ``options`` are the strategy's
    own keyword arguments (the YAML's ``<search_type>_config``, e.g. ``smbo_config``,
    ``coordinate_config``, ``optuna_config``);
    unknown ones are rejected with the allowed list. ``history`` (HyperLog records) resumes.
    ``maximize``: true/false for one objective; for a multi-objective search a mapping
    objective name -> true/false (the YAML's canonical ``objectives``) or a list of bools.
    A strategy that cannot search several objectives refuses them (SearchConfigError).
    """
    cls = strategy_class(search_type)
    allowed = _options(cls)
    unknown = [] if allowed is None else sorted(k for k in options if k not in allowed)
    if unknown:
        listed = ", ".join(allowed) if allowed else "none"
        raise SearchConfigError(
            f"{search_type} search: unknown option {unknown[0]!r} (allowed: {listed})"
        )
    if not isinstance(space, Space):
        space = Space.from_config(space)
    strategy = cls(space, seed=seed, maximize=maximize, **options)
    if strategy.n_objectives > 1 and getattr(strategy, "refine_after", None) is not None:
        raise SearchConfigError(
            f"{search_type} search: expected no refine_after with {strategy.n_objectives} "
            "objectives (a refinement keeps the top-k results by one score)"
        )
    if history is not None:
        strategy.resume_from(history)
    return strategy
