"""Lazy imports of optional dependencies, with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import SearchDependencyError

__all__ = ["require"]

_HINT = (
    "SMBO search needs the smbo extra (scipy; scikit-optimize for RF/ET/GBRT): "
    'pip install "mle-search[smbo]"'
)


def require(module: str) -> ModuleType:
    """Import ``module`` (a part of the ``smbo`` extra) or raise SearchDependencyError."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SearchDependencyError(f"{_HINT} (import of {module!r} failed: {exc})") from exc
