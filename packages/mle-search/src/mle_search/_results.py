"""Evaluated proposals: per-seed scores, their aggregate, and a status."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SearchInputError

__all__ = ["Evaluation", "aggregate_scores", "normalize_scores"]

OK, PARTIAL, FAILED = "ok", "partial", "failed"


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


def normalize_scores(scores: object) -> tuple[float | None, ...]:
    """Per-seed scores as a tuple of floats, with None for a failed seed (None, NaN or inf).

    A single number (or None) stands for one seed.
    """
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
    :class:`~mle_search.SearchLoop` (None for proposals told to a strategy directly)."""

    params: dict[str, Any] = field(hash=False)
    scores: tuple[float | None, ...]
    score: float | None
    status: str
    trial_id: int | None = None

    @classmethod
    def from_scores(
        cls,
        params: dict[str, Any],
        scores: object,
        *,
        trial_id: int | None = None,
        aggregate: str = "mean",
    ) -> Evaluation:
        per_seed = normalize_scores(scores)
        score, status = aggregate_scores(per_seed, aggregate)
        return cls(dict(params), per_seed, score, status, trial_id)

    @property
    def failed(self) -> bool:
        """True when no seed produced a score (the strategy's model never sees it)."""
        return self.score is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "params": dict(self.params),
            "scores": list(self.scores),
            "score": self.score,
            "status": self.status,
        }
        if self.trial_id is not None:
            out["trial_id"] = self.trial_id
        return out
