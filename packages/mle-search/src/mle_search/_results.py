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


def aggregate_scores(scores: Sequence[float | None]) -> tuple[float | None, str]:
    """(mean of the seeds that succeeded, status): status is ``ok`` when every seed succeeded,
    ``partial`` when some did, ``failed`` (score None) when none did. Never scores a failure 0."""
    good = [s for s in scores if s is not None]
    if not good:
        return None, FAILED
    return float(sum(good) / len(good)), OK if len(good) == len(scores) else PARTIAL


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
        cls, params: dict[str, Any], scores: object, *, trial_id: int | None = None
    ) -> Evaluation:
        per_seed = normalize_scores(scores)
        score, status = aggregate_scores(per_seed)
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
