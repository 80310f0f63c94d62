"""The README's examples run as written (issue 12 item 20: the docs and the code agree)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "packages" / "mle-search" / "README.md"
#: Runnable examples: every python block except the sketches (they use a runner's names).
BLOCKS = [
    block
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    if not block.startswith("# sketch")
]


def test_the_readme_has_its_examples() -> None:
    assert len(BLOCKS) >= 3
    assert any("log-uniform" in b and '"bins": 4' in b for b in BLOCKS)
    assert any("SearchLoop(" in b for b in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the examples write their hyper logs here
    exec(compile(BLOCKS[index], f"README.md python block {index + 1}", "exec"), {})
    out = capsys.readouterr().out
    if "[1, True]" in BLOCKS[index]:  # the refused categorical pair says why, in one line
        assert out.startswith("categorical parameter 'train_config.flag': expected distinct")
    if "SearchLoop(" in BLOCKS[index] and "budget=6" in BLOCKS[index]:
        assert "budget spent: 6 of 6 trials proposed" in out
    if "hyperband" in BLOCKS[index]:  # the multi-fidelity example ends with its brackets
        assert "'rung':" in out
