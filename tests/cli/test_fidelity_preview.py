"""What `mle run --dry-run` shows of a multi-fidelity search: the schedule's size and the first
trials' jobs with their budget and train_config.extra (mle_cli._search.preview)."""

from __future__ import annotations

from pathlib import Path

from fidelity_helpers import FidelityProject
from mle_config import ExperimentSpec


def _spec(project: FidelityProject, name: str) -> ExperimentSpec:
    from mle_config import load_experiment_spec

    return load_experiment_spec(project.root / "fidelity" / name, user_config={}, cwd=project.root)


def test_preview_shows_the_schedule_and_the_first_rung(tmp_path: Path) -> None:
    from mle_cli._search import preview

    project = FidelityProject(tmp_path)
    text, jobs = preview(_spec(project, "logreg_hyperband.yaml"))
    assert "(hyperband): 22 trials x 1 seeds = 22 jobs on local (first 5 shown)" in text
    assert [j.budget for j in jobs] == [1.0] * 5
    assert jobs[0].extra == {
        "sh_num_total_iters": 1, "sh_num_add_iters": 1, "sh_counter": 0, "hb_counter": 0
    }  # fmt: skip
    text, jobs = preview(_spec(project, "logreg_pbt.yaml"))
    assert "(pbt): 16 trials x 1 seeds" in text and len(jobs) == 4  # one generation
    assert [j.extra["pbt_worker_id"] for j in jobs if j.extra] == [0, 1, 2, 3]


def test_dry_run_of_a_hyperband_yaml(tmp_path: Path) -> None:
    project = FidelityProject(tmp_path)
    res = project.mle("run", "fidelity/logreg_hyperband.yaml", "--dry-run", check=None)
    assert res.returncode == 0, res.stderr
    assert "22 trials" in res.stdout and "p0004-s0" in res.stdout
    assert not (tmp_path / "experiments").exists()  # a dry run writes nothing
