"""Exceptions raised by mle-config.

Every exception derives from :class:`ConfigError`, and each subclass also derives from the
builtin a caller would naturally catch (``FileNotFoundError``, ``ValueError``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigFileNotFoundError",
    "ConfigParseError",
    "ConfigValidationError",
]


class ConfigError(Exception):
    """Root of every mle-config error."""


class ConfigFileNotFoundError(ConfigError, FileNotFoundError):
    """A config file, or a file a config names, does not exist or is not a regular file."""

    def __str__(self) -> str:  # FileNotFoundError's str() would print errno tuples
        return str(self.args[0]) if self.args else ""


class ConfigParseError(ConfigError, ValueError):
    """A file is not valid YAML / JSON, is empty, or is not UTF-8 text."""


class ConfigValidationError(ConfigError, ValueError):
    """A config does not match its schema. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
