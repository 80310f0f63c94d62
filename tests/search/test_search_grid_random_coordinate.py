"""Behaviour specific to grid, random and coordinate search."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest
from mle_search import (
    CoordinateSearch,
    GridSearch,
    HyperLog,
    RandomSearch,
    SearchConfigError,
    SearchStateError,
    Space,
    make_strategy,
)
from search_helpers import FINITE, objective


def test_seed_grid_example_proposes_one_to_ten_in_order() -> None:
    space = Space.from_config({"real": {"x_0": {"begin": 1, "end": 10, "bins": 10}}})
    grid = make_strategy("grid", space, maximize=True)
    got: list[dict[str, Any]] = []
    for _ in range(3):  # asked without telling: all pending
        assert not grid.exhausted  # looking ahead must not skip or repeat a point
        got += grid.ask(4)
    assert [p["train_config.x_0"] for p in got] == [float(v) for v in range(1, 11)]
    assert grid.exhausted and grid.ask(1) == []


def test_grid_is_lexicographic_in_the_given_order() -> None:
    space = Space.from_config(
        {"categorical": {"b": ["x", "y"]}, "integer": {"a": {"begin": 1, "end": 3}}}
    )
    got = [(p["train_config.b"], p["train_config.a"]) for p in GridSearch(space).ask(10)]
    assert got == [("x", 1), ("x", 2), ("x", 3), ("y", 1), ("y", 2), ("y", 3)]


def test_grid_skips_points_already_in_the_log() -> None:
    space = Space.from_config(FINITE)
    done = GridSearch(space).ask(18)[::2]
    grid = GridSearch(space).resume_from([{"params": p, "scores": [1.0]} for p in done])
    assert not grid.exhausted
    rest = grid.ask(100)
    assert len(rest) == 9 and not {tuple(p.items()) for p in rest} & {
        tuple(p.items()) for p in done
    }


def test_large_grid_is_enumerated_lazily() -> None:
    space = Space.from_config(
        {
            "integer": {"a": {"begin": 1, "end": 100}, "b": {"begin": 1, "end": 100}},
            "real": {"c": {"begin": 0, "end": 1, "bins": 100}},
        }
    )
    tracemalloc.start()
    grid = GridSearch(space)
    assert grid.size == 10**6
    first = grid.ask(1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000  # a materialized 10^6-point grid would need far more
    assert first[-1] == {"train_config.a": 1, "train_config.b": 10, "train_config.c": 1.0}


def test_random_resume_reproposes_points_lost_while_pending(tmp_path: Any) -> None:
    space = Space.from_config(FINITE | {"real": {"lr": {"begin": 1e-3, "end": 1.0}}})
    first = RandomSearch(space, seed=5)
    props = first.ask(4)
    log = HyperLog(tmp_path / "h.jsonl")
    for p in props[:2] + props[3:]:  # props[2] was running when the process died
        log.append(p, [objective(p)])
    resumed = RandomSearch(space, seed=5).resume_from(log.read())
    again = resumed.ask(2)
    assert again[0] == props[2]
    assert again[1] == RandomSearch(space, seed=5).ask(5)[4]


def test_random_draws_a_seed_when_none_is_given() -> None:
    space = Space.from_config(FINITE | {"real": {"lr": {"begin": 1e-3, "end": 1.0}}})
    a = RandomSearch(space)
    assert isinstance(a.seed, int)
    assert RandomSearch(space, seed=a.seed).ask(3) == a.ask(3)


def test_resume_needs_a_fresh_strategy() -> None:
    strategy = RandomSearch(Space.from_config(FINITE), seed=0)
    strategy.ask(1)
    with pytest.raises(SearchStateError, match="fresh"):
        strategy.resume_from([])


@pytest.mark.parametrize("maximize", [False, True])
def test_coordinate_sweeps_one_parameter_at_a_time_around_the_best(maximize: bool) -> None:
    space = Space.from_config(
        {"integer": {"a": {"begin": 0, "end": 4}, "b": {"begin": 0, "end": 4}}}
    )
    search = CoordinateSearch(space, maximize=maximize, order=["b", "train_config.a"])
    sign = -1 if maximize else 1

    def score(p: dict[str, int]) -> float:  # optimum at a=1, b=3
        return sign * ((p["train_config.a"] - 1) ** 2 + (p["train_config.b"] - 3) ** 2)

    sweep_b = search.ask(10)
    assert [p["train_config.b"] for p in sweep_b] == [0, 1, 2, 3, 4]
    assert {p["train_config.a"] for p in sweep_b} == {2}  # the middle value
    assert search.ask(1) == [] and not search.exhausted  # waits for the sweep's results
    search.tell(sweep_b, [score(p) for p in sweep_b])
    sweep_a = search.ask(10)
    assert {p["train_config.b"] for p in sweep_a} == {3}  # the best b so far
    assert [p["train_config.a"] for p in sweep_a] == [0, 1, 3, 4]  # a=2 was evaluated
    search.tell(sweep_a, [score(p) for p in sweep_a])
    assert search.exhausted and search.ask(1) == []
    assert search.best(1)[0].params == {"train_config.a": 1, "train_config.b": 3}


def test_coordinate_options_are_checked() -> None:
    space = Space.from_config(FINITE)
    with pytest.raises(SearchConfigError, match="'nope'"):
        CoordinateSearch(space, order=["nope"])
    with pytest.raises(SearchConfigError, match="resolution"):
        CoordinateSearch(space, resolution=1)
    start = CoordinateSearch(space, start={"opt": "sgd", "w": 1.5})
    assert start.incumbent == {
        "train_config.w": 1.5,
        "net_config.layers": 2,
        "train_config.opt": "sgd",
    }


def test_coordinate_rounds_repeat_the_cycle() -> None:
    space = Space.from_config({"real": {"x": {"begin": 0, "end": 1, "prior": "uniform"}}})
    one = CoordinateSearch(space, resolution=5)
    two = CoordinateSearch(space, resolution=5, num_rounds=2)
    for s in (one, two):
        props = s.ask(10)
        s.tell(props, [abs(p["train_config.x"] - 0.3) for p in props])
    assert len(one.history) == 5 and one.exhausted
    assert two.ask(10) == [] and two.exhausted  # round 2 around the same best: all seen
