"""`search_type: asha` through `mle run`: every trial is a new point run at full budget, and the
strategy's own ASHA pruner stops the running jobs that fall below their rung's cut (the
training script is unchanged); pruned trials are `pruned`, not failed, and the run ends well."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, grid_yaml


def _asha_search(project: Project) -> dict[str, Any]:
    project.config("base.json", steps=10, sleep=0.15)
    data = grid_yaml(bins=6, seeds=1, batches=8, per_batch=1, max_running_jobs=2)
    search = data["param_search_args"]
    search.update(search_type="asha", maximize_objective=False)  # score = x * step: low x wins
    search["params_to_search"] = {"real": {"x": {"begin": 1.0, "end": 6.0}}}
    search["asha_config"] = {"max_resource": 10, "min_resource": 2, "eta": 2}  # rungs 2, 4, 8
    # no pruner section: the strategy's own ASHA pruner, counting logged rows as budget
    return data


def test_asha_search_prunes_running_trials_and_ends_well(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.yaml("asha.yaml", _asha_search(project))
    project.mle("run", "asha.yaml", timeout=300)
    [exp] = project.experiments()
    records = [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]
    assert len(records) == 8
    pruned = [r for r in records if r.get("state") == "pruned"]
    assert pruned, records
    for rec in pruned:
        [step] = rec["pruned_at"].values()
        assert step in (2.0, 4.0, 8.0)
        assert rec["score"] == pytest.approx(rec["params"]["train_config.x"] * step)
    best = min((r for r in records if r.get("state") != "pruned"), key=lambda r: r["score"])
    assert best["params"]["train_config.x"] == min(r["params"]["train_config.x"] for r in records)
    doc = project.results(exp)
    assert {j["state"] for j in doc["jobs"]} <= {"done", "pruned"}
