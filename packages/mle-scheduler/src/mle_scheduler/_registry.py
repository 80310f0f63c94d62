"""Finding backends by name: the built-in ones, then the ``mle_scheduler.backends`` entry points."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from .backends.base import Backend
from .errors import BackendNotFoundError, MissingDependencyError

__all__ = ["ENTRY_POINT_GROUP", "available_backends", "get_backend"]

#: entry-point group under which third-party packages register ``name = "module:Class"``
ENTRY_POINT_GROUP = "mle_scheduler.backends"

#: the backends this package ships, registered under the same entry-point group in its
#: pyproject.toml; used as they are when the installed metadata lacks them (e.g. a source tree)
_BUILTIN = {
    "local": "mle_scheduler.backends.local:LocalBackend",
    "sge": "mle_scheduler.backends.sge:SGEBackend",
    "slurm": "mle_scheduler.backends.slurm:SlurmBackend",
}


def _targets() -> dict[str, str]:
    """``{name: "module:Class"}`` from the entry points, then the built-ins they lack.

    A built-in name always means the built-in class: another package cannot take it over.
    """
    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    found.update(_BUILTIN)
    return found


def _load(name: str, target: str) -> type[Backend]:
    module, _, attr = target.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except ImportError as exc:
        raise MissingDependencyError(
            f"backend {name!r} ({target}) cannot be imported: {exc}"
        ) from None
    except AttributeError:
        raise BackendNotFoundError(f"backend {name!r}: {target} does not exist") from None
    if not (isinstance(obj, type) and issubclass(obj, Backend)):
        raise BackendNotFoundError(
            f"backend {name!r}: {target} in {ENTRY_POINT_GROUP} is not a Backend subclass"
        )
    return obj


def available_backends() -> list[str]:
    """Names :func:`get_backend` accepts: the installed entry points and the built-ins."""
    return sorted(_targets())


def get_backend(name: str, **options: Any) -> Backend:
    """Create the backend registered as ``name`` (``"local"``, ``"sge"``, ``"slurm"``, or one
    from the ``mle_scheduler.backends`` entry-point group) with its constructor ``options``."""
    targets = _targets()
    target = targets.get(name)
    if target is None:
        raise BackendNotFoundError(
            f"unknown backend {name!r}; available: {', '.join(sorted(targets))}"
        )
    return _load(name, target)(**options)
