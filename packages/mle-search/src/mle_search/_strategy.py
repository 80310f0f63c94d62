"""The ask/tell workflow every strategy shares; subclasses fill in ``_propose`` and ``_observe``."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ._results import Evaluation
from ._space import Key, Space
from .errors import SearchConfigError, SearchInputError, SearchStateError

__all__ = ["Strategy"]

_MAX_TRIES = 1000
#: built-ins whose proposals never read a score, so any number of objectives is fine
_SCORE_BLIND = ("grid", "random")
#: what a multi-objective search can run with (said when another strategy refuses)
MULTI_OBJECTIVE_HINT = "grid, random, or optuna with sampler nsgaii, tpe, random or qmc"


def check_maximize(maximize: object, where: str) -> tuple[tuple[bool, ...], tuple[str, ...]]:
    """(directions, names) of ``maximize``: a bool (one objective), a list of bools (one per
    objective) or a mapping objective name -> bool (ordered)."""
    if isinstance(maximize, (bool, np.bool_)):
        return (bool(maximize),), ("score",)
    if isinstance(maximize, Mapping):
        names = tuple(str(k) for k in maximize)
        values = list(maximize.values())
    elif isinstance(maximize, (list, tuple)):
        values = list(maximize)
        names = tuple(f"objective_{i}" for i in range(len(values)))
        if len(values) == 1:
            names = ("score",)
    else:
        raise SearchInputError(
            f"{where}: expected maximize to be true/false, a list of them (one per objective) "
            f"or a mapping objective -> true/false, found {maximize!r}"
        )
    if not values or not all(isinstance(v, (bool, np.bool_)) for v in values):
        raise SearchInputError(
            f"{where}: expected one true/false per objective in maximize, found {maximize!r}"
        )
    return tuple(bool(v) for v in values), names


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
    #: True when the strategy can search several objectives at once (told one vector of
    #: scores per seed); the others refuse a ``maximize`` with more than one entry
    multi_objective: ClassVar[bool] = False

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool | Sequence[bool] | Mapping[str, bool] = False,
    ) -> None:
        if not isinstance(space, Space):
            raise SearchInputError(
                f"expected a Space (see Space.from_config), found {type(space).__name__}"
            )
        self.space = space
        self.seed = check_seed(seed)
        who = f"{self.search_type or type(self).__name__} search"
        #: per objective: True when it is maximized (one entry: a single-objective search)
        self.directions, names = check_maximize(maximize, who)
        #: the objectives' names (``score`` for one unnamed objective)
        self.objective_names: tuple[str, ...] = names
        #: the first objective's direction (the only one in a single-objective search)
        self.maximize = self.directions[0]
        if self.n_objectives > 1 and not self.supports_multi_objective():
            raise SearchConfigError(
                f"{who}: expected one objective (it cannot search several at once), found "
                f"{self.n_objectives} ({', '.join(names)}); multi-objective search runs with "
                f"{MULTI_OBJECTIVE_HINT}"
            )
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
        (params, scores, score, status) to log. With several objectives, ``scores[i]`` is a
        list with one entry per seed, each a list of one number per objective (or None); the
        seeds are aggregated per objective."""
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
            if self.n_objectives > 1 and rec.get("scores") is None:
                raise SearchInputError(
                    f"resume_from: record {i}: expected per-seed scores of "
                    f"{self.n_objectives} objectives, found none"
                )
            pairs.append((rec["params"], scores))
        items = self._evaluations(pairs)
        self._record(items)
        self._resume(items)
        return self

    def best(self, k: int = 1) -> list[Evaluation]:
        """The ``k`` best evaluations (highest score when maximizing), best first. With
        several objectives: the Pareto front (see :func:`~mle_search.pareto_front`), ordered
        by the first objective, then the next."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise SearchInputError(f"best(k): expected an integer k >= 1, found {k!r}")
        return self.rank(self._history)[:k]

    def rank(self, evaluations: Iterable[Evaluation]) -> list[Evaluation]:
        """The scored ``evaluations`` best first (ties in the given order); with several
        objectives only the Pareto front, by the first objective, then the next."""
        scored = [ev for ev in evaluations if ev.values is not None]
        if self.n_objectives > 1:
            from ._pareto import pareto_front

            scored = pareto_front(scored, self.directions)
            scored.sort(key=lambda ev: self.objectives(ev.values or ()))
            return scored
        scored.sort(key=lambda ev: self.objective(ev.score))  # type: ignore[arg-type]
        return scored

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

    def objectives(self, values: Sequence[float]) -> list[float]:
        """Every objective as minimized: ``-value`` where that objective is maximized."""
        return [-v if m else v for v, m in zip(values, self.directions, strict=True)]

    @property
    def n_objectives(self) -> int:
        """How many objectives the search optimises (1: a single-objective search)."""
        return len(self.directions)

    def supports_multi_objective(self) -> bool:
        """Whether this strategy can search several objectives at once (``multi_objective``;
        grid and random never read a score, so they can)."""
        return self.multi_objective or type(self).search_type in _SCORE_BLIND

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
            ev = Evaluation.from_scores(
                self.space.proposal(key),
                scores,
                aggregate=self.aggregate,
                n_objectives=self.n_objectives,
            )
            items.append((key, ev))
        return items

    def _record(self, items: list[tuple[Key, Evaluation]]) -> None:
        for key, ev in items:
            self._seen.add(key)
            self._history.append(ev)
