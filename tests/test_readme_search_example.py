"""mle-scheduler's README shows a hyperparameter search driven with Queue.step() and
mle_search.SearchLoop: run that block as it stands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "packages" / "mle-scheduler" / "README.md"


def _search_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### A hyperparameter search driven with `step()`", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "no python block under the search heading"
    return match.group(1)


def test_readme_search_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mle_search")
    monkeypatch.chdir(tmp_path)
    exec(compile(_search_block(), str(README), "exec"), {"__name__": "readme_example"})
    out = capsys.readouterr().out
    assert re.fullmatch(r"best trial \d+: lr=\S+ score=\S+\n", out), out
    records = [json.loads(line) for line in (tmp_path / "search-demo" / "hyper_log.jsonl").open()]
    assert sorted(r["id"] for r in records) == list(range(6))
    assert all(r["status"] == "ok" and len(r["scores"]) == 2 for r in records), records
    outputs = sorted(p.name for p in (tmp_path / "search-demo").glob("trial*_seed*.out"))
    assert len(outputs) == 12  # every trial ran each seed once
