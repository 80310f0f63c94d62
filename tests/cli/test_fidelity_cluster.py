"""On a real cluster: a successive-halving search through `mle run --backend sge|slurm`; the
promoted job, running on the cluster, continues the checkpoint its parent's job saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from fidelity_helpers import FidelityProject, assert_continues, checkpoint, hyper_log, job_config


def _halving_on(tmp_path: Path, backend: str) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink("logreg_halving.yaml", num_arms=2, min_budget=1)
    project.mle("run", yaml_path, "--backend", backend, "--quiet")
    exp = project.experiment()
    log = hyper_log(exp)
    assert sorted((r["rung"], r["budget"]) for r in log.values()) == [(0, 1), (0, 1), (1, 2)]
    [top] = [t for t, r in log.items() if r["rung"] == 1]
    parent = log[top]["parent"]
    extra = job_config(exp, top)["train_config"]["extra"]
    assert extra["sh_ckpt"] == str(checkpoint(exp, parent).resolve())
    assert_continues(project, exp, top, parent)


@pytest.mark.sge
def test_halving_on_grid_engine_continues_checkpoints(tmp_path: Path) -> None:
    _halving_on(tmp_path, "sge")


@pytest.mark.slurm
def test_halving_on_slurm_continues_checkpoints(tmp_path: Path) -> None:
    _halving_on(tmp_path, "slurm")
