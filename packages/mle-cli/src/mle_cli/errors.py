"""Exceptions of the ``mle`` command.

Every error a user can cause derives from :class:`MleCliError`; ``mle`` prints such an error as
one line and exits with code 2 (set ``MLE_FULL_ERROR=1`` for the traceback).
"""

from __future__ import annotations


class MleCliError(Exception):
    """Root of the CLI's errors."""

    exit_code = 2


class UsageError(MleCliError, ValueError):
    """Bad command-line input or a bad setting in an experiment or user config."""


class ExperimentDirError(MleCliError, FileNotFoundError):
    """An experiment folder is missing, or is not one that ``mle`` wrote."""


class JobsFailedError(MleCliError, RuntimeError):
    """Some jobs of an experiment failed for good (after their retries)."""

    exit_code = 1
