"""The Pareto front of a multi-objective search for results and reports (mle_monitor._pareto):
read from the experiment record and hyper log, as a table, text and a figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mle_monitor import (
    ParetoFront,
    format_pareto,
    pareto_figure,
    pareto_from_records,
    pareto_json,
    pareto_table,
    read_pareto,
)
from mle_search import HyperLog, SearchLoop, make_strategy

OBJ = {"acc": True, "cost": False}


def rec(tid: int, values: list[float] | None, **extra: Any) -> dict[str, Any]:
    return {"id": tid, "config_id": f"p{tid:04d}", "params": {"train_config.lr": tid / 10},
            "values": values, **extra}  # fmt: skip


def test_front_of_records_respects_directions_retries_failures_and_prunes() -> None:
    records = [
        rec(0, [0.9, 5.0]),
        rec(1, [0.8, 1.0]),
        rec(2, [0.7, 2.0]),  # worse than trial 1 on both
        rec(3, None, status="failed"),
        rec(4, [0.99, 0.1], state="pruned"),  # stopped early: never on the front
        rec(1, [0.95, 1.0]),  # trial 1 re-run: its last record counts
    ]
    front = pareto_from_records(records, OBJ)
    assert [p.trial_id for p in front.points] == [0, 1, 2]
    assert front.n_failed == 2
    assert [p.trial_id for p in front.front] == [1]  # 0.95 acc at cost 1 beats trial 0 too
    front = pareto_from_records(records[:3], OBJ)
    assert [p.trial_id for p in front.front] == [0, 1]  # best acc first
    header, rows = pareto_table(front)
    assert header == ["trial", "lr", "acc (max)", "cost (min)"]
    assert rows == [["p0000", "0", "0.9", "5"], ["p0001", "0.1", "0.8", "1"]]
    text = format_pareto(front).splitlines()
    assert text[0].split() == ["trial", "lr", "acc", "(max)", "cost", "(min)"]
    assert text[2].split() == ["p0001", "0.1", "0.8", "1"]


def make_folder(tmp_path: Path, objectives: dict[str, bool] | None) -> Path:
    root = tmp_path / "exp"
    root.mkdir(parents=True)
    search: dict[str, Any] = {"search_type": "random", "hyperlog_fname": "hyper_log.jsonl"}
    if objectives:
        search["objectives"] = objectives
    (root / "mle-experiment.json").write_text(json.dumps({"search": search}))
    return root


def test_read_pareto_reads_the_folder_of_a_multi_objective_search(tmp_path: Path) -> None:
    root = make_folder(tmp_path, OBJ)
    space = {"real": {"lr": {"begin": 0.0, "end": 1.0, "bins": 6}}}
    loop = SearchLoop(
        make_strategy("grid", space, maximize=OBJ),
        budget=None,
        seeds=2,
        log=HyperLog(root / "hyper_log.jsonl"),
        annotate=lambda t: {"config_id": f"p{t.id:04d}"},
    )
    while not loop.done:
        for trial in loop.propose(4):
            lr = float(trial.params["train_config.lr"])
            for seed in trial.seeds:
                loop.report(trial.id, seed, {"acc": lr, "cost": lr**2 + seed})
    front = read_pareto(root)
    assert isinstance(front, ParetoFront) and len(front.points) == 6
    assert {p.trial_id for p in front.front} == {ev.trial_id for ev in loop.pareto_front()}
    assert front.front[0].values == (1.0, 1.5)  # mean over the two seeds, per objective
    doc = pareto_json(front)
    assert doc["objectives"] == [
        {"name": "acc", "direction": "max"},
        {"name": "cost", "direction": "min"},
    ]
    assert doc["front"][0]["values"] == {"acc": 1.0, "cost": 1.5}
    assert doc["front"][0]["config_id"] == "p0005" and doc["n_scored"] == 6
    json.dumps(doc, allow_nan=False)
    assert read_pareto(make_folder(tmp_path / "so", None)) is None
    assert read_pareto(tmp_path / "nowhere") is None


@pytest.mark.parametrize(("n", "panels"), [(2, 1), (3, 3)])
def test_the_figure_has_one_panel_per_pair_of_objectives(n: int, panels: int) -> None:
    pytest.importorskip("matplotlib")
    objectives = {f"f{i}": i == 0 for i in range(n)}
    records = [rec(t, [float((t * (i + 3)) % 7) for i in range(n)]) for t in range(12)]
    front = pareto_from_records(records, objectives)
    fig = pareto_figure(front)
    assert len(fig.axes) == panels
    assert fig.axes[0].get_xlabel() == "f0 (max)" and fig.axes[0].get_ylabel() == "f1 (min)"


def test_the_report_section_shows_the_front(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    report = pytest.importorskip("mle_monitor.report")
    from mle_monitor._pareto import pareto_section

    root = make_folder(tmp_path, OBJ)
    log = HyperLog(root / "hyper_log.jsonl")
    for tid, values in enumerate([[0.9, 5.0], [0.8, 1.0], [0.7, 2.0]]):
        log.append({"train_config.lr": tid / 10}, [values], id=tid, n_objectives=2)
    ctx = report.ReportContext(results=None, folder=root, out_dir=tmp_path)
    section = pareto_section(ctx)
    assert section.title == "Pareto front"
    assert "2 of 3 scored trials are on the Pareto front of acc (max), cost (min)" in (
        section.markdown
    )
    assert section.figures[0].png.startswith(b"\x89PNG")
    assert pareto_section(report.ReportContext(None, make_folder(tmp_path / "s", None), root)) is (
        None
    )
