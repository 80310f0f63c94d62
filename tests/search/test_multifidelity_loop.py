"""Multi-fidelity searches in the SearchLoop: rungs continue a parent's checkpoint at a larger
budget, the hyper log records budget, parent and tags, and a resume after a crash proposes
exactly what the uninterrupted search would have."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from mle_search import (
    HyperbandSearch,
    HyperLog,
    PBTSearch,
    SearchConfigError,
    SearchLoop,
    SearchStateError,
    Strategy,
    SuccessiveHalvingSearch,
    Trial,
    added_budget,
    available_strategies,
    make_strategy,
)

SPACE = {
    "real": {"lr": {"begin": 1e-3, "end": 1.0, "prior": "log-uniform"}},
    "integer": {"net_config.layers": {"begin": 1, "end": 4}},
}


def score(params: dict[str, Any], budget: float | None) -> float:
    """Higher is better; grows with the budget; best near lr = 0.03."""
    gap = abs(math.log10(params["train_config.lr"]) + 1.5)
    return 1.0 - gap / (1.0 + float(budget or 1)) - 0.01 * params["net_config.layers"]


MAKERS = {
    "hyperband": lambda: make_strategy("hyperband", SPACE, seed=3, maximize=True, max_resource=27),
    "successive_halving": lambda: make_strategy(
        "successive_halving", SPACE, seed=3, maximize=True, num_arms=8, budget=48
    ),
    "pbt": lambda: make_strategy(
        "pbt",
        SPACE,
        seed=3,
        maximize=True,
        num_workers=5,
        steps_until_ready=2,
        num_generations=4,
        exploit={"strategy": "binary_tournament"},
        explore={"strategy": "perturbation", "perturb_coeffs": [0.8, 1.2]},
    ),
}


def run(
    make: Any,
    log: Path,
    *,
    slots: int = 3,
    crash_after: int | None = None,
    rng_seed: int = 0,
    state: dict[str, Any] | None = None,
) -> tuple[SearchLoop, dict[str, Any]]:
    """A driver: `slots` runs at once finishing in random order, its own durable table of
    planned trials and finished runs; stops (a crash) after `crash_after` reports."""
    state = state if state is not None else {"planned": {}, "finished": {}, "starts": {}}
    loop = SearchLoop(make(), budget=None, seeds=[0], log=log)
    if state["planned"]:
        loop.restore(None, list(state["planned"].values()))
        for trial in loop.pending_trials:
            if trial.id in state["finished"]:
                loop.report(trial.id, 0, state["finished"][trial.id])
    running = [t.id for t in loop.pending_trials if t.id not in state["finished"]]
    reports = 0
    while not loop.done:
        for trial in loop.propose(slots - len(running)):
            state["planned"][trial.id] = trial
            running.append(trial.id)
            state["starts"][trial.id] = state["starts"].get(trial.id, 0) + 1
        assert running, loop.end_reason
        # which run finishes next: shuffled, but a function of the running set only, so a
        # resumed driver continues exactly as the uninterrupted one
        tid = min(running, key=lambda t: (t * 7919 + rng_seed) % 101)
        running.remove(tid)
        trial = state["planned"][tid]
        value = score(trial.params, trial.budget)
        state["finished"][tid] = value
        loop.report(tid, 0, value)
        reports += 1
        if crash_after is not None and reports >= crash_after:
            break
    return loop, state


def trial_table(state: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (t.id, sorted(t.params.items()), t.budget, t.parent)
        for t in sorted(state["planned"].values(), key=lambda t: t.id)
    ]


def test_the_strategies_are_registered_by_name() -> None:
    names = available_strategies()
    for name in ("hyperband", "successive_halving", "asha", "pbt"):
        assert name in names


def test_hyperband_brackets_follow_li_et_al() -> None:
    search = HyperbandSearch(
        __import__("mle_search").Space.from_config(SPACE), max_resource=81, eta=3
    )
    sizes = [b.sizes for b in search.brackets]
    budgets = [b.budgets for b in search.brackets]
    assert sizes == [(81, 27, 9, 3, 1), (34, 11, 3, 1), (15, 5, 1), (8, 2), (5,)]
    assert budgets[0] == (1.0, 3.0, 9.0, 27.0, 81.0)
    assert budgets[-1] == (81.0,)


def test_successive_halving_uses_the_original_schedule() -> None:
    search = make_strategy("successive_halving", SPACE, num_arms=20, budget=200)
    assert isinstance(search, SuccessiveHalvingSearch)
    (bracket,) = search.brackets
    # ceil(log2 20) = 5 rungs; arms halved; rung k trained floor(200 / (arms_k * 5)) in all
    assert bracket.sizes == (20, 10, 5, 2, 1)
    assert bracket.budgets == (2.0, 4.0, 8.0, 20.0, 40.0)


def test_bad_options_name_the_key() -> None:
    with pytest.raises(SearchConfigError, match="eta"):
        make_strategy("hyperband", SPACE, max_resource=27, eta=1)
    with pytest.raises(SearchConfigError, match=r"budget .* or max_resource"):
        make_strategy("successive_halving", SPACE, num_arms=8)
    with pytest.raises(SearchConfigError, match=r"exploit\.strategy"):
        make_strategy("pbt", SPACE, exploit={"strategy": "roulette"})


@pytest.mark.parametrize("name", ["hyperband", "successive_halving"])
def test_each_rung_continues_the_previous_rung_of_the_same_point(name: str, tmp_path: Path) -> None:
    loop, state = run(MAKERS[name], tmp_path / "hyper_log.jsonl")
    trials = state["planned"]
    strategy = loop.strategy
    assert isinstance(strategy, SuccessiveHalvingSearch | HyperbandSearch)
    for trial in trials.values():
        tags = loop.tags(trial.id)
        bracket = strategy.brackets[tags["bracket"]]
        assert trial.budget == bracket.budgets[tags["rung"]]
        if tags["rung"] == 0:
            assert trial.parent is None
            assert added_budget(trial, None) == trial.budget
            continue
        parent = trials[trial.parent]
        assert parent.params == trial.params
        assert loop.tags(parent.id)["rung"] == tags["rung"] - 1
        # promoted: among the best of its rung below
        peers = [
            t
            for t in trials.values()
            if loop.tags(t.id)["bracket"] == tags["bracket"]
            and loop.tags(t.id)["rung"] == tags["rung"] - 1
        ]
        ranked = sorted(peers, key=lambda t: -state["finished"][t.id])
        assert parent in ranked[: bracket.sizes[tags["rung"]]]
        assert added_budget(trial, parent) == trial.budget - parent.budget
    expected = sum(sum(b.sizes) for b in strategy.brackets)
    assert len(trials) == expected
    records = HyperLog(tmp_path / "hyper_log.jsonl").read()
    assert len(records) == expected
    promoted = [r for r in records if r.get("parent") is not None]
    assert promoted and all("budget" in r and "rung" in r for r in promoted)


@pytest.mark.parametrize("name", list(MAKERS))
@pytest.mark.parametrize("crash_after", [1, 7, 20])
def test_resume_after_a_crash_proposes_what_the_uninterrupted_search_would(
    name: str, crash_after: int, tmp_path: Path
) -> None:
    _, whole = run(MAKERS[name], tmp_path / "a.jsonl")
    log = tmp_path / "b.jsonl"
    _, state = run(MAKERS[name], log, crash_after=crash_after)
    loop, state = run(MAKERS[name], log, state=state)
    assert loop.done
    assert trial_table(state) == trial_table(whole)
    assert all(n == 1 for n in state["starts"].values())  # nothing finished ran twice
    ids = [r["id"] for r in HyperLog(log).read()]
    assert sorted(ids) == sorted(set(ids)) == sorted(state["planned"])
    first = HyperLog(log).read()[0]
    assert loop.tags(first["id"]) and all(first[k] == v for k, v in loop.tags(first["id"]).items())


def test_pbt_workers_continue_or_copy_a_better_worker(tmp_path: Path) -> None:
    loop, state = run(MAKERS["pbt"], tmp_path / "hyper_log.jsonl")
    strategy = loop.strategy
    assert isinstance(strategy, PBTSearch)
    trials: dict[int, Trial] = state["planned"]
    assert len(trials) == 5 * 4
    copies = 0
    for trial in trials.values():
        tags = loop.tags(trial.id)
        assert trial.budget == 2.0 * (tags["generation"] + 1)
        if tags["generation"] == 0:
            assert trial.parent is None
            continue
        parent = trials[trial.parent]
        assert loop.tags(parent.id)["generation"] == tags["generation"] - 1
        if tags["exploited"] is None:  # continues its own checkpoint, same point
            assert loop.tags(parent.id)["worker"] == tags["worker"]
            assert parent.params == trial.params
        else:  # copied a better worker's checkpoint and explored around its point
            copies += 1
            assert tags["exploited"] == parent.id
            own = next(
                t
                for t in trials.values()
                if loop.tags(t.id) == {**loop.tags(parent.id), "worker": tags["worker"]}
                or (
                    loop.tags(t.id)["worker"] == tags["worker"]
                    and loop.tags(t.id)["generation"] == tags["generation"] - 1
                )
            )
            assert state["finished"][parent.id] > state["finished"][own.id]
        assert strategy.lineage(trial.id)[-1] == trial.id
    assert copies > 0
    lineage = strategy.lineage(max(trials))
    assert len(lineage) == 4 and trials[lineage[0]].parent is None
    records = {r["id"]: r for r in HyperLog(tmp_path / "hyper_log.jsonl").read()}
    assert all("worker" in r and "generation" in r for r in records.values())


def test_truncation_copies_the_best_into_the_worst(tmp_path: Path) -> None:
    def make() -> Strategy:
        return PBTSearch(
            __import__("mle_search").Space.from_config(SPACE),
            seed=1,
            maximize=True,
            num_workers=10,
            num_generations=2,
            exploit={"strategy": "truncation", "selection_percent": 0.2},
            explore={"strategy": "resampling", "resample_prob": 0.5},
        )

    loop, state = run(make, tmp_path / "h.jsonl")
    first = sorted((t for t in state["planned"].values() if t.parent is None), key=lambda t: t.id)
    ranked = sorted(first, key=lambda t: -state["finished"][t.id])
    copied = [t for t in state["planned"].values() if loop.tags(t.id).get("exploited") is not None]
    assert len(copied) == 2
    for trial in copied:
        assert trial.parent in {t.id for t in ranked[:2]}
        worker = loop.tags(trial.id)["worker"]
        assert worker in {loop.tags(t.id)["worker"] for t in ranked[-2:]}


def test_a_fidelity_strategy_refuses_plain_ask_tell_and_background() -> None:
    strategy = make_strategy("hyperband", SPACE, max_resource=9)
    with pytest.raises(SearchStateError, match="SearchLoop"):
        strategy.ask(1)
    with pytest.raises(Exception, match="background"):
        SearchLoop(strategy, budget=None, seeds=[0], background=True)


def test_restore_refuses_a_log_of_another_schedule(tmp_path: Path) -> None:
    log = tmp_path / "h.jsonl"
    run(MAKERS["hyperband"], log, crash_after=5)
    other = make_strategy("hyperband", SPACE, seed=4, maximize=True, max_resource=27)
    loop = SearchLoop(other, budget=None, seeds=[0], log=log)
    with pytest.raises(SearchStateError, match="other options or seed"):
        loop.restore()


def test_a_failed_arm_never_moves_up_and_the_search_still_ends() -> None:
    strategy = make_strategy("successive_halving", SPACE, seed=0, num_arms=8, max_resource=8)
    assert isinstance(strategy, SuccessiveHalvingSearch)
    assert strategy.brackets[0].budgets == (2.0, 4.0, 8.0)  # max_resource * 2**(k - last)
    loop = SearchLoop(strategy, budget=None, seeds=[0, 1])
    failed: set[int] = set()
    while not loop.done:
        for trial in loop.propose(None):
            for seed in trial.seeds:
                bad = trial.parent is None and trial.id % 2 == 0  # half the first rung fails
                if bad:
                    failed.add(trial.id)
                loop.report(trial.id, seed, None if bad else score(trial.params, trial.budget))
    promoted = [ev for ev in loop.history if loop.tags(ev.trial_id)["rung"] > 0]
    parents = {strategy.trials[ev.trial_id].parent for ev in promoted}
    assert promoted and not parents & failed
    assert loop.end_reason is not None and "exhausted" in loop.end_reason


@pytest.mark.parametrize(
    "explore",
    [
        {"strategy": "additive-noise", "noise_scale": 0.5},
        {"strategy": "perturbation", "perturb_coeffs": [0.5, 2.0]},
        {"strategy": "resampling", "resample_prob": 1.0},
    ],
)
def test_explored_points_stay_in_the_space(explore: dict[str, Any], tmp_path: Path) -> None:
    def make() -> Strategy:
        return make_strategy(
            "pbt", SPACE, seed=2, num_workers=6, num_generations=3, explore=explore
        )

    loop, state = run(make, tmp_path / "h.jsonl")
    space = loop.strategy.space
    for trial in state["planned"].values():
        assert space.proposal(space.key(trial.params)) == trial.params
    moved = [
        t
        for t in state["planned"].values()
        if loop.tags(t.id)["exploited"] is not None
        and t.params != state["planned"][t.parent].params
    ]
    assert moved


def test_script_extra_speaks_the_original_protocol(tmp_path: Path) -> None:
    loop, state = run(MAKERS["successive_halving"], tmp_path / "sh.jsonl")
    strategy = loop.strategy
    assert isinstance(strategy, SuccessiveHalvingSearch)
    promoted = next(t for t in state["planned"].values() if t.parent is not None)
    extra = strategy.script_extra(promoted.id, checkpoint="runs/3/models/final.pt")
    parent = state["planned"][promoted.parent]
    assert extra == {
        "sh_num_total_iters": int(promoted.budget),
        "sh_num_add_iters": int(promoted.budget - parent.budget),
        "sh_counter": loop.tags(promoted.id)["rung"],
        "sh_ckpt": "runs/3/models/final.pt",
    }
    first = strategy.script_extra(parent.id if parent.parent is None else 0, checkpoint="x")
    assert "sh_ckpt" not in first  # a first-rung trial starts from scratch
    loop, state = run(MAKERS["pbt"], tmp_path / "pbt.jsonl")
    strategy = loop.strategy
    assert isinstance(strategy, PBTSearch)
    trial = max(state["planned"].values(), key=lambda t: t.id)
    extra = strategy.script_extra(trial.id, checkpoint="ckpt")
    assert extra["pbt_num_total_iters"] == 8 and extra["pbt_num_add_iters"] == 2
    assert extra["pbt_counter"] == 3 and extra["pbt_worker_id"] == loop.tags(trial.id)["worker"]
    assert extra["pbt_ckpt"] == "ckpt"
    assert extra["pbt_explore"] == (loop.tags(trial.id)["exploited"] is not None)
