"""`mle run` on the local backend with a tiny training script."""

from __future__ import annotations

import json
import os
import subprocess

from cli_helpers import Project, grid_yaml, multi_yaml


def test_multiple_experiments_every_config_times_seeds(project: Project) -> None:
    project.config("a.json", x=1.0)
    project.config("b.json", x=2.0)
    project.yaml("exp.yaml", multi_yaml(num_seeds=3, configs=("a.json", "b.json")))
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert doc["job_type"] == "multiple-experiments"
    assert len(doc["jobs"]) == 6 and all(j["state"] == "done" for j in doc["jobs"])
    assert all(j["exit_code"] == 0 for j in doc["jobs"])
    assert sorted((j["config_id"], j["seed"]) for j in doc["jobs"]) == [
        (c, s) for c in ("c000", "c001") for s in (0, 1, 2)
    ]
    # one log per run, in the run folder the script was given as -exp_dir
    assert sorted(project.counter()) == sorted(j["run_dir"] for j in doc["jobs"])
    by_id = {c["config_id"]: c for c in doc["configs"]}
    # score = final value of x * steps + seed; mean over seeds 0..2 = 3x + 1
    assert by_id["c000"]["score_mean"] == 4.0 and by_id["c001"]["score_mean"] == 7.0
    assert by_id["c000"]["params"]["config_fname"].endswith("a.json")
    assert by_id["c000"]["seeds"] == [0, 1, 2] and by_id["c000"]["n_failed"] == 0
    # the experiment folder holds the YAML snapshot, resolved configs, job table, record
    for name in (
        "experiment.yaml",
        "jobs.jsonl",
        "reproducibility.json",
        "results.json",
        "configs/c000.json",
        "configs/c001.json",
    ):
        assert (exp / name).exists(), name
    cfg = json.loads((exp / "configs" / "c001.json").read_text())
    assert cfg["train_config"]["x"] == 2.0
    repro = json.loads((exp / "reproducibility.json").read_text())
    assert repro["command"][:2] == ["mle", "run"] and repro["packages"]["mle-cli"]


def test_failed_job_reported_others_go_on_exit_nonzero(project: Project) -> None:
    project.config("bad.json", fail=1)  # seed 1 exits with code 3
    project.yaml("exp.yaml", multi_yaml(num_seeds=3, configs=("bad.json",)))
    res = project.mle("run", "exp.yaml", check=1)
    assert "c000-s1" in res.stdout + res.stderr
    assert "intentional failure" in res.stdout + res.stderr  # the stderr tail is shown
    [exp] = project.experiments()
    doc = project.results(exp)
    states = {j["seed"]: (j["state"], j["exit_code"]) for j in doc["jobs"]}
    assert states == {0: ("done", 0), 1: ("failed", 3), 2: ("done", 0)}
    [cfg] = doc["configs"]
    assert cfg["n_failed"] == 1 and cfg["score_mean"] == (3 + 5) / 2


def test_multiple_folds_reach_the_script_as_train_config(project: Project) -> None:
    data = multi_yaml(num_seeds=1, job_type="multiple-folds")
    data["multi_experiment_args"]["num_folds"] = 3
    project.yaml("exp.yaml", data)
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert sorted(j["fold"] for j in doc["jobs"]) == [0, 1, 2]
    for fold in range(3):
        cfg = json.loads((exp / "configs" / f"c000-f{fold}.json").read_text())
        assert cfg["train_config"]["fold_id"] == fold and cfg["train_config"]["num_folds"] == 3


def test_missing_conda_env_falls_back_with_one_warning(project: Project) -> None:
    data = multi_yaml(num_seeds=2)
    data["single_job_args"]["env_name"] = "an-env-nobody-has"
    project.yaml("exp.yaml", data)
    res = project.mle("run", "exp.yaml", env={"PATH": "/usr/bin:/bin", "CONDA_EXE": ""})
    assert res.stderr.count("warning") == 1 and "current Python" in res.stderr
    [exp] = project.experiments()
    assert all(j["state"] == "done" for j in project.results(exp)["jobs"])


def test_dry_run_prints_jobs_and_runs_nothing(project: Project) -> None:
    project.yaml("exp.yaml", multi_yaml(num_seeds=2))
    res = project.mle("run", "exp.yaml", "--dry-run", "--backend", "slurm")
    assert "c000-s0" in res.stdout and "c000-s1" in res.stdout
    assert "#SBATCH" in res.stdout  # the generated cluster script
    assert project.experiments() == [] and project.counter() == []


def test_override_changes_the_experiment(project: Project) -> None:
    project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    project.mle("run", "exp.yaml", "-o", "multi_experiment_args.num_seeds=2", "--name", "ov")
    [exp] = project.experiments()
    assert exp.name.endswith("_ov")
    assert len(project.results(exp)["jobs"]) == 2


def test_failed_job_is_retried_max_retries_times(project: Project) -> None:
    project.config("flaky.json", fail="once")
    project.yaml("exp.yaml", multi_yaml(num_seeds=2, configs=("flaky.json",), max_retries=1))
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert [j["state"] for j in doc["jobs"]] == ["done", "done"]
    # the failed first attempts are kept aside, with their stderr
    kept = sorted((exp / "attempts").iterdir())
    assert len(kept) == 2
    assert all("intentional failure" in (k / "err").read_text() for k in kept)


def test_resume_retry_failed_reruns_only_failed_jobs(project: Project) -> None:
    project.config("flaky.json", fail="once")
    project.yaml("exp.yaml", multi_yaml(num_seeds=2, configs=("flaky.json",)))
    project.mle("run", "exp.yaml", check=1)
    [exp] = project.experiments()
    project.mle("resume", str(exp), check=1)  # failed jobs stay failed without the flag
    assert project.counter() == []
    project.mle("resume", str(exp), "--retry-failed")
    assert len(project.counter()) == 2
    assert all(j["state"] == "done" for j in project.results(exp)["jobs"])


def test_reproducibility_record_has_git_commit_and_diff(project: Project) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=project.root,
            check=True,
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@t",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@t",
            },
        ).stdout

    git("init", "-q")
    git("add", "train.py", "base.json")
    git("commit", "-q", "-m", "init")
    project.config("base.json", x=5.0)  # an uncommitted change
    project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    repro = json.loads((exp / "reproducibility.json").read_text())
    assert repro["git"]["commit"] == git("rev-parse", "HEAD").strip()
    assert repro["git"]["dirty"] is True
    assert '"x": 5.0' in (exp / "git.diff").read_text()
    assert repro["python"] and repro["host"] and repro["cwd"] == str(project.root)


def test_dry_run_of_a_search_shows_its_first_proposals(project: Project) -> None:
    project.yaml("grid.yaml", grid_yaml(bins=3, seeds=2, batches=1, per_batch=3))
    out = project.mle("run", "grid.yaml", "--dry-run").stdout
    assert "3 proposals x 2 seeds = 6 jobs" in out
    assert all(f"train_config.x={x}" in out for x in (1.0, 2.0, 3.0))
    assert project.experiments() == [] and project.counter() == []
