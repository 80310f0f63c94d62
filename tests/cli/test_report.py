"""`mle report`: Markdown + PNG figures + a self-contained HTML; `mle status`; `mle cancel`."""

from __future__ import annotations

import re
import time
from pathlib import Path

from cli_helpers import Project, grid_yaml, multi_yaml


def test_report_for_a_two_parameter_grid(project: Project) -> None:
    project.config("base.json", y=0.0)
    data = grid_yaml(bins=2, seeds=2, batches=2, per_batch=2)
    data["param_search_args"]["params_to_search"]["real"]["y"] = {"begin": 0, "end": 1, "bins": 2}
    project.yaml("grid.yaml", data)
    project.mle("run", "grid.yaml")
    [exp] = project.experiments()
    project.mle("report", str(exp))
    md = (exp / "report" / "report.md").read_text()
    figures = sorted(p.name for p in (exp / "report" / "figures").glob("*.png"))
    assert {
        "curve_score.png",
        "search_order.png",
        "grid_heatmap.png",
        "param_train_config_x.png",
        "param_train_config_y.png",
    } <= set(figures)
    for name in figures:
        assert (exp / "report" / "figures" / name).read_bytes()[:4] == b"\x89PNG"
        assert f"figures/{name}" in md
    assert "x=2" in md and "| 1 |" in md  # the ranking table, best first
    page = (exp / "report" / "report.html").read_text()
    assert len(re.findall(r"src='data:image/png;base64,", page)) == len(figures)
    assert "figures/" not in page  # self-contained: no links to files


def test_status_lists_jobs_of_newest_experiment(project: Project) -> None:
    project.yaml("exp.yaml", multi_yaml(num_seeds=2))
    project.mle("run", "exp.yaml")
    out = project.mle("status").stdout
    assert "2 done" in out and "c000-s0" in out and "c000-s1" in out


def test_cancel_stops_a_detached_run(project: Project) -> None:
    project.config("base.json", steps=100, sleep=0.1)
    project.yaml("exp.yaml", multi_yaml(num_seeds=2, max_running_jobs=2))
    project.mle("run", "exp.yaml", "--detach")
    [exp] = project.experiments()
    deadline = time.monotonic() + 30
    while len(list(exp.rglob("job-status.json"))) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    project.mle("cancel", str(exp))
    deadline = time.monotonic() + 30
    while "driver: running" in project.mle("status", str(exp)).stdout:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    status = project.mle("status", str(exp)).stdout
    assert "2 cancelled" in status, status
    assert project.counter() == []
    assert Path(exp / "queue-state.jsonl").exists()
