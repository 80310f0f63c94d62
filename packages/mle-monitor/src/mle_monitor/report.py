"""The experiment report: ``report.md`` with PNG figures beside it and a self-contained
``report.html`` twin (figures inlined, no network), built from a list of sections.

A section is a :class:`Section` (a title, a Markdown body, the same body as HTML, figures as
PNG bytes). Section builders take the :class:`ReportContext` (the results of one pass over the
runs, the job states, the folder) and return a section, several, or None (nothing to show).
The built-in and sibling builders are listed, one line each, in
:data:`mle_monitor._report_sections.SECTIONS`; :func:`register_section` adds one at run time.

Figures need matplotlib (``pip install "mle-monitor[report]"``).

>>> from mle_monitor.report import write_report
>>> paths = write_report("experiments/20261202-050154_grid")  # doctest: +SKIP
>>> paths.html.name
'report.html'
"""

from __future__ import annotations

import base64
import html
import importlib
import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .results import Progress, Results, collect_results

if TYPE_CHECKING:
    from ._folder import ExperimentDetail

__all__ = [
    "Figure",
    "ReportContext",
    "ReportPaths",
    "Section",
    "SectionBuilder",
    "build_report",
    "build_sections",
    "html_table",
    "markdown_table",
    "register_section",
    "render_html",
    "render_markdown",
    "write_report",
]

DEFAULT_CURVES = 12  # learning curves of at most this many configurations (the best)


@dataclass(frozen=True)
class Figure:
    """A figure of a section: its title, a file name (``figures/<name>.png``; letters, digits,
    ``-`` and ``_``) and the PNG bytes."""

    title: str
    name: str
    png: bytes


@dataclass
class Section:
    """One part of the report: ``## title``, then ``markdown`` (in ``report.md``) or ``html``
    (an escaped HTML fragment, in ``report.html``), then each figure with its title."""

    title: str
    markdown: str = ""
    html: str = ""
    figures: list[Figure] = field(default_factory=list)

    @classmethod
    def table(
        cls,
        title: str,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        *,
        note: str = "",
    ) -> Section:
        """A section holding one table (``header`` None: a key-value table) and an optional
        one-paragraph ``note`` below it."""
        md, page = markdown_table(header, rows), html_table(header, rows)
        if note:
            md += f"\n\n{note}"
            page += f"<p>{html.escape(note)}</p>"
        return cls(title, md, page)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (``header`` None: a two-column key-value table with an empty head)."""
    head = list(header) if header is not None else ["", ""]
    lines = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(str(c)) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def html_table(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    """The same table as escaped HTML (a key-value table has its keys as row headers)."""
    e = html.escape
    parts = ["<table>"]
    if header is not None:
        parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
    for r in rows:
        if header is None:
            cells = f"<th>{e(str(r[0]))}</th>" + "".join(f"<td>{e(str(c))}</td>" for c in r[1:])
        else:
            cells = "".join(f"<td>{e(str(c))}</td>" for c in r)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table>")
    return "\n".join(parts)


@dataclass
class ReportContext:
    """What a section builder gets.

    ``results``: the one pass over the runs (:class:`mle_monitor.results.Results`:
    ``results.document`` is ``results.json``'s document, with the ``tied_with_best`` marks;
    ``results.bands`` the learning-curve bands; ``results.detail`` the job states of
    :func:`mle_monitor.inspect_experiment`, None for a folder of the original toolbox).
    ``folder``: the experiment folder; ``out_dir``: where the report is written.
    """

    results: Results
    folder: Path
    out_dir: Path

    @property
    def doc(self) -> dict[str, Any]:
        """The results document (``mle results --json``)."""
        return self.results.document

    @property
    def detail(self) -> ExperimentDetail | None:
        """The job states (:func:`mle_monitor.inspect_experiment`)."""
        return self.results.detail


#: a section builder: the context in, a section, several or None out
SectionBuilder = Callable[[ReportContext], "Section | Sequence[Section] | None"]

_EXTRA: list[tuple[float, str, SectionBuilder]] = []


def register_section(name: str, builder: SectionBuilder, *, order: float = 100.0) -> None:
    """Add a section builder at run time (``order``: where it goes; the built-in ones are at
    0 summary, 10 configurations, 20 comparison with the best, 30 jobs that did not finish
    well, 40 learning curves, 50 search figures; see :data:`_report_sections.SECTIONS`). A
    builder registered again under the same name replaces the earlier one."""
    _EXTRA[:] = [e for e in _EXTRA if e[1] != name]
    _EXTRA.append((order, name, builder))


def _builders() -> list[tuple[float, str, SectionBuilder]]:
    from ._report_sections import SECTIONS

    out: list[tuple[float, str, SectionBuilder]] = []
    names = {e[1] for e in _EXTRA}
    for order, name, target in SECTIONS:
        if name in names:
            continue
        module, _, attr = target.partition(":")
        out.append((order, name, getattr(importlib.import_module(module), attr)))
    out += _EXTRA
    return sorted(out, key=lambda e: e[0])


def build_sections(ctx: ReportContext) -> list[Section]:
    """Every section of the report, in order. A builder that fails gives a section saying so
    (and a warning) instead of losing the whole report."""
    sections: list[Section] = []
    for _, name, builder in _builders():
        try:
            got = builder(ctx)
        except ImportError:
            raise
        except Exception as exc:
            warnings.warn(f"report section {name!r} failed: {exc}", stacklevel=2)
            got = Section(name, f"(this section failed: {exc})", html.escape(f"(failed: {exc})"))
        if got is None:
            continue
        sections += [got] if isinstance(got, Section) else list(got)
    return sections


def title_of(doc: dict[str, Any]) -> str:
    """``Experiment report: <project or folder name>``."""
    return f"Experiment report: {doc.get('project_name') or Path(doc['experiment_dir']).name}"


_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def _figure_names(sections: Sequence[Section]) -> dict[int, str]:
    """A unique file name per figure (``id(figure)`` -> name)."""
    seen: set[str] = set()
    out: dict[int, str] = {}
    for s in sections:
        for f in s.figures:
            base = _SAFE.sub("_", f.name) or "figure"
            name, i = base, 2
            while name in seen:
                name, i = f"{base}_{i}", i + 1
            seen.add(name)
            out[id(f)] = name
    return out


def render_markdown(title: str, sections: Sequence[Section], names: dict[int, str]) -> str:
    """``report.md``: the figures linked as ``figures/<name>.png``."""
    lines = [f"# {title}"]
    for s in sections:
        lines += ["", f"## {s.title}"] if s.title else []
        if s.markdown:
            lines += ["", s.markdown]
        for f in s.figures:
            lines += ["", f"### {f.title}", "", f"![{f.title}](figures/{names[id(f)]}.png)"]
    return "\n".join(lines) + "\n"


_STYLE = (
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left;font-size:14px}th{background:#f3f3f3}img{max-width:100%}"
)


def render_html(title: str, sections: Sequence[Section]) -> str:
    """``report.html``: one self-contained page (figures inlined as data URIs)."""
    e = html.escape
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{e(title)}</h1>",
    ]
    for s in sections:
        if s.title:
            parts.append(f"<h2>{e(s.title)}</h2>")
        if s.html:
            parts.append(s.html)
        for f in s.figures:
            data = base64.b64encode(f.png).decode("ascii")
            parts.append(
                f"<h3>{e(f.title)}</h3><img alt='{e(f.title)}' src='data:image/png;base64,{data}'>"
            )
    return "\n".join([*parts, "</body></html>\n"])


@dataclass(frozen=True)
class ReportPaths:
    """Where a report was written."""

    markdown: Path
    html: Path
    figures: Path

    def describe(self) -> str:
        """``wrote report.md and report.html (figures in figures/)``, with full paths."""
        return f"wrote {self.markdown} and {self.html} (figures in {self.figures})"


def build_report(results: Results, out_dir: Path, folder: Path | None = None) -> ReportPaths:
    """Write ``report.md``, ``report.html`` and ``figures/*.png`` under ``out_dir`` from the
    results of one pass (:func:`collect_results` with ``curves``)."""
    from mle_config import atomic_write_text

    root = folder or Path(results.document["experiment_dir"])
    ctx = ReportContext(results=results, folder=root, out_dir=out_dir)
    sections = build_sections(ctx)
    names = _figure_names(sections)
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    for s in sections:
        for f in s.figures:
            (fig_dir / f"{names[id(f)]}.png").write_bytes(f.png)
    title = title_of(results.document)
    md, page = out_dir / "report.md", out_dir / "report.html"
    atomic_write_text(md, render_markdown(title, sections, names))
    atomic_write_text(page, render_html(title, sections))
    return ReportPaths(md, page, fig_dir)


def write_report(
    folder: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    metric: str | None = None,
    curves: int = DEFAULT_CURVES,
    progress: Progress | None = None,
) -> ReportPaths:
    """Read the experiment's runs once and write its report in ``out_dir`` (default: the
    folder's ``report/``). ``progress(done, total)`` is called after each run's log."""
    root = Path(os.path.abspath(os.fspath(folder)))
    results = collect_results(root, metric, curves=curves, progress=progress)
    return build_report(results, Path(out_dir) if out_dir is not None else root / "report", root)
