"""Exceptions raised by mle-config.

Every exception derives from :class:`MleConfigError` (also importable under its old name
``ConfigError``), and each subclass also derives from the builtin a caller would naturally
catch (``FileNotFoundError``, ``ValueError``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigFileExistsError",
    "ConfigFileNotFoundError",
    "ConfigParseError",
    "ConfigValidationError",
    "MleConfigError",
]


class MleConfigError(Exception):
    """Root of every mle-config error."""


ConfigError = MleConfigError  # the root's earlier name, kept for callers that catch it


class ConfigFileNotFoundError(MleConfigError, FileNotFoundError):
    """A config file, or a file a config names, does not exist or is not a regular file."""

    def __str__(self) -> str:  # FileNotFoundError's str() would print errno tuples
        return str(self.args[0]) if self.args else ""


class ConfigFileExistsError(MleConfigError, FileExistsError):
    """A file would be overwritten that the caller asked to keep (``write_user_config``)."""

    def __str__(self) -> str:  # FileExistsError's str() would print errno tuples
        return str(self.args[0]) if self.args else ""


class ConfigParseError(MleConfigError, ValueError):
    """A file is not valid YAML / JSON, is empty, is not UTF-8 text, or is too large or too
    deeply nested to read safely (see :data:`mle_config.loading.MAX_NODES`)."""


class ConfigValidationError(MleConfigError, ValueError):
    """A config does not match its schema. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
