"""ASHA and median stopping as decision objects for running trials, and a pruned trial's
record: state `pruned` with the step reached, distinct from a failure, never the best."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from mle_search import (
    CONTINUE,
    STOP,
    ASHAPruner,
    ASHASearch,
    Decision,
    HyperLog,
    MedianPruner,
    SearchConfigError,
    SearchLoop,
    make_strategy,
)

SPACE = {"real": {"lr": {"begin": 1e-3, "end": 1.0, "prior": "log-uniform"}}}


def test_asha_rungs_from_min_and_max_resource() -> None:
    assert ASHAPruner(max_resource=27, eta=3).rungs == (1.0, 3.0, 9.0)
    assert ASHAPruner(rungs=[2, 8], eta=2).rungs == (2.0, 8.0)
    with pytest.raises(SearchConfigError, match="increasing"):
        ASHAPruner(rungs=[8, 2])
    with pytest.raises(SearchConfigError, match="rungs or max_resource"):
        ASHAPruner()


def test_asha_keeps_the_top_third_at_each_rung() -> None:
    pruner = ASHAPruner(maximize=True, eta=3, rungs=[1, 3])
    # the first trial at a rung is the best so far; then the top max(1, n // 3) go on
    got = [pruner.decide(i, 1, v) for i, v in enumerate([0.5, 0.4, 0.6, 0.3, 0.7, 0.1])]
    assert got == [CONTINUE, STOP, CONTINUE, STOP, CONTINUE, STOP]
    # between rungs nothing is judged; a stopped trial stays stopped
    assert pruner.decide(0, 2, 0.0) == CONTINUE
    assert pruner.decide(1, 2, 0.99) == STOP
    stop = pruner.stopped(1)
    assert stop is not None and stop.step == 1 and stop.rung == 0 and stop.cutoff == 0.5


def test_asha_minimizing_and_skipped_rungs() -> None:
    pruner = ASHAPruner(maximize=False, eta=2, rungs=[1, 2, 4])
    assert pruner.decide("a", 1, 1.0) == CONTINUE
    assert pruner.decide("b", 1, 2.0) == STOP  # 2 values at rung 0: keep 1, the lower
    # a journal read late: step 4 records the value at every rung not yet judged
    assert pruner.decide("a", 4, 0.5) == CONTINUE
    assert [d.rung for d in pruner.decisions if d.trial == "a"] == [0, 1, 2]


def test_a_diverged_run_is_stopped() -> None:
    pruner = ASHAPruner(max_resource=9)
    assert pruner.decide(0, 0.5, float("nan")) == STOP
    assert MedianPruner().decide(0, 1, None) == STOP


def test_decisions_are_reproducible_and_restore_continues_them() -> None:
    rng = random.Random(0)
    calls = [(rng.randrange(30), rng.choice([1, 3, 9, 27]), rng.random()) for _ in range(300)]

    def decide_all(pruner: ASHAPruner, items: list[tuple[int, int, float]]) -> list[str]:
        return [pruner.decide(t, s, v) for t, s, v in items]

    first = decide_all(ASHAPruner(max_resource=27, maximize=True), calls)
    assert first == decide_all(ASHAPruner(max_resource=27, maximize=True), calls)
    # a restarted runner: the journaled decisions (as JSON) then the rest of the calls
    head = ASHAPruner(max_resource=27, maximize=True)
    decide_all(head, calls[:150])
    journal = [json.loads(json.dumps(d.to_dict())) for d in head.decisions]
    resumed = ASHAPruner(max_resource=27, maximize=True)
    resumed.restore(journal)
    assert decide_all(resumed, calls[150:]) == first[150:]
    assert resumed.decisions[-1] == Decision.from_dict(resumed.decisions[-1].to_dict())


def test_median_stops_a_trial_below_the_median_of_the_others() -> None:
    pruner = MedianPruner(maximize=True, n_startup_trials=3, n_warmup_steps=2)
    for trial, level in enumerate([0.5, 0.6, 0.7]):
        for step in range(1, 6):
            pruner.observe(trial, step, level + 0.01 * step)
    assert pruner.decide("new", 1, 0.0) == CONTINUE  # warm-up
    assert pruner.decide("new", 3, 0.9) == CONTINUE  # above the median 0.63
    # "new" reached step 3 too: the others are 0.53, 0.63, 0.73, 0.9 (median 0.68)
    assert pruner.decide("late", 3, 0.55) == STOP
    assert pruner.stopped("late") == Decision("late", 3.0, 0.55, STOP, cutoff=pytest.approx(0.68))
    lonely = MedianPruner(n_startup_trials=5)
    assert lonely.decide(0, 3, 1e9) == CONTINUE  # too few trials to compare with


def test_a_pruned_trial_is_recorded_as_pruned_and_never_ranks_best(tmp_path: Path) -> None:
    strategy = make_strategy("asha", SPACE, seed=0, maximize=True, max_resource=9)
    assert isinstance(strategy, ASHASearch)
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    loop = SearchLoop(strategy, budget=4, seeds=[0], log=log)
    assert loop.pruner is strategy.pruner
    trials = loop.propose(4)
    assert [t.budget for t in trials] == [9.0] * 4
    assert loop.pruner.decide(trials[0].id, 1, 0.5) == CONTINUE
    assert loop.pruner.decide(trials[1].id, 1, 0.9) == CONTINUE
    assert loop.pruner.decide(trials[2].id, 1, 0.1) == STOP
    loop.report(trials[2].id, 0, 0.1, pruned_at=1)
    loop.report(trials[0].id, 0, 0.7)
    loop.report(trials[1].id, 0, 0.8)
    loop.report(trials[3].id, 0, None, reason="exit 1")
    records = {r["id"]: r for r in log.read()}
    assert records[trials[2].id]["state"] == "pruned"
    assert records[trials[2].id]["pruned_at"] == {"0": 1.0}
    assert records[trials[2].id]["score"] == 0.1
    assert "state" not in records[trials[3].id] and records[trials[3].id]["status"] == "failed"
    assert loop.pruned(trials[2].id) and not loop.pruned(trials[3].id)
    assert [ev.trial_id for ev in loop.best(3)] == [trials[1].id, trials[0].id]
    # the pruned state survives a resume
    again = SearchLoop(
        make_strategy("asha", SPACE, seed=0, maximize=True, max_resource=9),
        budget=4,
        seeds=[0],
        log=log,
    )
    again.restore()
    assert again.done and again.pruned(trials[2].id)
    assert [ev.trial_id for ev in again.best(3)] == [trials[1].id, trials[0].id]


def test_asha_search_resumes_its_stream(tmp_path: Path) -> None:
    def make() -> ASHASearch:
        s = make_strategy("asha", SPACE, seed=5, max_resource=9)
        assert isinstance(s, ASHASearch)
        return s

    whole = SearchLoop(make(), budget=6, seeds=[0])
    params = [t.params for t in whole.propose(6)]
    log = HyperLog(tmp_path / "h.jsonl")
    first = SearchLoop(make(), budget=6, seeds=[0], log=log)
    opened = first.propose(3)
    first.report(opened[0].id, 0, 0.5)
    second = SearchLoop(make(), budget=6, seeds=[0], log=log)
    second.restore(None, opened)
    assert [t.params for t in second.propose(3)] == params[3:]
