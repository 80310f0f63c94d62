"""The search sections of the report: parallel coordinates, parameter importance, score
against each parameter with the best-so-far line (pure functions over config points)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from mle_monitor._sections_search import (
    MIN_POINTS_IMPORTANCE,
    _best_so_far,
    _log_axis,
    importance_figure,
    parallel_coordinates,
    param_importance,
    score_vs_params,
)
from mle_monitor._trials import ConfigPoint, Trial, config_points, params_key


def _png_size(data: bytes) -> tuple[int, int]:
    from matplotlib.image import imread

    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    img = imread(io.BytesIO(data), format="png")
    return img.shape[1], img.shape[0]


def _search(n: int = 60, seed: int = 1) -> list[ConfigPoint]:
    """lr (log-uniform) matters through a peak at 10^-2.5, opt='adam' adds 1, wd is noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lr = float(10 ** rng.uniform(-4, -1))
        wd = float(rng.uniform(0, 1))
        opt = str(rng.choice(["adam", "sgd", "rms"]))
        score = -((math.log10(lr) + 2.5) ** 2) + (opt == "adam") + rng.normal(0, 0.1)
        params = {"train_config.lr": lr, "train_config.wd": wd, "train_config.opt": opt}
        out.append(ConfigPoint(f"p{i:04d}", params, float(score), 2, 2, i))
    return out


def test_config_points_average_the_seeds_that_scored_in_evaluation_order() -> None:
    trials = [
        Trial("b-s0", {"x": 2}, 4.0, "done", config_id="b", seed=0, order=1),
        Trial("b-s1", {"x": 2}, None, "failed", config_id="b", seed=1, order=1),
        Trial("a-s0", {"x": 1}, 1.0, "done", config_id="a", seed=0, order=0),
        Trial("a-s1", {"x": 1}, 3.0, "done", config_id="a", seed=1, order=0),
        Trial("c-s0", {"x": 3}, float("nan"), "done", config_id="c", seed=0, order=2),
    ]
    points = config_points(trials)
    assert [(p.config_id, p.score, p.n_scored, p.n_jobs) for p in points] == [
        ("a", 2.0, 2, 2),
        ("b", 4.0, 1, 2),
        ("c", None, 0, 1),  # a non-finite score is no score
    ]


def test_params_key_matches_floats_read_back_with_rounding_noise() -> None:
    assert params_key({"b": 0.1 + 0.2, "a": "x"}) == params_key({"a": "x", "b": 0.3})
    assert params_key({"a": 1}) != params_key({"a": 2})


def test_parallel_coordinates_draws_numeric_categorical_and_missing_params() -> None:
    points = _search(20)
    points.append(ConfigPoint("odd", {"train_config.lr": 0.01}, 0.5, 1, 1, 99))  # no wd/opt
    points.append(ConfigPoint("unscored", {"train_config.lr": 0.02}, None, 0, 1, 100))
    width, height = _png_size(parallel_coordinates(points, metric="acc", maximize=True) or b"")
    assert width > 500 and height > 300
    assert parallel_coordinates([ConfigPoint("x", {"a": 1}, None, 0, 1, 0)]) is None


def test_importance_ranks_the_parameters_the_score_depends_on() -> None:
    result = param_importance(_search(60))
    assert result is not None
    ranked = [p.name for p in result.params]
    assert set(ranked[:2]) == {"train_config.lr", "train_config.opt"}
    assert ranked[-1] == "train_config.wd"
    by = {p.name: p for p in result.params}
    assert by["train_config.opt"].kind == "categorical" and by["train_config.lr"].kind == "numeric"
    assert by["train_config.wd"].importance < 0.1 < by["train_config.lr"].importance
    assert result.oob_r2 is not None and result.oob_r2 > 0.5
    again = param_importance(_search(60))
    assert again == result  # deterministic for a seed
    _png_size(importance_figure(result))


def test_importance_needs_enough_points_and_a_varying_score() -> None:
    assert param_importance(_search(MIN_POINTS_IMPORTANCE - 1)) is None
    flat = [ConfigPoint(f"p{i}", {"x": float(i)}, 1.0, 1, 1, i) for i in range(10)]
    result = param_importance(flat)
    assert result is not None and result.oob_r2 is None
    assert [p.importance for p in result.params] == [0.0]


def test_score_vs_params_has_the_best_so_far_history_and_a_panel_per_param() -> None:
    width, _ = _png_size(score_vs_params(_search(30), metric="acc", maximize=True) or b"")
    assert width > 1000  # 3 columns: history, lr, wd / opt
    assert _best_so_far([3.0, 1.0, 4.0, 2.0], maximize=True) == [3.0, 3.0, 4.0, 4.0]
    assert _best_so_far([3.0, 1.0, 4.0, 0.5], maximize=False) == [3.0, 1.0, 1.0, 0.5]
    assert score_vs_params([]) is None


def test_log_axis_only_for_values_spread_like_a_log_uniform_draw() -> None:
    rng = np.random.default_rng(0)
    assert _log_axis(list(10 ** rng.uniform(-5, -1, 50)))
    assert not _log_axis(list(rng.uniform(0.001, 1, 50)))  # uniform: linear
    assert _log_axis([0.02, 0.3, 1.0, 3.0] * 3)  # a grid by decades
    assert not _log_axis([1.0, 2.0, 3.0])
    assert not _log_axis([-1.0, 100.0])


def test_importance_agrees_with_scikit_learns_forest() -> None:
    """The same ranking and a similar out-of-bag R^2 as scikit-learn's random forest with its
    permutation importance, on three draws of the synthetic search."""
    ensemble = pytest.importorskip("sklearn.ensemble")
    inspection = pytest.importorskip("sklearn.inspection")
    from mle_monitor._sections_search import _encode

    for seed in (1, 2, 3):
        points = _search(60, seed)
        ours = param_importance(points)
        assert ours is not None and ours.oob_r2 is not None
        names = ["train_config.lr", "train_config.wd", "train_config.opt"]
        y = np.asarray([p.score for p in points], dtype=float)
        x, _ = _encode(points, names, y)
        forest = ensemble.RandomForestRegressor(
            100, min_samples_leaf=2, oob_score=True, random_state=0
        ).fit(x, y)
        theirs = inspection.permutation_importance(forest, x, y, n_repeats=5, random_state=0)
        order = [names[i] for i in np.argsort(-theirs.importances_mean)]
        assert [p.name for p in ours.params] == order
        assert abs(ours.oob_r2 - forest.oob_score_) < 0.15
