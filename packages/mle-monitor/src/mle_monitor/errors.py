"""Exceptions and warnings of mle-monitor.

Every exception derives from :class:`MleMonitorError`; each subclass also derives from the
builtin a caller would naturally catch (``LookupError``, ``ValueError``, ``RuntimeError``).
A registry that cannot be *written* never raises: it warns once with
:class:`RegistryWarning` and the call returns (an experiment must not stop for its index).
"""

from __future__ import annotations

__all__ = [
    "AmbiguousExperimentError",
    "ExperimentFolderError",
    "ExperimentNotFoundError",
    "MleMonitorError",
    "RegistryError",
    "RegistryWarning",
    "StatsInputError",
]


class MleMonitorError(Exception):
    """Root of every mle-monitor error."""


class RegistryError(MleMonitorError, RuntimeError):
    """The registry cannot be read (a damaged or foreign database file)."""


class ExperimentNotFoundError(MleMonitorError, LookupError):
    """No experiment in the registry matches the id, id prefix, name or folder asked for."""


class AmbiguousExperimentError(MleMonitorError, LookupError):
    """An id prefix or name matches several experiments; the message lists them."""


class ExperimentFolderError(MleMonitorError, ValueError):
    """A folder is not an mle experiment folder (no readable ``mle-experiment.json``)."""


class StatsInputError(MleMonitorError, ValueError):
    """A statistical test got too few or non-finite scores."""


class RegistryWarning(UserWarning):
    """The registry could not be written (read-only, locked, not a database); nothing else
    is affected."""
