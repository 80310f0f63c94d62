"""The issue 13 B sections inside `mle report` (mle_monitor.report): failures with reason and
stderr tail, the search analysis (parallel coordinates, parameter importance) and the job
timeline, on a logistic-regression grid search folder."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from report_helpers import L2S, LRS, logistic_regression, make_search

pytest.importorskip("matplotlib")

from mle_monitor._report_sections import SECTIONS
from mle_monitor.report import write_report


def _search(root: Path) -> Path:
    series: dict[str, list[Sequence[float] | None]] = {}
    params: dict[str, dict[str, Any]] = {}
    for i, (lr, l2) in enumerate((lr, l2) for lr in LRS for l2 in L2S):
        cid = f"p{i:04d}"
        params[cid] = {"train_config.lr": lr, "train_config.l2": l2}
        series[cid] = [logistic_regression(lr, l2, s, steps=10) for s in range(2)]
    series["p0000"][1] = None  # exit code 1
    folder = make_search(root, series, params=params)
    (folder / "runs" / "p0000-s1" / "err").write_text(
        "epoch 1\n\nTraceback (most recent call last):\nMemoryError: out of <memory>\n"
    )
    return folder


def test_sections_are_registered_once_each() -> None:
    names = [name for _, name, _ in SECTIONS]
    assert len(names) == len(set(names))
    targets = dict((name, target) for _, name, target in SECTIONS)
    assert targets["bad jobs"] == "mle_monitor._sections_report:failures_section"
    assert targets["search analysis"].endswith(":search_analysis_section")
    assert targets["timeline"].endswith(":timeline_section")


def test_report_shows_failures_search_analysis_and_timeline(tmp_path: Path) -> None:
    folder = _search(tmp_path / "exp")
    paths = write_report(folder, tmp_path / "report", curves=0)
    md = paths.markdown.read_text(encoding="utf-8")
    page = paths.html.read_text(encoding="utf-8")

    # failures: reason and the stderr tail (blank lines dropped), escaped in HTML
    failures = md.split("## Failed and stopped jobs", 1)[1].split("\n## ", 1)[0]
    assert "| p0000-s1 | failed | exit code 1 | 1 | vm |" in failures
    assert "Traceback (most recent call last):\nMemoryError: out of <memory>" in failures
    assert "MemoryError: out of &lt;memory&gt;" in page

    # search analysis: both figures, the importance table with both parameters
    analysis = md.split("## Search analysis", 1)[1].split("\n## ", 1)[0]
    assert "| parameter | kind | importance | +- |" in analysis
    assert "train_config.lr" in analysis and "train_config.l2" in analysis
    assert "R^2" in analysis
    for name in ("parallel_coordinates", "param_importance", "timeline"):
        assert f"figures/{name}.png" in md
        assert (paths.figures / f"{name}.png").read_bytes()[:4] == b"\x89PNG"

    # timeline: 24 jobs on one host, one second each, one after the other
    timeline = md.split("## Timeline", 1)[1]
    assert "| vm | 24 | 24s | 1 |" in timeline
    assert "Total compute 24s" in timeline

    # self-contained: every figure inline, nothing linked
    assert len(re.findall(r"src='data:image/png;base64,", page)) == len(
        list(paths.figures.glob("*.png"))
    )
    assert "figures/" not in page


def test_a_run_that_is_not_a_search_has_no_search_analysis(tmp_path: Path) -> None:
    folder = _search(tmp_path / "exp")
    marker = folder / "mle-experiment.json"
    marker.write_text(marker.read_text().replace('"hyperparameter-search"', '"multiple-configs"'))
    text = marker.read_text()
    marker.write_text(re.sub(r', "search": \{[^}]*\}', "", text))
    md = write_report(folder, tmp_path / "report", curves=0).markdown.read_text()
    assert "## Search analysis" not in md
    assert "## Timeline" in md and "## Failed and stopped jobs" in md


def test_a_running_experiments_timeline_counts_its_running_jobs_so_far(tmp_path: Path) -> None:
    from monitor_helpers import driver_holding, make_experiment

    root = make_experiment(tmp_path, "live", jobs=[("c0-s0", "done"), ("c0-s1", "running")])
    with driver_holding(root):
        md = write_report(root, tmp_path / "report", curves=0).markdown.read_text()
    timeline = md.split("## Timeline", 1)[1]
    assert "1 job(s) still running count up to now" in timeline
    assert "figures/timeline.png" in timeline
