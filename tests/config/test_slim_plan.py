"""mle_config.plan: an experiment spec in, the job rows it runs out (issue 9: planning is
config, not CLI composition)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from mle_config import (
    PlannedJob,
    config_updates,
    load_experiment_spec,
    plan_proposal_jobs,
    plan_static_jobs,
)


def _spec(tmp_path: Path, **multi: Any) -> Any:
    (tmp_path / "train.py").write_text("print(1)\n")
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text('{"train_config": {"x": 1}, "log_config": {}}\n')
    data = {
        "meta_job_args": {
            "project_name": "p",
            "job_type": "multiple-folds",
            "base_train_fname": "train.py",
            "experiment_dir": "experiments/",
        },
        "multi_experiment_args": {"config_fnames": ["a.json", "b.json"], **multi},
        "single_job_args": {"num_logical_cores": 1},
    }
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(data))
    return load_experiment_spec(tmp_path / "exp.yaml", cwd=tmp_path)


def test_configs_folds_and_seeds_in_submission_order(tmp_path: Path) -> None:
    spec = _spec(tmp_path, num_seeds=2, num_folds=2)
    jobs = plan_static_jobs(spec)
    assert [j.job_id for j in jobs][:4] == ["c000-f0-s0", "c000-f0-s1", "c000-f1-s0", "c000-f1-s1"]
    assert len(jobs) == 8 and {j.config_id for j in jobs} == {"c000", "c001"}
    assert config_updates(jobs[2], spec) == {
        "train_config.fold_id": 1,
        "train_config.num_folds": 2,
    }


def test_listed_seeds_and_a_row_round_trip(tmp_path: Path) -> None:
    spec = _spec(tmp_path, random_seeds=[7, 11], num_folds=2)
    jobs = plan_proposal_jobs(spec, 3, {"train_config.lr": 0.1}, budget=4.0, parent=1)
    assert [j.job_id for j in jobs] == ["p0003-s7", "p0003-s11"]
    assert {j.config_key for j in jobs} == {"p0003"}  # one config for both seeds
    row = jobs[0].to_record()
    assert "fold" not in row and PlannedJob.from_record(row) == jobs[0]
    assert config_updates(jobs[0], spec) == {"train_config.lr": 0.1}


def test_seeds_continuing_their_own_checkpoints_get_a_config_each(tmp_path: Path) -> None:
    spec = _spec(tmp_path, random_seeds=[0, 1], num_folds=2)
    extras = {0: {"ckpt": "a"}, 1: {"ckpt": "b"}}
    jobs = plan_proposal_jobs(spec, 0, {"train_config.lr": 0.1}, extras=extras)
    assert [j.config_key for j in jobs] == ["p0000-s0", "p0000-s1"]
    assert config_updates(jobs[1], spec) == {
        "train_config.lr": 0.1,
        "train_config.extra": {"ckpt": "b"},
        "train_config.params.lr": 0.1,
    }
