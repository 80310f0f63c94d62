"""Hyperparameter searches through `mle run` (tiny script, local backend)."""

from __future__ import annotations

import json

from cli_helpers import Project, grid_yaml


def test_grid_search_scores_every_point_and_names_the_best(project: Project) -> None:
    project.yaml("grid.yaml", grid_yaml(bins=4, seeds=2, batches=2, per_batch=2))
    res = project.mle("run", "grid.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert doc["search_type"] == "grid"
    assert sorted(c["params"]["train_config.x"] for c in doc["configs"]) == [1.0, 2.0, 3.0, 4.0]
    assert all(c["seeds"] == [0, 1] and c["n_failed"] == 0 for c in doc["configs"])
    # score = 3x + seed (final), mean over seeds 0, 1 = 3x + 0.5
    for c in doc["configs"]:
        assert c["score_mean"] == 3 * c["params"]["train_config.x"] + 0.5
    assert doc["best"]["params"] == {"train_config.x": 4.0}
    assert "best" in res.stdout
    # the hyper log: one JSON line per proposal, with its batch
    lines = [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and sorted(x["batch"] for x in lines) == [0, 0, 1, 1]
    assert all(
        x["scores"] == [3 * x["params"]["train_config.x"], 3 * x["params"]["train_config.x"] + 1]
        for x in lines
    )
    # every job's resolved config carries its searched value
    for c in doc["configs"]:
        cfg = json.loads((exp / "configs" / f"{c['config_id']}.json").read_text())
        assert cfg["train_config"]["x"] == c["params"]["train_config.x"]


def test_search_budget_is_batches_times_iterations(project: Project) -> None:
    data = grid_yaml(bins=10, seeds=1, batches=2, per_batch=2)
    data["param_search_args"]["search_type"] = "random"
    data["param_search_args"]["maximize_objective"] = False
    project.yaml("rand.yaml", data)
    project.mle("run", "rand.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert len(doc["configs"]) == 4 and len(doc["jobs"]) == 4
    best = min(c["score_mean"] for c in doc["configs"])
    assert doc["best"]["score_mean"] == best


def test_failed_seed_counts_as_failed_not_as_a_score(project: Project) -> None:
    project.config("base.json", fail=1)
    project.yaml("grid.yaml", grid_yaml(bins=2, seeds=2, batches=1, per_batch=2))
    project.mle("run", "grid.yaml", check=1)
    [exp] = project.experiments()
    doc = project.results(exp)
    for c in doc["configs"]:
        assert c["n_failed"] == 1 and c["score_mean"] == 3 * c["params"]["train_config.x"]
    lines = [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]
    assert all(x["scores"][1] is None for x in lines)


def test_reload_log_continues_an_earlier_search(project: Project) -> None:
    """`reload_log: true` starts a new experiment whose strategy knows the earlier one's
    evaluations: a grid goes on with the points not yet evaluated, never repeating one."""
    project.yaml("grid.yaml", grid_yaml(bins=4, seeds=1, batches=1, per_batch=2))
    project.mle("run", "grid.yaml")
    res = project.mle("run", "grid.yaml", "-o", "param_search_args.reload_log=true")
    first, second = project.experiments()
    assert "continuing the search recorded in" in res.stdout
    xs = [
        sorted(c["params"]["train_config.x"] for c in project.results(exp)["configs"])
        for exp in (first, second)
    ]
    assert xs == [[1.0, 2.0], [3.0, 4.0]]
    assert len(project.counter()) == 4  # no point was trained twice


def test_reload_log_without_an_earlier_search_warns_once(project: Project) -> None:
    data = grid_yaml(bins=2, seeds=1, batches=1, per_batch=2)
    data["param_search_args"]["reload_log"] = True
    project.yaml("grid.yaml", data)
    res = project.mle("run", "grid.yaml")
    assert res.stderr.count("no earlier hyper log") == 1
    [exp] = project.experiments()
    assert len(project.results(exp)["configs"]) == 2


def test_misspelt_score_metric_stops_mle_run_with_did_you_mean(project: Project) -> None:
    """Issue 12 #7: every job used to be 'failed' and `mle run` exited 0 with no best."""
    data = grid_yaml(bins=2, seeds=1, batches=1, per_batch=1)
    data["param_search_args"]["eval_score_type"] = "scor"
    project.yaml("grid.yaml", data)
    res = project.mle("run", "grid.yaml", check=2)
    assert "did you mean 'score'" in res.stderr and "Traceback" not in res.stderr
