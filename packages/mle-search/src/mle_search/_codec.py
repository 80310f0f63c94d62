"""Space keys as points of a model's space: a real value, an integer or a category index per
free parameter (grid axes become an index), with each axis described by a :class:`Dim`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._gp import Dim
from ._imports import require
from ._params import CategoricalParam, IntegerParam, RealParam
from ._space import Key, Space

__all__ = ["Codec"]

#: Bound magnitude past which a real range is handed to skopt rescaled (float32 max ~3.4e38).
_HUGE = 1e30


class Codec:
    """Maps space keys to model points and back (SMBO's GP and scikit-optimize, Optuna).
    Grid axes (real bins, thinned integers) become an index dimension, categories an index
    categorical; one-value parameters are held fixed outside the model."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.free: list[int] = []
        self.specs: list[Dim] = []
        self._lookup: list[Sequence[Any] | None] = []
        self._scaled: dict[int, tuple[float, float]] = {}  # huge real ranges, see _scale
        for i, param in enumerate(space):
            if param.size == 1:
                continue
            self.free.append(i)
            lookup: Sequence[Any] | None = None
            if isinstance(param, RealParam) and param.values is None:
                scaled = _scale(param)
                if scaled is not None:
                    self._scaled[i] = scaled
                    low, high = (0.0, 1.0) if param.prior == "uniform" else scaled
                    dim = Dim("real", low, high)
                else:
                    dim = Dim("real", param.begin, param.end, param.prior)
            elif isinstance(param, IntegerParam) and isinstance(param.values, range):
                dim = Dim("integer", param.begin, param.end, param.prior)
            else:
                values = param.values
                assert values is not None
                lookup = values
                if isinstance(param, CategoricalParam):
                    dim = Dim("categorical", n=len(values))
                else:
                    dim = Dim("integer", 0, len(values) - 1)
            self.specs.append(dim)
            self._lookup.append(lookup)
        self._fixed = [p.discretize(2)[0] for p in space]  # only one-value ones are used

    def skopt_dims(self) -> list[Any]:
        """The dimensions as scikit-optimize's space objects."""
        skopt_space = require("skopt.space")
        out = []
        for i, dim in zip(self.free, self.specs, strict=True):
            name = self.space.params[i].name
            if dim.kind == "real":
                out.append(skopt_space.Real(dim.low, dim.high, prior=dim.prior, name=name))
            elif dim.kind == "integer":
                out.append(skopt_space.Integer(dim.low, dim.high, prior=dim.prior, name=name))
            else:
                out.append(skopt_space.Categorical(list(range(dim.n)), name=name))
        return out

    def encode(self, key: Key) -> list[Any]:
        out = []
        for i, lookup in zip(self.free, self._lookup, strict=True):
            value = key[i]
            if i in self._scaled:
                out.append(self._encode_scaled(i, value))
            elif lookup is None:
                out.append(value)
            else:
                # match by type too: a category list may hold both 1 and True
                out.append(next(j for j, v in enumerate(lookup) if _identical(v, value)))
        return out

    def decode(self, x: Sequence[Any]) -> Key:
        values = list(self._fixed)
        for i, raw, lookup in zip(self.free, x, self._lookup, strict=True):
            param = self.space.params[i]
            if i in self._scaled:
                values[i] = param.coerce(self._decode_scaled(i, float(raw)))
            elif lookup is None:
                values[i] = param.coerce(float(raw) if isinstance(param, RealParam) else int(raw))
            else:
                assert param.values is not None
                values[i] = param.values[int(raw)]
        return tuple(values)

    def _encode_scaled(self, i: int, value: float) -> float:
        param = self.space.params[i]
        assert isinstance(param, RealParam)
        if param.prior == "log-uniform":
            return math.log10(value)
        scale = self._scaled[i][1]
        low, high = param.begin / scale, param.end / scale
        return min(max((value / scale - low) / (high - low), 0.0), 1.0)

    def _decode_scaled(self, i: int, raw: float) -> float:
        param = self.space.params[i]
        assert isinstance(param, RealParam)
        if param.prior == "log-uniform":
            try:
                value = float(10.0 ** min(raw, math.log10(param.end)))
            except OverflowError:  # log10 of the largest float rounds up
                value = param.end
        else:
            scale = self._scaled[i][1]
            low, high = param.begin / scale, param.end / scale
            value = (low + raw * (high - low)) * scale
        return min(max(value, param.begin), param.end)


def _scale(param: RealParam) -> tuple[float, float] | None:
    """For a continuous range with bounds past ``_HUGE`` (where skopt's arithmetic and
    scikit-learn's float32 trees overflow): log10 bounds of a log-uniform range, or
    ``(0.0, scale)`` for a uniform one that the codec maps onto [0, 1]; else None."""
    scale = max(abs(param.begin), abs(param.end))
    if scale <= _HUGE:
        return None
    if param.prior == "log-uniform":
        return math.log10(param.begin), math.log10(param.end)
    return 0.0, scale


def _identical(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b
