"""Strategies that run a configuration again at a larger budget, from a trial's checkpoint."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

from ._results import Evaluation
from ._space import Key, Space
from ._strategy import Strategy
from ._trial import Trial
from .errors import SearchConfigError, SearchStateError

__all__ = ["FidelityStrategy", "TrialRequest", "added_budget"]


@dataclass(frozen=True)
class TrialRequest:
    """What a :class:`FidelityStrategy` asks the loop to run: ``params`` up to ``budget``
    (the total resource the trial reaches, e.g. epochs), continuing ``parent``'s checkpoint
    (a trial id; None: from scratch). ``tags`` are written to the trial's hyper-log record
    (bracket, rung, worker, generation, ...)."""

    params: dict[str, Any] = field(hash=False)
    budget: float
    parent: int | None = None
    tags: dict[str, Any] = field(default_factory=dict, hash=False)


def added_budget(trial: Trial, parent: Trial | None) -> float | None:
    """The resource a trial adds to its parent's checkpoint (its whole budget without one)."""
    if trial.budget is None:
        return None
    base = parent.budget if parent is not None and parent.budget is not None else 0.0
    return trial.budget - base


def check_number(value: object, where: str, what: str, *, low: float, integer: bool) -> Any:
    """``value`` as a number > ``low`` (an int when ``integer``), or SearchConfigError."""
    num: float | None = None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        num = float(value)
    if num is not None and integer and not num.is_integer():
        num = None
    if num is None or not num > low:
        kind = "an integer" if integer else "a number"
        raise SearchConfigError(f"{where}: expected {what} to be {kind} > {low:g}, found {value!r}")
    return int(num) if integer else num


def _count(value: float | None) -> float | int | None:
    """A budget as the script sees it: an int when it is a whole number."""
    return int(value) if value is not None and float(value).is_integer() else value


class FidelityStrategy(Strategy):
    """Base class of multi-fidelity strategies (successive halving, Hyperband, PBT, ASHA).

    Driven by a :class:`~mle_search.SearchLoop`, which turns each :class:`TrialRequest` of
    :meth:`ask_trials` into a :class:`Trial` (with an id, ``budget`` and ``parent``), tells
    :meth:`trial_opened` its id, and :meth:`trial_told` its evaluation. The plain
    ``ask``/``tell`` of :class:`Strategy` are refused: the same point runs more than once.
    Resume: :meth:`restore_trials` rebuilds the state from told trials and open ones, using
    only what a :class:`Trial` holds (params, budget, parent), so a caller's own trial table
    is enough.
    """

    def __init__(self, space: Space, *, seed: int | None = None, maximize: bool = False) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        if self.seed is None:
            self.seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
        self.trials: dict[int, Trial] = {}
        self.scores: dict[int, float | None] = {}  # told trials: their aggregate score
        self._tags: dict[int, dict[str, Any]] = {}

    # -- the loop's side ----------------------------------------------------------------------
    def ask_trials(self, n: int) -> list[TrialRequest]:
        """Up to ``n`` trials to run now (fewer or [] while waiting for results)."""
        if n <= 0 or self._stalled is not None:
            return []
        return self._request(n)

    def trial_opened(self, trial: Trial, request: TrialRequest) -> None:
        """The loop made ``request`` into ``trial`` (called in the order of the requests)."""
        self.trials[trial.id] = trial
        self._tags[trial.id] = dict(request.tags)
        self._opened(trial, request)

    def tags_of(self, trial_id: int) -> dict[str, Any]:
        """The tags of the request a trial was made from ({} for an unknown id)."""
        return dict(self._tags.get(trial_id, {}))

    def trial_told(self, trial: Trial, evaluation: Evaluation) -> None:
        """A trial's seeds are all in; ``evaluation.score`` is None when they all failed."""
        key = self.space.key(trial.params)
        self._record([(key, evaluation)])
        self.trials[trial.id] = trial
        self.scores[trial.id] = evaluation.score
        self._told(trial, evaluation)

    def restore_trials(
        self, told: Sequence[tuple[Trial, Evaluation]], open_trials: Sequence[Trial]
    ) -> None:
        """Rebuild the state on a fresh strategy from every trial of the search: told ones
        with their evaluations, and open ones. Trials are taken in id order, each told as
        soon as it is opened: a trial's id is larger than those of the results it was
        decided on, and the strategies' decisions depend on those results only."""
        if self.trials:
            raise SearchStateError("restore_trials: expected a fresh strategy, found one in use")
        events: list[tuple[Trial, Evaluation | None]] = [(t, ev) for t, ev in told]
        events += [(t, None) for t in open_trials]
        for trial, ev in sorted(events, key=lambda e: e[0].id):
            self.trial_opened(trial, self._request_of(trial))
            if ev is not None:
                self.trial_told(trial, ev)

    def script_extra(self, trial_id: int, checkpoint: str | None = None) -> dict[str, Any]:
        """What the original toolbox put in the training script's ``train_config.extra`` for
        this trial (its budget keys, its counters and, for a continued trial, ``checkpoint``:
        the path of the parent's checkpoint), so that its scripts run unchanged."""
        trial = self.trials[trial_id]
        parent = self.trials.get(trial.parent) if trial.parent is not None else None
        return self._extra(trial, added_budget(trial, parent), checkpoint)

    def _extra(self, trial: Trial, added: float | None, checkpoint: str | None) -> dict[str, Any]:
        return {"num_total_iters": _count(trial.budget), "num_add_iters": _count(added)}

    @property
    def planned_trials(self) -> int | None:
        """How many trials the whole search runs when nothing fails (None: open-ended, e.g.
        ASHA or PBT without ``num_generations``: the loop's budget ends it)."""
        return None

    # -- the plain ask/tell do not fit -----------------------------------------------------------
    def _refuse(self) -> NoReturn:
        raise SearchStateError(
            f"{type(self).__name__} runs a point more than once (at larger budgets): drive it "
            "with SearchLoop (or ask_trials / trial_opened / trial_told), not ask/tell"
        )

    def _propose(self, n: int) -> list[Key]:
        self._refuse()

    def tell(
        self, proposals: Sequence[Mapping[str, Any]], scores: Sequence[Any]
    ) -> list[Evaluation]:
        self._refuse()

    def resume_from(self, records: Any) -> Strategy:
        raise SearchStateError(
            f"{type(self).__name__}: resume through SearchLoop.restore (the records' budget and "
            "parent rebuild the rungs), not resume_from"
        )

    def restore_pending(self, proposals: Any) -> None:
        if list(proposals):
            self.resume_from(proposals)

    # -- hooks ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def _request(self, n: int) -> list[TrialRequest]:
        """Up to ``n`` requests that can run now."""

    @abc.abstractmethod
    def _opened(self, trial: Trial, request: TrialRequest) -> None:
        """Book ``trial`` (made from ``request``) into the strategy's state."""

    @abc.abstractmethod
    def _told(self, trial: Trial, evaluation: Evaluation) -> None:
        """Take a told trial's result into the strategy's state."""

    @abc.abstractmethod
    def _request_of(self, trial: Trial) -> TrialRequest:
        """On resume: the request ``trial`` was made from (from its params, budget, parent)."""

    # -- helpers --------------------------------------------------------------------------------
    def _rng(self, *stream: int) -> np.random.Generator:
        """A random stream that depends on the seed and ``stream`` only (not on call order),
        so that a resumed search draws what the uninterrupted one would have."""
        return np.random.default_rng([int(self.seed or 0), *stream])

    def _better(self, a: float | None, b: float | None) -> bool:
        """Score ``a`` beats ``b`` (None, a failure, beats nothing)."""
        if a is None:
            return False
        if b is None:
            return True
        return self.objective(a) < self.objective(b)

    def _rank(self, ids: Sequence[int]) -> list[int]:
        """Trial ids best first (failed last; ties by id)."""
        inf = float("inf")

        def key(tid: int) -> tuple[float, int]:
            score = self.scores.get(tid)
            return (inf if score is None else self.objective(score), tid)

        return sorted(ids, key=key)
