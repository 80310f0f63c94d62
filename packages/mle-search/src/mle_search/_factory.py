"""``make_strategy``: a strategy by the YAML's ``search_type`` name, options checked by name."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from ._coordinate import CoordinateSearch
from ._grid import GridSearch
from ._random import RandomSearch
from ._results import Evaluation
from ._smbo import SMBOSearch
from ._space import Space
from ._strategy import Strategy
from .errors import SearchConfigError

__all__ = ["STRATEGIES", "make_strategy"]

STRATEGIES: dict[str, type[Strategy]] = {
    "grid": GridSearch,
    "random": RandomSearch,
    "coordinate": CoordinateSearch,
    "smbo": SMBOSearch,
}


def _options(cls: type[Strategy]) -> list[str]:
    params = inspect.signature(cls.__init__).parameters
    return [p for p in params if p not in ("self", "space", "seed", "maximize")]


def make_strategy(
    search_type: str,
    space: Space | Mapping[str, Any],
    *,
    seed: int | None = None,
    maximize: bool = False,
    history: Iterable[Mapping[str, Any] | Evaluation] | None = None,
    **options: Any,
) -> Strategy:
    """Build the strategy for ``search_type`` (grid, random, coordinate, smbo).

    ``space`` is a Space or a ``params_to_search`` mapping; ``options`` are the strategy's
    own keyword arguments (smbo: the YAML's ``smbo_config``; coordinate: ``coordinate_config``);
    unknown ones are rejected with the allowed list. ``history`` (HyperLog records) resumes.
    """
    cls = STRATEGIES.get(str(search_type).lower())
    if cls is None:
        raise SearchConfigError(
            f"expected search_type to be one of {', '.join(STRATEGIES)}, found {search_type!r}"
        )
    allowed = _options(cls)
    unknown = sorted(k for k in options if k not in allowed)
    if unknown:
        listed = ", ".join(allowed) if allowed else "none"
        raise SearchConfigError(
            f"{search_type} search: unknown option {unknown[0]!r} (allowed: {listed})"
        )
    if not isinstance(space, Space):
        space = Space.from_config(space)
    strategy = cls(space, seed=seed, maximize=maximize, **options)
    if history is not None:
        strategy.resume_from(history)
    return strategy
