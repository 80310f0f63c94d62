"""The one scoring rule: a run's score from its series, the summary over seeds, non-finite values."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
from mle_logger import (
    NO_VALUE_REASON,
    NON_FINITE_REASON,
    EmptyLogError,
    Logger,
    MleLoggerError,
    NonFiniteScoreError,
    ScoreError,
    ScoreSummary,
    is_score,
    load_log,
    score_log,
    score_series,
    score_with_reason,
    summarize,
    summarize_scores,
)
from mle_logger._aggregate import t975

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("values", "problem_type", "maximize", "expected"),
    [
        ([1.0, 5.0, 2.0], "final", True, 2.0),
        ([1.0, 5.0, 2.0], "best", True, 5.0),
        ([1.0, 5.0, 2.0], "best", False, 1.0),
        ([1.0, 5.0, 3.0], "mean", True, 3.0),
        ([1.0, 4.0, NAN], "final", True, 4.0),  # a row that did not log the metric is skipped
        ([1.0, None, 3.0, None], "mean", True, 2.0),
        ([INF, 2.0, 1.0], "best", False, 1.0),  # an inf row that is not the score does no harm
        (np.arange(20_000, dtype=np.float64), "final", True, 19_999.0),
    ],
)
def test_score_series_final_best_mean_skip_missing_rows(
    values: list[float | None], problem_type: str, maximize: bool, expected: float
) -> None:
    assert score_series(values, problem_type, maximize) == expected


@pytest.mark.parametrize(
    ("values", "problem_type", "maximize", "reason"),
    [
        ([], "final", True, NO_VALUE_REASON),
        ([NAN, NAN], "best", True, NO_VALUE_REASON),
        ([1.0, INF], "final", True, NON_FINITE_REASON),
        ([1.0, INF], "best", True, NON_FINITE_REASON),
        ([1.0, -INF], "best", False, NON_FINITE_REASON),
        ([1.0, INF], "mean", True, NON_FINITE_REASON),
        ([INF, -INF], "mean", True, NON_FINITE_REASON),
        ([1e308, 1e308], "mean", True, NON_FINITE_REASON),  # overflows: not a score either
    ],
)
def test_a_run_without_a_finite_value_has_no_score_and_a_reason(
    values: list[float], problem_type: str, maximize: bool, reason: str
) -> None:
    assert score_series(values, problem_type, maximize) is None
    assert score_with_reason(values, problem_type, maximize) == (None, reason)


def test_is_score_is_the_one_rule_for_non_finite_values() -> None:
    assert is_score(1.5) and is_score(0) and is_score(np.float32(2.0)) and is_score(np.int64(3))
    for not_a_score in (None, NAN, INF, -INF, True, "1.0", 10**400, np.float64("nan")):
        assert not is_score(not_a_score)


def test_bad_problem_type_or_values_is_one_package_error() -> None:
    with pytest.raises(ScoreError, match="did you mean 'final'"):
        score_series([1.0], "fianl")
    with pytest.raises(MleLoggerError, match="values: expected a sequence of numbers"):
        score_series(["a", "b"])  # type: ignore[list-item]
    with pytest.raises(ScoreError, match="1-D"):
        score_series(np.ones((2, 2)))
    with pytest.raises(ScoreError):
        summarize_scores(3.0)  # type: ignore[arg-type]
    assert issubclass(ScoreError, ValueError)  # the old score_log raised ValueError


def test_summarize_scores_uses_ddof_1_and_a_student_t_interval() -> None:
    scores = [1.0, 2.0, 4.0, None, NAN, INF]
    s = summarize_scores(scores)
    good = [1.0, 2.0, 4.0]
    assert (s.n, s.n_failed) == (3, 3)
    assert s.mean == pytest.approx(statistics.mean(good))
    assert s.std == pytest.approx(statistics.stdev(good))  # sample std, ddof=1
    assert s.stderr == pytest.approx(statistics.stdev(good) / math.sqrt(3))
    assert s.ci_low == pytest.approx(s.mean - t975(2) * s.stderr)  # type: ignore[operator]
    assert s.ci_high == pytest.approx(s.mean + t975(2) * s.stderr)  # type: ignore[operator]


def test_summarize_scores_agrees_bit_for_bit_with_the_learning_curve_band() -> None:
    scores = [0.1, 0.7, 0.35, 0.9]
    band = summarize([np.array([x]) for x in scores])
    s = summarize_scores(scores)
    assert (s.mean, s.std, s.stderr, s.ci_low, s.ci_high) == (
        band.mean[0],
        band.std[0],
        band.stderr[0],
        band.ci_low[0],
        band.ci_high[0],
    )


def test_summary_of_too_few_scores_is_none_and_valid_json() -> None:
    assert summarize_scores([]) == ScoreSummary(None, None, None, None, None, 0, 0)
    one = summarize_scores([2.0, None])
    assert (one.mean, one.std, one.ci_low, one.n, one.n_failed) == (2.0, None, None, 1, 1)
    json.dumps(summarize_scores([INF, NAN, 1.0]).as_dict(), allow_nan=False)


def test_score_log_follows_the_same_rule(tmp_path: Path) -> None:
    with Logger(tmp_path / "inf") as log:
        log.update(stats={"loss": 1.0})
        log.update(stats={"loss": INF})
    log_inf = load_log(tmp_path / "inf")
    with pytest.raises(NonFiniteScoreError, match="non-finite"):
        score_log(log_inf, "loss", "final")
    with pytest.raises(EmptyLogError):  # a non-finite score is also "no score"
        score_log(log_inf, "loss", "mean")
    assert score_log(log_inf, "loss", "best", maximize=False) == 1.0
    assert score_series(log_inf.stats["loss"], "final") is None  # type: ignore[union-attr]
