"""Logs written by the original mle-logging / mle-toolbox load with ``load_log``.

The fixture files are written here with h5py in the original's layout (as its ``save()`` and
``merge_hdf5_files`` wrote them): groups ``<seed>/{meta,stats,time}/<name>``, meta entries as
1-element ``S5000`` arrays, float32 columns, a text ``time/time`` column; merged seed files and
``meta_log.hdf5`` (``<run>/<seed>/...``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from mle_logger import (
    LogFormatError,
    PickleRefusedError,
    SeedLog,
    SeedLogs,
    aggregate_logs,
    load_checkpoint,
    load_log,
    load_meta_log,
    original_summary,
    score_log,
)

LOSSES = {1: [1.0, 0.5, 0.25], 2: [0.8, 0.6, 0.2], 3: [0.9, 0.4]}


def _text(values: list[str]) -> np.ndarray:
    return np.array([v.encode() for v in values], dtype="S5000")


def write_seed(
    f: h5py.File | h5py.Group, seed: str, losses: list[float], run: str = "config_1"
) -> None:
    """One seed's group in mle-logging 0.0.x's layout."""
    n = len(losses)
    meta = {
        "config_dict": str({"train_config": {"lrate": 0.1}, "log_config": {"x": [1, 2]}}),
        "config_fname": f"exp/{run}/{run}.json",
        "eval_id": run,
        "experiment_dir": f"exp/{run}",
        "log_paths": f"exp/{run}/logs/log_{seed}.hdf5",
        "model_type": "torch",
        "model_ckpt": f"exp/{run}/models/final/final_{seed}.pt",
    }
    for k, v in meta.items():
        f.create_dataset(f"{seed}/meta/{k}", data=_text([v]))
    f.create_dataset(f"{seed}/time/time", data=_text(["21-12-26/11:47"] * n))
    f.create_dataset(f"{seed}/time/time_elapsed", data=np.linspace(0, 1, n, dtype=np.float32))
    f.create_dataset(f"{seed}/time/num_updates", data=np.arange(1, n + 1, dtype=np.float32))
    f.create_dataset(f"{seed}/stats/train_loss", data=np.array(losses, dtype=np.float32))
    f.create_dataset(f"{seed}/stats/test_loss", data=np.array(losses, dtype=np.float32) * 2)


def test_single_seed_file_in_a_run_folder(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    with h5py.File(tmp_path / "logs/log_seed_1.hdf5", "w") as f:
        write_seed(f, "seed_1", LOSSES[1])
    log = load_log(tmp_path)
    assert isinstance(log, SeedLog)
    assert log.seed_id == 1 and log.n_rows == 3 and log.finished
    assert log.stats.train_loss.tolist() == LOSSES[1]  # float32 widened exactly
    assert log.time.num_updates.tolist() == [1.0, 2.0, 3.0]
    assert "time" not in log.time and log.meta["time/time"][0] == "21-12-26/11:47"
    assert log.meta["eval_id"] == "config_1" and log.meta["format"] == "mle-logging"
    assert log.meta["config"] == {"train_config": {"lrate": 0.1}, "log_config": {"x": [1, 2]}}
    assert score_log(log, "train_loss", "best", maximize=False) == 0.25


def test_merged_seeds_file_and_aggregation_with_the_originals_percentiles(tmp_path: Path) -> None:
    path = tmp_path / "seed_aggregated.hdf5"
    with h5py.File(path, "w") as f:
        for seed, losses in LOSSES.items():
            write_seed(f, f"seed_{seed}", losses)
    logs = load_log(path)
    assert isinstance(logs, SeedLogs) and logs.seed_ids == [1, 2, 3]
    agg = aggregate_logs(logs)
    loss = agg.stats.train_loss
    first = [LOSSES[s][0] for s in LOSSES]
    assert loss.mean[0] == pytest.approx(np.mean(first))
    assert loss.percentiles[10][0] == pytest.approx(np.percentile(first, 10))  # p10 as original
    assert loss.percentiles[90][0] == pytest.approx(np.percentile(first, 90))
    assert loss.percentiles[5][0] == pytest.approx(np.percentile(first, 5))  # ours as well
    assert loss.count.tolist() == [3, 3, 2]  # seed 3 is shorter: masked, not truncated
    legacy = original_summary(loss)
    assert legacy.std[0] == pytest.approx(np.std(first))  # the original's std (ddof=0)
    assert legacy.p50[2] == pytest.approx(np.percentile([0.25, 0.2], 50))


def test_meta_log_by_run(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "meta_log.hdf5", "w") as f:
        for run in ("b_1_eval_0", "b_1_eval_1"):
            for seed in (1, 2):
                write_seed(f.require_group(run), f"seed_{seed}", LOSSES[seed], run)
    with pytest.raises(LogFormatError, match=r"meta log of 2 runs.*load_meta_log"):
        load_log(tmp_path / "meta_log.hdf5")
    runs = load_meta_log(tmp_path)
    assert list(runs) == ["b_1_eval_0", "b_1_eval_1"]
    assert runs.b_1_eval_1.seed_ids == [1, 2]
    assert runs["b_1_eval_0"].seeds[2].meta["run_id"] == "b_1_eval_0"
    agg = load_meta_log(tmp_path / "meta_log.hdf5", aggregate=True)
    mean = agg.b_1_eval_0.stats.test_loss.mean
    assert mean.tolist() == pytest.approx([1.8, 1.1, 0.45])
    assert set(agg.b_1_eval_0.stats.test_loss.percentiles) >= {10.0, 25.0, 50.0, 75.0, 90.0}


def test_one_run_meta_log_loads_with_load_log(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "meta_log.hdf5", "w") as f:
        write_seed(f.require_group("config_1"), "seed_0", [3.0, 2.0])
    log = load_log(tmp_path)
    assert isinstance(log, SeedLog) and log.stats.train_loss.tolist() == [3.0, 2.0]


def test_seed_era_flat_group(tmp_path: Path) -> None:
    path = tmp_path / "20-08-01_ode_int_config_1_seed-0.hdf5"
    with h5py.File(path, "w") as f:
        f.create_dataset("seed-0/step_counter", data=np.array([1, 2], dtype=np.float32))
        f.create_dataset("seed-0/integral", data=np.array([100.0, 99.0], dtype=np.float32))
    log = load_log(path)
    assert isinstance(log, SeedLog) and log.seed_id == 0
    assert log.stats.integral.tolist() == [100.0, 99.0]


def test_pickled_parts_stay_unread(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "log_seed_0.hdf5"
    with h5py.File(path, "w") as f:
        write_seed(f, "seed_0", [1.0])
        del f["seed_0/meta/config_dict"]
        evil = f"__import__('pathlib').Path({str(marker)!r}).touch()"
        f.create_dataset("seed_0/meta/config_dict", data=_text([evil]))
    log = load_log(path)
    assert isinstance(log, SeedLog)
    assert log.meta["config"] is None and not marker.exists()  # never evaluated
    ckpt = tmp_path / "final_seed_0.pt"
    ckpt.write_bytes(b"\x80\x04pickled")
    with pytest.raises(PickleRefusedError, match="allow_pickle=True"):
        load_checkpoint(ckpt)


def test_our_own_logs_still_come_first(tmp_path: Path) -> None:
    from mle_logger import Logger

    with Logger(tmp_path, seed_id=0) as log:
        log.update(stats={"x": 1.0})
    with h5py.File(tmp_path / "logs" / "log_seed_5.hdf5", "w") as f:  # an old file beside ours
        write_seed(f, "seed_5", [9.0])
    loaded: Any = load_log(tmp_path)
    assert isinstance(loaded, SeedLog) and loaded.meta["format"] != "mle-logging"


def test_not_a_log_is_still_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "other.hdf5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.zeros(2))
    with pytest.raises(LogFormatError):
        load_log(path)


def test_original_file_named_like_ours(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    with h5py.File(tmp_path / "logs/seed_3.hdf5", "w") as f:  # mle-logging layout, our name
        write_seed(f, "seed_3", LOSSES[3])
    for path in (tmp_path, tmp_path / "logs/seed_3.hdf5"):
        log = load_log(path)
        assert isinstance(log, SeedLog) and log.seed_id == 3
        assert log.stats.train_loss.tolist() == pytest.approx(LOSSES[3])
