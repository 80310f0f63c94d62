"""Plug-in names from installed entry points, read from package metadata only.

The schema accepts the backend names and search types that are installed, without importing
mle-scheduler or mle-search (mle-config depends on neither).
"""

from __future__ import annotations

from importlib.metadata import entry_points

__all__ = [
    "BACKEND_GROUP",
    "BUILTIN_BACKENDS",
    "BUILTIN_SEARCH_TYPES",
    "STRATEGY_GROUP",
    "available_backends",
    "available_search_types",
    "installed_plugins",
]

BACKEND_GROUP = "mle_scheduler.backends"
STRATEGY_GROUP = "mle_search.strategies"
BUILTIN_BACKENDS = ("local", "sge", "slurm")
BUILTIN_SEARCH_TYPES = ("grid", "random", "smbo", "coordinate", "optuna")


def installed_plugins(group: str) -> list[str]:
    """Sorted names of the entry points in ``group`` (metadata only; nothing is imported)."""
    try:
        found = entry_points(group=group)
    except Exception:  # broken metadata of an unrelated distribution must not stop a load
        return []
    return sorted({ep.name for ep in found})


def _with_builtins(builtins: tuple[str, ...], group: str) -> tuple[str, ...]:
    extra = [n for n in installed_plugins(group) if n not in builtins]
    return (*builtins, *extra)


def available_backends() -> tuple[str, ...]:
    """The builtin backends, then any other installed ``mle_scheduler.backends`` entry point."""
    return _with_builtins(BUILTIN_BACKENDS, BACKEND_GROUP)


def available_search_types() -> tuple[str, ...]:
    """The builtin search types, then any other installed ``mle_search.strategies`` name."""
    return _with_builtins(BUILTIN_SEARCH_TYPES, STRATEGY_GROUP)
