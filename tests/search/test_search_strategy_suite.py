"""The shared strategy suite: every test runs against grid, random, coordinate, SMBO and (with
the optuna extra) Optuna's TPE."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from mle_search import HyperLog, SearchSpaceError, Strategy
from search_helpers import FINITE, MIXED, objective

Maker = Callable[..., Strategy]
PLAIN = (float, int, str, bool)


def _key(p: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted(p.items()))


def _check_in_space(p: dict[str, Any], config: dict[str, Any]) -> None:
    assert set(p) >= {"net_config.layers", "train_config.opt"}
    for value in p.values():
        assert type(value) in PLAIN, f"{value!r} is a {type(value).__name__}, not a plain value"
    assert p["net_config.layers"] in (1, 2, 3) and type(p["net_config.layers"]) is int
    assert p["train_config.opt"] in config["categorical"]["opt"]
    if "train_config.w" in p:
        assert p["train_config.w"] in (0.5, 1.0, 1.5)
    if "train_config.lr" in p:
        assert 1e-4 <= p["train_config.lr"] <= 1e-1


def _run(strategy: Strategy, n_total: int, batch: int = 3) -> list[dict[str, Any]]:
    """Ask in batches, keep one proposal pending across each round, tell the rest."""
    asked: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    for _ in range(4 * n_total):
        if len(asked) >= n_total:
            break
        new = strategy.ask(batch)
        asked.extend(new)
        ready = held + new[:-1]
        held = new[-1:]
        if ready:
            strategy.tell(ready, [[objective(p)] for p in ready])
        if not new and not held and strategy.exhausted:
            break
    if held:
        strategy.tell(held, [[objective(p)] for p in held])
    return asked


def test_proposals_are_plain_values_inside_the_space(make: Maker) -> None:
    configs = [FINITE] if make.kind == "grid" else [FINITE, MIXED]
    for config in configs:
        strategy = make(config, seed=3)
        asked = _run(strategy, 12)
        assert len(asked) >= 6
        for p in asked:
            _check_in_space(p, config)


def test_grid_needs_bins_others_take_continuous_ranges(make: Maker) -> None:
    if make.kind == "grid":
        with pytest.raises(SearchSpaceError, match=r"train_config.lr"):
            make(MIXED)
    else:
        assert make(MIXED, seed=0).ask(1)


def test_no_repeats_even_with_pending_points_until_exhausted(make: Maker) -> None:
    strategy = make(FINITE, seed=1)
    asked = _run(strategy, 40, batch=4)
    keys = [_key(p) for p in asked]
    assert len(keys) == len(set(keys)), "a point was proposed twice"
    assert strategy.exhausted
    assert strategy.ask(3) == []
    if make.kind != "coordinate":  # coordinate visits only the sweeps around its incumbent
        assert len(keys) == 18


def test_pending_points_are_not_proposed_again(make: Maker) -> None:
    strategy = make(FINITE, seed=2)
    first = strategy.ask(4)
    second = strategy.ask(3)  # all of `first` still pending
    strategy.tell(first[:2], [[objective(p)] for p in first[:2]])
    third = strategy.ask(3)  # first[2:], second pending; first[:2] evaluated
    keys = [_key(p) for p in first + second + third]
    assert len(keys) == len(set(keys))
    assert {_key(p) for p in strategy.pending} == {_key(p) for p in first[2:] + second + third}


def test_failed_seeds_are_recorded_and_never_scored_as_zero(make: Maker) -> None:
    strategy = make(FINITE, seed=4)
    props = strategy.ask(3)
    evs = strategy.tell(props, [[None, math.nan], [2.0, None], [5.0, 7.0]])
    assert [ev.status for ev in evs] == ["failed", "partial", "ok"]
    assert evs[0].score is None and evs[0].scores == (None, None)
    assert evs[1].score == 2.0 and evs[2].score == 6.0
    # Minimizing positive scores: a failure scored 0 would be the best; it must not appear.
    assert [ev.params for ev in strategy.best(3)] == [props[1], props[2]]
    assert len(strategy.history) == 3 and not strategy.pending


@pytest.mark.parametrize("maximize", [False, True])
def test_best_follows_the_direction(make: Maker, maximize: bool) -> None:
    strategy = make(FINITE, seed=5, maximize=maximize)
    props = strategy.ask(3)
    strategy.tell(props, [[1.0, 3.0], 5.0, [-1.0]])
    best = strategy.best(3)
    expected = [5.0, 2.0, -1.0] if maximize else [-1.0, 2.0, 5.0]
    assert [ev.score for ev in best] == expected
    assert best[0].params == (props[1] if maximize else props[2])


def test_same_seed_same_proposals(make: Maker) -> None:
    runs = [_run(make(MIXED if make.kind != "grid" else FINITE, seed=7), 8) for _ in range(2)]
    assert runs[0] == runs[1]


def _ask_tell(strategy: Strategy, n: int) -> list[dict[str, Any]]:
    props = strategy.ask(n)
    strategy.tell(props, [[objective(p), objective(p) + 1] for p in props])
    return props


@pytest.mark.parametrize("config", [FINITE, MIXED], ids=["finite", "mixed"])
def test_resume_from_log_equals_uninterrupted_run(make: Maker, config: Any, tmp_path: Any) -> None:
    if make.kind in ("smbo", "optuna"):
        pytest.skip("model-based: replays observations (test_search_smbo/_optuna.py)")
    if make.kind == "grid" and config is MIXED:
        pytest.skip("grid needs bins")
    whole = make(config, seed=11)
    expected = _ask_tell(whole, 4) + _ask_tell(whole, 4) + _ask_tell(whole, 4)

    log = HyperLog(tmp_path / "hyper_log.jsonl")
    first = make(config, seed=11)
    done = _ask_tell(first, 4) + _ask_tell(first, 4)
    assert done == expected[: len(done)]
    for p in done:
        log.append(p, [objective(p), objective(p) + 1])
    # a new process: a fresh strategy built from the log alone
    resumed = make(config, seed=11)
    resumed.resume_from(log.read())
    assert [ev.params for ev in resumed.history] == done
    assert _ask_tell(resumed, 4) == expected[len(done) :]
    assert len(expected) > len(done)


def test_one_value_parameters_are_held_fixed(make: Maker) -> None:
    config = {
        "real": {"c": {"begin": 2, "end": 2}, "d": {"begin": 0, "end": 1, "bins": 1}},
        "integer": {"n": {"begin": 1, "end": 3}},
        "categorical": {"o": ["only"]},
    }
    strategy = make(config, seed=0)
    asked: list[dict[str, Any]] = []
    for _ in range(10):
        new = strategy.ask(2)
        strategy.tell(new, [[float(p["train_config.n"])] for p in new])
        asked += new
    fixed = {"train_config.c": 2.0, "train_config.d": 0.0, "train_config.o": "only"}
    assert all(p.items() >= fixed.items() for p in asked)
    assert sorted(p["train_config.n"] for p in asked) == [1, 2, 3]
    assert strategy.exhausted
