"""mle_logger.scan_log, the reader of `mle results` / `mle report`: the same score as loading
the whole log and scoring it, whatever the log's state (folded, journal with unfolded rows,
a last row without the metric, a non-finite value, a folder)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from mle_logger import (
    LogFormatError,
    Logger,
    LogNotFoundError,
    load_log,
    scan_log,
    score_with_reason,
)


def _log(folder: Path, rows: list[dict[str, float]], *, close: bool = True) -> Path:
    log = Logger(folder, seed_id=3, time_keys=["step"], stats_keys=["loss", "acc"])
    for i, row in enumerate(rows):
        log.update({"step": i + 1}, row)
    if close:
        log.close()
    else:
        log.save()  # rows in the journal, not folded: a running (or killed) run
    return folder / "logs" / "seed_3.hdf5"


def _expected(path: Path, metric: str, problem_type: str, maximize: bool) -> tuple[object, ...]:
    log = load_log(path)
    return score_with_reason(log.stats[metric], problem_type, maximize)


ROWS = [{"loss": 3.0, "acc": 0.1}, {"loss": 1.0, "acc": 0.5}, {"loss": 2.0, "acc": 0.4}]


@pytest.mark.parametrize("problem_type", ["final", "best", "mean"])
@pytest.mark.parametrize("close", [True, False])
def test_scan_scores_as_the_whole_log_does(tmp_path: Path, problem_type: str, close: bool) -> None:
    path = _log(tmp_path / "run", ROWS, close=close)
    for metric, maximize in (("loss", False), ("acc", True)):
        got = scan_log(path, metric, problem_type, maximize)
        assert (got.score, got.reason) == _expected(path, metric, problem_type, maximize)
        assert got.seed_id == 3 and got.metric == metric and got.log is None
        assert set(got.stats) == {"loss", "acc"}


def test_last_row_without_the_metric_and_non_finite_values(tmp_path: Path) -> None:
    path = _log(tmp_path / "a", [{"loss": 2.0, "acc": 0.3}, {"acc": 0.9}])  # loss NaN last
    assert scan_log(path, "loss").score == 2.0  # the last logged value, not the NaN row
    path = _log(tmp_path / "b", [{"loss": 2.0, "acc": 0.3}, {"loss": math.inf, "acc": 0.9}])
    got = scan_log(path, "loss")
    assert got.score is None and got.reason == "non-finite score"
    got = scan_log(path, "lost")
    assert got.score is None and got.reason == "'lost' not logged"


def test_whole_log_only_when_wanted_and_folders(tmp_path: Path) -> None:
    path = _log(tmp_path / "run", ROWS)
    seen: list[float | None] = []

    def want(score: float | None) -> bool:
        seen.append(score)
        return score is not None and score < 5

    got = scan_log(path, "loss", full=want)
    assert seen == [2.0] and got.log is not None
    np.testing.assert_array_equal(got.log.stats["loss"], load_log(path).stats["loss"])
    assert scan_log(path, "loss", full=lambda s: False).log is None
    by_folder = scan_log(tmp_path / "run", None)  # a run folder; no metric: the first stat
    assert by_folder.metric == next(iter(load_log(path).stats))


def test_missing_and_foreign_files_raise_the_loggers_errors(tmp_path: Path) -> None:
    with pytest.raises(LogNotFoundError):
        scan_log(tmp_path / "logs" / "seed_0.hdf5", "loss")
    bad = tmp_path / "seed_1.hdf5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(LogFormatError):
        scan_log(bad, "loss")
