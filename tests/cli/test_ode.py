"""The seed's ODE example, its three YAML files unchanged, end to end; the grid search also on
the real single-node Grid Engine and Slurm clusters, with the same result as locally."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _mle(cwd: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLE_USER_CONFIG": str(cwd / "no-user-config.yaml")}
    res = subprocess.run(
        [sys.executable, "-m", "mle_cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert res.returncode == 0, f"mle {args}: {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def _results(cwd: Path, exp_root: Path) -> dict[str, Any]:
    [marker] = list(exp_root.glob("*/mle-experiment.json"))
    return json.loads(_mle(cwd, "results", str(marker.parent), "--json").stdout)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("examples")
    shutil.copytree(EXAMPLES / "ode", root / "ode")
    return root


def _check_grid(doc: dict[str, Any]) -> None:
    assert doc["search_type"] == "grid"
    xs = sorted(c["params"]["train_config.x_0"] for c in doc["configs"])
    assert xs == [float(x) for x in range(1, 11)]
    assert all(c["seeds"] == [0, 1] and c["n_failed"] == 0 for c in doc["configs"])
    assert len(doc["jobs"]) == 20 and all(j["state"] == "done" for j in doc["jobs"])
    assert doc["best"]["params"] == {"train_config.x_0": 10.0}


@pytest.fixture(scope="module")
def local_grid(examples: Path) -> dict[str, Any]:
    """The grid search run from examples/ode/, as the issue says."""
    ode = examples / "ode"
    res = _mle(ode, "run", "ode_grid_search.yaml")
    assert res.stderr.count("warning") == 1  # env_name "mle-toolbox" is missing: one warning
    return _results(ode, ode / "experiments")


def test_grid_search_from_ode_folder(local_grid: dict[str, Any]) -> None:
    _check_grid(local_grid)


def test_multiple_experiments_from_seed_folder(examples: Path) -> None:
    """Run from the folder holding ode/, as the seed does: 2 configs x 10 seeds = 20 logs."""
    _mle(examples, "run", "ode/ode_multiple_experiments.yaml")
    doc = _results(examples, examples / "experiments")
    assert len(doc["jobs"]) == 20 and all(j["state"] == "done" for j in doc["jobs"])
    logs = [p for j in doc["jobs"] for p in Path(j["run_dir"]).rglob("*.hdf5")]
    assert len(logs) == 20
    assert {c["params"]["config_fname"].rsplit("/", 1)[-1] for c in doc["configs"]} == {
        "ode_int_config_1.json",
        "ode_int_config_2.json",
    }
    assert all(c["seeds"] == list(range(10)) for c in doc["configs"])
    res = _mle(examples, "report")
    assert "report.html" in res.stdout


def test_smbo_search_runs_batches_times_iterations(examples: Path) -> None:
    ode = examples / "ode"
    _mle(ode, "run", "ode_smbo_search.yaml")
    doc = _results(ode, ode / "experiments" / "smbo")
    assert doc["search_type"] == "smbo" and doc["budget"] == 15
    assert len(doc["configs"]) == 15 and len(doc["jobs"]) == 30
    assert all(c["seeds"] == [0, 1] for c in doc["configs"])
    xs = [c["params"]["train_config.x_0"] for c in doc["configs"]]
    assert all(1 <= x <= 10 for x in xs) and len(set(xs)) == 15
    assert doc["best"]["score_mean"] == max(c["score_mean"] for c in doc["configs"])
    [exp] = [Path(j["run_dir"]).parents[1] for j in doc["jobs"][:1]]
    hyper = [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]
    assert sorted({h["batch"] for h in hyper}) == [0, 1, 2]


def _cluster_grid(examples: Path, backend: str, local: dict[str, Any]) -> None:
    work = examples / f"on-{backend}"
    shutil.copytree(examples / "ode", work / "ode", ignore=shutil.ignore_patterns("experiments"))
    ode = work / "ode"
    _mle(ode, "run", "ode_grid_search.yaml", "--backend", backend, timeout=280)
    doc = _results(ode, ode / "experiments")
    assert doc["backend"] == backend
    _check_grid(doc)

    def scores(d: dict[str, Any]) -> list[tuple[float, float]]:
        return sorted((c["params"]["train_config.x_0"], c["score_mean"]) for c in d["configs"])

    assert scores(doc) == scores(local)


@pytest.mark.sge
def test_grid_search_on_grid_engine(examples: Path, local_grid: dict[str, Any]) -> None:
    _cluster_grid(examples, "sge", local_grid)


@pytest.mark.slurm
def test_grid_search_on_slurm(examples: Path, local_grid: dict[str, Any]) -> None:
    _cluster_grid(examples, "slurm", local_grid)
