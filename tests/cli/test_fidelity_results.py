"""`mle results --json` of a successive-halving search shows each trial's budget, rung, the
trial it continued and the trials that continued it (promoted), and every job's state."""

from __future__ import annotations

from pathlib import Path

from fidelity_helpers import FidelityProject, hyper_log, results


def test_results_show_budget_rung_and_promotion(tmp_path: Path) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink("logreg_halving.yaml", num_arms=2, min_budget=1)
    project.mle("run", yaml_path, "--quiet")
    exp = project.experiment()
    doc = results(project, exp)
    assert [j["state"] for j in doc["jobs"]] == ["done"] * 3  # 2 arms at 1 epoch -> 1 at 2
    configs = {c["proposal"]: c for c in doc["configs"]}
    log = hyper_log(exp)
    for tid, rec in log.items():
        c = configs[tid]
        assert (c["budget"], c["rung"], c.get("parent")) == (
            rec["budget"],
            rec["rung"],
            rec.get("parent"),
        )
        children = sorted(t for t, r in log.items() if r.get("parent") == tid)
        assert c["continued_by"] == children
