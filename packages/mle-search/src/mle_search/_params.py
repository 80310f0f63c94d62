"""One search parameter each: a real range or grid axis, an integer range, or a categorical list."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SearchSpaceError

__all__ = ["CategoricalParam", "IntegerParam", "Param", "RealParam", "canonical_name"]

PRIORS = ("uniform", "log-uniform")
#: JSON scalar types a categorical value may have.
_SCALARS = (str, int, float, bool, type(None))


def canonical_name(name: object) -> str:
    """Dotted name of a parameter: a bare name ``lr`` means ``train_config.lr``."""
    if not isinstance(name, str) or not name.strip():
        raise SearchSpaceError(f"expected a parameter name (a non-empty string), found {name!r}")
    if any(not part.strip() for part in name.split(".")):
        raise SearchSpaceError(f"parameter {name!r}: expected a dotted name like 'train_config.lr'")
    return name if "." in name else f"train_config.{name}"


def _found(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _as_int(value: object) -> int | None:
    """``value`` as an int if it is an integer or an integral float, else None."""
    if not _is_number(value):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)  # exact: a float would round integers past 2**53
    as_float = float(value)  # type: ignore[arg-type]
    if not math.isfinite(as_float) or not as_float.is_integer():
        return None
    return int(as_float)


def _spaced(begin: float, end: float, num: int, prior: str) -> list[float]:
    """``num`` floats from begin to end inclusive, evenly spaced (log-spaced for log-uniform)."""
    if num == 1:
        return [float(begin)]
    if prior == "log-uniform":
        with np.errstate(over="ignore"):  # 10**log10(end) may round past the largest float
            raw = np.geomspace(begin, end, num)
    elif math.isfinite(float(end) - float(begin)):
        raw = np.linspace(begin, end, num)
    else:  # end - begin overflows (e.g. +-1e308): space the scaled range, then scale back
        scale = max(abs(float(begin)), abs(float(end)))
        raw = np.linspace(begin / scale, end / scale, num) * scale
    out = [float(min(max(v, begin), end)) for v in raw]
    out[0], out[-1] = float(begin), float(end)  # exact ends, whatever the rounding
    return out


class Param:
    """Base of the three parameter kinds. ``name`` is the canonical dotted name."""

    kind: str = ""
    name: str

    @property
    def values(self) -> Sequence[Any] | None:
        """All values in order (a grid axis), or None for a continuous range."""
        raise NotImplementedError

    @property
    def size(self) -> int | None:
        """Number of distinct values, or None for a continuous range."""
        values = self.values
        return None if values is None else len(values)

    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn from the parameter's distribution."""
        values = self.values
        assert values is not None
        return values[int(rng.integers(len(values)))]

    def coerce(self, value: object) -> Any:
        """``value`` as the plain Python value the space uses; SearchSpaceError if outside."""
        raise NotImplementedError

    def discretize(self, resolution: int) -> list[Any]:
        """Ordered candidate values for a one-at-a-time sweep (all values if finite and small)."""
        raise NotImplementedError

    def _error(self, message: str) -> SearchSpaceError:
        return SearchSpaceError(f"{self.kind} parameter {self.name!r}: {message}")


@dataclass(frozen=True)
class RealParam(Param):
    """Real parameter: a grid axis of ``bins`` points from begin to end inclusive, or (without
    bins) a continuous range with a uniform or log-uniform prior."""

    name: str
    begin: float
    end: float
    prior: str = "uniform"
    bins: int | None = None
    _values: tuple[float, ...] | None = field(default=None, init=False, repr=False, compare=False)
    kind = "real"

    def __post_init__(self) -> None:
        if self.bins is not None:  # distinct: a range narrower than bins floats has fewer
            vals = tuple(dict.fromkeys(_spaced(self.begin, self.end, self.bins, self.prior)))
            object.__setattr__(self, "_values", vals)

    @property
    def values(self) -> Sequence[float] | None:
        return self._values

    @property
    def size(self) -> int | None:
        if self._values is None and self.begin == self.end:
            return 1
        return None if self._values is None else len(self._values)

    def sample(self, rng: np.random.Generator) -> float:
        if self._values is not None:
            return self._values[int(rng.integers(len(self._values)))]
        if self.begin == self.end:
            return float(self.begin)
        if self.prior == "log-uniform":
            raw = math.exp(rng.uniform(math.log(self.begin), math.log(self.end)))
        elif math.isfinite(self.end - self.begin):
            raw = float(rng.uniform(self.begin, self.end))
        else:  # end - begin overflows (e.g. +-1e308): draw in the scaled range
            scale = max(abs(self.begin), abs(self.end))
            raw = float(rng.uniform(self.begin / scale, self.end / scale)) * scale
        return min(max(raw, float(self.begin)), float(self.end))

    def coerce(self, value: object) -> float:
        if not _is_number(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
            raise self._error(f"expected a finite number, found {_found(value)}")
        num = float(value)  # type: ignore[arg-type]
        if self._values is not None:  # the nearest grid value, if close enough
            nearest = min(self._values, key=lambda val: abs(val - num))
            if math.isclose(num, nearest, rel_tol=1e-9, abs_tol=1e-12):
                return nearest
            raise self._error(f"expected one of its {len(self._values)} grid values, found {num!r}")
        # relative to the bounds' size, not to end - begin (which may overflow)
        tol = 2e-12 * max(abs(float(self.begin)), abs(float(self.end)), 1.0)
        if not float(self.begin) - tol <= num <= float(self.end) + tol:
            raise self._error(f"expected a value in [{self.begin}, {self.end}], found {num!r}")
        return min(max(num, float(self.begin)), float(self.end))

    def discretize(self, resolution: int) -> list[float]:
        if self._values is not None:
            return list(self._values)
        if self.begin == self.end:
            return [float(self.begin)]
        return _spaced(self.begin, self.end, resolution, self.prior)


@dataclass(frozen=True)
class IntegerParam(Param):
    """Integer parameter over begin..end, both ends included; ``bins`` thins it to that many
    evenly spaced integers."""

    name: str
    begin: int
    end: int
    prior: str = "uniform"
    bins: int | None = None
    _values: Sequence[int] = field(default=(), init=False, repr=False, compare=False)
    kind = "integer"

    def __post_init__(self) -> None:
        vals: Sequence[int]
        if self.bins is not None and self.bins < self.end - self.begin + 1:
            spaced = _spaced(self.begin, self.end, self.bins, self.prior)
            vals = tuple(sorted({round(v) for v in spaced}))
        else:
            vals = range(self.begin, self.end + 1)
        object.__setattr__(self, "_values", vals)

    @property
    def values(self) -> Sequence[int]:
        return self._values

    def sample(self, rng: np.random.Generator) -> int:
        if self.bins is not None or self.prior != "log-uniform":
            return int(self._values[int(rng.integers(len(self._values)))])
        raw = math.exp(rng.uniform(math.log(self.begin), math.log(self.end + 1)))
        return min(max(math.floor(raw), self.begin), self.end)

    def coerce(self, value: object) -> int:
        num = _as_int(value)
        if num is None:
            raise self._error(f"expected an integer, found {_found(value)}")
        if isinstance(self._values, range):
            if not self.begin <= num <= self.end:
                raise self._error(f"expected an integer in [{self.begin}, {self.end}], found {num}")
        elif num not in self._values:
            raise self._error(f"expected one of {list(self._values)}, found {num}")
        return num

    def discretize(self, resolution: int) -> list[int]:
        if len(self._values) <= resolution:
            return list(self._values)
        spaced = _spaced(self.begin, self.end, resolution, self.prior)
        return sorted({round(v) for v in spaced})


@dataclass(frozen=True)
class CategoricalParam(Param):
    """Categorical parameter: one of a list of JSON scalars (strings, numbers, booleans, null)."""

    name: str
    choices: tuple[Any, ...]
    kind = "categorical"

    @property
    def values(self) -> tuple[Any, ...]:
        return self.choices

    def coerce(self, value: object) -> Any:
        for choice in self.choices:
            if _same(choice, value):
                return choice
        raise self._error(f"expected one of {list(self.choices)!r}, found {value!r}")

    def discretize(self, resolution: int) -> list[Any]:
        return list(self.choices)


def _same(choice: object, value: object) -> bool:
    """Equality that keeps True apart from 1 and "1" apart from 1."""
    if isinstance(choice, bool) or isinstance(value, (bool, np.bool_)):
        return isinstance(value, (bool, np.bool_)) and isinstance(choice, bool) and choice == value
    if isinstance(choice, str) or isinstance(value, str):
        return isinstance(choice, str) and isinstance(value, str) and choice == value
    if choice is None or value is None:
        return choice is None and value is None
    return bool(choice == value)
