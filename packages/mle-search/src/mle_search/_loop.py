"""The search loop: trials for free slots, per-seed results, the budget, the best, the end."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np

from ._fidelity import FidelityStrategy, TrialRequest
from ._hyperlog import HyperLog
from ._racing import SeedRace
from ._results import Evaluation, SeedScore, _one_score, check_aggregate
from ._stopping import Pruner
from ._strategy import Strategy
from ._trial import Trial, check_int, check_seeds
from ._worker import Done, StrategyWorker, wait_all
from .errors import SearchInputError, SearchSpaceError, SearchStateError

__all__ = ["SearchLoop"]

Annotate = Callable[[Trial], Mapping[str, Any]]


def _record_id(record: Mapping[str, Any]) -> int | None:
    tid = record.get("id")
    return tid if isinstance(tid, int) and not isinstance(tid, bool) else None


def _record_scores(record: Mapping[str, Any]) -> Any:
    scores = record.get("scores")
    return scores if scores is not None else [record.get("score")]


class SearchLoop:
    """Drives a :class:`Strategy` as trials: ask for the free slots, run each trial's seeds,
    report every seed's score, tell the strategy when a trial's seeds are all in.

    ``budget``: the number of trials to run (None: until the strategy is exhausted).
    ``seeds``: the seeds every trial runs (an int ``n`` means ``0 .. n-1``). ``batch_size``:
    trials per batch (a trial's ``batch`` is ``id // batch_size``), and the most trials kept
    open at once when the caller has no slot limit (``propose(None)``). ``log``: the
    :class:`HyperLog` (or its path) each told trial is appended to, with its id and batch.
    ``annotate(trial)``: extra fields for that trial's hyper-log record (e.g. ``run_dir``).
    ``aggregate``: how a trial's seed scores become its score, for the strategy and the hyper
    log: ``mean`` (default) or a percentile ``p10`` .. ``p90`` (the original's
    ``aggregate_seeds``).
    ``background``: True computes proposals on a worker thread, so that no call of the loop
    waits for a model fit; None does so when the strategy's ``slow_proposals`` is set (SMBO,
    Optuna's GP); False (default) keeps every call synchronous. In background mode ``propose``
    returns what is ready and ``[]`` while the next proposals are computed (see
    :attr:`proposing` and :meth:`wait_proposals`): a runner must not take that ``[]`` as the
    end, only :attr:`done`. Grid, random and coordinate search stay synchronous with None.
    ``pruner``: a :class:`Pruner` the runner consults for its running trials (default: the
    strategy's ``pruner``, e.g. ASHA's); see :meth:`report`'s ``pruned_at``.
    ``race``: seed-aware racing; a trial runs its seeds one at a time (see :meth:`next_runs`)
    and stops adding seeds once the 95 % t-interval of its mean cannot reach the best told
    trial (the spread pooled over trials with two or more seeds); its record then lists the
    seeds run and ``raced`` (the seeds skipped), and :attr:`seed_runs_saved` counts them.

    Several objectives (a strategy built with ``maximize`` a mapping name -> bool, see
    :func:`make_strategy`): :meth:`report` takes each seed's scores as a mapping objective ->
    score (or a list in objective order), the hyper log records them per seed with ``values``
    (per objective, aggregated over the seeds), and :meth:`best` is the Pareto front. Racing
    and pruning need one objective.

    A :class:`FidelityStrategy` (successive halving, Hyperband, PBT) proposes trials with a
    ``budget`` and a ``parent`` (the trial whose checkpoint it continues), possibly the same
    point again; the hyper log records both and the strategy's tags (bracket, rung, worker,
    ...), and :meth:`restore` rebuilds its rungs from them. It always runs synchronously.

    Results are keyed by trial id and seed, never by parameter values. Not thread-safe: call
    it from one thread (the driver's loop). In background mode the strategy is touched only by
    the worker thread; do not call it yourself while the loop is in use.
    """

    def __init__(
        self,
        strategy: Strategy,
        *,
        budget: int | None,
        seeds: int | Sequence[int],
        batch_size: int = 1,
        log: HyperLog | str | os.PathLike[str] | None = None,
        annotate: Annotate | None = None,
        background: bool | None = False,
        aggregate: str = "mean",
        pruner: Pruner | None = None,
        race: bool = False,
    ) -> None:
        if not isinstance(strategy, Strategy):
            raise SearchInputError(
                f"SearchLoop: expected a Strategy (see make_strategy), found "
                f"{type(strategy).__name__}"
            )
        self.strategy = strategy
        check_aggregate(aggregate)
        self.aggregate = strategy.aggregate = aggregate
        self.budget = None if budget is None else check_int(budget, "SearchLoop", "budget", low=0)
        self.seeds = check_seeds(seeds, "SearchLoop")
        self.batch_size = check_int(batch_size, "SearchLoop", "batch_size", low=1)
        self.log = log if isinstance(log, HyperLog) or log is None else HyperLog(log)
        self._annotate = annotate
        self._next_id = 0
        self._n_told = 0  # trials of this search told (restored ones included)
        self._told_ids: set[int] = set()
        #: told trials that reopen() can run again: the trial and its per-seed scores
        self._told: dict[int, tuple[Trial, tuple[SeedScore, ...]]] = {}
        self._open: dict[int, Trial] = {}
        self._results: dict[int, dict[int, SeedScore]] = {}
        self.n_objectives = strategy.n_objectives
        self._reasons: dict[int, dict[int, str]] = {}
        self._history: list[Evaluation] = []
        self._stalled: str | None = None
        self._used = False  # propose / report / restore called
        # background proposals: the worker, proposals computed and not yet handed out, the
        # ask in flight (and whether an empty answer means a stall), tells in flight, and the
        # strategy's state as of the last finished worker call
        self._fidelity = strategy if isinstance(strategy, FidelityStrategy) else None
        if self._fidelity is not None and background:
            raise SearchInputError(
                f"SearchLoop: {type(strategy).__name__} proposes synchronously, found "
                "background=True"
            )
        self.background = strategy.slow_proposals if background is None else bool(background)
        if pruner is not None and not isinstance(pruner, Pruner):
            raise SearchInputError(
                f"SearchLoop: expected pruner to be a Pruner (ASHAPruner, MedianPruner), found "
                f"{type(pruner).__name__}"
            )
        own = getattr(strategy, "pruner", None)
        self.pruner: Pruner | None = pruner or (own if isinstance(own, Pruner) else None)
        if self.n_objectives > 1 and (race or self.pruner is not None):
            what = "race" if race else "a pruner"
            raise SearchInputError(
                f"SearchLoop: {what} needs one objective (it ranks trials by one score), "
                f"found {self.n_objectives} objectives"
            )
        self._tags: dict[int, dict[str, Any]] = {}
        self.race = bool(race)
        self._race = SeedRace()
        self._released: dict[int, list[int]] = {}  # open trial -> seeds released to run
        self._handed: set[tuple[int, int]] = set()  # runs next_runs returned
        self.seed_runs_saved = 0
        self._skipped: dict[int, list[int]] = {}
        self._pruned: dict[int, dict[int, float]] = {}  # trial -> seed -> step reached
        self._pruned_ids: set[int] = set()  # told trials with a pruned seed
        self._worker = StrategyWorker(strategy) if self.background else None
        self._closed = False
        self._ready: list[dict[str, Any]] = []
        self._asking: cf.Future[Done[list[dict[str, Any]]]] | None = None
        self._ask_may_stall = False
        self._calls: list[cf.Future[Done[Any]]] = []
        self._seen_seq = -1
        self._snap_exhausted = strategy.exhausted
        self._snap_stalled = strategy.stalled

    def __repr__(self) -> str:
        return (
            f"SearchLoop({type(self.strategy).__name__}, budget={self.budget}, "
            f"told={self._n_told}, open={len(self._open)})"
        )

    # -- the loop ---------------------------------------------------------------------------
    def propose(self, n_free_slots: int | None = None) -> list[Trial]:
        """New trials for the free run slots (one seed of one trial = one run).

        ``n_free_slots``: runs that could start now; enough trials to fill them are proposed,
        ``ceil(n_free_slots / len(seeds))``, so no slot idles (a few runs may then wait: a
        negative count, slots minus runs waiting, counts as 0). None: no slot limit; trials are
        proposed until ``batch_size`` are open. Never more than the budget left; ``[]`` when
        the strategy must wait for results (coordinate search) or nothing is left (see
        :attr:`done` and :attr:`end_reason`). Record each trial durably before running it:
        on resume, :meth:`restore` needs every trial proposed and not yet told.

        In background mode it hands out proposals that are ready and, if more are wanted,
        starts computing them (``[]`` meanwhile; :attr:`proposing` is True); call it again
        when a job changes state or :meth:`wait_proposals` returns. It waits for a proposal
        only when no trial is open (no job of the search runs, so no job handling is held
        up). A proposal becomes a trial only when returned here (one computed but never
        handed out is simply forgotten by a restart).
        """
        self._used = True
        self._collect()
        if n_free_slots is None:
            want = self.batch_size - len(self._open)
        else:
            free = check_int(n_free_slots, "SearchLoop", "n_free_slots", low=-(2**62))
            per_trial = 1 if self.race else len(self.seeds)
            want = math.ceil(max(0, free) / per_trial)
        left = self.remaining
        if left is not None:
            want = min(want, left)
        if want <= 0 or self.exhausted:
            return []
        if self._worker is not None:
            return self._propose_background(want)
        if self._fidelity is not None:
            requests = self._fidelity.ask_trials(want)
            proposals: list[dict[str, Any]] = [r.params for r in requests]
        else:
            proposals = self.strategy.ask(want)
        if not proposals and not self._open and not self.strategy.exhausted:
            self._stalled = (
                f"{type(self.strategy).__name__} proposed nothing while no trial was open "
                "(it would wait forever): the search ends here"
            )
        if self._fidelity is not None:
            return [self._open_request(r) for r in requests]
        return [self._new_trial(params) for params in proposals]

    def report(
        self,
        trial_id: int,
        seed: int,
        score: float | Sequence[float | None] | Mapping[str, float | None] | None,
        *,
        reason: str | None = None,
        pruned_at: float | None = None,
    ) -> Evaluation | None:
        """One seed of an open trial finished: ``score`` (None, NaN or inf: the seed failed;
        ``reason`` says why, kept in the hyper log). When the trial's seeds are all in, the
        strategy is told, the trial is appended to the hyper log and its
        :class:`Evaluation` (with ``trial_id``) is returned; otherwise None. A seed reported
        again before its trial is told replaces the earlier result (a retried run).

        ``pruned_at``: the run was stopped early (a :class:`Pruner` said ``stop``) at this
        step; ``score`` is its value there. The record gets ``state: "pruned"`` and
        ``pruned_at`` (by seed), distinct from a failure; the strategy is told the score, but
        a pruned trial never ranks in :meth:`best` (it did not run its whole budget).

        Several objectives: ``score`` is a mapping objective name -> score (or a list in
        objective order); a missing or non-finite entry fails the seed (``reason`` defaults
        to which one)."""
        self._used = True
        self._collect()
        if isinstance(trial_id, np.integer):
            trial_id = int(trial_id)
        if isinstance(seed, np.integer):
            seed = int(seed)
        trial = self._open.get(trial_id) if isinstance(trial_id, int) else None
        if trial is None:
            if trial_id in self._told_ids:
                raise SearchStateError(
                    f"report: trial {trial_id} was already told (all its seeds were in)"
                )
            raise SearchInputError(
                f"report: expected the id of an open trial (one of {sorted(self._open)}), "
                f"found {trial_id!r}"
            )
        if seed not in trial.seeds or isinstance(seed, bool):
            raise SearchInputError(
                f"report: trial {trial_id} runs seeds {list(trial.seeds)}, found seed {seed!r}"
            )
        value, why = self._seed_value(score)
        reason = reason if reason is not None else why
        self._results[trial.id][seed] = value
        if pruned_at is not None:
            step = _one_score(pruned_at)
            if step is None:
                raise SearchInputError(
                    f"report: expected pruned_at to be a finite step, found {pruned_at!r}"
                )
            self._pruned.setdefault(trial.id, {})[seed] = step
        elif trial.id in self._pruned:
            self._pruned[trial.id].pop(seed, None)
        if value is None and reason is not None:
            self._reasons[trial.id][seed] = str(reason)
        else:
            self._reasons[trial.id].pop(seed, None)
        if len(self._results[trial.id]) < len(trial.seeds):
            if not self.race or not self._race_on(trial):
                return None
            ran = tuple(s for s in trial.seeds if s in self._results[trial.id])
            self.seed_runs_saved += len(trial.seeds) - len(ran)
            self._skipped[trial.id] = [s for s in trial.seeds if s not in ran]
            trial = dataclasses.replace(trial, seeds=ran)
        return self._tell(trial)

    def next_runs(self) -> list[tuple[int, int]]:
        """Runs (trial id, seed) to start now that were not returned before: every seed of a
        new trial, or with ``race`` one seed at a time (the next once the last is in)."""
        out = []
        for tid in sorted(self._open):
            for seed in self._released.get(tid, self._open[tid].seeds):
                if (tid, seed) not in self._handed:
                    self._handed.add((tid, seed))
                    out.append((tid, seed))
        return out

    def _race_on(self, trial: Trial) -> bool:
        """True (the race is over) when the trial stops adding seeds; else the next seed is
        released. Only once every released seed is in."""
        got = self._results[trial.id]
        released = self._released.setdefault(trial.id, list(trial.seeds[:1]))
        if any(s not in got for s in released):
            return False
        scored = [self.strategy.objective(cast(float, v)) for v in got.values() if v is not None]
        best = self.best(1)
        target = (
            self.strategy.objective(best[0].score) if best and best[0].score is not None else None
        )
        if scored and not self._race.go_on(scored, target):
            return True
        released.append(trial.seeds[len(released)])
        return False

    def restore(
        self,
        records: Iterable[Mapping[str, Any]] | None = None,
        open_trials: Iterable[Trial] = (),
        *,
        earlier: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Resume a search that stopped (a crash, a kill, a cancel). Call once, on a fresh
        loop with a fresh strategy, before anything else.

        ``records``: this search's hyper-log records (default: read from ``log``); they count
        against the budget and their ids are never used again. ``open_trials``: every trial
        proposed before the stop and not in ``records`` (the caller's own record; trials that
        are in ``records`` are skipped): they are open again, their points are pending in the
        strategy so they are never proposed again, and the caller reports their seeds as
        before: the seeds that had finished (from its own record) and the rest when they
        finish. ``earlier``: records of earlier searches (``reload_log``) that inform the
        strategy but count against no budget. New trials get ids after every id seen.
        """
        if self._used:
            raise SearchStateError("restore: expected a fresh SearchLoop, found one in use")
        self._used = True
        if records is None:
            records = self.log.read() if self.log is not None else []
        mine, before = list(records), list(earlier)
        self._check_records(before, "earlier hyper log")
        self._check_records(mine, "hyper log")
        last = {_record_id(rec): i for i, rec in enumerate(mine)}  # a re-told trial: last wins
        mine = [r for i, r in enumerate(mine) if (t := _record_id(r)) is None or last[t] == i]
        replay = before + mine
        if self._fidelity is not None and before:
            raise SearchInputError(
                f"restore: {type(self.strategy).__name__} cannot learn from earlier searches "
                "(reload_log): their trials have no place in its rungs"
            )
        fidelity_told: list[tuple[Trial, Evaluation]] = []
        space = self.strategy.space
        for rec in mine:
            tid = _record_id(rec)
            params = space.proposal(space.key(rec["params"]))
            try:
                ev = Evaluation.from_scores(
                    params,
                    _record_scores(rec),
                    trial_id=tid,
                    aggregate=self.aggregate,
                    n_objectives=self.n_objectives,
                )
            except SearchInputError as exc:
                raise SearchInputError(
                    f"restore: hyper log record of trial {tid}: {exc} (a log of another "
                    "search, with another number of objectives?)"
                ) from None
            self._history.append(ev)
            self._race_add(ev)
            self._n_told += 1
            if tid is not None:
                self._told_ids.add(tid)
                trial = self._record_trial(tid, params, rec, ev.scores)
                if trial is not None:
                    self._told[tid] = (trial, ev.scores)
                if rec.get("state") == "pruned":
                    self._pruned_ids.add(tid)
                if self._fidelity is not None:
                    if trial is None:
                        raise SearchInputError(
                            f"restore: hyper log record of trial {tid}: expected its seeds "
                            "and budget (a multi-fidelity search's record)"
                        )
                    fidelity_told.append((trial, ev))
        trials: list[Trial] = []
        for trial in open_trials:
            if not isinstance(trial, Trial):
                raise SearchInputError(
                    f"restore: expected open_trials to hold Trial objects, found {trial!r}"
                )
            if trial.id in self._told_ids:
                continue  # told and logged just before the stop
            if trial.id in self._open:
                raise SearchInputError(f"restore: trial {trial.id} is given twice")
            try:
                space.key(trial.params)
            except SearchSpaceError as exc:
                raise SearchSpaceError(f"restore: open trial {trial.id}: {exc}") from None
            self._add_open(trial)
            trials.append(trial)
        pending = [t.params for t in trials]
        if self._fidelity is not None:
            self._fidelity.restore_trials(fidelity_told, trials)
            for tid in self._fidelity.trials:
                self._tags[tid] = self._fidelity.tags_of(tid)
            self._next_id = max(self._told_ids | set(self._open), default=-1) + 1
            return

        def resume(strategy: Strategy) -> None:
            if replay:
                strategy.resume_from(replay)
            strategy.restore_pending(pending)

        if self._worker is not None:  # SMBO refits on resume: not on the caller's thread
            self._calls.append(self._worker.submit(resume))
        else:
            resume(self.strategy)
        ids = self._told_ids | set(self._open)
        self._next_id = max(ids, default=-1) + 1

    def reopen(self, trial_id: int, seeds: Iterable[int] | None = None) -> Trial:
        """Open a told trial again to re-run some of its seeds (default: the failed ones),
        e.g. for ``mle resume --retry-failed``. The other seeds keep their results; report
        the re-run seeds as usual. When they are all in, the strategy is told again and a
        new record with the same id is appended to the hyper log (on :meth:`restore` the
        last record of an id wins). Returns the trial; SearchStateError when it is open or
        there is nothing to re-run."""
        self._used = True
        if self._fidelity is not None:
            raise SearchStateError(
                f"reopen: {type(self.strategy).__name__} has promoted on this trial's result; "
                "its failed seeds stay failed"
            )
        if trial_id in self._open:
            raise SearchStateError(f"reopen: trial {trial_id} is open (not told yet)")
        told = self._told.get(trial_id) if isinstance(trial_id, int) else None
        if told is None:
            raise SearchInputError(
                f"reopen: expected the id of a told trial of this search, found {trial_id!r}"
            )
        trial, scores = told
        by_seed = dict(zip(trial.seeds, scores, strict=True))
        again = [s for s in trial.seeds if by_seed[s] is None] if seeds is None else list(seeds)
        if not again:
            raise SearchStateError(f"reopen: trial {trial_id} has no failed seed to re-run")
        unknown = [s for s in again if s not in by_seed]
        if unknown:
            raise SearchInputError(
                f"reopen: trial {trial_id} runs seeds {list(trial.seeds)}, found seed "
                f"{unknown[0]!r}"
            )
        del self._told[trial_id]
        self._told_ids.discard(trial_id)
        self._n_told -= 1
        self._history = [ev for ev in self._history if ev.trial_id != trial_id]
        self._add_open(trial)
        self._results[trial_id] = {s: v for s, v in by_seed.items() if s not in again}
        return trial

    # -- background proposals ----------------------------------------------------------------
    @property
    def proposing(self) -> bool:
        """True from the moment proposals are asked of the worker thread (background mode)
        until a call of the loop takes them in; then :meth:`propose` hands them out."""
        return self._asking is not None

    def wait_proposals(self, timeout: float | None = None) -> bool:
        """Wait until the worker has nothing left to do (proposals computed, results told) or
        ``timeout`` seconds passed; True when it is idle. For a runner with nothing else to
        do; never needed for correctness. A no-op (True) when proposals are synchronous."""
        idle = wait_all([*self._calls, *([self._asking] if self._asking else [])], timeout)
        self._collect()
        return idle

    def close(self) -> None:
        """Stop the worker thread (calls not started are dropped). The loop's results and the
        hyper log are unaffected; a closed loop cannot propose or report any more."""
        self._closed = True
        if self._worker is not None:
            self._worker.close()

    def __enter__(self) -> SearchLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _propose_background(self, want: int) -> list[Trial]:
        trials = self._take_ready(want)
        if not trials and not self._open and self._asking is not None:
            # no trial of this search is open, so no job of it runs: there is no job
            # handling to hold up, and a runner may take [] with nothing running as the end
            wait_all([self._asking], None)
            self._collect()
            trials = self._take_ready(want)
        return trials

    def _take_ready(self, want: int) -> list[Trial]:
        """Hand out up to ``want`` ready proposals and start computing the rest."""
        take, self._ready = self._ready[:want], self._ready[want:]
        trials = [self._new_trial(params) for params in take]
        if len(trials) < want and not self.exhausted:
            self._ask(want - len(trials))
        return trials

    def _ask(self, need: int) -> None:
        if self._asking is None and self._worker is not None:
            # nothing open and nothing ready: an empty answer can never change (all results
            # are told before the ask runs), so it means the strategy is stuck
            self._ask_may_stall = not self._open and not self._ready
            self._asking = self._worker.submit(lambda strategy: strategy.ask(need))

    def _collect(self) -> None:
        """Take in the worker's finished calls (re-raising the first error, if any)."""
        if self._closed:
            raise SearchStateError("SearchLoop: the loop was closed (see close())")
        if self._worker is None:
            return
        finished = [f for f in self._calls if f.done()]
        self._calls = [f for f in self._calls if not f.done()]
        for future in finished:
            self._snapshot(future.result())  # raises what the strategy raised
        if self._asking is not None and self._asking.done():
            future, self._asking = self._asking, None
            done = future.result()
            self._snapshot(done)
            self._ready.extend(done.result)
            if not done.result and self._ask_may_stall and not done.exhausted:
                self._stalled = (
                    f"{type(self.strategy).__name__} proposed nothing while no trial was open "
                    "(it would wait forever): the search ends here"
                )

    def _snapshot(self, done: Done[Any]) -> None:
        if done.seq > self._seen_seq:
            self._seen_seq = done.seq
            self._snap_exhausted, self._snap_stalled = done.exhausted, done.stalled

    def _strategy_exhausted(self) -> bool:
        if self._worker is None:
            return self.strategy.exhausted
        return self._snap_exhausted and not self._ready and self._asking is None

    def _strategy_stalled(self) -> str | None:
        return self.strategy.stalled if self._worker is None else self._snap_stalled

    # -- state ------------------------------------------------------------------------------
    @property
    def pending_trials(self) -> list[Trial]:
        """Trials proposed (or restored) and not yet told, by id."""
        return [self._open[i] for i in sorted(self._open)]

    def results(self, trial_id: int) -> dict[int, SeedScore]:
        """The seeds of an open trial reported so far: seed -> score (None = failed; a tuple
        of one score per objective in a multi-objective search)."""
        if trial_id not in self._results:
            raise SearchInputError(f"results: trial {trial_id!r} is not open")
        return dict(self._results[trial_id])

    @property
    def history(self) -> list[Evaluation]:
        """This search's told trials (restored ones first), in the order they were told."""
        return list(self._history)

    @property
    def n_told(self) -> int:
        return self._n_told

    @property
    def n_proposed(self) -> int:
        """Trials of this search so far: told plus open (what the budget counts)."""
        return self._n_told + len(self._open)

    @property
    def remaining(self) -> int | None:
        """Trials the budget still allows (None without a budget)."""
        return None if self.budget is None else max(0, self.budget - self.n_proposed)

    def best(self, k: int = 1) -> list[Evaluation]:
        """The ``k`` best told trials of this search (not of ``earlier`` records), best first;
        failed trials never rank. Ties keep the order they were told in. Several
        objectives: the trials of the Pareto front (by the first objective, then the next);
        :meth:`pareto_front` gives all of them."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise SearchInputError(f"best(k): expected an integer k >= 1, found {k!r}")
        return self.pareto_front()[:k] if self.n_objectives > 1 else self._ranked()[:k]

    def pareto_front(self) -> list[Evaluation]:
        """The told trials of this search that no other beats on every objective at once
        (directions respected), by the first objective, then the next; failed and pruned
        trials are never on it. With one objective: the best trial(s), ties included."""
        ranked = self._ranked()
        if self.n_objectives > 1 or not ranked:
            return ranked
        top = ranked[0].score
        return [ev for ev in ranked if ev.score == top]

    def _ranked(self) -> list[Evaluation]:
        live = [ev for ev in self._history if ev.trial_id not in self._pruned_ids]
        return self.strategy.rank(live)

    def pruned(self, trial_id: int) -> bool:
        """True when a told trial had a seed stopped early (see :meth:`report`)."""
        return trial_id in self._pruned_ids

    def tags(self, trial_id: int) -> dict[str, Any]:
        """A multi-fidelity trial's tags (bracket, rung, worker, generation, ...); {} else."""
        return dict(self._tags.get(trial_id, {}))

    @property
    def exhausted(self) -> bool:
        """True when the strategy will propose nothing more (its space is used up, or it
        cannot find a new point); open trials may still be running."""
        return self._stalled is not None or self._strategy_exhausted()

    @property
    def end_reason(self) -> str | None:
        """Why no further trial will be proposed (None while more may come)."""
        if self.budget is not None and self.n_proposed >= self.budget:
            return f"budget spent: {self.n_proposed} of {self.budget} trials proposed"
        if self._stalled is not None:
            return self._stalled
        stalled = self._strategy_stalled()
        if stalled is not None and not self._ready:
            return stalled
        if self._strategy_exhausted():
            return f"{type(self.strategy).__name__} exhausted: it has proposed every point it can"
        return None

    @property
    def done(self) -> bool:
        """True when nothing is open and nothing more will be proposed (budget spent or
        strategy exhausted): the search is over."""
        return not self._open and self.end_reason is not None

    # -- internals --------------------------------------------------------------------------
    def _new_trial(
        self, params: Mapping[str, Any], *, budget: float | None = None, parent: int | None = None
    ) -> Trial:
        trial_id = self._next_id
        self._next_id += 1
        trial = Trial(
            id=trial_id,
            params=dict(params),
            batch=trial_id // self.batch_size,
            seeds=self.seeds,
            budget=budget,
            parent=parent,
        )
        self._add_open(trial)
        return trial

    def _open_request(self, request: TrialRequest) -> Trial:
        trial = self._new_trial(request.params, budget=request.budget, parent=request.parent)
        assert self._fidelity is not None
        self._fidelity.trial_opened(trial, request)
        self._tags[trial.id] = dict(request.tags)
        return trial

    def _add_open(self, trial: Trial) -> None:
        self._open[trial.id] = trial
        if self.race:
            self._released[trial.id] = list(trial.seeds[:1])
        self._results[trial.id] = {}
        self._reasons[trial.id] = {}

    def _tell(self, trial: Trial) -> Evaluation:
        """Log first, then tell: if the append fails (a full disk), nothing has changed and
        the trial stays open with its seeds in (a later report of a seed tries again)."""
        got = self._results[trial.id]
        scores = [got[seed] for seed in trial.seeds]
        space = self.strategy.space
        params = space.proposal(space.key(trial.params))
        if self.log is not None:
            extra: dict[str, Any] = dict(self._annotate(trial)) if self._annotate else {}
            extra["seeds"] = list(trial.seeds)
            if trial.budget is not None:
                extra["budget"] = trial.budget
            if trial.parent is not None:
                extra["parent"] = trial.parent
            reasons = self._reasons[trial.id]
            if reasons:
                extra["reasons"] = {str(seed): why for seed, why in sorted(reasons.items())}
            if trial.id in self._skipped:
                extra["raced"] = {"skipped": self._skipped[trial.id]}
            pruned = self._pruned.get(trial.id)
            if pruned:
                extra["state"] = "pruned"
                extra["pruned_at"] = {str(seed): step for seed, step in sorted(pruned.items())}
            for key, value in self._tags.get(trial.id, {}).items():
                extra.setdefault(key, value)
            self.log.append(
                params,
                scores,
                id=trial.id,
                batch=trial.batch,
                extra=extra,
                aggregate=self.aggregate,
                n_objectives=self.n_objectives,
            )
        n = self.n_objectives
        if self._worker is not None:  # told on the worker, after the calls before it
            self._calls.append(self._worker.submit(lambda s: s.tell([params], [scores])))
            told = Evaluation.from_scores(params, scores, aggregate=self.aggregate, n_objectives=n)
        elif self._fidelity is not None:
            told = Evaluation.from_scores(
                params, scores, trial_id=trial.id, aggregate=self.aggregate, n_objectives=n
            )
            self._fidelity.trial_told(trial, told)
        else:
            (told,) = self.strategy.tell([params], [scores])
        ev = dataclasses.replace(told, trial_id=trial.id)
        del self._open[trial.id], self._results[trial.id], self._reasons[trial.id]
        if self._pruned.pop(trial.id, None):
            self._pruned_ids.add(trial.id)
        self._told_ids.add(trial.id)
        self._told[trial.id] = (trial, ev.scores)
        self._race_add(ev)
        self._released.pop(trial.id, None)
        self._skipped.pop(trial.id, None)
        self._handed = {run for run in self._handed if run[0] != trial.id}
        self._n_told += 1
        self._history.append(ev)
        return ev

    def _race_add(self, ev: Evaluation) -> None:
        if self.n_objectives == 1:  # racing needs one objective (refused otherwise)
            self._race.add(cast("tuple[float | None, ...]", ev.scores))

    def _seed_value(self, score: object) -> tuple[SeedScore, str | None]:
        """One seed's reported score as stored: a float, a tuple of one float per objective,
        or None (failed, with why when an objective's score is missing)."""
        n = self.n_objectives
        if n == 1:
            return _one_score(score), None
        if score is None:
            return None, None
        names = self.strategy.objective_names
        if isinstance(score, Mapping):
            unknown = [k for k in score if k not in names]
            if unknown:
                raise SearchInputError(
                    f"report: expected scores of the objectives {list(names)}, found {unknown[0]!r}"
                )
            raw = [score.get(name) for name in names]
        elif isinstance(score, (list, tuple, np.ndarray)):
            if len(score) != n:
                raise SearchInputError(
                    f"report: expected {n} scores (one per objective: {', '.join(names)}), "
                    f"found {len(score)}"
                )
            raw = list(score)
        else:
            raise SearchInputError(
                f"report: expected a mapping objective -> score for the {n} objectives "
                f"({', '.join(names)}), found {score!r}"
            )
        values = [_one_score(v) for v in raw]
        missing = [name for name, v in zip(names, values, strict=True) if v is None]
        if missing:
            return None, f"no finite score for objective {missing[0]!r}"
        return tuple(cast(float, v) for v in values), None

    def _record_trial(
        self, trial_id: int, params: dict[str, Any], rec: Mapping[str, Any], scores: tuple[Any, ...]
    ) -> Trial | None:
        """The Trial a record describes (None when its seeds are unknown: not reopenable)."""
        seeds = rec.get("seeds")
        seeds = tuple(seeds) if isinstance(seeds, list) else self.seeds
        batch = rec.get("batch")
        try:
            trial = Trial(
                id=trial_id,
                params=params,
                batch=batch if isinstance(batch, int) else trial_id // self.batch_size,
                seeds=seeds,
                budget=rec.get("budget"),
                parent=rec.get("parent"),
            )
        except SearchInputError:
            return None
        return trial if len(trial.seeds) == len(scores) else None

    def _check_records(self, records: list[Mapping[str, Any]], where: str) -> None:
        """Each record fits the space (SearchSpaceError naming the record otherwise)."""
        space = self.strategy.space
        for number, rec in enumerate(records, start=1):
            if not isinstance(rec, Mapping) or not isinstance(rec.get("params"), Mapping):
                raise SearchInputError(
                    f"restore: {where} record {number}: expected a mapping with 'params', "
                    f"found {rec!r}"
                )
            try:
                space.key(rec["params"])
            except SearchSpaceError as exc:
                raise SearchSpaceError(f"{where} record {number}: {exc}") from None
