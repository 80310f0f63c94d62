"""The report's built-in sections: summary, configurations (with the tied-with-the-best mark),
the comparison with the best, jobs that did not finish well, learning curves and the search's
figures (matplotlib's object API drawn by Agg: no pyplot, no global backend change)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from .report import Figure, ReportContext, Section
from .results import config_table, describe_score, fmt_num, fmt_params, job_counts, ranked_configs

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

__all__ = [
    "bad_jobs_section",
    "comparison_section",
    "configurations_section",
    "learning_curves_section",
    "search_section",
    "summary_section",
]

_BAD = ("failed", "timeout", "lost", "cancelled")


def summary_section(ctx: ReportContext) -> Section:
    """Job type, folder, backend, job counts, what the score means, the best configuration."""
    doc = ctx.doc
    rows = [
        ["job type", str(doc.get("job_type"))],
        ["experiment folder", str(doc.get("experiment_dir"))],
        ["backend", str(doc.get("backend"))],
        ["jobs", job_counts(doc)],
        ["score", describe_score(doc) or "-"],
    ]
    if doc.get("search_type"):
        rows.append(["search", f"{doc['search_type']}, {len(doc['configs'])} evaluations"])
    best = doc.get("best")
    if best:
        text = f"{best['config_id']}: {fmt_params(best['params'])} -> {fmt_num(best['score_mean'])}"
        rows.append(["best", text])
    ties = doc.get("ties")
    if ties:
        tied = ", ".join(ties["tied"]) or "none"
        rows.append([f"tied with the best (alpha {ties['alpha']:g})", tied])
    return Section.table("", None, rows)


def configurations_section(ctx: ReportContext) -> Section:
    """The configurations table, best first."""
    note = ""
    if "ties" in ctx.doc:
        note = (
            "vs best: 'tied' = statistically tied with the best (" + ctx.doc["ties"]["rule"] + "); "
            "'?' = too few seeds to say; empty = different. p: Welch's two-sided p-value."
        )
    return Section.table("Configurations", *config_table(ctx.doc), note=note)


def comparison_section(ctx: ReportContext) -> Section | None:
    """Each configuration against the best: Welch's t and Mann-Whitney U, p-values, effect
    sizes (Cohen's d, positive when the best is better; the probability that a seed of the best
    scores better than one of it)."""
    doc = ctx.doc
    if "ties" not in doc:
        return None
    rows = []
    for c in ranked_configs(doc):
        vs = c.get("vs_best")
        if vs is None:
            continue
        tied = c.get("tied_with_best")
        rows.append(
            [
                c["config_id"],
                fmt_num(c["score_mean"]),
                fmt_num(vs["welch_t"], 3),
                fmt_num(vs["welch_p"], 3),
                fmt_num(vs["cohen_d"], 3),
                fmt_num(vs["rank_p"], 3),
                fmt_num(vs["rank_effect"], 3),
                "?" if tied is None else ("yes" if tied else "no"),
            ]
        )
    if not rows:
        return None
    header = ["config", "mean", "Welch t", "Welch p", "Cohen's d", "rank p", "P(best better)"]
    note = (
        f"Best: {doc['ties']['best']}. Tests over seed scores, two-sided, alpha "
        f"{doc['ties']['alpha']:g}, no correction for the number of comparisons."
    )
    return Section.table("Comparison with the best", [*header, "tied"], rows, note=note)


def bad_jobs_section(ctx: ReportContext) -> Section | None:
    """Jobs that failed, timed out, were lost or cancelled."""
    bad = [j for j in ctx.doc["jobs"] if j["state"] in _BAD]
    if not bad:
        return None
    rows = [[j["job_id"], j["state"], fmt_num(j.get("exit_code")), j["run_dir"]] for j in bad]
    header = ["job", "state", "exit code", "run folder"]
    return Section.table("Jobs that did not finish well", header, rows)


# -- figures --------------------------------------------------------------------------------


def _figure(width: float, height: float) -> tuple[MplFigure, Axes]:
    from ._sections_plot import new_figure

    fig = new_figure(width, height)
    return fig, fig.subplots()


def _png(fig: MplFigure, ax: Axes, title: str, xlabel: str, ylabel: str) -> bytes:
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


MAX_DRAWN_ROWS = 1500  # a 7-inch figure is ~770 pixels wide: more points only cost time


def _drawn_rows(n: int) -> slice | np.ndarray:
    """The rows a curve of ``n`` rows is drawn with: all, or ``MAX_DRAWN_ROWS`` evenly spaced
    ones (first and last included)."""
    import numpy as np

    if n <= MAX_DRAWN_ROWS:
        return slice(None)
    return np.unique(np.linspace(0, n - 1, MAX_DRAWN_ROWS).round().astype(np.int64))


def learning_curves_section(ctx: ReportContext) -> Section | None:
    """One figure per tracked stat: each plotted configuration's mean over seeds with
    mle-logger's t 95% band (seeds of unequal length masked, not cut to the shortest)."""
    import numpy as np

    res = ctx.results
    if not res.bands:
        return None
    params = {c["config_id"]: c["params"] for c in ctx.doc["configs"]}
    lo, hi = res.value_range
    figures = []
    for stat, bands in res.bands.items():
        fig, ax = _figure(7, 4.2)
        for b in bands:
            s = b.summary
            label = f"{b.config_id}: {fmt_params(params.get(b.config_id, {}))} (n={b.n_runs})"
            rows = _drawn_rows(len(s.mean))
            (line,) = ax.plot(b.time[rows], s.mean[rows], label=label, lw=1.6)
            ok = s.count[rows] > 1  # no interval from a single seed
            low = np.where(ok, s.ci_low[rows], s.mean[rows])
            high = np.where(ok, s.ci_high[rows], s.mean[rows])
            ax.fill_between(b.time[rows], low, high, color=line.get_color(), alpha=0.2, lw=0)
        if lo > 0 and hi / lo > 1e3:
            ax.set_yscale("log")  # positive values spanning more than three decades
        ax.legend(fontsize=7, loc="best")
        title = f"{stat}: mean over seeds, t 95% band{res.curves_note}"
        png = _png(fig, ax, title, bands[0].time_name, stat)
        figures.append(Figure(f"Learning curve: {stat}", f"curve_{_safe(stat)}", png))
    longest = max(len(b.summary.mean) for bands in res.bands.values() for b in bands)
    note = ""
    if longest > MAX_DRAWN_ROWS:
        note = (
            f"Bands are computed from every logged row; curves longer than {MAX_DRAWN_ROWS} "
            f"rows (here up to {longest}) are drawn at {MAX_DRAWN_ROWS} evenly spaced rows."
        )
    return Section("Learning curves", note, f"<p>{note}</p>" if note else "", figures)


def _isnum(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _key(v: Any) -> Any:
    return v if _isnum(v) else str(v)


def search_section(ctx: ReportContext) -> Section | None:
    """Score by evaluation order with the best so far, against each parameter, and a heat
    map for a two-parameter grid."""
    import numpy as np

    doc = ctx.doc
    if not doc.get("search_type") or doc.get("pareto"):  # several objectives: the front's
        return None
    configs = sorted(
        (c for c in doc["configs"] if c.get("proposal") is not None), key=lambda c: c["proposal"]
    )
    scored = [c for c in configs if c.get("score_mean") is not None]
    if not scored:
        return None
    metric = doc.get("metric") or "score"
    maximize = bool(doc.get("maximize"))
    ys = [c["score_mean"] for c in scored]
    errs = [c.get("score_std") or 0.0 for c in scored]

    fig, ax = _figure(7, 4)
    xs = [c["proposal"] + 1 for c in scored]
    ax.errorbar(xs, ys, yerr=errs, fmt="o", ms=4, capsize=2, label="mean over seeds (+- std)")
    best = np.maximum.accumulate(ys) if maximize else np.minimum.accumulate(ys)
    ax.step(xs, best, where="post", color="C3", label="best so far")
    ax.legend(fontsize=8)
    title = f"{metric} by evaluation order ({'max' if maximize else 'min'}imize)"
    out = [
        Figure(
            "Score by evaluation order", "search_order", _png(fig, ax, title, "evaluation", metric)
        )
    ]

    names = list(scored[0]["params"])
    for name in names:
        fig, ax = _figure(6, 4)
        if all(_isnum(c["params"].get(name)) for c in scored):
            px: list[Any] = [float(c["params"][name]) for c in scored]
        else:
            cats = sorted({str(c["params"].get(name)) for c in scored})
            index = {cat: i for i, cat in enumerate(cats)}
            px = [index[str(c["params"].get(name))] for c in scored]
            ax.set_xticks(range(len(cats)), cats, rotation=30)
        ax.errorbar(px, ys, yerr=errs, fmt="o", ms=5, capsize=2)
        title = f"{metric} against {name.split('.')[-1]}"
        png = _png(fig, ax, title, name, metric)
        out.append(Figure(f"Score against {name}", f"param_{_safe(name)}", png))

    if doc.get("search_type") == "grid" and len(names) == 2:
        a, b = names
        va = sorted({_key(c["params"][a]) for c in scored})
        vb = sorted({_key(c["params"][b]) for c in scored})
        ia, ib = {v: i for i, v in enumerate(va)}, {v: i for i, v in enumerate(vb)}
        grid = np.full((len(vb), len(va)), np.nan)
        for c in scored:
            grid[ib[_key(c["params"][b])], ia[_key(c["params"][a])]] = c["score_mean"]
        fig, ax = _figure(6, 5)
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(va)), [fmt_num(v, 4) for v in va], rotation=45)
        ax.set_yticks(range(len(vb)), [fmt_num(v, 4) for v in vb])
        fig.colorbar(im, ax=ax, label=metric)
        png = _png(fig, ax, f"{metric}: grid heat map", a, b)
        out.append(Figure("Grid heat map", "grid_heatmap", png))
    return Section("Search", figures=out)
