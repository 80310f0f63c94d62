"""Issue 12 items 10 and 19 end to end: a random search over a real range with fewer distinct
floats than its budget ends with a message (the old driver spun forever), and `mle status`
then says why it ended instead of `3 done (of 9 planned)`."""

from __future__ import annotations

from cli_helpers import Project, grid_yaml


def _few_floats(project: Project) -> None:
    data = grid_yaml(seeds=1, batches=3, per_batch=3)  # a budget of 9 trials
    data["param_search_args"]["search_type"] = "random"
    # three floats: 1.0, 1.0000000000000002, 1.0000000000000004
    data["param_search_args"]["params_to_search"] = {
        "real": {"x": {"begin": 1.0, "end": 1.0000000000000004}}
    }
    project.yaml("random.yaml", data)


def test_a_random_search_out_of_floats_ends_with_a_message(project: Project) -> None:
    _few_floats(project)
    res = project.mle("run", "random.yaml", timeout=300)
    assert "search ended" in res.stdout + res.stderr
    [exp] = project.experiments()
    jobs = project.results(exp)["jobs"]
    assert 1 <= len(jobs) <= 3 and all(j["state"] == "done" for j in jobs)


def test_status_of_a_random_search_out_of_floats_says_why_it_ended(project: Project) -> None:
    _few_floats(project)
    project.mle("run", "random.yaml", timeout=300)
    [exp] = project.experiments()
    out = project.mle("status", str(exp)).stdout
    [summary] = [line for line in out.splitlines() if line.startswith("jobs:")]
    assert "planned" not in summary and "no new points" in summary, summary
