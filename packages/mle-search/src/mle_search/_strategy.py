"""The ask/tell workflow every strategy shares; subclasses fill in ``_propose`` and ``_observe``."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ._results import Evaluation
from ._space import Key, Space
from .errors import SearchInputError, SearchStateError

__all__ = ["Strategy"]

_MAX_TRIES = 1000


def check_seed(seed: object) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SearchInputError(f"expected seed to be an integer >= 0 or None, found {seed!r}")
    return int(seed)


class Strategy(abc.ABC):
    """Base class: ``ask(n)`` proposals, ``tell(proposals, scores)``, ``best(k)``, ``history``.

    Proposals are dicts keyed by canonical dotted names (``"train_config.lr"``) with plain
    Python values. ``ask`` may be called while earlier proposals are pending; it never returns
    a point that is pending or already evaluated. It returns fewer than ``n`` proposals (maybe
    ``[]``) when the strategy is exhausted (``exhausted`` is then True) or, for coordinate
    search, when it must wait for pending results (``exhausted`` stays False).
    """

    search_type: ClassVar[str] = ""
    #: True when ``ask`` may take long (a model fit): :class:`SearchLoop` then computes
    #: proposals on a worker thread so that job handling never waits for it. A subclass (or
    #: an instance, e.g. depending on its options) sets it.
    slow_proposals: bool = False
    #: how the per-seed scores of a proposal become its score: ``mean`` (the seeds that
    #: succeeded) or a percentile ``p10`` .. ``p90`` (see :func:`aggregate_scores`)
    aggregate: str = "mean"

    def __init__(self, space: Space, *, seed: int | None = None, maximize: bool = False) -> None:
        if not isinstance(space, Space):
            raise SearchInputError(
                f"expected a Space (see Space.from_config), found {type(space).__name__}"
            )
        self.space = space
        self.seed = check_seed(seed)
        self.maximize = bool(maximize)
        self._history: list[Evaluation] = []
        self._seen: set[Key] = set()
        self._pending: dict[Key, dict[str, Any]] = {}
        self._stalled: str | None = None

    # -- public API -----------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[dict[str, Any]]:
        """Up to ``n`` new proposals (fewer, or ``[]``, when exhausted or waiting)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise SearchInputError(f"ask(n): expected an integer n >= 0, found {n!r}")
        out = []
        for key in self._propose(int(n)) if n and self._stalled is None else []:
            proposal = self.space.proposal(key)
            self._pending[key] = proposal
            out.append(dict(proposal))
        return out

    def tell(
        self, proposals: Sequence[Mapping[str, Any]], scores: Sequence[Any]
    ) -> list[Evaluation]:
        """Report results: ``scores[i]`` is a list of per-seed scores (or one number) for
        ``proposals[i]``; a failed seed is None or NaN. The strategy sees the mean of the seeds
        that succeeded (or the percentile :attr:`aggregate` names); a proposal whose seeds all
        failed is recorded as ``failed`` and kept out of the model. Returns the evaluations
        (params, scores, score, status) to log."""
        if isinstance(proposals, Mapping) or isinstance(scores, (str, bytes)):
            raise SearchInputError(
                "tell(proposals, scores): expected a list of proposals and a list of scores "
                "(one entry per proposal)"
            )
        proposals, scores = list(proposals), list(scores)
        if len(proposals) != len(scores):
            raise SearchInputError(
                f"tell(proposals, scores): expected one scores entry per proposal, found "
                f"{len(proposals)} proposals and {len(scores)} scores"
            )
        items = self._evaluations(zip(proposals, scores, strict=True))
        for key, _ in items:
            self._pending.pop(key, None)
        self._record(items)
        self._observe(items)
        return [ev for _, ev in items]

    def restore_pending(self, proposals: Iterable[Mapping[str, Any]]) -> None:
        """Mark proposals asked before a restart, and not told yet, as pending: they are never
        proposed again and are told as usual when their results arrive. Call it after
        :meth:`resume_from` (which needs a fresh strategy)."""
        if isinstance(proposals, Mapping):
            raise SearchInputError(
                "restore_pending(proposals): expected a list of proposals, found one mapping"
            )
        for params in proposals:
            key = self.space.key(params)
            self._pending[key] = self.space.proposal(key)

    def resume_from(self, records: Iterable[Mapping[str, Any] | Evaluation]) -> Strategy:
        """Replay earlier results (HyperLog records or Evaluations) into a fresh strategy,
        mapping values to parameters by name. Grid then skips what is done, random continues
        its stream, coordinate continues its sweep and SMBO refits on the replayed points."""
        if self._history or self._pending:
            raise SearchStateError(
                "resume_from: expected a fresh strategy (no ask/tell yet), found one in use"
            )
        pairs = []
        for i, rec in enumerate(records):
            if isinstance(rec, Evaluation):
                pairs.append((rec.params, list(rec.scores)))
                continue
            if not isinstance(rec, Mapping) or not isinstance(rec.get("params"), Mapping):
                raise SearchInputError(
                    f"resume_from: record {i}: expected a mapping with 'params', found {rec!r}"
                )
            scores = rec["scores"] if rec.get("scores") is not None else [rec.get("score")]
            pairs.append((rec["params"], scores))
        items = self._evaluations(pairs)
        self._record(items)
        self._resume(items)
        return self

    def best(self, k: int = 1) -> list[Evaluation]:
        """The ``k`` best evaluations (highest score when maximizing), best first."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise SearchInputError(f"best(k): expected an integer k >= 1, found {k!r}")
        scored = [ev for ev in self._history if ev.score is not None]
        scored.sort(key=lambda ev: self.objective(ev.score))  # type: ignore[arg-type]
        return scored[:k]

    @property
    def history(self) -> list[Evaluation]:
        """Every evaluation told so far (resumed ones first), in order."""
        return list(self._history)

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Proposals asked for and not yet told."""
        return [dict(p) for p in self._pending.values()]

    @property
    def exhausted(self) -> bool:
        """True when ``ask`` will never return another proposal."""
        return self._stalled is not None or self._exhausted()

    @property
    def stalled(self) -> str | None:
        """Why the strategy stopped before its space was used up (None while it has not)."""
        return self._stalled

    def objective(self, score: float) -> float:
        """The value the strategy minimizes: ``-score`` when maximizing."""
        return -score if self.maximize else score

    # -- hooks ----------------------------------------------------------------------------
    @abc.abstractmethod
    def _propose(self, n: int) -> list[Key]:
        """Up to ``n`` keys that are neither pending nor evaluated."""

    def _exhausted(self) -> bool:
        """Whether the strategy has no point left to propose (default: never)."""
        return False

    def _observe(self, items: list[tuple[Key, Evaluation]]) -> None:  # noqa: B027 (optional hook)
        """New results arrived (already in history)."""

    def _resume(self, items: list[tuple[Key, Evaluation]]) -> None:
        """Results replayed from a log arrived (already in history)."""
        self._observe(items)

    # -- helpers --------------------------------------------------------------------------
    def _stall(self, message: str) -> None:
        """Give up proposing: ``exhausted`` becomes True, ``stalled`` keeps ``message``."""
        if self._stalled is None:
            self._stalled = message

    def _random_free_key(
        self, rng: np.random.Generator, out: Sequence[Key], who: str
    ) -> Key | None:
        """A random point (drawn from the priors) neither taken nor in ``out``; in a finite
        space, any free point once draws keep repeating. None when there is none left (a
        continuous space then stalls the strategy, ``who`` naming it)."""
        for _ in range(_MAX_TRIES):
            key = self.space.sample(rng)
            if not self._taken(key) and key not in out:
                return key
        if self.space.size is None:  # a continuous space with (almost) no unseen floats left
            self._stall(
                f"{who}: {_MAX_TRIES} random draws in a row repeated earlier points; the space "
                "has (almost) no new points left (a real range with fewer distinct floats "
                "than the budget?)"
            )
            return None
        from ._grid import GridSearch

        grid = GridSearch(self.space)
        left = [k for i in range(grid.size) if not self._taken(k := grid.point(i)) and k not in out]
        return left[int(rng.integers(len(left)))] if left else None

    def _taken(self, key: Key) -> bool:
        return key in self._seen or key in self._pending

    def _evaluations(self, pairs: Iterable[tuple[Any, Any]]) -> list[tuple[Key, Evaluation]]:
        items = []
        for params, scores in pairs:
            key = self.space.key(params)
            ev = Evaluation.from_scores(self.space.proposal(key), scores, aggregate=self.aggregate)
            items.append((key, ev))
        return items

    def _record(self, items: list[tuple[Key, Evaluation]]) -> None:
        for key, ev in items:
            self._seen.add(key)
            self._history.append(ev)
