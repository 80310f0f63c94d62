"""A read-only mapping with attribute access (``log.stats.integral``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class AttrMap(Mapping[str, V], Generic[V]):
    """Read-only ``name -> value`` mapping; ``m.name`` is ``m["name"]``."""

    __slots__ = ("_data", "_what")
    _data: dict[str, V]
    _what: str

    def __init__(self, data: Mapping[str, V], what: str = "entry") -> None:
        object.__setattr__(self, "_data", dict(data))
        object.__setattr__(self, "_what", what)

    def __getitem__(self, key: str) -> V:
        try:
            return self._data[key]
        except KeyError:
            from ._logger import did_you_mean
            from .errors import UnknownNameError

            raise UnknownNameError(
                f"no {self._what} {key!r}{did_you_mean(key, list(self._data))}; "
                f"available: {list(self._data)}"
            ) from None

    def __getattr__(self, key: str) -> V:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(exc.args[0]) from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._data]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"
