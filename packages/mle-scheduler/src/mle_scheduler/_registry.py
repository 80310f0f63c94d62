"""Finding backends by name: the built-in ones, then the ``mle_scheduler.backends`` entry points."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from .backends.base import Backend
from .errors import BackendNotFoundError

__all__ = ["ENTRY_POINT_GROUP", "available_backends", "get_backend"]

#: entry-point group under which third-party packages register ``name = "module:Class"``
ENTRY_POINT_GROUP = "mle_scheduler.backends"

_BUILTIN = {
    "local": "mle_scheduler.backends.local:LocalBackend",
    "sge": "mle_scheduler.backends.sge:SGEBackend",
    "slurm": "mle_scheduler.backends.slurm:SlurmBackend",
}


def _load(target: str) -> type[Backend]:
    module, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise BackendNotFoundError(f"{target} is not a mle_scheduler Backend subclass")
    return cls


def available_backends() -> list[str]:
    """Names :func:`get_backend` accepts: built-in ones and installed entry points."""
    names = set(_BUILTIN) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def get_backend(name: str, **options: Any) -> Backend:
    """Create the backend registered as ``name`` (``"local"``, ``"sge"``, ``"slurm"``, or one
    from the ``mle_scheduler.backends`` entry-point group) with its constructor ``options``."""
    target = _BUILTIN.get(name)
    if target is not None:
        cls = _load(target)
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not found:
            raise BackendNotFoundError(
                f"unknown backend {name!r}; available: {', '.join(available_backends())}"
            )
        cls = found[0].load()
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise BackendNotFoundError(
                f"entry point {name!r} in {ENTRY_POINT_GROUP} is not a Backend subclass"
            )
    return cls(**options)
