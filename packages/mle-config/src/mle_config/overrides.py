"""``key.path=value`` overrides, as the CLI passes them from ``-o``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import ConfigParseError, ConfigValidationError

__all__ = ["apply_overrides", "parse_override"]


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``"a.b.c=value"`` into the key path and the value parsed as a YAML scalar
    (``1`` is an int, ``1e-3`` a float, ``true`` a bool, ``[1, 2]`` a list, else a string)."""
    key, sep, value_text = text.partition("=")
    parts = key.strip().split(".")
    if not sep or not key.strip() or any(not p for p in parts):
        raise ConfigValidationError(
            [f"-o {text}: expected an override of the form key.path=value, found {text!r}"]
        )
    from ._yaml import safe_yaml_value  # the experiment file's rules and bounds

    try:
        value = safe_yaml_value(value_text, f"-o {key.strip()}") if value_text.strip() else ""
    except ConfigParseError:
        value = value_text
    if isinstance(value, str) and not value_text.strip().startswith(("'", '"')):
        value = _float_or_str(value)
    return parts, value


def _float_or_str(text: str) -> Any:
    # YAML 1.1 reads "1e-3" as a string; a user writing -o lr=1e-3 means a number.
    try:
        return float(text) if any(c.isdigit() for c in text) and text.strip() == text else text
    except ValueError:
        return text


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> set[tuple[str, ...]]:
    """Apply overrides to ``data`` in place; return the overridden key paths.

    A path through a value that is not a mapping is an error; new keys are allowed here and
    checked by the schema afterwards (so a misspelt key gets a did-you-mean).
    """
    done: set[tuple[str, ...]] = set()
    problems: list[str] = []
    for text in overrides:
        parts, value = parse_override(text)
        node = data
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(
                    f"-o {text}: {'.'.join(parts[: i + 1])}: expected a mapping to set "
                    f"{parts[i + 1]!r} in, found {type(child).__name__}"
                )
                break
            node = child
        else:
            node[parts[-1]] = value
            done.add(tuple(parts))
    if problems:
        raise ConfigValidationError(problems)
    return done
