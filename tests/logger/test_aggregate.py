"""Several seeds: stacked with masking, aggregated row by row, merged, scored."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from mle_logger import (
    AggregatedLog,
    EmptyLogError,
    Logger,
    SeedLogs,
    UnknownKeyError,
    aggregate_logs,
    load_log,
    load_seed_logs,
    merge_logs,
    score_log,
)
from mle_logger._aggregate import summarize, t975

SERIES = {0: [1.0, 2.0, 3.0, 4.0], 1: [3.0, 4.0], 2: [2.0, 9.0, 5.0]}


def write_seeds(folder: Path, series: dict[int, list[float]] = SERIES) -> None:
    for seed, values in series.items():
        with Logger(folder, seed_id=seed) as log:
            for i, v in enumerate(values):
                log.update(time={"step": i + 1}, stats={"score": v})
            log.save()


def test_folder_of_seeds_loads_together_with_masking(tmp_path: Path) -> None:
    write_seeds(tmp_path)
    logs = load_log(tmp_path)
    assert isinstance(logs, SeedLogs)
    assert logs.seed_ids == [0, 1, 2]
    stacked = logs.stats.score
    assert stacked.shape == (3, 4)
    assert stacked.mask.tolist() == [
        [False, False, False, False],
        [False, False, True, True],
        [False, False, False, True],
    ]
    assert stacked[1].compressed().tolist() == [3.0, 4.0]
    assert logs.finished and logs.incomplete == []


def test_unequal_lengths_are_aggregated_by_masking_not_truncation(tmp_path: Path) -> None:
    write_seeds(tmp_path)
    agg = load_log(tmp_path, aggregate=True)
    assert isinstance(agg, AggregatedLog)
    s = agg.stats.score
    assert len(s) == 4  # the longest seed, not the shortest
    assert s.count.tolist() == [3, 3, 2, 1]
    for i in range(4):
        col = np.array([v[i] for v in SERIES.values() if len(v) > i])
        assert s.mean[i] == pytest.approx(col.mean())
        assert s.median[i] == pytest.approx(np.median(col))
        assert s.percentiles[25][i] == pytest.approx(np.percentile(col, 25))
        if len(col) >= 2:
            sd = col.std(ddof=1)
            assert s.std[i] == pytest.approx(sd)
            assert s.stderr[i] == pytest.approx(sd / math.sqrt(len(col)))
            half = t975(len(col) - 1) * sd / math.sqrt(len(col))
            assert (s.ci_low[i], s.ci_high[i]) == pytest.approx(
                (col.mean() - half, col.mean() + half)
            )
        else:
            assert math.isnan(s.std[i]) and math.isnan(s.ci_low[i])
    assert agg.time.step.mean.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_nan_values_count_as_missing() -> None:
    s = summarize([np.array([1.0, np.nan]), np.array([3.0, 5.0])])
    assert s.count.tolist() == [2, 1]
    assert s.mean.tolist() == [2.0, 5.0]


def test_t_quantiles_match_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 5, 10, 29, 30, 31, 50, 100, 1000):
        assert t975(df) == pytest.approx(stats.t.ppf(0.975, df), rel=2e-4)


def test_incomplete_seeds_are_reported(tmp_path: Path) -> None:
    write_seeds(tmp_path, {0: [1.0], 1: [2.0]})
    log = Logger(tmp_path, seed_id=5)
    log.update(time={"step": 1}, stats={"score": 7.0}, save=True)
    logs = load_log(tmp_path)
    assert isinstance(logs, SeedLogs)
    assert logs.incomplete == [5] and not logs.finished
    log.close()


def test_merge_writes_one_loadable_file_and_deletes_nothing(tmp_path: Path) -> None:
    write_seeds(tmp_path)
    before = sorted(p.name for p in (tmp_path / "logs").iterdir())
    merged = merge_logs(tmp_path)
    assert merged == tmp_path / "merged_logs.hdf5"
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == before
    from_merged = load_seed_logs(merged)
    from_seeds = load_seed_logs(tmp_path)
    assert from_merged.seed_ids == from_seeds.seed_ids
    for seed in from_seeds.seed_ids:
        a, b = from_merged.seeds[seed], from_seeds.seeds[seed]
        assert np.array_equal(a.stats.score, b.stats.score)
        assert np.array_equal(a.time.step, b.time.step)
        assert a.meta["start_time"] == b.meta["start_time"]
    assert load_log(tmp_path).seed_ids == [0, 1, 2]  # the merged file is not taken for a seed


def test_score_final_best_mean(tmp_path: Path) -> None:
    write_seeds(tmp_path, {0: [1.0, 5.0, 2.0]})
    log = load_log(tmp_path)
    assert score_log(log, "score", "final") == 2.0
    assert score_log(log, "score", "best", maximize=True) == 5.0
    assert score_log(log, "score", "best", maximize=False) == 1.0
    assert score_log(log, "score", "mean") == pytest.approx(8.0 / 3.0)
    with pytest.raises(UnknownKeyError, match="did you mean 'score'"):
        score_log(log, "scor")
    with pytest.raises(ValueError, match="problem_type"):
        score_log(log, "score", "last")  # type: ignore[arg-type]


def test_score_over_seeds_is_the_mean_of_seed_scores(tmp_path: Path) -> None:
    write_seeds(tmp_path)
    expected = np.mean([v[-1] for v in SERIES.values()])
    assert score_log(load_log(tmp_path), "score") == pytest.approx(expected)
    assert score_log(load_log(tmp_path, aggregate=True), "score") == pytest.approx(expected)


def test_score_skips_rows_without_the_metric_and_refuses_empty_logs(exp_dir: Path) -> None:
    with Logger(exp_dir) as log:
        log.update(stats={"loss": 1.0, "eval": 0.3})
        log.update(stats={"loss": 0.5})
    assert score_log(load_log(exp_dir), "eval", "final") == 0.3
    with Logger(exp_dir / "empty", stats_keys=["eval"]):
        pass
    with pytest.raises(EmptyLogError):
        score_log(load_log(exp_dir / "empty"), "eval")


def test_seeds_in_separate_run_folders_aggregate_from_a_list(tmp_path: Path) -> None:
    for seed, values in SERIES.items():
        write_seeds(tmp_path / f"run_{seed}", {seed: values})
    logs = [load_log(tmp_path / f"run_{seed}") for seed in SERIES]
    agg = aggregate_logs(logs)  # type: ignore[arg-type]
    assert agg.seed_ids == [0, 1, 2]
    assert agg.stats.score.count.tolist() == [3, 3, 2, 1]
