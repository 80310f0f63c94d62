"""The seed's examples/ode/run_ode_int.py runs unchanged and logs the exact Euler values."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mle_config import load_config
from mle_logger import SeedLog, load_log

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ode"


def euler_log(config_file: Path, seed: int) -> tuple[list[int], list[float]]:
    """What the seed's script should log, computed here the same way."""
    train = load_config(config_file)["train_config"]
    x = [train["x_0"] + seed]
    steps, values = [], []
    t_seq = np.arange(train["dt"], train["t_max"], train["dt"]).tolist()
    for i, _ in enumerate(t_seq):
        x.append(x[-1] + (-0.1 * x[-1]) * train["dt"])
        if i % train["log_every_steps"] == 0:
            steps.append(i + 1)
            values.append(x[-1])
    return steps, values


def run_example(
    python: str, config: str, seed: int, exp_dir: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "run_ode_int.py", "-config", config, "-seed", str(seed), "-exp_dir", str(exp_dir)],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )


def check_logged(exp_dir: Path, config: str, seed: int) -> None:
    log = load_log(exp_dir)
    assert isinstance(log, SeedLog)
    steps, values = euler_log(EXAMPLE / config, seed)
    assert log.time.step_counter.tolist() == steps
    assert log.stats.integral.tolist() == values  # exactly, not approximately
    assert log.finished and log.seed_id == seed
    assert log.meta["config_fname"].endswith(config)


@pytest.mark.parametrize(
    ("config", "seed"), [("ode_int_config_1.json", 3), ("ode_int_config_2.json", 0)]
)
def test_seed_example_logs_exact_euler_values(tmp_path: Path, config: str, seed: int) -> None:
    res = run_example(sys.executable, config, seed, tmp_path)
    assert res.returncode == 0, res.stderr
    check_logged(tmp_path, config, seed)
    assert "step_counter" in res.stdout  # the print row of the seed's log_config


@pytest.mark.slow
def test_seed_example_runs_with_only_mle_logger_installed(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is needed to build the isolated environment quickly")
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    packages = [str(ROOT / "packages" / p) for p in ("mle-config", "mle-logger")]
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", python, *packages], check=True, timeout=600
    )
    probe = "import importlib.util as u; print([m for m in ('mle_cli','mle_scheduler','mle_search') if u.find_spec(m)])"
    assert (
        subprocess.run([python, "-c", probe], capture_output=True, text=True).stdout.strip() == "[]"
    )
    res = run_example(python, "ode_int_config_1.json", 2, tmp_path / "exp")
    assert res.returncode == 0, res.stderr
    check_logged(tmp_path / "exp", "ode_int_config_1.json", 2)
