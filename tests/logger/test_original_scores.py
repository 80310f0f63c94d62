"""score_original_folder: per-seed scores and their summary from an original toolbox folder
(a meta_log.hdf5 with one group per run, or one folder per run with logs/)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from mle_logger import score_original_folder

LOSSES = {1: [1.0, 0.5, 0.25], 2: [0.8, 0.6, 0.2]}


def _seed(group: h5py.Group, seed: int, losses: list[float], name: str = "test_loss") -> None:
    g = f"seed_{seed}"
    group.create_dataset(f"{g}/meta/config_fname", data=np.array([b"c.json"], dtype="S5000"))
    group.create_dataset(f"{g}/time/num_updates", data=np.arange(1, len(losses) + 1.0))
    group.create_dataset(f"{g}/stats/{name}", data=np.array(losses, dtype=np.float32))


def test_meta_log_runs_are_scored_per_seed_and_summarised(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "meta_log.hdf5", "w") as f:
        for i, run in enumerate(("b_1_eval_0", "b_1_eval_1")):
            for seed, losses in LOSSES.items():
                _seed(f.require_group(run), seed, [x * (i + 1) for x in losses])
    found = score_original_folder(tmp_path)
    assert found is not None and found.metric == "test_loss"
    assert list(found.runs) == ["b_1_eval_0", "b_1_eval_1"]
    run = found.runs["b_1_eval_0"]
    assert run.scores == pytest.approx({1: 0.25, 2: 0.2})  # final values
    assert run.summary.mean == pytest.approx(0.225) and run.summary.n == 2
    assert found.runs["b_1_eval_1"].summary.mean == pytest.approx(0.45)
    best = score_original_folder(tmp_path, problem_type="best", maximize=True)
    assert best is not None and best.runs["b_1_eval_0"].scores == pytest.approx({1: 1.0, 2: 0.8})


def test_run_folders_and_a_seed_without_the_metric(tmp_path: Path) -> None:
    for run, seed, name in (("config_1", 1, "test_loss"), ("config_2", 2, "acc")):
        (tmp_path / run / "logs").mkdir(parents=True)
        with h5py.File(tmp_path / run / "logs" / f"log_seed_{seed}.hdf5", "w") as f:
            _seed(f, seed, LOSSES[seed], name)
    found = score_original_folder(tmp_path, metric="test_loss")
    assert found is not None
    assert found.runs["config_1"].scores == pytest.approx({1: 0.25})
    assert found.runs["config_2"].scores == {2: None}
    assert found.runs["config_2"].summary.n_failed == 1


def test_a_folder_without_logs_is_none(tmp_path: Path) -> None:
    assert score_original_folder(tmp_path) is None
