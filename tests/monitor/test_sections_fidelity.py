"""`mle report` on multi-fidelity and pruned searches (issue 11): a "Multi-fidelity and
pruning" section with every trial's curve (pruning points marked) and the budget spent per
rung, whose numbers are those of the search's hyper log; a plain grid search gets none."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))

from cli_helpers import Project, grid_yaml

REPO = Path(__file__).resolve().parents[2]
TITLE = "## Multi-fidelity and pruning"


def _records(exp: Path) -> list[dict[str, Any]]:
    lines = (exp / "hyper_log.jsonl").read_text().splitlines()
    by_id = {r["id"]: r for r in map(json.loads, lines)}  # the last record of a trial wins
    return list(by_id.values())


def _table(exp: Path) -> dict[str, list[str]]:
    """The section's table: first cell -> the other cells; and the note under it."""
    md = (exp / "report" / "report.md").read_text()
    assert TITLE in md
    part = md.split(TITLE, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in part.splitlines():
        if line.startswith("| ") and not line.startswith("| rung |"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    rows["note"] = [next(ln for ln in part.splitlines() if " trial(s): " in ln)]
    return rows


def _figures(exp: Path) -> None:
    for name in ("fidelity_curves.png", "fidelity_budget.png"):
        assert (exp / "report" / "figures" / name).read_bytes()[:4] == b"\x89PNG"
    md = (exp / "report" / "report.md").read_text()
    assert "figures/fidelity_curves.png" in md and "figures/fidelity_budget.png" in md


def test_report_of_successive_halving_shows_budget_per_rung(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "fidelity", tmp_path / "fidelity")
    path = tmp_path / "fidelity" / "logreg_halving.yaml"
    path.write_text(path.read_text().replace("num_arms: 8", "num_arms: 4"))
    project = Project(tmp_path)
    project.mle("run", "fidelity/logreg_halving.yaml", timeout=240)
    [exp] = project.experiments()
    project.mle("report", str(exp))
    _figures(exp)
    table = _table(exp)
    records = _records(exp)
    budget = {r["id"]: float(r["budget"]) for r in records}
    for rung in sorted({r["rung"] for r in records}):
        mine = [r for r in records if r["rung"] == rung]
        spent = sum(
            budget[r["id"]] - (budget[r["parent"]] if r.get("parent") is not None else 0.0)
            for r in mine
        )
        promoted = sum(any(o.get("parent") == r["id"] for o in records) for r in mine)
        assert table[f"rung {rung}"] == [str(len(mine)), str(promoted), "0", f"{spent:g}"]
    total = sum(float(c) for c in (table[f"rung {r}"][3] for r in {r["rung"] for r in records}))
    assert table["total"][0] == str(len(records)) and float(table["total"][3]) == total
    roots = sum(r.get("parent") is None for r in records)  # 4 arms, 4 + 2 + 2 = 8 of 4 x 4
    full = max(budget.values()) * roots
    assert f"would have cost {full:g}, a saving of {full - total:g}" in table["note"][0]


def test_report_of_a_pruned_grid_marks_pruning_steps(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.config("base.json", steps=10, sleep=0.15)
    data = grid_yaml(bins=6, seeds=1, batches=1, per_batch=6, max_running_jobs=2)
    search = data["param_search_args"]
    search["maximize_objective"] = False  # x=1 is best and runs first; later trials are worse
    search["pruner"] = {"time_key": "step", "type": "asha", "rungs": [2, 4, 8]}
    project.yaml("search.yaml", data)
    project.mle("run", "search.yaml", timeout=240)
    [exp] = project.experiments()
    project.mle("report", str(exp))
    _figures(exp)
    table = _table(exp)
    records = _records(exp)
    pruned = [r for r in records if r.get("state") == "pruned"]
    assert pruned, "the search pruned nothing"
    steps = [float(s) for r in pruned for s in r["pruned_at"].values()]
    for step in set(steps):
        n = steps.count(step)
        assert table[f"pruned at step {step:g}"] == [str(n), "0", str(n), f"{n * step:g}"]
    n_full = len(records) - len(pruned)
    assert table["ran to the end"] == [str(n_full), "0", "0", f"{10 * n_full:g}"]
    spent = sum(steps) + 10 * n_full
    assert table["total"] == [str(len(records)), "0", str(len(pruned)), f"{spent:g}"]
    assert f"would have cost {10 * len(records):g}" in table["note"][0]
    md = (exp / "report" / "report.md").read_text()
    assert f"{len(pruned)} pruned" in md


def test_plain_grid_search_has_no_fidelity_section(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.yaml("search.yaml", grid_yaml(bins=2, seeds=1, batches=1, per_batch=2))
    project.mle("run", "search.yaml", timeout=120)
    [exp] = project.experiments()
    project.mle("report", str(exp))
    assert TITLE not in (exp / "report" / "report.md").read_text()
    assert not (exp / "report" / "figures" / "fidelity_curves.png").exists()
