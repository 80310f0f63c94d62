"""Exceptions raised by mle-search.

Every exception derives from :class:`SearchError`; each subclass also derives from the builtin
a caller would naturally catch (``ValueError``, ``ImportError``, ``RuntimeError``).
"""

from __future__ import annotations

__all__ = [
    "SearchConfigError",
    "SearchDependencyError",
    "SearchError",
    "SearchInputError",
    "SearchSpaceError",
    "SearchStateError",
]


class SearchError(Exception):
    """Root of every mle-search error."""


class SearchSpaceError(SearchError, ValueError):
    """A search space is malformed, or a value lies outside it; the message names the parameter."""


class SearchConfigError(SearchError, ValueError):
    """A strategy is asked for with an unknown search type or unknown / invalid options."""


class SearchInputError(SearchError, ValueError):
    """``ask``/``tell``/``resume_from`` got arguments of the wrong shape or type."""


class SearchStateError(SearchError, RuntimeError):
    """A call is not allowed in the strategy's current state (e.g. resuming a used strategy)."""


class SearchDependencyError(SearchError, ImportError):
    """An optional dependency (scikit-optimize for SMBO) is not installed."""
