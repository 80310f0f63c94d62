"""``mle report``: a Markdown report with PNG figures and a self-contained HTML twin."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mle_config import atomic_write_text

from ._figures import learning_curves, search_figures
from ._results import config_table, describe_score, fmt_num, fmt_params, job_counts

if TYPE_CHECKING:
    from mle_logger import SeedLog


def _summary(doc: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("job type", str(doc.get("job_type"))),
        ("experiment folder", str(doc.get("experiment_dir"))),
        ("backend", str(doc.get("backend"))),
        ("jobs", job_counts(doc)),
        ("score", describe_score(doc) or "-"),
    ]
    if doc.get("search_type"):
        rows.append(("search", f"{doc['search_type']}, {len(doc['configs'])} evaluations"))
    best = doc.get("best")
    if best:
        text = f"{best['config_id']}: {fmt_params(best['params'])} -> {fmt_num(best['score_mean'])}"
        rows.append(("best", text))
    return rows


_STYLE = (
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left;font-size:14px}th{background:#f3f3f3}img{max-width:100%}"
)


def _tables(doc: dict[str, Any]) -> list[tuple[str, list[str] | None, list[list[str]]]]:
    """(section title, header or None for a key-value table, rows) of each table."""
    out: list[tuple[str, list[str] | None, list[list[str]]]] = [
        ("", None, [[k, v] for k, v in _summary(doc)]),
        ("Configurations", *config_table(doc)),
    ]
    bad = [j for j in doc["jobs"] if j["state"] in ("failed", "timeout", "lost", "cancelled")]
    if bad:
        rows = [[j["job_id"], j["state"], fmt_num(j["exit_code"]), j["run_dir"]] for j in bad]
        out.append(
            ("Jobs that did not finish well", ["job", "state", "exit code", "run folder"], rows)
        )
    return out


def _title(doc: dict[str, Any]) -> str:
    return f"Experiment report: {doc.get('project_name') or Path(doc['experiment_dir']).name}"


def render_markdown(doc: dict[str, Any], figures: list[tuple[str, Path]], base: Path) -> str:
    lines = [f"# {_title(doc)}"]
    for title, header, rows in _tables(doc):
        lines += ["", f"## {title}", ""] if title else [""]
        head = header or ["", ""]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    if figures:
        lines += ["", "## Figures"]
    for title, path in figures:
        lines += ["", f"### {title}", "", f"![{title}]({path.relative_to(base).as_posix()})"]
    return "\n".join(lines) + "\n"


def render_html(doc: dict[str, Any], figures: list[tuple[str, Path]]) -> str:
    """The report as one self-contained page (figures inlined as data URIs)."""
    e = html.escape
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(_title(doc))}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{e(_title(doc))}</h1>",
    ]
    for title, header, rows in _tables(doc):
        parts.append((f"<h2>{e(title)}</h2>" if title else "") + "<table>")
        if header:
            parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        for r in rows:
            cells = [f"<th>{e(r[0])}</th>", f"<td>{e(r[1])}</td>"] if header is None else []
            cells = cells or [f"<td>{e(c)}</td>" for c in r]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    if figures:
        parts.append("<h2>Figures</h2>")
    for t, path in figures:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f"<h3>{e(t)}</h3><img alt='{e(t)}' src='data:image/png;base64,{data}'>")
    return "\n".join([*parts, "</body></html>\n"])


def build_report(doc: dict[str, Any], logs: dict[str, SeedLog], out_dir: Path) -> dict[str, Path]:
    """Write ``report.md``, ``report.html`` and ``figures/*.png`` under ``out_dir``."""
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    figures = learning_curves(doc, logs, fig_dir)
    if doc.get("search_type"):
        figures += search_figures(doc, fig_dir)
    md = out_dir / "report.md"
    page = out_dir / "report.html"
    atomic_write_text(md, render_markdown(doc, figures, out_dir))
    atomic_write_text(page, render_html(doc, figures))
    return {"markdown": md, "html": page, "figures": fig_dir}
