"""The report as a list of sections: a section added with one registration appears in
report.md (figures linked) and in the self-contained report.html (figures inlined); a broken
section costs only itself; figure names never collide."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from mle_monitor import report
from mle_monitor.report import Figure, ReportContext, Section, register_section, write_report
from report_helpers import make_search

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    series = {"c0": [[1.0, 2.0], [1.0, 3.0]], "c1": [[1.0, 5.0], [1.0, 6.0]]}
    return make_search(tmp_path / "exp", series, maximize=True, metric="acc")


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    saved = list(report._EXTRA)
    yield
    report._EXTRA[:] = saved


def test_a_registered_section_lands_in_both_pages_in_order(folder: Path, tmp_path: Path) -> None:
    seen: list[ReportContext] = []

    def mine(ctx: ReportContext) -> list[Section]:
        seen.append(ctx)
        best = ctx.doc["ties"]["best"]
        return [
            Section("Custom <one>", f"best is {best}", f"<p>best is {best}</p>", [
                Figure("A dot", "dot", PNG), Figure("Another dot", "dot", PNG)
            ]),
            Section.table("Custom table", ["a", "b|c"], [["1", "x|y"]]),
        ]  # fmt: skip

    register_section("custom", mine, order=15)  # between configurations and comparison
    paths = write_report(folder, tmp_path / "report", curves=0)
    md, page = paths.markdown.read_text(), paths.html.read_text()
    assert seen and seen[0].folder == folder and seen[0].detail is not None
    assert md.index("## Configurations") < md.index("## Custom <one>") < md.index("## Compar")
    assert "best is c1" in md and "![A dot](figures/dot.png)" in md
    assert "![Another dot](figures/dot_2.png)" in md  # same name: a suffix, no overwrite
    assert (
        (paths.figures / "dot.png").read_bytes()
        == PNG
        == (paths.figures / "dot_2.png").read_bytes()
    )
    assert "| 1 | x\\|y |" in md  # a pipe inside a cell does not split it
    assert "<h2>Custom &lt;one&gt;</h2>" in page and "<td>x|y</td>" in page
    assert page.count("src='data:image/png;base64,") >= 2 and "figures/" not in page


def test_a_failing_section_is_a_placeholder_and_a_warning(folder: Path, tmp_path: Path) -> None:
    def broken(ctx: ReportContext) -> Section:
        raise RuntimeError("boom")

    register_section("broken", broken, order=1)
    with pytest.warns(UserWarning, match="report section 'broken' failed: boom"):
        paths = write_report(folder, tmp_path / "report", curves=0)
    md = paths.markdown.read_text()
    assert "(this section failed: boom)" in md and "## Configurations" in md


def test_registering_a_name_again_replaces_it(folder: Path, tmp_path: Path) -> None:
    register_section("extra", lambda ctx: Section("First"), order=90)
    register_section("extra", lambda ctx: Section("Second"), order=90)
    md = write_report(folder, tmp_path / "report", curves=0).markdown.read_text()
    assert "## Second" in md and "## First" not in md
    assert len(re.findall(r"^## Second$", md, flags=re.M)) == 1
