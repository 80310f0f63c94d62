"""SearchLoop: trials for free slots, per-seed results in any order, budget, end, resume."""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mle_search import (
    HyperLog,
    SearchInputError,
    SearchLoop,
    SearchStateError,
    Space,
    Strategy,
    Trial,
    make_strategy,
)
from search_helpers import FAST_SMBO, FINITE, MIXED, objective

CONTINUOUS = {
    "real": {"lr": {"begin": 1e-4, "end": 1e-1, "prior": "log-uniform"}},
    "integer": {"net_config.layers": {"begin": 1, "end": 3}},
    "categorical": {"opt": ["adam", "sgd", "rmsprop"]},
}


def _crc(params: dict[str, Any], seed: int) -> int:
    return zlib.crc32(json.dumps([params, seed], sort_keys=True).encode())


def score_of(params: dict[str, Any], seed: int) -> float | None:
    """Deterministic per (params, seed); about one run in six fails; no two points tie."""
    crc = _crc(params, seed)
    if crc % 6 == 0:
        return None
    jitter = zlib.crc32(json.dumps(params, sort_keys=True).encode()) % 10_000
    return objective(params) + 0.01 * seed + 1e-7 * jitter


class Caller:
    """What a driver does around a SearchLoop: runs every seed of a trial in a free slot,
    finishes runs in random order, and keeps its own durable record (planned trials, finished
    runs) that survives a crash of the loop. ``starts`` counts how often each run started."""

    def __init__(self, slots: int | None, rng_seed: int) -> None:
        self.slots = slots
        self.rng = random.Random(rng_seed)
        self.planned: dict[int, Trial] = {}  # the caller's job table: trials ...
        self.finished: dict[tuple[int, int], float | None] = {}  # ... and finished runs
        self.waiting: list[tuple[int, int]] = []  # submitted, no slot yet
        self.running: list[tuple[int, int]] = []
        self.starts: dict[tuple[int, int], int] = {}
        self.steps = 0

    def free(self) -> int | None:
        if self.slots is None:
            return None
        return max(0, self.slots - len(self.running) - len(self.waiting))

    def step(self, loop: SearchLoop) -> None:
        for trial in loop.propose(self.free()):
            self.planned[trial.id] = trial  # recorded before any of its runs starts
            self.waiting += [(trial.id, seed) for seed in trial.seeds]
        while self.waiting and (self.slots is None or len(self.running) < self.slots):
            run = self.waiting.pop(0)
            self.starts[run] = self.starts.get(run, 0) + 1
            self.running.append(run)
        if self.running:
            run = self.running.pop(self.rng.randrange(len(self.running)))
            trial = self.planned[run[0]]
            score = score_of(trial.params, run[1])
            self.finished[run] = score
            loop.report(run[0], run[1], score, reason=None if score is not None else "exit 1")
        self.steps += 1

    def run(self, loop: SearchLoop, *, until: int | None = None) -> None:
        limit = 10_000
        while not loop.done and (until is None or self.steps < until):
            self.step(loop)
            limit -= 1
            assert limit > 0, "the loop never ended"

    def restore(self, loop: SearchLoop, log: HyperLog) -> None:
        """After a crash: the log's records plus every planned trial not in them; then the
        runs of open trials that had finished are reported again."""
        loop.restore(log.read(), list(self.planned.values()))
        for trial in loop.pending_trials:
            for seed in trial.seeds:
                if (trial.id, seed) in self.finished:
                    loop.report(trial.id, seed, self.finished[(trial.id, seed)])


def _outcome(log: HyperLog) -> dict[int, tuple[Any, ...]]:
    return {
        r["id"]: (json.dumps(r["params"], sort_keys=True), tuple(r["scores"]), r["batch"])
        for r in log.read()
        if r["id"] is not None
    }


def _make(kind: str, config: dict[str, Any]) -> Strategy:
    options = FAST_SMBO if kind == "smbo" else {}
    return make_strategy(kind, Space.from_config(config), seed=7, **options)


def _loop(kind: str, config: dict[str, Any], log: HyperLog, **kw: Any) -> SearchLoop:
    kw.setdefault("budget", 12)
    kw.setdefault("seeds", (0, 1, 2))
    kw.setdefault("batch_size", 4)
    return SearchLoop(_make(kind, config), log=log, **kw)


CASES = [
    ("grid", FINITE),
    ("random", FINITE),
    ("random", CONTINUOUS),
    ("coordinate", FINITE),
    ("coordinate", CONTINUOUS),
]


@pytest.mark.parametrize(("kind", "config"), CASES)
@pytest.mark.parametrize("slots", [None, 4, 7])
def test_resume_after_a_crash_at_any_step_equals_the_uninterrupted_run(
    kind: str, config: dict[str, Any], slots: int | None, tmp_path: Path
) -> None:
    whole = HyperLog(tmp_path / "whole.jsonl")
    caller = Caller(slots, rng_seed=1)
    caller.run(_loop(kind, config, whole))
    expected = _outcome(whole)
    assert len(expected) == 12 or kind == "coordinate"
    assert all(n == 1 for n in caller.starts.values())

    for crash in (3, 11, 25, 40):
        log = HyperLog(tmp_path / f"crash{crash}.jsonl")
        caller = Caller(slots, rng_seed=1)
        caller.run(_loop(kind, config, log), until=crash)
        resumed = _loop(kind, config, log)  # a fresh strategy and loop, as after SIGKILL
        caller.restore(resumed, log)
        caller.run(resumed)
        assert _outcome(log) == expected, f"crash at step {crash}"
        assert all(n == 1 for n in caller.starts.values()), "a run started twice"
        params = [p for p, _, _ in _outcome(log).values()]
        assert len(params) == len(set(params)), "a point was proposed twice"


def test_smbo_resume_finishes_its_budget_without_running_anything_twice(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "h.jsonl")
    caller = Caller(4, rng_seed=3)
    caller.run(_loop("smbo", MIXED, log, budget=8, seeds=2), until=9)
    resumed = _loop("smbo", MIXED, log, budget=8, seeds=2)
    caller.restore(resumed, log)
    caller.run(resumed)
    records = log.read()
    assert sorted(r["id"] for r in records) == list(range(8))
    assert all(n == 1 for n in caller.starts.values())
    assert len({json.dumps(r["params"], sort_keys=True) for r in records}) == 8
    assert resumed.best(1)[0].score == min(r["score"] for r in records if r["score"] is not None)


def test_propose_fills_free_slots_within_budget_and_numbers_batches(tmp_path: Path) -> None:
    loop = _loop("grid", FINITE, HyperLog(tmp_path / "h.jsonl"), budget=10, batch_size=3)
    first = loop.propose(4)  # 4 free runs, 3 seeds a trial: 2 trials so no slot idles
    assert [t.id for t in first] == [0, 1] and all(t.seeds == (0, 1, 2) for t in first)
    assert loop.propose(0) == [] and loop.propose(-2) == []  # more runs waiting than slots
    more = loop.propose(None)  # no slot limit: up to batch_size (3) open trials
    assert [t.id for t in more] == [2]
    assert loop.propose(None) == []
    rest = loop.propose(100)
    assert [t.id for t in rest] == list(range(3, 10))  # the budget caps it
    assert [t.batch for t in first + more + rest] == [i // 3 for i in range(10)]
    assert loop.propose(100) == [] and loop.remaining == 0
    assert not loop.done and loop.end_reason == "budget spent: 10 of 10 trials proposed"
    assert [t.id for t in loop.pending_trials] == list(range(10))


def test_seeds_are_told_together_in_seed_order_whatever_order_they_finish(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "h.jsonl")
    loop = SearchLoop(
        make_strategy("grid", FINITE),
        budget=2,
        seeds=[5, 3, 9],
        log=log,
        annotate=lambda t: {"run_dir": f"runs/{t.id}", "config_id": f"c{t.id}"},
    )
    (a,) = loop.propose(None)
    assert loop.propose(None) == []  # batch_size 1: one open trial at a time
    assert loop.report(a.id, 9, 3.0) is None
    assert loop.report(a.id, 5, None, reason="exit code 1") is None
    assert loop.results(a.id) == {9: 3.0, 5: None}
    ev = loop.report(a.id, 3, 1.0)
    assert ev is not None and ev.trial_id == a.id
    assert ev.scores == (None, 1.0, 3.0) and ev.score == 2.0 and ev.status == "partial"
    (record,) = log.read()
    assert record["id"] == 0 and record["batch"] == 0 and record["seeds"] == [5, 3, 9]
    assert record["scores"] == [None, 1.0, 3.0] and record["reasons"] == {"5": "exit code 1"}
    assert record["run_dir"] == "runs/0" and record["config_id"] == "c0"
    with pytest.raises(SearchStateError, match="already told"):
        loop.report(a.id, 3, 1.0)
    (b,) = loop.propose(None)
    with pytest.raises(SearchInputError, match=r"seeds \[5, 3, 9\], found seed 4"):
        loop.report(b.id, 4, 1.0)
    with pytest.raises(SearchInputError, match="open trial"):
        loop.report(99, 5, 1.0)


def test_failed_trials_count_against_the_budget_and_never_rank(tmp_path: Path) -> None:
    loop = SearchLoop(make_strategy("grid", FINITE), budget=3, seeds=2)
    scores = {0: [None, None], 1: [2.0, float("nan")], 2: [1.0, float("inf")]}
    for _ in range(3):
        for trial in loop.propose(2):
            for seed, score in zip(trial.seeds, scores[trial.id], strict=True):
                loop.report(trial.id, seed, score)
    assert loop.done and loop.n_told == 3
    assert [ev.status for ev in loop.history] == ["failed", "partial", "partial"]
    assert [ev.trial_id for ev in loop.best(5)] == [2, 1]


def test_grid_ends_when_exhausted_once_its_open_trials_are_told() -> None:
    loop = SearchLoop(
        make_strategy("grid", {"integer": {"n": {"begin": 1, "end": 3}}}), budget=10, seeds=1
    )
    trials = loop.propose(10)
    assert len(trials) == 3 and loop.exhausted and not loop.done
    for t in trials:
        loop.report(t.id, 0, float(t.params["train_config.n"]))
    assert loop.done and "exhausted" in str(loop.end_reason)
    assert loop.best(1)[0].params == {"train_config.n": 1}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["random", "smbo"])
def test_a_range_with_fewer_floats_than_the_budget_ends_the_search(kind: str) -> None:
    """Issue 12 item 10: four floats and a budget of 50 used to spin forever."""
    begin = 1.0
    end = begin + 3 * 2.220446049250313e-16  # 1.0 and the next three floats
    space = {"real": {"x": {"begin": begin, "end": end}}}
    options = FAST_SMBO if kind == "smbo" else {}
    loop = SearchLoop(make_strategy(kind, space, seed=0, **options), budget=50, seeds=1)
    seen = []
    while not loop.done:
        for t in loop.propose(2):
            seen.append(t.params["train_config.x"])
            loop.report(t.id, 0, t.params["train_config.x"])
    assert len(seen) == len(set(seen)) <= 4
    assert "no new points" in str(loop.end_reason)


def test_a_strategy_that_proposes_nothing_with_nothing_open_ends_the_loop() -> None:
    class Stuck(Strategy):
        def _propose(self, n: int) -> list[tuple[Any, ...]]:
            return []

    loop = SearchLoop(Stuck(Space.from_config(FINITE)), budget=5, seeds=1)
    assert loop.propose(3) == []
    assert loop.done and "proposed nothing" in str(loop.end_reason)


def test_coordinate_waits_for_its_sweep_without_ending(tmp_path: Path) -> None:
    loop = SearchLoop(make_strategy("coordinate", FINITE), budget=20, seeds=1)
    sweep = loop.propose(100)
    assert len(sweep) == 3 and loop.propose(100) == [] and not loop.done
    for t in sweep:
        loop.report(t.id, 0, objective(t.params))
    assert loop.propose(100)  # the next sweep


def test_restore_skips_logged_trials_and_keeps_ids_and_budget(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "h.jsonl")
    loop = SearchLoop(make_strategy("grid", FINITE), budget=6, seeds=1, log=log)
    t0, t1, t2 = loop.propose(3)
    loop.report(t1.id, 0, 1.0)
    # the driver dies; its record has t0, t1 (already logged) and t2
    again = SearchLoop(make_strategy("grid", FINITE), budget=6, seeds=1, log=log)
    again.restore(None, [t0, t1, t2])  # records read from the loop's log
    assert [t.id for t in again.pending_trials] == [0, 2]
    assert again.n_told == 1 and again.remaining == 3
    new = again.propose(10)
    assert [t.id for t in new] == [3, 4, 5]
    taken = {json.dumps(t.params, sort_keys=True) for t in (t0, t1, t2)}
    assert not taken & {json.dumps(t.params, sort_keys=True) for t in new}
    with pytest.raises(SearchStateError, match="fresh"):
        again.restore([], [])


def test_earlier_records_inform_the_strategy_but_not_the_budget(tmp_path: Path) -> None:
    earlier = HyperLog(tmp_path / "earlier.jsonl")
    first = SearchLoop(make_strategy("grid", FINITE), budget=4, seeds=1, log=earlier)
    for t in first.propose(4):
        first.report(t.id, 0, -100.0)
    loop = SearchLoop(make_strategy("grid", FINITE), budget=4, seeds=1)
    loop.restore([], [], earlier=earlier.read())
    trials = loop.propose(10)
    assert [t.id for t in trials] == [0, 1, 2, 3] and loop.remaining == 0
    done = {json.dumps(r["params"], sort_keys=True) for r in earlier.read()}
    assert not done & {json.dumps(t.params, sort_keys=True) for t in trials}
    assert loop.best(1) == []  # this search has told nothing yet


def test_a_record_outside_the_space_is_named(tmp_path: Path) -> None:
    loop = SearchLoop(make_strategy("grid", FINITE), budget=4, seeds=1)
    bad = [{"params": {"w": 1.0, "net_config.layers": 9, "opt": "sgd"}, "scores": [1.0]}]
    with pytest.raises(Exception, match=r"earlier hyper log record 1: .*layers"):
        loop.restore([], [], earlier=bad)


def test_trial_round_trips_and_checks_its_fields() -> None:
    trial = Trial(3, {"train_config.x": 1.0}, 1, [0, 1], budget=9, parent=2)
    assert trial.seeds == (0, 1) and trial.budget == 9.0
    assert Trial.from_dict(json.loads(json.dumps(trial.to_dict()))) == trial
    assert hash(trial) == hash(Trial.from_dict(trial.to_dict()))
    for bad in ({"seeds": []}, {"seeds": [1, 1]}, {"id": -1}, {"budget": 0}, {"batch": True}):
        fields: dict[str, Any] = {"id": 0, "params": {}, "batch": 0, "seeds": [0], **bad}
        with pytest.raises(SearchInputError):
            Trial(**fields)


def test_loop_arguments_are_checked() -> None:
    strategy = make_strategy("grid", FINITE)
    bad: list[Callable[[], Any]] = [
        lambda: SearchLoop(strategy, budget=-1, seeds=1),
        lambda: SearchLoop(strategy, budget=1, seeds=0),
        lambda: SearchLoop(strategy, budget=1, seeds=1, batch_size=0),
        lambda: SearchLoop(object(), budget=1, seeds=1),  # type: ignore[arg-type]
        lambda: SearchLoop(strategy, budget=1, seeds=1).propose(1.5),  # type: ignore[arg-type]
    ]
    for call in bad:
        with pytest.raises(SearchInputError):
            call()


def test_reopen_reruns_failed_seeds_and_the_last_record_wins_on_restore(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "h.jsonl")
    loop = SearchLoop(make_strategy("grid", FINITE), budget=2, seeds=[0, 1, 2], log=log)
    a, b = loop.propose(6)
    for t, scores in ((a, [1.0, None, 3.0]), (b, [2.0, 2.0, 2.0])):
        for seed, score in zip(t.seeds, scores, strict=True):
            loop.report(t.id, seed, score)
    assert loop.done and loop.best(1)[0].trial_id == a.id  # 2.0 (partial) ties b: told first
    with pytest.raises(SearchStateError, match="no failed seed"):
        loop.reopen(b.id)
    again = loop.reopen(a.id)  # --retry-failed: seed 1 runs again
    assert again == a and loop.results(a.id) == {0: 1.0, 2: 3.0} and not loop.done
    assert loop.n_proposed == 2 and loop.propose(10) == []  # a retry spends no budget
    ev = loop.report(a.id, 1, 0.5)
    assert ev is not None and ev.scores == (1.0, 0.5, 3.0) and ev.status == "ok"
    assert loop.done and [e.trial_id for e in loop.history] == [b.id, a.id]
    assert [r["id"] for r in log.read()] == [a.id, b.id, a.id]

    resumed = SearchLoop(make_strategy("grid", FINITE), budget=2, seeds=[0, 1, 2], log=log)
    resumed.restore()
    assert resumed.done and resumed.n_told == 2
    assert {e.trial_id: e.scores for e in resumed.history}[a.id] == (1.0, 0.5, 3.0)
    with pytest.raises(SearchInputError, match="seed 7"):
        resumed.reopen(b.id, [7])
    assert resumed.reopen(b.id, [2]).id == b.id  # any seed may be re-run on request


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["grid", "random", "coordinate"])
def test_bins_over_a_range_of_four_floats_give_four_points(kind: str) -> None:
    """More bins than floats in the range: each float once, and every strategy ends."""
    end = 1.0 + 3 * 2.220446049250313e-16
    space = Space.from_config({"real": {"x": {"begin": 1.0, "end": end, "bins": 10}}})
    assert space.size == 4
    strategy = make_strategy(kind, space, seed=0)
    for _ in range(10):
        props = strategy.ask(3)
        strategy.tell(props, [[p["train_config.x"]] for p in props])
    assert strategy.exhausted and len(strategy.history) == 4
