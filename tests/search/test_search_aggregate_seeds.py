"""aggregate_seeds (the original's search_logging.aggregate_seeds): a trial's score for the
strategy and the hyper log is the mean (default) or a percentile of its seed scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mle_search import (
    HyperLog,
    SearchInputError,
    SearchLoop,
    Space,
    aggregate_scores,
    make_strategy,
)

GRID = {"real": {"x": {"begin": 1.0, "end": 2.0, "bins": 2}}}


def test_aggregate_scores_mean_and_percentiles() -> None:
    scores = [1.0, 2.0, 10.0, None]
    assert aggregate_scores(scores) == (13.0 / 3, "partial")
    assert aggregate_scores(scores, "p50") == (2.0, "partial")
    assert aggregate_scores(scores, "p10") == (
        pytest.approx(np.percentile([1, 2, 10], 10)),
        "partial",
    )
    assert aggregate_scores([None], "p90") == (None, "failed")
    for bad in ("median", "p0", "p100", "p5x"):
        with pytest.raises(SearchInputError, match="aggregate_seeds"):
            aggregate_scores([1.0], bad)


def test_loop_tells_and_logs_the_percentile(tmp_path: Path) -> None:
    strategy = make_strategy("grid", Space.from_config(GRID), maximize=True)
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    loop = SearchLoop(strategy, budget=2, seeds=[0, 1, 2], log=log, aggregate="p10")
    trials = loop.propose(6)
    # x=1 has one great seed (mean 4.0, p10 0.4); x=2 is steady (mean and p10 2.0)
    per_seed = {1.0: [0.0, 0.0, 12.0], 2.0: [2.0, 2.0, 2.0]}
    for t in trials:
        for seed, score in zip(t.seeds, per_seed[next(iter(t.params.values()))], strict=True):
            loop.report(t.id, seed, score)
    [best] = loop.best(1)
    assert list(best.params.values()) == [2.0] and best.score == 2.0  # mean: x=1 would win
    by_x = {next(iter(r["params"].values())): r for r in log.read()}
    assert by_x[1.0]["score"] == pytest.approx(np.percentile([0.0, 0.0, 12.0], 10))
    assert by_x[1.0]["scores"] == [0.0, 0.0, 12.0]  # per seed, as measured
    with pytest.raises(SearchInputError, match="aggregate_seeds"):
        SearchLoop(
            make_strategy("grid", Space.from_config(GRID)), budget=1, seeds=1, aggregate="max"
        )
