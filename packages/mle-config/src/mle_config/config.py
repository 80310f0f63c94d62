"""The read-only, dot-accessible :class:`Config`."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Config"]


def _freeze(value: Any) -> Any:
    if isinstance(value, Config):
        return value
    if isinstance(value, Mapping):
        return Config(value)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Config):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


class Config(Mapping[str, Any]):
    """A nested, read-only mapping with attribute access.

    Nested mappings become :class:`Config`, lists become tuples. ``to_dict()`` returns plain
    dicts and lists; ``with_updates()`` derives a changed copy.

    >>> cfg = Config({"train_config": {"lr": 0.1}})
    >>> cfg.train_config.lr
    0.1
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        merged = dict(data or {}, **kwargs)
        for key in merged:
            if not isinstance(key, str):
                raise TypeError(f"Config keys must be strings, found {key!r}")
        object.__setattr__(self, "_data", {k: _freeze(v) for k, v in merged.items()})

    # Mapping protocol
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._data), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise AttributeError(f"config has no key {name!r}{hint}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("Config is read-only; use with_updates() to derive a changed copy")

    def __delattr__(self, name: str) -> None:
        raise TypeError("Config is read-only")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._data))

    def __repr__(self) -> str:
        return f"Config({self.to_dict()!r})"

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, repr(v)) for k, v in self._data.items())))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Config, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """A deep copy as plain ``dict``/``list`` values (JSON- and YAML-serialisable)."""
        return {k: _thaw(v) for k, v in self._data.items()}

    def with_updates(self, updates: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Config:
        """A copy with keys added or replaced; dotted keys (``"train_config.lr"``) reach inside."""
        data = self.to_dict()
        for key, value in dict(updates or {}, **kwargs).items():
            set_path(data, key.split("."), _thaw(_freeze(value)))
        return Config(data)


def set_path(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``data[p0][p1]...`` to ``value``, creating intermediate dicts."""
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value
