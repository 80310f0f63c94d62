"""``mle report``: a Markdown report with PNG figures and a self-contained HTML twin."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._figures import learning_curves, search_figures
from ._layout import atomic_write_text
from ._results import fmt_num as _fmt
from ._results import fmt_params as _fmt_params
from ._results import ranked_configs as _ranked

if TYPE_CHECKING:
    from mle_logger import SeedLog


def _summary(doc: dict[str, Any]) -> list[tuple[str, str]]:
    counts: dict[str, int] = {}
    for j in doc["jobs"]:
        counts[j["state"]] = counts.get(j["state"], 0) + 1
    rows = [
        ("job type", str(doc.get("job_type"))),
        ("experiment folder", str(doc.get("experiment_dir"))),
        ("backend", str(doc.get("backend"))),
        ("jobs", ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"),
    ]
    if doc.get("metric"):
        how = (
            "final value"
            if doc.get("maximize") is None
            else f"{doc.get('problem_type')}, {'max' if doc.get('maximize') else 'min'}imized"
        )
        rows.append(("score", f"{doc['metric']} ({how}; mean over seeds, t 95% interval)"))
    if doc.get("search_type"):
        rows.append(("search", f"{doc['search_type']}, {len(doc['configs'])} evaluations"))
    best = doc.get("best")
    if best:
        text = f"{best['config_id']}: {_fmt_params(best['params'])} -> {_fmt(best['score_mean'])}"
        rows.append(("best", text))
    return rows


def _config_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    ranked = _ranked(doc) if doc.get("maximize") is not None else []
    rest = [c for c in doc["configs"] if c not in ranked]
    header = ["rank", "config", "params", "score mean", "std", "95% interval", "seeds", "failed"]
    rows = []
    for i, c in enumerate([*ranked, *rest]):
        rows.append(
            [
                str(i + 1) if c in ranked else "-",
                c["config_id"],
                _fmt_params(c["params"]),
                _fmt(c["score_mean"]),
                _fmt(c["score_std"]),
                "-"
                if c.get("score_ci_low") is None
                else f"{_fmt(c['score_ci_low'], 4)} to {_fmt(c['score_ci_high'], 4)}",
                str(len(c["seeds"])),
                str(c["n_failed"]),
            ]
        )
    return header, rows


def _failed(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [j for j in doc["jobs"] if j["state"] in ("failed", "timeout", "lost", "cancelled")]


def render_markdown(doc: dict[str, Any], figures: list[tuple[str, Path]], base: Path) -> str:
    lines = [
        f"# Experiment report: {doc.get('project_name') or Path(doc['experiment_dir']).name}",
        "",
    ]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in _summary(doc)]
    header, rows = _config_rows(doc)
    lines += [
        "",
        "## Configurations",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    failed = _failed(doc)
    if failed:
        lines += [
            "",
            "## Jobs that did not finish well",
            "",
            "| job | state | exit code | run folder |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {j['job_id']} | {j['state']} | {_fmt(j['exit_code'])} | {j['run_dir']} |"
            for j in failed
        ]
    if figures:
        lines += ["", "## Figures"]
        for title, path in figures:
            lines += ["", f"### {title}", "", f"![{title}]({path.relative_to(base).as_posix()})"]
    return "\n".join(lines) + "\n"


def render_html(doc: dict[str, Any], figures: list[tuple[str, Path]]) -> str:
    e = html.escape
    title = f"Experiment report: {doc.get('project_name') or Path(doc['experiment_dir']).name}"
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>",
        "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}",
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left;font-size:14px}th{background:#f3f3f3}img{max-width:100%}",
        "</style></head><body>",
        f"<h1>{e(title)}</h1><table>",
    ]
    parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _summary(doc)]
    parts.append("</table><h2>Configurations</h2><table><tr>")
    header, rows = _config_rows(doc)
    parts += [f"<th>{e(h)}</th>" for h in header]
    parts.append("</tr>")
    for r in rows:
        parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
    parts.append("</table>")
    failed = _failed(doc)
    if failed:
        parts.append(
            "<h2>Jobs that did not finish well</h2><table><tr><th>job</th><th>state</th>"
            "<th>exit code</th><th>run folder</th></tr>"
        )
        parts += [
            f"<tr><td>{e(j['job_id'])}</td><td>{e(j['state'])}</td>"
            f"<td>{e(_fmt(j['exit_code']))}</td><td>{e(j['run_dir'])}</td></tr>"
            for j in failed
        ]
        parts.append("</table>")
    if figures:
        parts.append("<h2>Figures</h2>")
    for t, path in figures:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f"<h3>{e(t)}</h3><img alt='{e(t)}' src='data:image/png;base64,{data}'>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


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
