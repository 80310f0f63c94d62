"""The report sections of issue 13 B, as builders of :mod:`mle_monitor.report` (registered
one line each in :data:`mle_monitor._report_sections.SECTIONS`):

- ``failures_section`` (replaces the built-in "bad jobs" table): every job that failed,
  timed out, was lost, pruned (stopped early on purpose: listed, not counted as a failure) or
  cancelled, with its state, why, exit code and host, and the tail of its stderr;
- ``search_analysis_section`` (searches): a parallel-coordinates figure and the parameters'
  permutation importance (table and figure);
- ``timeline_section``: the jobs on a time line per host, with the compute they used.

The drawing and the numbers are the pure functions of :mod:`._sections_search` and
:mod:`._timeline`; here they are only fed from the report's context.
"""

from __future__ import annotations

import html
import time
import weakref
from typing import TYPE_CHECKING

from ._sections_search import (
    MIN_POINTS_IMPORTANCE,
    importance_figure,
    importance_rows,
    parallel_coordinates,
    param_importance,
)
from ._timeline import compute_usage, failures, fmt_duration, timeline_figure
from ._trials import Trial, points_from_results, trials_from_folder
from .report import Figure, ReportContext, Section, html_table, markdown_table

if TYPE_CHECKING:
    from .results import Results

__all__ = ["failures_section", "search_analysis_section", "timeline_section"]

#: at most this many jobs in the failures table, and this many stderr tails shown
MAX_FAILURE_ROWS = 200
MAX_STDERR_TAILS = 20

#: the last report's trials, keyed by a weak reference to its results (nothing kept alive)
_cache: list[tuple[weakref.ref[Results], list[Trial]]] = []


def report_trials(ctx: ReportContext) -> list[Trial]:
    """The context's jobs as trials (read once per report: the sections share them)."""
    for ref, cached in _cache:
        if ref() is ctx.results:
            return cached
    if ctx.detail is None:  # a folder of the original toolbox: no job records
        trials: list[Trial] = []
    else:
        trials = trials_from_folder(ctx.folder, ctx.doc, detail=ctx.detail)
    _cache[:] = [(weakref.ref(ctx.results), trials)]
    return trials


def failures_section(ctx: ReportContext) -> Section | None:
    """Jobs that failed, timed out, were lost, pruned or cancelled: a table (job, state,
    reason, exit code, host) and the stderr tail of the latest failures."""
    trials = report_trials(ctx)
    bad = failures(trials)
    listed = {f.job_id for f in bad}
    cancelled = [t for t in trials if t.state == "cancelled" and t.job_id not in listed]
    if not bad and not cancelled:
        return None
    rows = [
        [
            f.job_id,
            f.state,
            f.reason,
            "-" if f.exit_code is None else str(f.exit_code),
            f.host or "-",
        ]
        for f in bad
    ]
    rows += [
        [t.job_id, "cancelled", t.reason or "cancelled", "-", t.host or "-"] for t in cancelled
    ]
    header = ["job", "state", "reason", "exit code", "host"]
    note = ""
    if len(rows) > MAX_FAILURE_ROWS:
        note = f"{len(rows)} jobs; the first {MAX_FAILURE_ROWS} are listed."
        rows = rows[:MAX_FAILURE_ROWS]
    md = [markdown_table(header, rows)]
    page = [html_table(header, rows)]
    if note:
        md.append(note)
        page.append(f"<p>{html.escape(note)}</p>")
    tails = [f for f in bad if f.stderr_tail][-MAX_STDERR_TAILS:]
    if tails:
        intro = f"The last lines of stderr of the {len(tails)} latest failed job(s):"
        md.append(intro)
        page.append(f"<p>{html.escape(intro)}</p>")
    for f in tails:
        head = f"{f.job_id} ({f.state}: {f.reason})"
        fence = "````" if "```" in f.stderr_tail else "```"
        md.append(f"**{head}**\n\n{fence}\n{f.stderr_tail}\n{fence}")
        page.append(
            f"<details><summary>{html.escape(head)}</summary>"
            f"<pre>{html.escape(f.stderr_tail)}</pre></details>"
        )
    return Section("Failed and stopped jobs", "\n\n".join(md), "\n".join(page))


def search_analysis_section(ctx: ReportContext) -> Section | None:
    """For a search: the configurations across their parameters (parallel coordinates) and
    which parameters the score depends on (permutation importance over a random forest)."""
    doc = ctx.doc
    if not doc.get("search_type") or doc.get("pareto"):
        return None  # several objectives: no single score; the Pareto section shows them
    points = points_from_results(doc)
    if sum(p.score is not None for p in points) < 2:
        return None
    metric = str(doc.get("metric") or "score")
    maximize = bool(doc.get("maximize"))
    figures = []
    png = parallel_coordinates(points, metric=metric, maximize=maximize)
    if png is not None:
        figures.append(Figure("Parallel coordinates", "parallel_coordinates", png))
    result = param_importance(points)
    if result is None:
        text = (
            f"Parameter importance needs at least {MIN_POINTS_IMPORTANCE} scored "
            f"configurations and a parameter; this search has "
            f"{sum(p.score is not None for p in points)}."
        )
        return Section("Search analysis", text, f"<p>{html.escape(text)}</p>", figures)
    r2 = "n/a" if result.oob_r2 is None else f"{result.oob_r2:.2f}"
    note = (
        "Importance: how much shuffling a parameter raises the out-of-bag squared error of a "
        f"random forest ({result.n_trees} trees over {result.n_points} configurations' mean "
        f"scores), as a fraction of the scores' variance, +- its standard error over the "
        f"trees. The forest explains R^2 = {r2} of the variance out of bag; with a low R^2 "
        "the importances say little."
    )
    header = ["parameter", "kind", "importance", "+-"]
    rows = importance_rows(result)
    md = markdown_table(header, rows) + "\n\n" + note
    page = html_table(header, rows) + f"<p>{html.escape(note)}</p>"
    figures.append(Figure("Parameter importance", "param_importance", importance_figure(result)))
    return Section("Search analysis", md, page, figures)


def _running(ctx: ReportContext) -> bool:
    """Whether the experiment's driver still runs (its jobs' ends are still coming)."""
    return ctx.detail is not None and ctx.detail.record.state == "running"


def timeline_section(ctx: ReportContext) -> Section | None:
    """The jobs from start to end per host (a Gantt chart) and the compute they used."""
    trials = report_trials(ctx)
    now = time.time() if _running(ctx) else None
    usage = compute_usage(trials, now)
    if usage.jobs == 0 and usage.jobs_running == 0:
        return None
    rows = [
        [h.host, str(h.jobs), fmt_duration(h.compute_s), str(h.max_parallel)] for h in usage.hosts
    ]
    header = ["host", "jobs", "compute", "most at once"]
    note = (
        f"Total compute {fmt_duration(usage.compute_s)} ({usage.compute_s / 3600:.3g} h) in "
        f"{fmt_duration(usage.wall_s)} of wall time from the first start to the last end, "
        f"on average {usage.mean_parallel:.2g} job(s) running at once."
    )
    if usage.jobs_running:
        note += (
            f" {usage.jobs_running} job(s) still running count up to now "
            f"({fmt_duration(usage.running_s)})."
        )
    if usage.retried_s > 0:
        note += (
            f" Of the compute, {fmt_duration(usage.retried_s)} went to earlier attempts of jobs "
            "that were run again (grey in the figure)."
        )
    if usage.jobs_untimed:
        note += f" {usage.jobs_untimed} job(s) without a recorded start and end are left out."
    section = Section.table("Timeline", header, rows, note=note)
    png = timeline_figure(trials, now=now)
    if png is not None:
        section.figures.append(Figure("Jobs per host", "timeline", png))
    return section
