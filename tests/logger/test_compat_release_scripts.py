"""examples/legacy: the v0.3-style training script runs unchanged with only mle-logger installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mle_logger import SeedLog, load_checkpoint, load_log

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("config", ["base_config_1.yaml", "base_config_2.yaml"])
def test_legacy_example_runs_and_logs(tmp_path: Path, config: str) -> None:
    out = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, "legacy/train.py", "-config", f"legacy/{config}", "-seed", "2",
         "-exp_dir", str(out)],
        cwd=EXAMPLES, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    log = load_log(out)
    assert isinstance(log, SeedLog) and log.finished and log.seed_id == 2
    assert log.time.num_steps.tolist() == [4, 9, 14, 19, 24, 29, 34, 39, 44, 49]  # every 5th
    assert log.time.num_updates.tolist() == list(range(1, 11))
    assert np.all(log.stats.test_loss >= log.stats.train_loss)
    theta = load_checkpoint(out / "models/seed_2/last.npy")
    assert log.stats.train_loss[-1] == pytest.approx(float(np.sum(theta**2)))
    final = json.loads((out / "extra/seed_2/theta_final.json").read_text())
    assert len(final["theta_final"]) == 2  # after step 50; the checkpoint is of step 49
