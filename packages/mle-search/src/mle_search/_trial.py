"""A trial: one proposal of a search, with an id, run on a tuple of seeds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SearchInputError

__all__ = ["Trial"]


def check_int(value: object, where: str, what: str, *, low: int = 0) -> int:
    """``value`` as an int >= ``low`` (not a bool), or SearchInputError naming it."""
    if (
        not isinstance(value, (int, np.integer))
        or isinstance(value, (bool, np.bool_))
        or value < low
    ):
        raise SearchInputError(
            f"{where}: expected {what} to be an integer >= {low}, found {value!r}"
        )
    return int(value)


def check_seeds(seeds: object, where: str) -> tuple[int, ...]:
    """Seeds as a non-empty tuple of distinct ints (an int ``n`` means ``0 .. n-1``)."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
        if seeds < 1:
            raise SearchInputError(f"{where}: expected at least one seed, found seeds={seeds!r}")
        return tuple(range(int(seeds)))
    if isinstance(seeds, (str, bytes, Mapping)) or not hasattr(seeds, "__iter__"):
        raise SearchInputError(
            f"{where}: expected seeds to be a list of integers (or a count), found {seeds!r}"
        )
    out = []
    for seed in seeds:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
            raise SearchInputError(f"{where}: expected integer seeds, found {seed!r}")
        out.append(int(seed))
    if not out or len(set(out)) != len(out):
        raise SearchInputError(
            f"{where}: expected a non-empty list of distinct seeds, found {list(out)!r}"
        )
    return tuple(out)


@dataclass(frozen=True)
class Trial:
    """One proposal of a search: ``params`` (canonical dotted names) run once per seed.

    ``id`` is unique within a search and keys every result (never the parameter values, so the
    same point may run again as another trial, e.g. at a larger ``budget``). ``batch`` is the
    batch it was proposed in; ``budget`` is a resource budget (epochs, steps) for searches that
    vary it, ``parent`` the trial it continues from (its checkpoint). Both are None for the
    built-in strategies.
    """

    id: int
    params: dict[str, Any] = field(hash=False)
    batch: int
    seeds: tuple[int, ...]
    budget: float | None = None
    parent: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", check_int(self.id, "Trial", "id"))
        object.__setattr__(self, "batch", check_int(self.batch, f"Trial {self.id}", "batch"))
        if not isinstance(self.params, Mapping):
            raise SearchInputError(f"Trial {self.id}: expected params to be a mapping")
        object.__setattr__(self, "params", dict(self.params))
        object.__setattr__(self, "seeds", check_seeds(self.seeds, f"Trial {self.id}"))
        if self.budget is not None:
            ok = isinstance(self.budget, (int, float, np.integer, np.floating)) and not isinstance(
                self.budget, (bool, np.bool_)
            )
            if not ok or not math.isfinite(float(self.budget)) or float(self.budget) <= 0:
                raise SearchInputError(
                    f"Trial {self.id}: expected budget to be a positive number or None, "
                    f"found {self.budget!r}"
                )
            object.__setattr__(self, "budget", float(self.budget))
        if self.parent is not None:
            object.__setattr__(self, "parent", check_int(self.parent, f"Trial {self.id}", "parent"))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what :meth:`from_dict` reads back)."""
        return {
            "id": self.id,
            "params": dict(self.params),
            "batch": self.batch,
            "seeds": list(self.seeds),
            "budget": self.budget,
            "parent": self.parent,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trial:
        """The trial :meth:`to_dict` wrote (SearchInputError for anything else)."""
        if not isinstance(data, Mapping):
            raise SearchInputError(f"Trial.from_dict: expected a mapping, found {data!r}")
        missing = [k for k in ("id", "params", "batch", "seeds") if k not in data]
        if missing:
            raise SearchInputError(f"Trial.from_dict: missing {missing[0]!r} in {dict(data)!r}")
        return cls(
            id=data["id"],
            params=data["params"],
            batch=data["batch"],
            seeds=data["seeds"],
            budget=data.get("budget"),
            parent=data.get("parent"),
        )
