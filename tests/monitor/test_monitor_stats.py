"""Seed statistics: Welch's t and Mann-Whitney U against known values (scipy's), and the
"tied with the best" decision."""

from __future__ import annotations

import math
import random

import pytest
from mle_monitor import StatsInputError
from mle_monitor.stats import DEFAULT_ALPHA, compare_to_best, mann_whitney_u, welch_t_test

A = [0.91, 0.89, 0.93, 0.90, 0.92]
B = [0.85, 0.88, 0.86, 0.87, 0.84]


def test_welch_known_values() -> None:
    r = welch_t_test(A, B)  # scipy.stats.ttest_ind(A, B, equal_var=False)
    assert r.statistic == pytest.approx(5.0, rel=1e-12)
    assert r.p_value == pytest.approx(0.0010528257933665537, rel=1e-10)
    assert r.df == pytest.approx(8.0)
    assert r.effect_size == pytest.approx(5.0 / math.sqrt(5 / 2))  # Cohen's d
    r = welch_t_test([1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 2.5, 3.5, 10.0])
    assert r.statistic == pytest.approx(-0.9018054180632276, rel=1e-10)
    assert r.p_value == pytest.approx(0.4061262868784152, rel=1e-10)
    assert r.df == pytest.approx(5.321146388169221, rel=1e-10)


def test_mann_whitney_known_values() -> None:
    r = mann_whitney_u(A, B)  # exact: 2 / C(10, 5)
    assert (r.statistic, r.method) == (25.0, "mann-whitney exact")
    assert r.p_value == pytest.approx(2 / 252, rel=1e-12)
    assert r.effect_size == 1.0
    r = mann_whitney_u([1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 2.5, 3.5, 10.0])  # ties: normal approx.
    assert (r.statistic, r.method) == (8.0, "mann-whitney normal")
    assert r.p_value == pytest.approx(0.7121545376511493, rel=1e-10)


def test_failed_and_non_finite_seeds_are_left_out_and_too_few_is_an_error() -> None:
    assert welch_t_test([*A, None, math.nan], B) == welch_t_test(A, B)
    with pytest.raises(StatsInputError, match="at least 2 finite scores"):
        welch_t_test([1.0, None], B)
    with pytest.raises(StatsInputError, match="expected numbers"):
        welch_t_test(["x", 1.0], B)  # type: ignore[list-item]
    same = welch_t_test([1.0, 1.0], [1.0, 1.0])
    assert same.p_value == 1.0
    apart = welch_t_test([1.0, 1.0], [2.0, 2.0])
    assert apart.p_value == 0.0 and apart.statistic == -math.inf


def test_matches_scipy_on_random_samples() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(1)
    for _ in range(200):
        a = [round(rng.gauss(0, 1), rng.choice([1, 3])) for _ in range(rng.randint(2, 12))]
        b = [round(rng.gauss(rng.choice([0, 1, 3]), 1), 2) for _ in range(rng.randint(2, 12))]
        w, s = welch_t_test(a, b), stats.ttest_ind(a, b, equal_var=False)
        assert w.p_value == pytest.approx(float(s.pvalue), abs=1e-10)
        m, r = mann_whitney_u(a, b), stats.mannwhitneyu(a, b, alternative="two-sided")
        assert m.statistic == float(r.statistic)
        assert m.p_value == pytest.approx(float(r.pvalue), abs=1e-10)


def test_tied_with_the_best() -> None:
    scores = {
        "c0": [0.80, 0.81, 0.79, 0.80, 0.82],  # clearly worse
        "c1": A,  # the best
        "c2": [0.90, 0.92, 0.88, 0.93, 0.91],  # within the noise
        "c3": [0.70, None, None, None, None],  # one seed: nothing to decide
    }
    out = {c.config: c for c in compare_to_best(scores, maximize=True)}
    assert list(out) == ["c0", "c1", "c2", "c3"]
    assert out["c1"].is_best and out["c1"].tied is True and out["c1"].welch is None
    assert out["c0"].tied is False and out["c0"].welch is not None
    assert out["c0"].welch.p_value < DEFAULT_ALPHA
    assert out["c2"].tied is True and out["c2"].welch is not None
    assert out["c2"].welch.p_value >= DEFAULT_ALPHA
    assert out["c3"].tied is None and out["c3"].n == 1 and out["c3"].rank is not None
    assert {c.best for c in out.values()} == {"c1"}
    low = {c.config: c for c in compare_to_best(scores, maximize=False)}
    assert low["c3"].is_best
    d = out["c0"].to_dict()
    assert d["welch"]["p_value"] == out["c0"].welch.p_value and d["alpha"] == 0.05
    with pytest.raises(StatsInputError, match="alpha"):
        compare_to_best(scores, maximize=True, alpha=1.5)
    assert [c.tied for c in compare_to_best({"a": [None]}, maximize=True)] == [None]


def test_scores_by_config_from_job_rows() -> None:
    from mle_monitor.stats import scores_by_config

    rows = [
        {"config_id": "c1", "seed": 0, "score": 0.5},
        {"config_id": "c0", "seed": 0, "score": 0.1},
        {"config_id": "c1", "seed": 1, "score": None, "state": "failed"},
        {"config_id": "c1", "seed": 2, "score": math.inf},
        {"seed": 3, "score": 1.0},
    ]
    assert scores_by_config(rows) == {"c1": [0.5, None, None], "c0": [0.1]}
