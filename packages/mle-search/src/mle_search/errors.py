"""Exceptions raised by mle-search.

Every exception derives from :class:`MleSearchError` (old name: ``SearchError``, kept as an
alias); each subclass also derives from the builtin a caller would naturally catch
(``ValueError``, ``ImportError``, ``RuntimeError``).
"""

from __future__ import annotations

__all__ = [
    "MleSearchError",
    "SearchConfigError",
    "SearchDependencyError",
    "SearchError",
    "SearchInputError",
    "SearchSpaceError",
    "SearchStateError",
]


class MleSearchError(Exception):
    """Root of every mle-search error."""


#: The root's earlier name, kept so that ``except SearchError`` keeps working.
SearchError = MleSearchError


class SearchSpaceError(MleSearchError, ValueError):
    """A search space is malformed, or a value lies outside it; the message names the parameter."""


class SearchConfigError(MleSearchError, ValueError):
    """A strategy is asked for with an unknown search type or unknown / invalid options."""


class SearchInputError(MleSearchError, ValueError):
    """``ask``/``tell``/``resume_from`` got arguments of the wrong shape or type."""


class SearchStateError(MleSearchError, RuntimeError):
    """A call is not allowed in the strategy's current state (e.g. resuming a used strategy)."""


class SearchDependencyError(MleSearchError, ImportError):
    """An optional dependency (scikit-optimize for SMBO) is not installed."""
