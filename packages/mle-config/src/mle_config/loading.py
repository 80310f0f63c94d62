"""Read YAML and commented-JSON files into plain data, with the line of every key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _jsonc
from ._limits import MAX_DEPTH, MAX_NODES
from .config import Config
from .errors import ConfigFileNotFoundError, ConfigParseError

__all__ = ["MAX_DEPTH", "MAX_NODES", "RawFile", "load_config", "read_file"]


YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
KeyPath = tuple[str, ...]


@dataclass
class RawFile:
    """A parsed file: its data and the 1-based line of each key path (for error messages)."""

    path: Path
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key_path: KeyPath) -> int | None:
        """Line of ``key_path``, or of its nearest ancestor that exists in the file."""
        kp = tuple(key_path)
        while kp:
            if kp in self.lines:
                return self.lines[kp]
            kp = kp[:-1]
        return None

    def where(self, key_path: KeyPath = ()) -> str:
        """``FILE:LINE`` (or ``FILE``) for messages."""
        line = self.line_of(key_path)
        return f"{self.path}:{line}" if line else str(self.path)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise ConfigFileNotFoundError(f"{path}: file not found")
    if not path.is_file():
        raise ConfigFileNotFoundError(f"{path}: expected a file, found a directory")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigParseError(
            f"{path}:{line}: expected UTF-8 text, found byte 0x{raw[err.start]:02x}"
        ) from None
    if not text.strip():
        raise ConfigParseError(f"{path}: expected a mapping of keys, found an empty file")
    return text


def _parse_json(path: Path, text: str) -> tuple[Any, dict[KeyPath, int]]:
    stripped = _jsonc.strip_comments(text)
    try:
        data = json.loads(stripped, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise ConfigParseError(
            f"{path}: expected at most {MAX_DEPTH} levels of nesting, found more"
        ) from None
    except json.JSONDecodeError as err:
        raise ConfigParseError(
            f"{path}:{err.lineno}: expected valid JSON, "
            f"found {err.msg.lower()} (column {err.colno})"
        ) from None
    except _DuplicateKey as err:
        lines = _jsonc.key_lines(stripped)
        line = max((v for k, v in lines.items() if k and k[-1] == err.key), default=None)
        where = f"{path}:{line}" if line else str(path)
        raise ConfigParseError(
            f"{where}: {err.key}: expected each key once, found a duplicate key"
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigParseError(
            f"{path}: expected at most {MAX_DEPTH} levels of nesting, found more"
        )
    return data, _jsonc.key_lines(stripped)


def _depth(data: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: list[Any] = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def read_file(path: str | Path) -> RawFile:
    """Parse a ``.yaml``/``.yml``/``.json`` file whose top level must be a mapping."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in YAML_SUFFIXES + JSON_SUFFIXES:
        raise ConfigParseError(
            f"{p}: expected a .yaml, .yml or .json file, found suffix {suffix or '(none)'!r}"
        )
    text = _read_text(p)
    if suffix in YAML_SUFFIXES:
        from ._yaml import parse_yaml  # imports yaml: training scripts read only JSON

        data, lines = parse_yaml(p, text)
    else:
        data, lines = _parse_json(p, text)
    if data is None:
        raise ConfigParseError(f"{p}: expected a mapping of keys, found an empty document")
    if not isinstance(data, dict):
        raise ConfigParseError(
            f"{p}:1: expected a mapping of keys at the top level, found {type_name(data)}"
        )
    return RawFile(p, data, lines)


def load_config(path: str | Path) -> Config:
    """Load a YAML or commented-JSON file as a read-only :class:`Config`."""
    return Config(read_file(path).data)


def type_name(value: Any) -> str:
    """A user-facing name for the type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
