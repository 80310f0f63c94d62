"""`mle run` with `param_search_args.pruner` (issue 11): the training script is unchanged (the
seed's DeepLogger), the driver follows each running job's journal and prunes bad trials as
`pruned` with the step they reached; the run succeeds (pruned is not failed), the hyper log
records each pruned trial's last value and step, and `mle resume` restores the decisions.

These tests need the schema key, the driver hook and the job-state model's `pruned` of
/work/team/requests/H1b.md (R1, R2, R3); they skip, naming what is missing, until all are in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, grid_yaml


def _missing() -> str | None:
    from mle_cli import _driver
    from mle_config import schema
    from mle_monitor import JOB_FINAL

    if "pruner" not in schema.SECTIONS["param_search_args"]:
        return "schema.py has no param_search_args.pruner yet (requests/H1b.md R1)"
    if "prune_watcher" not in Path(_driver.__file__).read_text():
        return "the driver has no pruning hook yet (requests/H1b.md R2)"
    if "pruned" not in JOB_FINAL:
        return "mle-monitor's job-state model has no final 'pruned' yet (requests/H1b.md R3)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def _pruned_search(project: Project, **meta: Any) -> dict[str, Any]:
    project.config("base.json", steps=10, sleep=0.15)
    data = grid_yaml(bins=6, seeds=1, batches=1, per_batch=6, max_running_jobs=2, **meta)
    search = data["param_search_args"]
    search["maximize_objective"] = False  # x=1 is best and runs first; later trials are worse
    search["pruner"] = {"type": "asha", "time_key": "step", "rungs": [2, 4, 8]}
    return data


def _hyper_log(exp: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]


def test_mle_run_prunes_bad_trials_and_ends_well(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.yaml("search.yaml", _pruned_search(project))
    project.mle("run", "search.yaml", timeout=240)
    [exp] = project.experiments()
    records = {r["params"]["train_config.x"]: r for r in _hyper_log(exp)}
    assert records[1.0].get("state") != "pruned"
    pruned = [r for r in records.values() if r.get("state") == "pruned"]
    assert len(pruned) >= 3, records  # x = 4, 5, 6 at least: worse than x = 1 at every rung
    for rec in pruned:
        [step] = rec["pruned_at"].values()
        assert step in (2.0, 4.0, 8.0)
        assert rec["score"] == pytest.approx(rec["params"]["train_config.x"] * step)  # last value
    decisions = (exp / "pruning.jsonl").read_text().splitlines()
    assert sum(json.loads(d)["action"] == "stop" for d in decisions) >= len(pruned)
    status = project.mle("status", str(exp)).stdout
    assert "pruned" in status and "failed" not in status
