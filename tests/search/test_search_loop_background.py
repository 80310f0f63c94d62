"""SearchLoop(background=True): proposals computed on a worker thread never hold up the loop.

No timing: the strategy's ask blocks on an Event the test controls, and the test waits on
states (wait_proposals) with generous timeouts.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from mle_search import (
    GridSearch,
    HyperLog,
    SearchLoop,
    SearchStateError,
    Space,
    Strategy,
    make_strategy,
)
from search_helpers import FAST_SMBO, FINITE, MIXED, objective

WAIT = 60.0  # seconds; only reached when something is broken


class Gated(Strategy):
    """Grid order, but every ask waits until ``gate`` is set; checks that no two threads
    are inside the strategy at once."""

    slow_proposals = True

    def __init__(self, space: Space, *, seed: int | None = None, maximize: bool = False) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[str] = []
        self._inside = threading.Lock()
        self._grid = GridSearch(space)
        self.fail: Exception | None = None

    def _guard(self, name: str) -> None:
        if not self._inside.acquire(blocking=False):
            raise AssertionError("two threads inside the strategy")
        self.calls.append(name)

    def _propose(self, n: int) -> list[tuple[Any, ...]]:
        self._guard("ask")
        try:
            self.entered.set()
            assert self.gate.wait(WAIT)
            if self.fail is not None:
                raise self.fail
            keys = [self._grid.point(i) for i in range(self._grid.size)]
            return [k for k in keys if not self._taken(k)][:n]
        finally:
            self._inside.release()

    def _observe(self, items: list[Any]) -> None:
        self._guard("tell")
        self._inside.release()

    def _exhausted(self) -> bool:
        return len(self._seen) + len(self._pending) >= self._grid.size


def _space() -> Space:
    return Space.from_config({"integer": {"n": {"begin": 1, "end": 6}}})


def test_report_and_log_never_wait_for_a_proposal(tmp_path: Path) -> None:
    strategy = Gated(_space())
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    with SearchLoop(strategy, budget=4, seeds=1, log=log, background=True) as loop:
        strategy.gate.set()
        first = loop.propose(2)  # nothing open, no job to handle: it waits for the model
        assert [t.id for t in first] == [0, 1] and not loop.proposing
        strategy.gate.clear()
        assert loop.propose(1) == []  # an ask is now blocked inside the strategy
        assert strategy.entered.wait(WAIT) and loop.proposing
        # a job ends while the model "fits": reported, logged and returned at once
        ev = loop.report(0, 0, 1.0)
        assert ev is not None and ev.trial_id == 0 and ev.score == 1.0
        assert [r["id"] for r in log.read()] == [0]
        assert loop.n_told == 1 and loop.best(1)[0].trial_id == 0
        assert loop.propose(1) == []  # still computing: no second ask, no wait
        strategy.gate.set()
        assert loop.wait_proposals(WAIT)
        (nxt,) = loop.propose(1)  # the freed slot is filled once the proposal is ready
        assert nxt.id == 2 and nxt.params == {"train_config.n": 3}
    # the tell reached the strategy after the ask it was queued behind, on the worker
    assert strategy.calls == ["ask", "ask", "tell"]


def test_a_strategy_error_surfaces_on_the_callers_thread() -> None:
    strategy = Gated(_space())
    strategy.fail = RuntimeError("model exploded")
    strategy.gate.set()
    loop = SearchLoop(strategy, budget=3, seeds=1, background=True)
    with pytest.raises(RuntimeError, match="model exploded"):
        loop.propose(1)  # nothing open: it waited, so the error comes from here
    strategy.fail = None
    assert len(loop.propose(1)) == 1
    strategy.fail = RuntimeError("model exploded again")
    assert loop.propose(1) == []  # a trial is open: computed in the background
    with pytest.raises(RuntimeError, match="again"):  # the next call of the loop
        loop.wait_proposals(WAIT)
    loop.close()


def test_a_proposal_never_handed_out_is_no_trial_after_a_restart(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    strategy = Gated(_space())
    strategy.gate.set()
    loop = SearchLoop(strategy, budget=4, seeds=1, log=log, background=True)
    (trial,) = loop.propose(1)
    assert loop.propose(2) == []  # trial 0 is open: computed in the background
    loop.report(trial.id, 0, 2.0)
    loop.wait_proposals(WAIT)  # two computed, never handed out: then the driver dies
    loop.close()
    again = Gated(_space())
    again.gate.set()
    resumed = SearchLoop(again, budget=4, seeds=1, log=log, background=True)
    resumed.restore()
    assert resumed.n_proposed == 1 and resumed.remaining == 3
    trials = resumed.propose(3)
    assert [t.id for t in trials] == [1, 2, 3]
    assert [t.params["train_config.n"] for t in trials] == [2, 3, 4]  # 1 is done
    resumed.close()


def test_background_search_runs_its_budget_to_done() -> None:
    """A real SMBO search in background mode: every trial told, nothing proposed twice."""
    strategy = make_strategy("smbo", MIXED, seed=0, **FAST_SMBO)
    assert strategy.slow_proposals
    loop = SearchLoop(strategy, budget=8, seeds=[0, 1], background=None)
    assert loop.background
    running: list[tuple[int, int, dict[str, Any]]] = []
    while not loop.done:
        for trial in loop.propose(4 - len(running)):
            running += [(trial.id, s, trial.params) for s in trial.seeds]
        assert running  # with nothing open, propose waits for the model
        tid, seed, params = running.pop(0)
        loop.report(tid, seed, objective(params) + seed)
    loop.close()
    assert loop.n_told == 8 and "budget spent" in (loop.end_reason or "")
    points = [tuple(ev.params.values()) for ev in loop.history]
    assert len(set(points)) == 8


def test_background_exhausts_a_finite_space() -> None:
    strategy = Gated(Space.from_config(FINITE))
    strategy.gate.set()
    loop = SearchLoop(strategy, budget=None, seeds=1, background=True)
    told = 0
    while not loop.done:
        trials = loop.propose(5)
        assert trials or loop.done  # nothing was open: it waited for them
        for trial in trials:
            loop.report(trial.id, 0, 1.0)
            told += 1
    assert told == 18 and "exhausted" in (loop.end_reason or "")


def test_fast_strategies_stay_synchronous() -> None:
    for kind in ("grid", "random", "coordinate"):
        loop = SearchLoop(make_strategy(kind, FINITE, seed=0), budget=3, seeds=1, background=None)
        assert not loop.background and len(loop.propose(3)) >= 1


def test_a_closed_loop_refuses_in_one_line() -> None:
    strategy = Gated(_space())
    strategy.gate.set()
    loop = SearchLoop(strategy, budget=3, seeds=1, background=True)
    (trial,) = loop.propose(1)
    loop.close()
    with pytest.raises(SearchStateError, match="closed"):
        loop.propose(1)
    with pytest.raises(SearchStateError, match="closed"):
        loop.report(trial.id, 0, 1.0)
