"""Evaluated proposals: per-seed scores, their aggregate, and a status.

A multi-objective search scores each seed with a vector (one number per objective, in the
strategy's objective order); the seeds are aggregated per objective, never averaged together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .errors import SearchInputError

__all__ = [
    "Evaluation",
    "SeedScore",
    "aggregate_scores",
    "aggregate_vectors",
    "normalize_scores",
]

OK, PARTIAL, FAILED = "ok", "partial", "failed"
#: what one seed scored: a number, a vector (one number per objective), or None (failed)
SeedScore = float | tuple[float, ...] | None


def _one_score(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise SearchInputError(
            f"expected a score (a number, or None / NaN for a failed seed), "
            f"found {type(value).__name__} {value!r}"
        )
    num = float(value)
    return num if math.isfinite(num) else None


def _one_vector(value: object, n: int, seed: int) -> tuple[float, ...] | None:
    """One seed's vector of ``n`` scores; None when the seed failed (None, or an entry that is
    None / not finite: a vector with a hole is no point of the objective space)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
        raise SearchInputError(
            f"expected one list of {n} scores per seed ({n} objectives), found "
            f"{type(value).__name__} {value!r} for seed entry {seed} (a flat list of numbers "
            "would be one score per seed: several objectives are never averaged as seeds)"
        )
    if len(value) != n:
        raise SearchInputError(
            f"expected {n} scores (one per objective) for seed entry {seed}, found {len(value)}"
            f": {list(value)!r}"
        )
    nums = [_one_score(v) for v in value]
    if any(v is None for v in nums):
        return None
    return tuple(float(v) for v in nums if v is not None)


def normalize_scores(scores: object, n_objectives: int = 1) -> tuple[SeedScore, ...]:
    """Per-seed scores as a tuple, with None for a failed seed (None, NaN or inf).

    One objective: a float per seed; a single number (or None) stands for one seed. Several
    (``n_objectives`` > 1): ``scores`` is a list with one entry per seed, each a list of
    ``n_objectives`` numbers or None; a seed with a missing or non-finite entry failed.
    """
    if n_objectives > 1:
        if isinstance(scores, (str, bytes, Mapping)) or not isinstance(
            scores, (Sequence, np.ndarray)
        ):
            raise SearchInputError(
                f"expected a list of per-seed score vectors ({n_objectives} objectives), "
                f"found {scores!r}"
            )
        if len(scores) == 0:
            raise SearchInputError("expected at least one score per proposal, found an empty list")
        return tuple(_one_vector(v, n_objectives, i) for i, v in enumerate(scores))
    if isinstance(scores, (str, bytes)):
        raise SearchInputError(f"expected a score or a list of per-seed scores, found {scores!r}")
    if isinstance(scores, (Sequence, np.ndarray)):
        if len(scores) == 0:
            raise SearchInputError("expected at least one score per proposal, found an empty list")
        return tuple(_one_score(v) for v in scores)
    return (_one_score(scores),)


def aggregate_scores(scores: Sequence[float | None], how: str = "mean") -> tuple[float | None, str]:
    """(aggregate of the seeds that succeeded, status): ``how`` is ``mean`` or a percentile
    ``p10`` .. ``p90`` (numpy's linear rule; the original's ``aggregate_seeds``). Status is
    ``ok`` when every seed succeeded, ``partial`` when some did, ``failed`` (score None) when
    none did. Never scores a failure 0."""
    q = check_aggregate(how)
    good = [s for s in scores if s is not None]
    if not good:
        return None, FAILED
    value = sum(good) / len(good) if q is None else np.percentile(good, q)
    return float(value), OK if len(good) == len(scores) else PARTIAL


def aggregate_vectors(
    scores: Sequence[tuple[float, ...] | None], how: str = "mean"
) -> tuple[tuple[float, ...] | None, str]:
    """Per-objective aggregate of the seeds that succeeded (each objective on its own, by
    :func:`aggregate_scores`'s rule), and the status (ok / partial / failed)."""
    good = [v for v in scores if v is not None]
    if not good:
        check_aggregate(how)
        return None, FAILED
    values = tuple(
        cast(float, aggregate_scores([v[i] for v in good], how)[0]) for i in range(len(good[0]))
    )
    return values, OK if len(good) == len(scores) else PARTIAL


def check_aggregate(how: str) -> float | None:
    """The percentile ``how`` names (``p50`` -> 50.0), None for ``mean``; else an error."""
    if how == "mean":
        return None
    digits = how[1:] if isinstance(how, str) and how.startswith("p") else ""
    if not digits.isdigit() or not 0 < int(digits) < 100:
        raise SearchInputError(
            f"aggregate_seeds: expected mean or a percentile p1 .. p99, found {how!r}"
        )
    return float(digits)


@dataclass(frozen=True)
class Evaluation:
    """One evaluated proposal as a strategy saw it; ``trial_id`` is set by a
    :class:`~mle_search.SearchLoop` (None for proposals told to a strategy directly).

    ``scores``: per seed, a float (or a vector, one float per objective, in a multi-objective
    search), None for a failed seed. ``values``: the seeds' aggregate per objective (None
    when all failed); ``score`` is ``values[0]``, the only one in a single-objective search
    (multi-objective: rank with :func:`~mle_search.pareto_front`, never by ``score``)."""

    params: dict[str, Any] = field(hash=False)
    scores: tuple[SeedScore, ...]
    score: float | None
    status: str
    trial_id: int | None = None
    values: tuple[float, ...] | None = None

    @classmethod
    def from_scores(
        cls,
        params: dict[str, Any],
        scores: object,
        *,
        trial_id: int | None = None,
        aggregate: str = "mean",
        n_objectives: int = 1,
    ) -> Evaluation:
        per_seed = normalize_scores(scores, n_objectives)
        if n_objectives > 1:
            vectors = [v if isinstance(v, tuple) else None for v in per_seed]
            values, status = aggregate_vectors(vectors, aggregate)
            score = values[0] if values is not None else None
        else:
            scalars = [v if not isinstance(v, tuple) else None for v in per_seed]
            score, status = aggregate_scores(scalars, aggregate)
            values = None if score is None else (score,)
        return cls(dict(params), per_seed, score, status, trial_id, values)

    @property
    def failed(self) -> bool:
        """True when no seed produced a score (the strategy's model never sees it)."""
        return self.score is None

    @property
    def multi_objective(self) -> bool:
        """True for an evaluation of several objectives (``values`` has more than one)."""
        return (self.values is not None and len(self.values) > 1) or any(
            isinstance(v, tuple) for v in self.scores
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "params": dict(self.params),
            "scores": list(self.scores),
            "score": self.score,
            "status": self.status,
        }
        if self.multi_objective:
            out["scores"] = [list(v) if isinstance(v, tuple) else v for v in self.scores]
            out["values"] = None if self.values is None else list(self.values)
        if self.trial_id is not None:
            out["trial_id"] = self.trial_id
        return out
