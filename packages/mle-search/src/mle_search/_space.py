"""The search space: ordered, named parameters built from the YAML's ``params_to_search``."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ._params import (
    _SCALARS,
    PRIORS,
    CategoricalParam,
    IntegerParam,
    Param,
    RealParam,
    _as_int,
    _found,
    _is_number,
    _same,
    canonical_name,
)
from .errors import SearchSpaceError

__all__ = ["Key", "Space"]

#: A point of the space as a tuple of values in parameter order (hashable).
Key = tuple[Any, ...]
KINDS = ("real", "integer", "categorical")
_RANGE_KEYS = ("begin", "end", "bins", "prior")
#: Largest integer bound: a range of integers must have a length numpy can draw from.
_MAX_INT = 2**62


class Space:
    """An ordered collection of parameters with unique canonical (dotted) names.

    Proposals are plain dicts ``{"train_config.lr": 0.01, ...}`` in this order.
    """

    def __init__(self, params: Sequence[Param]) -> None:
        if not params:
            raise SearchSpaceError("expected at least one parameter to search, found none")
        names = [p.name for p in params]
        for name in names:
            if names.count(name) > 1:
                raise SearchSpaceError(f"parameter {name!r}: expected each parameter once")
        self._params: tuple[Param, ...] = tuple(params)
        self._index = {p.name: i for i, p in enumerate(self._params)}

    @classmethod
    def from_config(cls, params_to_search: Mapping[str, Any]) -> Space:
        """Build a space from the experiment YAML's ``params_to_search`` mapping.

        ``{"real": {"lr": {"begin": 1e-4, "end": 1e-1, "prior": "log-uniform"}},
        "integer": {"layers": {"begin": 1, "end": 5}}, "categorical": {"opt": ["adam", "sgd"]}}``.
        A real with ``bins`` is a grid axis; without, a continuous range (``prior`` uniform by
        default). Names may be dotted (``net_config.layers``); a bare name means ``train_config``.
        """
        if not isinstance(params_to_search, Mapping):
            raise SearchSpaceError(
                "params_to_search: expected a mapping of real / integer / categorical, "
                f"found {_found(params_to_search)}"
            )
        params: list[Param] = []
        seen: dict[str, str] = {}
        for kind, entries in params_to_search.items():
            if kind not in KINDS:
                raise SearchSpaceError(
                    f"params_to_search: expected one of {', '.join(KINDS)}, found {kind!r}"
                )
            if not isinstance(entries, Mapping) or not entries:
                raise SearchSpaceError(
                    f"params_to_search.{kind}: expected a mapping of parameter names, "
                    f"found {_found(entries)}"
                )
            for raw_name, spec in entries.items():
                name = canonical_name(raw_name)
                if name in seen:
                    raise SearchSpaceError(
                        f"parameter {name!r}: expected each parameter once, found it under "
                        f"{seen[name]} and {kind}"
                    )
                seen[name] = kind
                params.append(_parse_param(kind, name, spec))
        return cls(params)

    # -- container protocol ---------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Canonical parameter names, in order."""
        return [p.name for p in self._params]

    @property
    def params(self) -> tuple[Param, ...]:
        return self._params

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[Param]:
        return iter(self._params)

    def __getitem__(self, name: str) -> Param:
        return self._params[self.index(name)]

    def __contains__(self, name: object) -> bool:
        try:
            return canonical_name(name) in self._index
        except SearchSpaceError:
            return False

    def __repr__(self) -> str:
        return f"Space({list(self._params)!r})"

    def index(self, name: str) -> int:
        """Position of a parameter, by bare or dotted name."""
        canon = canonical_name(name)
        if canon not in self._index:
            raise SearchSpaceError(
                f"parameter {canon!r}: not in the search space (expected one of {self.names})"
            )
        return self._index[canon]

    @property
    def size(self) -> int | None:
        """Number of distinct points, or None if a parameter is a continuous range."""
        total = 1
        for p in self._params:
            n = p.size
            if n is None:
                return None
            total *= n
        return total

    # -- points ---------------------------------------------------------------------------
    def key(self, params: Mapping[str, Any]) -> Key:
        """Validate a proposal (mapped by name, bare or dotted) and return its hashable key."""
        if not isinstance(params, Mapping):
            raise SearchSpaceError(
                f"expected a mapping of parameter values, found {_found(params)}"
            )
        by_name: dict[str, Any] = {}
        for raw, value in params.items():
            name = canonical_name(raw)
            if name not in self._index:
                raise SearchSpaceError(
                    f"parameter {name!r}: not in the search space (expected {self.names})"
                )
            by_name[name] = value
        missing = [n for n in self.names if n not in by_name]
        if missing:
            raise SearchSpaceError(
                f"parameter {missing[0]!r}: missing from {dict(params)!r} "
                f"(expected values for {self.names})"
            )
        return tuple(p.coerce(by_name[p.name]) for p in self._params)

    def proposal(self, key: Key) -> dict[str, Any]:
        """The dict form of a key: canonical name -> plain Python value."""
        return dict(zip(self.names, key, strict=True))

    def sample(self, rng: np.random.Generator) -> Key:
        """One point drawn from every parameter's distribution."""
        return tuple(p.sample(rng) for p in self._params)


def to_nested(proposal: Mapping[str, Any]) -> dict[str, Any]:
    """``{"train_config.lr": 0.1}`` -> ``{"train_config": {"lr": 0.1}}`` (for config overrides)."""
    out: dict[str, Any] = {}
    for name, value in proposal.items():
        node = out
        *parents, leaf = canonical_name(name).split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _parse_param(kind: str, name: str, spec: Any) -> Param:
    where = f"{kind} parameter {name!r}"
    if kind == "categorical":
        if not isinstance(spec, (list, tuple)) or not spec:
            raise SearchSpaceError(
                f"{where}: expected a non-empty list of values, found {_found(spec)}"
            )
        for value in spec:
            if not isinstance(value, _SCALARS) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise SearchSpaceError(
                    f"{where}: expected strings, numbers, booleans or null, found {_found(value)}"
                )
        for i, value in enumerate(spec):
            for other in spec[:i]:
                if _same(other, value) or other == value:  # True == 1 and hash alike: refuse
                    raise SearchSpaceError(
                        f"{where}: expected distinct values, found {other!r} and {value!r}"
                    )
        return CategoricalParam(name, tuple(spec))

    if not isinstance(spec, Mapping):
        raise SearchSpaceError(
            f"{where}: expected a mapping with begin and end, found {_found(spec)}"
        )
    unknown = [k for k in spec if k not in _RANGE_KEYS]
    if unknown:
        raise SearchSpaceError(
            f"{where}: expected keys among {', '.join(_RANGE_KEYS)}, found {unknown[0]!r}"
        )
    bounds: dict[str, Any] = {}
    for bound in ("begin", "end"):
        if bound not in spec:
            raise SearchSpaceError(f"{where}: expected a {bound!r} value, found nothing")
        value = spec[bound]
        if kind == "integer":
            as_int = _as_int(value)
            if as_int is None:
                raise SearchSpaceError(
                    f"{where}: expected an integer {bound}, found {_found(value)}"
                )
            if abs(as_int) >= _MAX_INT:
                raise SearchSpaceError(
                    f"{where}: expected an integer {bound} strictly between -2**62 and 2**62, "
                    f"found {_found(value)}"
                )
            bounds[bound] = as_int
        else:
            if not _is_number(value) or not math.isfinite(float(value)):
                raise SearchSpaceError(f"{where}: expected a number {bound}, found {_found(value)}")
            bounds[bound] = float(value)
    begin, end = bounds["begin"], bounds["end"]
    if begin > end:
        raise SearchSpaceError(f"{where}: expected begin <= end, found begin {begin} > end {end}")
    bins = spec.get("bins")
    if bins is not None:
        as_int = _as_int(bins)
        if as_int is None or as_int < 1:
            raise SearchSpaceError(
                f"{where}: expected bins to be an integer >= 1, found {_found(bins)}"
            )
        bins = as_int
    prior = spec.get("prior", "uniform")
    if prior not in PRIORS:
        raise SearchSpaceError(
            f"{where}: expected prior to be one of {', '.join(PRIORS)}, found {prior!r}"
        )
    if prior == "log-uniform" and begin <= 0:
        raise SearchSpaceError(
            f"{where}: expected begin > 0 for a log-uniform prior, found {begin}"
        )
    if kind == "integer":
        return IntegerParam(name, int(begin), int(end), prior, bins)
    return RealParam(name, begin, end, prior, bins)
