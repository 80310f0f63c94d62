"""mle-logging's own test suite (tests/test_logger, test_load, test_reload, test_model), ported.

Same calls and the same numbers; the differences are on purpose and named where they occur:
files land in our layout (``logs/seed_<id>.hdf5``, ``models/seed_<id>/``, ``figures/...``),
checkpoints and extras are ``.npz``/``.npy``/``.json`` instead of pickles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mle_logger import (
    MLELogger,
    SeedLogs,
    load_checkpoint,
    load_extra,
    load_log,
    merge_logs,
    original_summary,
)

TIME_TIC = [
    {"num_steps": 10, "num_epochs": 1},
    {"num_steps": 20, "num_epochs": 1},
    {"num_steps": 30, "num_epochs": 1},
    {"num_steps": 40, "num_epochs": 1},
]
STATS_TIC = [
    {"train_loss": 0.1234, "test_loss": 0.1235},
    {"train_loss": 0.2, "test_loss": 0.1},
    {"train_loss": 0.223, "test_loss": 0.097},
    {"train_loss": 0.123, "test_loss": 0.085},
]
SOME_DICT = {"hi": "there"}


class FakeFigure:
    def savefig(self, path: Any, format: str = "png") -> None:  # matplotlib's signature
        Path(path).write_bytes(b"\x89PNG fake")


def model() -> dict[str, np.ndarray]:
    """Stands in for the suite's DummyModel (three Linear layers) as a state_dict."""
    return {f"fc{i}.weight": np.full((2, 2), float(i)) for i in (1, 2, 3)}


def log_config(exp_dir: Path, **extra: Any) -> dict[str, Any]:
    return {
        "time_to_track": ["num_steps", "num_epochs"],
        "what_to_track": ["train_loss", "test_loss"],
        "experiment_dir": str(exp_dir),
        "model_type": "torch",
        **extra,
    }


def test_update_log(exp_dir: Path) -> None:
    log = MLELogger(**log_config(exp_dir))
    log.update(TIME_TIC[0], STATS_TIC[0])
    log.save()
    assert (exp_dir / "logs").is_dir()
    assert (exp_dir / "logs" / "seed_0.journal").is_file()  # saved rows, before the fold
    log.close()
    assert (exp_dir / "logs" / "seed_0.hdf5").is_file()


def test_save_plot_and_save_extra(exp_dir: Path) -> None:
    log = MLELogger(**log_config(exp_dir))
    log.save_plot(FakeFigure())
    log.save_extra(SOME_DICT)
    log.close()
    assert (exp_dir / "figures/seed_0/fig_1.png").is_file()
    assert load_extra(exp_dir / "extra/seed_0/extra_1.json") == SOME_DICT


def test_all_in_one(exp_dir: Path) -> None:
    log = MLELogger(**log_config(exp_dir))
    log.save_init_model(model())
    log.update(TIME_TIC[0], STATS_TIC[0], model(), FakeFigure(), SOME_DICT, save=True)
    log.close()
    folder = exp_dir / "models/seed_0"
    assert load_checkpoint(folder / "init.npz")["fc2.weight"].tolist() == [[2.0, 2.0]] * 2
    assert (folder / "last.npz").is_file()  # the original's models/final/final_<seed>.pt
    assert (exp_dir / "figures/seed_0/fig_1.png").is_file()
    assert (exp_dir / "extra/seed_0/extra_1.json").is_file()


def test_load_single(exp_dir: Path) -> None:
    log = MLELogger(**log_config(exp_dir))
    log.update(TIME_TIC[0], STATS_TIC[0], model(), plot_fig=FakeFigure(), extra_obj=SOME_DICT,
               save=True)  # fmt: skip
    log.close()
    relog = load_log(exp_dir)
    assert relog.stats.train_loss.tolist() == [0.1234]
    assert relog.time.num_steps.tolist() == [10]
    index = json.loads((exp_dir / "models/seed_0/checkpoints.json").read_text())
    assert index["last"] == {"update": 0, "file": "last.npz"}


def test_merge_load_seeds(exp_dir: Path) -> None:
    for seed, i in ((1, 0), (2, 1)):
        log = MLELogger(**log_config(exp_dir, seed_id=f"seed_{seed}"))
        log.update(TIME_TIC[0], STATS_TIC[i], model(), FakeFigure(), SOME_DICT, save=True)
        log.close()
    merged = merge_logs(exp_dir)
    logs = load_log(merged)
    assert isinstance(logs, SeedLogs)
    assert logs.seeds[1].stats.train_loss.tolist() == [0.1234]
    assert logs.seeds[2].stats.train_loss.tolist() == [0.2]
    agg = load_log(exp_dir, aggregate=True)
    loss = agg.stats.train_loss
    assert loss.mean[0] == pytest.approx(np.mean([0.1234, 0.2]))
    assert original_summary(loss).std[0] == pytest.approx(np.std([0.1234, 0.2]))  # ddof=0
    assert loss.std[0] == pytest.approx(np.std([0.1234, 0.2], ddof=1))  # ours: sample std


def test_merge_load_configs(tmp_path: Path) -> None:
    for config in ("config_1", "config_2"):
        for seed, i in ((1, 0), (2, 1)):
            log = MLELogger(**log_config(tmp_path / config, seed_id=f"seed_{seed}"))
            log.update(TIME_TIC[0], STATS_TIC[i], model(), FakeFigure(), SOME_DICT, save=True)
            log.close()
    for config in ("config_1", "config_2"):
        agg = load_log(merge_logs(tmp_path / config), aggregate=True)
        assert agg.seed_ids == [1, 2]
        stats = agg.stats.test_loss
        for q in (10, 25, 50, 75, 90):  # the original's p10 ... p90
            assert stats.percentiles[q][0] == pytest.approx(np.percentile([0.1235, 0.1], q))


def test_reload_with_top_k_and_every_k(exp_dir: Path) -> None:
    config = log_config(
        exp_dir,
        ckpt_time_to_track="num_steps",
        save_every_k_ckpt=2,
        save_top_k_ckpt=2,
        top_k_metric_name="test_loss",
        top_k_minimize_metric=True,
    )
    log = MLELogger(**config)
    for t, s in zip(TIME_TIC[:3], STATS_TIC[:3], strict=True):
        log.update(t, s, model(), FakeFigure(), SOME_DICT, save=True)
    log.close()

    relog = MLELogger(**config, reload=True)
    index = json.loads((exp_dir / "models/seed_0/checkpoints.json").read_text())
    top = sorted(index["top"], key=lambda e: e["update"])
    assert [e["update"] for e in top] == [1, 2]  # num_steps 20 and 30, as the original
    assert [e["score"] for e in top] == pytest.approx([0.1, 0.097])
    assert [e["update"] for e in index["every"]] == [1]  # the 2nd checkpoint (num_steps 20)
    assert relog.stats_log.stats_tracked["test_loss"] == pytest.approx([0.1235, 0.1, 0.097])
    assert relog.stats_log.clock_tracked["num_steps"] == [10, 20, 30]

    relog.update(TIME_TIC[3], STATS_TIC[3], model(), FakeFigure(), SOME_DICT, save=True)
    relog.close()
    index = json.loads((exp_dir / "models/seed_0/checkpoints.json").read_text())
    assert sorted(e["update"] for e in index["top"]) == [2, 3]
    assert [e["update"] for e in index["every"]] == [1, 3]  # 2nd and 4th checkpoints
    loaded = load_log(exp_dir)
    assert loaded.stats.test_loss.tolist() == pytest.approx([0.1235, 0.1, 0.097, 0.085])
    assert loaded.time.num_steps.tolist() == [10, 20, 30, 40]
    assert loaded.time.num_updates.tolist() == [1, 2, 3, 4]


def test_save_load_numpy_model(exp_dir: Path) -> None:
    log = MLELogger(**log_config(exp_dir, model_type="numpy"))
    log.update(TIME_TIC[0], STATS_TIC[0], np.array([1, 2, 3, 4]), save=True)
    log.close()
    assert load_checkpoint(exp_dir / "models/seed_0/last.npy").tolist() == [1, 2, 3, 4]
