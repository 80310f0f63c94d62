"""Behaviours asserted by the original mle-hyperopt suite (tests/test_space.py,
tests/test_strategies.py), re-stated against mle_search's own API.

Differences on purpose, repeated where a test relies on one:
- proposals are keyed by canonical dotted names (``"train_config.lrate"``); a bare name is
  accepted on input and means ``train_config``;
- the original's classes take ``real=/integer=/categorical=`` keyword arguments; we build a
  ``Space`` from the experiment YAML's ``params_to_search`` mapping (same inner shapes:
  begin / end / bins / prior, a list of categories);
- integer ranges are inclusive of ``end``; membership is ``Space.key`` raising
  ``SearchSpaceError`` (one line naming the parameter) rather than ``contains() -> bool``;
- ``get_best(k)`` returning (ids, configs, values) is ``best(k)`` returning Evaluations, best
  first; ``len(strategy)`` / ``strategy.log`` is ``strategy.history``;
- we do not reproduce the original's random stream, so seeded values are compared between two
  of our own runs rather than against the original's literal numbers.
"""

from __future__ import annotations

from typing import Any

import pytest
from mle_search import (
    Evaluation,
    SearchConfigError,
    SearchSpaceError,
    Space,
    Strategy,
    make_strategy,
    to_nested,
)

LR, BS, ARCH = "train_config.lrate", "train_config.batch_size", "train_config.arch"

#: the original's continuous space: a uniform real, an integer, two categories
CONTINUOUS: dict[str, Any] = {
    "real": {"lrate": {"begin": 0.1, "end": 0.5, "prior": "uniform"}},
    "integer": {"batch_size": {"begin": 1, "end": 5, "prior": "log-uniform"}},
    "categorical": {"arch": ["mlp", "cnn"]},
}
#: the original's grid space: a binned real, an integer range, two categories
GRID: dict[str, Any] = {
    "real": {"lrate": {"begin": 0.1, "end": 0.5, "bins": 5}},
    "integer": {"batch_size": {"begin": 1, "end": 5}},
    "categorical": {"arch": ["mlp", "cnn"]},
}
FAST_SMBO: dict[str, Any] = {
    "base_estimator": "GP",
    "acq_function": "gp_hedge",
    "n_initial_points": 5,
    "acq_optimizer": "sampling",  # a sampled acquisition optimum keeps the test quick
}


def loss(p: dict[str, Any]) -> float:
    """A bowl with its floor at lrate 0.2, batch size 3; 'mlp' costs a constant 3."""
    return (p[LR] - 0.2) ** 2 + (p[BS] - 3) ** 2 + (3.0 if p[ARCH] == "mlp" else 0.0)


def within(p: dict[str, Any]) -> bool:
    return 0.1 <= p[LR] <= 0.5 and p[BS] in range(1, 6) and p[ARCH] in ("mlp", "cnn")


def ask_tell(strategy: Strategy, n: int) -> tuple[list[dict[str, Any]], list[Evaluation]]:
    proposals = strategy.ask(n)
    return proposals, strategy.tell(proposals, [loss(p) for p in proposals])


# -- test_space.py: a sampled point is in its space, a point outside is refused -----------------
@pytest.mark.parametrize("config", [CONTINUOUS, GRID], ids=["random-space", "grid-space"])
def test_a_proposed_point_is_in_its_space(config: dict[str, Any]) -> None:
    space = Space.from_config(config)
    kind = "grid" if config is GRID else "random"
    (point,) = make_strategy(kind, space, seed=1).ask(1)
    assert space.key(point) is not None and within(point)
    # our difference: keys are dotted; a bare name on input means train_config
    assert space.key({"lrate": point[LR], "batch_size": point[BS], "arch": point[ARCH]}) == (
        space.key(point)
    )


@pytest.mark.parametrize(
    ("outside", "named"),
    [
        ({"lrate": 0.8, "batch_size": 3, "arch": "mlp"}, "lrate"),
        ({"lrate": 0.3, "batch_size": 7, "arch": "mlp"}, "batch_size"),
        ({"lrate": 0.3, "batch_size": 3, "arch": "bert"}, "arch"),
    ],
)
def test_a_point_outside_the_space_is_refused_naming_the_parameter(
    outside: dict[str, Any], named: str
) -> None:
    # original: space.contains(candidate) is False; ours: key() raises one clear line
    for config in (CONTINUOUS, GRID):
        with pytest.raises(SearchSpaceError, match=f"train_config.{named}"):
            Space.from_config(config).key(outside)


def test_inside_the_bounds_is_accepted_at_both_ends() -> None:
    space = Space.from_config(CONTINUOUS)
    # our difference: integer ranges include their end (5 is a batch size here)
    for point in (
        {"lrate": 0.1, "batch_size": 1, "arch": "mlp"},
        {"lrate": 0.5, "batch_size": 5, "arch": "cnn"},
    ):
        assert space.key(point) == (point["lrate"], point["batch_size"], point["arch"])


# -- test_strategies.py::test_core: ask / tell / log / best ----------------------------------------
def test_told_results_are_logged_in_order_with_their_params() -> None:
    random = make_strategy("random", CONTINUOUS, seed=0)
    proposals, evaluations = ask_tell(random, 5)
    assert len(proposals) == 5 and all(within(p) for p in proposals)
    # original: len(strategy) == 5 and log[-1]["objective"/"params"]; ours: history
    assert len(random.history) == 5
    assert random.history[-1].params == proposals[-1]
    assert random.history[-1].score == loss(proposals[-1])
    assert [ev.params for ev in evaluations] == proposals


def test_best_k_are_the_lowest_scores_first_when_minimizing() -> None:
    random = make_strategy("random", CONTINUOUS, seed=0)
    proposals, _ = ask_tell(random, 5)
    # original: get_best(2) -> (ids, configs, values); ours: best(2) -> Evaluations
    top = random.best(2)
    ranked = sorted(proposals, key=loss)[:2]
    assert [ev.params for ev in top] == ranked
    assert [ev.score for ev in top] == [loss(p) for p in ranked]


def test_ask_without_a_count_gives_one_proposal_in_a_list() -> None:
    # our difference: the original's ask() with batch size 1 returned the dict itself; ours
    # always returns a list, so callers need no special case
    proposals = make_strategy("grid", GRID).ask()
    assert proposals == [{LR: 0.1, BS: 1, ARCH: "mlp"}]


def test_a_seed_makes_the_random_proposals_repeat() -> None:
    # the original asserts literal values under seed_id=42; ours only promises its own stream
    first = make_strategy("random", CONTINUOUS, seed=42).ask(5)
    assert make_strategy("random", CONTINUOUS, seed=42).ask(5) == first
    assert make_strategy("random", CONTINUOUS, seed=43).ask(5) != first


def test_proposals_become_nested_config_overrides() -> None:
    # original: ask(store=True) writes eval_<i>.yaml; ours: strategies write no files, the CLI
    # writes each run's config from to_nested(proposal)
    (point,) = make_strategy("grid", GRID).ask(1)
    assert to_nested(point) == {"train_config": {"lrate": 0.1, "batch_size": 1, "arch": "mlp"}}


# -- test_strategies.py::test_maximize_objective -------------------------------------------------
@pytest.mark.parametrize("search_type", ["random", "grid", "coordinate", "smbo"])
def test_maximize_ranks_the_highest_score_first(search_type: str) -> None:
    space = {"real": {"lrate": {"begin": 0.1, "end": 0.5, "bins": 5}}}
    options = FAST_SMBO if search_type == "smbo" else {}
    strategy = make_strategy(search_type, space, maximize=True, **options)
    told = [{"lrate": 0.2}, {"lrate": 0.3}, {"lrate": 0.4}]  # told without asking, as there
    strategy.tell(told, [0.25, 0.35, 0.45])
    (best,) = strategy.best()
    assert best.params == {LR: 0.4} and best.score == 0.45
    assert [ev.score for ev in strategy.best(3)] == [0.45, 0.35, 0.25]


def test_minimize_is_the_default() -> None:
    strategy = make_strategy("random", {"real": {"lrate": {"begin": 0.1, "end": 0.5}}})
    strategy.tell([{"lrate": 0.2}, {"lrate": 0.3}], [0.25, 0.35])
    assert strategy.best()[0].score == 0.25


# -- test_strategies.py::test_fixed_params -------------------------------------------------------
def test_fixed_params_live_in_the_base_config_not_the_strategy() -> None:
    # our difference: a fixed value (momentum 0.9) is set in the experiment's base config; the
    # strategy rejects fixed_params in one line that lists what it accepts
    with pytest.raises(SearchConfigError, match=r"fixed_params.*allowed"):
        make_strategy("random", CONTINUOUS, fixed_params={"momentum": 0.9})


# -- test_strategies.py::test_random / test_grid / test_smbo / test_coordinate -------------------
def test_random_ask_and_tell_stay_within_bounds() -> None:
    random = make_strategy("random", CONTINUOUS, seed=3)
    for _ in range(4):
        proposals, _ = ask_tell(random, 5)
        assert len(proposals) == 5 and all(within(p) for p in proposals)
        assert all(isinstance(p[BS], int) for p in proposals)
    assert len(random.history) == 20


def test_grid_proposes_every_point_once_then_is_exhausted() -> None:
    grid = make_strategy("grid", GRID)
    seen: list[tuple[Any, ...]] = []
    while not grid.exhausted:
        proposals, _ = ask_tell(grid, 5)
        assert 0 < len(proposals) <= 5
        seen += [tuple(p.values()) for p in proposals]
    # 5 lrate bins x 5 batch sizes (1..5 inclusive) x 2 archs, no repeats
    assert len(seen) == len(set(seen)) == 50
    assert sorted({round(s[0], 9) for s in seen}) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert {s[1] for s in seen} == {1, 2, 3, 4, 5}
    assert grid.ask(5) == []


def test_grid_bins_include_both_ends_evenly_spaced() -> None:
    space = Space.from_config({"real": {"lrate": {"begin": 0.1, "end": 0.5, "bins": 5}}})
    values = [p[LR] for p in make_strategy("grid", space).ask(10)]
    assert values == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])


def test_smbo_proposes_distinct_points_before_and_after_its_initial_points() -> None:
    smbo = make_strategy("smbo", CONTINUOUS, seed=0, **FAST_SMBO)
    initial, _ = ask_tell(smbo, 5)  # the n_initial_points random designs
    modelled, _ = ask_tell(smbo, 3)  # proposed from the fitted model
    for batch in (initial, modelled):
        assert all(within(p) for p in batch)
    points = [tuple(p.values()) for p in initial + modelled]
    assert len(points) == len(set(points)) == 8
    assert len(smbo.history) == 8
    assert smbo.best(1)[0].score == min(loss(p) for p in initial + modelled)


def test_coordinate_sweeps_in_order_from_the_defaults() -> None:
    config = {**GRID, "integer": {"batch_size": {"begin": 1, "end": 5, "bins": 3}}}
    # our difference: the original's coordinate_config "defaults" is named "start" here
    # (mle_config translates it); names may be bare
    coord = make_strategy(
        "coordinate",
        config,
        order=["lrate", "batch_size", "arch"],
        start={"lrate": 0.1, "batch_size": 3, "arch": "mlp"},
    )
    assert coord.order == [LR, BS, ARCH]
    first, _ = ask_tell(coord, 10)
    # the first sweep moves lrate alone over its 5 bins, the others held at the defaults
    assert [p[LR] for p in first] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert {(p[BS], p[ARCH]) for p in first} == {(3, "mlp")}
    second, _ = ask_tell(coord, 10)
    # then batch_size, with lrate at the best of the first sweep (0.2); 3 was already run
    assert sorted(p[BS] for p in second) == [1, 5]
    assert [p[LR] for p in second] == pytest.approx([0.2, 0.2])
    assert {p[ARCH] for p in second} == {"mlp"}
    third, _ = ask_tell(coord, 10)
    assert [(p[ARCH], p[BS]) for p in third] == [("cnn", 3)]
    assert coord.exhausted and coord.ask(1) == []
    assert coord.best(1)[0].params == {LR: pytest.approx(0.2), BS: 3, ARCH: "cnn"}


# -- test_refine.py: refine_after / refine_top_k narrow the space to the best points ------------
@pytest.mark.parametrize("search_type", ["random", "smbo"])
def test_refinement_narrows_the_space_to_the_best_results(search_type: str) -> None:
    options = {**(FAST_SMBO if search_type == "smbo" else {}), "refine_after": 5}
    strategy = make_strategy(search_type, CONTINUOUS, seed=42, refine_top_k=2, **options)
    ask_tell(strategy, 5)
    top = strategy.best(2)
    low, high = min(ev.params[LR] for ev in top), max(ev.params[LR] for ev in top)
    assert strategy.last_refined == 5
    later = strategy.ask(5)
    assert len(later) == 5
    assert all(low <= p[LR] <= high for p in later)
    # integer ranges shrink to [min, max] of the top-k (inclusive), categories to theirs
    bs = [ev.params[BS] for ev in top]
    assert all(min(bs) <= p[BS] <= max(bs) for p in later)
    assert {p[ARCH] for p in later} <= {ev.params[ARCH] for ev in top}
