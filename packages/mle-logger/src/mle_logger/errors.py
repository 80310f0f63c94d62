"""Exceptions raised by mle-logger.

Every error derives from :class:`MleLoggerError` and from the fitting builtin, so callers can
catch either (``except MleLoggerError`` or ``except ValueError``).
"""

from __future__ import annotations

__all__ = [
    "EmptyLogError",
    "LogArgumentError",
    "LogBusyError",
    "LogExistsError",
    "LogFormatError",
    "LogNotFoundError",
    "LogUpdateError",
    "LogWriteError",
    "LogWriteWarning",
    "LoggerClosedError",
    "MissingDependencyError",
    "MleLoggerError",
    "NonFiniteScoreError",
    "PickleRefusedError",
    "ScoreError",
    "UnknownKeyError",
    "UnknownNameError",
    "UnsupportedObjectError",
]


class MleLoggerError(Exception):
    """Root of all mle-logger errors."""


class LogArgumentError(MleLoggerError, ValueError, TypeError):
    """An argument of the public API has the wrong type or value (the message names it)."""


class UnknownNameError(MleLoggerError, KeyError):
    """``log.stats["name"]`` for a name that was not logged (message suggests the closest)."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class UnknownKeyError(MleLoggerError, TypeError):
    """A logger option or a logged name is not known (message suggests the closest match)."""


class LogUpdateError(MleLoggerError, ValueError):
    """An update does not fit the tracked names (length mismatch, non-numeric value)."""


class UnsupportedObjectError(MleLoggerError, TypeError):
    """A checkpoint, figure or extra object is of a type the logger cannot store safely."""


class LogExistsError(MleLoggerError, FileExistsError):
    """A log for this seed already exists and neither reload nor overwrite was asked for."""


class LogNotFoundError(MleLoggerError, FileNotFoundError):
    """No log file was found where one was expected."""


class LogFormatError(MleLoggerError, ValueError):
    """A file is not an mle-logger log (or is damaged beyond its last completed save)."""


class LogWriteError(MleLoggerError, OSError):
    """Writing the log failed and was not recovered by the time the logger was closed."""


class LoggerClosedError(MleLoggerError, RuntimeError):
    """The logger was used after :meth:`Logger.close`."""


class PickleRefusedError(MleLoggerError, ValueError):
    """Loading this file would unpickle data; pass ``allow_pickle=True`` to opt in."""


class MissingDependencyError(MleLoggerError, ImportError):
    """An optional dependency (torch, matplotlib, a TensorBoard writer) is not installed."""


class LogWriteWarning(RuntimeWarning):
    """An I/O error during training: rows stay in memory and are retried at the next save."""


class LogBusyError(MleLoggerError, RuntimeError):
    """The log's writer process still runs on this host; folding it now would lose rows."""


class ScoreError(MleLoggerError, ValueError):
    """A score cannot be computed: unknown ``problem_type``, values that are not numbers, or
    (subclasses) no value, or no finite value, for the metric."""


class EmptyLogError(ScoreError):
    """A score was asked of a log that holds no value for the metric."""


class NonFiniteScoreError(EmptyLogError):
    """The metric's values reduce to inf, -inf or NaN, which is not a score (the run failed)."""
