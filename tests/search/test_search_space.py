"""Space.from_config: names, kinds, bounds, priors, and one clear error per bad input."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import pytest
from mle_search import (
    GridSearch,
    SearchError,
    SearchSpaceError,
    Space,
    canonical_name,
    to_nested,
)


def test_bare_names_mean_train_config_and_dotted_names_stay() -> None:
    space = Space.from_config(
        {
            "real": {"lr": {"begin": 0.1, "end": 1, "bins": 2}},
            "integer": {"net_config.layers": {"begin": 1, "end": 2}},
            "categorical": {"log_config.fmt": ["a", "b"]},
        }
    )
    assert space.names == ["train_config.lr", "net_config.layers", "log_config.fmt"]
    assert "lr" in space and "train_config.lr" in space and "net_config.lr" not in space
    assert canonical_name("x_0") == "train_config.x_0"


def test_real_bins_are_inclusive_grid_points_and_log_bins_are_log_spaced() -> None:
    space = Space.from_config(
        {
            "real": {
                "x": {"begin": 1, "end": 10, "bins": 10},
                "y": {"begin": 1e-3, "end": 1e-1, "bins": 3, "prior": "log-uniform"},
            }
        }
    )
    assert list(space["x"].values) == [float(v) for v in range(1, 11)]
    assert list(space["y"].values) == pytest.approx([1e-3, 1e-2, 1e-1])
    assert space["y"].values[0] == 1e-3 and space["y"].values[-1] == 1e-1
    assert space.size == 30


def test_integer_ranges_include_both_ends_and_never_leave_them() -> None:
    space = Space.from_config({"integer": {"n": {"begin": 1, "end": 5}}})
    rng = np.random.default_rng(0)
    drawn = [space.sample(rng)[0] for _ in range(500)]
    assert set(drawn) == {1, 2, 3, 4, 5}
    assert all(type(v) is int for v in drawn)
    grid = GridSearch(space)
    assert [p["train_config.n"] for p in grid.ask(10)] == [1, 2, 3, 4, 5]


def test_log_uniform_prior_samples_uniformly_in_log_space() -> None:
    space = Space.from_config(
        {
            "real": {
                "log": {"begin": 1e-4, "end": 1.0, "prior": "log-uniform"},
                "lin": {"begin": 1e-4, "end": 1.0, "prior": "uniform"},
            }
        }
    )
    rng = np.random.default_rng(0)
    draws = [space.sample(rng) for _ in range(4000)]
    log_median = statistics.median(d[0] for d in draws)
    lin_median = statistics.median(d[1] for d in draws)
    assert 10**-2.3 < log_median < 10**-1.7  # the log-midpoint is 1e-2
    assert 0.45 < lin_median < 0.55
    assert all(1e-4 <= v <= 1.0 for d in draws for v in d)


def test_key_maps_values_by_name_and_returns_plain_values() -> None:
    space = Space.from_config(
        {
            "integer": {"n": {"begin": 1, "end": 5}},
            "categorical": {"opt": ["adam", "sgd"]},
        }
    )
    key = space.key({"train_config.opt": "sgd", "n": np.int64(3)})  # other order, bare name
    assert key == (3, "sgd") and type(key[0]) is int
    assert space.proposal(key) == {"train_config.n": 3, "train_config.opt": "sgd"}
    assert to_nested(space.proposal(key)) == {"train_config": {"n": 3, "opt": "sgd"}}


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"train_config.n": 6, "train_config.opt": "sgd"}, r"'train_config.n'.*\[1, 5\].*6"),
        ({"train_config.n": 2.5, "train_config.opt": "sgd"}, r"'train_config.n'.*integer"),
        ({"train_config.n": 2, "train_config.opt": "adamw"}, r"'train_config.opt'.*adamw"),
        ({"train_config.n": 2}, r"'train_config.opt'.*missing"),
        ({"n": 2, "opt": "sgd", "lr": 0.1}, r"'train_config.lr'.*not in the search space"),
        ({"n": True, "opt": "sgd"}, r"'train_config.n'.*integer.*bool"),
    ],
)
def test_values_outside_the_space_name_the_parameter(params: dict, match: str) -> None:
    space = Space.from_config(
        {"integer": {"n": {"begin": 1, "end": 5}}, "categorical": {"opt": ["adam", "sgd"]}}
    )
    with pytest.raises(SearchSpaceError, match=match):
        space.key(params)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"float": {"x": {"begin": 0, "end": 1}}}, "expected one of real, integer, categorical"),
        ({"real": {"x": {"end": 1}}}, r"'train_config.x'.*'begin'"),
        ({"real": {"x": {"begin": 2, "end": 1}}}, r"'train_config.x'.*begin <= end"),
        ({"real": {"x": {"begin": 0, "end": 1, "bins": 0}}}, r"'train_config.x'.*bins.*>= 1"),
        ({"real": {"x": {"begin": 0, "end": 1, "prior": "log"}}}, r"'train_config.x'.*prior"),
        (
            {"real": {"x": {"begin": 0, "end": 1, "prior": "log-uniform"}}},
            r"'train_config.x'.*begin > 0",
        ),
        ({"real": {"x": {"begin": 0, "end": 1, "step": 2}}}, r"'train_config.x'.*'step'"),
        ({"real": {"x": {"begin": "a", "end": 1}}}, r"'train_config.x'.*number begin"),
        ({"integer": {"n": {"begin": 1.5, "end": 3}}}, r"'train_config.n'.*integer begin"),
        ({"categorical": {"opt": []}}, r"'train_config.opt'.*non-empty list"),
        ({"categorical": {"opt": ["a", "a"]}}, r"'train_config.opt'.*distinct"),
        ({"categorical": {"opt": [["nested"]]}}, r"'train_config.opt'.*strings, numbers"),
        (
            {"real": {"lr": {"begin": 0, "end": 1}}, "categorical": {"train_config.lr": [1, 2]}},
            r"'train_config.lr'.*once",
        ),
        ({}, "at least one parameter"),
        (["x"], "expected a mapping"),
    ],
)
def test_bad_configs_raise_one_clear_error(config: object, match: str) -> None:
    with pytest.raises(SearchSpaceError, match=match) as info:
        Space.from_config(config)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError) and isinstance(info.value, SearchError)


def test_categorical_keeps_true_apart_from_one() -> None:
    space = Space.from_config({"categorical": {"flag": [True, "1", None, 2]}})
    for value in (True, "1", None, 2):
        (got,) = space.key({"flag": value})
        assert got == value and type(got) is type(value)
    for wrong in (1, 1.5, "True"):
        with pytest.raises(SearchSpaceError, match=r"train_config\.flag"):
            space.key({"flag": wrong})
    with pytest.raises(SearchSpaceError, match=r"distinct.*True.*1"):
        Space.from_config({"categorical": {"flag": [True, 1]}})  # equal in Python


def test_continuous_values_at_the_bounds_are_inside() -> None:
    space = Space.from_config({"real": {"x": {"begin": 0.1, "end": 0.3, "prior": "uniform"}}})
    assert space.key({"x": 0.1}) == (0.1,) and space.key({"x": 0.3}) == (0.3,)
    assert space.size is None
    with pytest.raises(SearchSpaceError):
        space.key({"x": math.nan})


@pytest.mark.parametrize("kind", ["grid", "random", "coordinate", "smbo-GP", "smbo-RF"])
def test_bounds_of_1e308_neither_overflow_nor_propose_inf(kind: str) -> None:
    """Issue 12 item 16: end - begin overflows to inf; no strategy may propose inf or fail."""
    from mle_search import make_strategy
    from search_helpers import FAST_SMBO

    x: dict[str, Any] = {"begin": -1e308, "end": 1e308}
    y: dict[str, Any] = {"begin": 1e-300, "end": 1e308, "prior": "log-uniform"}
    if kind == "grid":
        x, y = {**x, "bins": 5}, {**y, "bins": 3}
    options: dict[str, Any] = {}
    if kind.startswith("smbo"):
        options = {**FAST_SMBO, "base_estimator": kind.split("-")[1]}
    strategy = make_strategy(kind.split("-")[0], {"real": {"x": x, "y": y}}, seed=0, **options)
    proposed = []
    for _ in range(5 if kind == "grid" else 3):  # the grid's 15 points; a few SMBO fits
        props = strategy.ask(3)
        strategy.tell(props, [[float(i)] for i in range(len(props))])
        proposed += props
    assert len(proposed) >= 6
    for p in proposed:
        assert math.isfinite(p["train_config.x"]) and abs(p["train_config.x"]) <= 1e308
        assert 1e-300 <= p["train_config.y"] <= 1e308
    xs = [p["train_config.x"] for p in proposed]
    assert len(set(xs)) > 1  # not every draw clamped onto one bound
    if kind == "grid":
        assert sorted(set(xs)) == [-1e308, -5e307, 0.0, 5e307, 1e308]


def test_integer_bounds_are_exact_and_limited() -> None:
    big = 2**62 - 1
    space = Space.from_config({"integer": {"n": {"begin": -big, "end": big}}})
    assert space["n"].coerce(big) == big  # not rounded through a float
    assert -big <= space.sample(np.random.default_rng(0))[0] <= big
    with pytest.raises(SearchSpaceError, match=r"'train_config.n'.*strictly between"):
        Space.from_config({"integer": {"n": {"begin": 0, "end": 1e308}}})
