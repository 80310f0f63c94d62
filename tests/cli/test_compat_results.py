"""`mle results` on a folder of the original toolbox: no mle-experiment.json, but mle-logging
logs (meta_log.hdf5 with one group per run, or one folder per run with logs/)."""

from __future__ import annotations

import json

import h5py
import numpy as np
from cli_helpers import Project

LOSSES = {1: [1.0, 0.5, 0.25], 2: [0.8, 0.6, 0.2]}


def write_seed(group: h5py.Group, seed: int, losses: list[float]) -> None:
    """One seed in mle-logging's layout: <seed>/{meta,stats,time}/<name>."""
    g = f"seed_{seed}"
    group.create_dataset(f"{g}/meta/config_fname", data=np.array([b"c.json"], dtype="S5000"))
    group.create_dataset(f"{g}/time/num_updates", data=np.arange(1, len(losses) + 1.0))
    group.create_dataset(f"{g}/stats/test_loss", data=np.array(losses, dtype=np.float32))


def test_results_of_an_original_meta_log(project: Project) -> None:
    folder = project.root / "experiments" / "21-12-26_search"
    folder.mkdir(parents=True)
    with h5py.File(folder / "meta_log.hdf5", "w") as f:
        for i, run in enumerate(("b_1_eval_0", "b_1_eval_1")):
            for seed, losses in LOSSES.items():
                write_seed(f.require_group(run), seed, [x * (i + 1) for x in losses])
    doc = json.loads(project.mle("results", str(folder), "--json").stdout)
    assert doc["metric"] == "test_loss"
    by_run = {c["config_id"]: c for c in doc["configs"]}
    assert by_run["b_1_eval_0"]["seeds"] == [1, 2]
    assert abs(by_run["b_1_eval_0"]["score_mean"] - 0.225) < 1e-6  # final values 0.25, 0.2
    assert abs(by_run["b_1_eval_1"]["score_mean"] - 0.45) < 1e-6
    table = project.mle("results", str(folder)).stdout
    assert "b_1_eval_1" in table and "0.45" in table


def test_results_of_original_run_folders_and_of_a_folder_without_logs(project: Project) -> None:
    folder = project.root / "old"
    for run, seed in (("config_1", 1), ("config_2", 2)):
        (folder / run / "logs").mkdir(parents=True)
        with h5py.File(folder / run / "logs" / f"log_seed_{seed}.hdf5", "w") as f:
            write_seed(f, seed, LOSSES[seed])
    doc = json.loads(project.mle("results", str(folder), "--json").stdout)
    assert {c["config_id"]: c["seeds"] for c in doc["configs"]} == {
        "config_1": [1],
        "config_2": [2],
    }
    (project.root / "empty").mkdir()
    res = project.mle("results", str(project.root / "empty"), check=2)
    assert "experiment" in res.stderr and "Traceback" not in res.stderr
