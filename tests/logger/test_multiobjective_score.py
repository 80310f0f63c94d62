"""score_objectives: one run's scores of several metrics, each by the one scoring rule."""

from __future__ import annotations

import math

import pytest
from mle_logger import ScoreError, score_objectives


def test_each_objective_is_scored_on_its_own_in_order() -> None:
    stats = {
        "loss": [3.0, 1.0, 2.0],
        "acc": [0.5, math.nan, 0.9],
        "cost": [7.0, 8.0, 9.0],
    }
    scores, why = score_objectives(stats, {"acc": True, "loss": False}, "best")
    assert why is None and scores == {"acc": 0.9, "loss": 1.0}
    assert list(scores) == ["acc", "loss"]  # the objectives' order
    final, _ = score_objectives(stats, {"loss": True, "acc": False}, "final")
    assert final == {"loss": 2.0, "acc": 0.9}


def test_a_run_missing_an_objective_fails_with_the_reason() -> None:
    stats = {"loss": [1.0], "acc": [math.nan], "big": [math.inf]}
    assert score_objectives(stats, {"loss": False, "cost": False}) == (
        None,
        "its log has no 'cost' (logged: loss, acc, big)",
    )
    assert score_objectives(stats, {"loss": False, "acc": True}) == (
        None,
        "objective 'acc': no logged value",
    )
    assert score_objectives(stats, {"big": False}) == (None, "objective 'big': non-finite score")
    with pytest.raises(ScoreError, match="expected a mapping metric -> maximize"):
        score_objectives(stats, {})
