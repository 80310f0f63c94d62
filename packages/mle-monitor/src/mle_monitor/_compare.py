"""``mle compare``: the same configurations across experiments (e.g. two versions of a
training script), matched by their parameters.

Each experiment is a list of :class:`~mle_monitor._trials.Trial` (one per job). A
configuration of one experiment matches one of another when their parameters are equal
(floats to 10 significant digits, :func:`~mle_monitor._trials.params_key`; a configuration
file by its name, :func:`match_params`), whatever their config ids. Without a direction (no
experiment is a search) nothing is ranked and differences are only higher or lower.

For each matched configuration the first experiment is the reference: every other
experiment's seed scores are compared with the reference's by Welch's t-test (the
mean difference, its p-value, Cohen's d), the test :mod:`mle_monitor.stats` uses to mark
configurations tied with the best. A difference with ``p < alpha`` is marked as real; no
correction for the several comparisons is applied (each row is judged alone).
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from ._sections_plot import fmt_value, new_figure, png_bytes, short_name
from ._stats import DEFAULT_ALPHA, TestResult, welch_t_test
from ._timeline import ComputeUsage, compute_usage, fmt_duration
from ._trials import Trial, is_bad, params_key
from .errors import StatsInputError
from .report import Figure, Section, render_html, render_markdown

if TYPE_CHECKING:
    from .results import Band

__all__ = [
    "CompareCell",
    "CompareRow",
    "ExperimentComparison",
    "ExperimentSide",
    "best_curves_figure",
    "compare_experiments",
    "compare_figure",
    "compare_html",
    "compare_markdown",
    "comparison_json",
    "comparison_sections",
    "match_params",
    "summary_rows",
    "table_rows",
    "verdict",
    "write_comparison",
]


@dataclass(frozen=True)
class ExperimentSide:
    """One experiment of a comparison: its label (e.g. its folder name), its jobs, and how it
    is scored."""

    label: str
    trials: Sequence[Trial]
    metric: str | None = None
    maximize: bool | None = None
    folder: str | None = None
    #: learning-curve bands (stat -> one per configuration, :attr:`Results.bands` of
    #: :func:`mle_monitor.results.collect_results` with ``curves``); optional
    bands: Mapping[str, Sequence[Band]] = field(default_factory=dict)


@dataclass(frozen=True)
class CompareCell:
    """One configuration in one experiment: its seeds' scores (None: a seed without one)
    and, against the reference experiment, the mean difference and Welch's test."""

    config_id: str
    scores: list[float | None]
    mean: float | None
    std: float | None
    diff: float | None = None  # mean minus the reference's mean
    test: TestResult | None = None
    differs: bool | None = None  # p < alpha (None: fewer than two scores on a side)

    @property
    def n(self) -> int:
        """Seeds with a score."""
        return sum(s is not None for s in self.scores)


@dataclass(frozen=True)
class CompareRow:
    """One parameter configuration and its cell in each experiment (None: not run there)."""

    params: dict[str, Any]
    cells: list[CompareCell | None]


@dataclass(frozen=True)
class ExperimentComparison:
    """The comparison of several experiments (the first is the reference)."""

    sides: list[ExperimentSide]
    rows: list[CompareRow]  # matched in every experiment first, best reference mean first
    metric: str
    maximize: bool | None  # None: no experiment is a search (no direction, nothing ranked)
    alpha: float
    usage: list[ComputeUsage] = field(default_factory=list)

    @property
    def matched(self) -> list[CompareRow]:
        """Rows present (with a score) in every experiment."""
        return [r for r in self.rows if all(c is not None and c.n for c in r.cells)]

    def best(self, index: int) -> CompareCell | None:
        """The best-scoring configuration of one experiment (by mean over its seeds); None
        without scores or a direction."""
        cells = [r.cells[index] for r in self.rows]
        scored = [c for c in cells if c is not None and c.mean is not None]
        if not scored or self.maximize is None:
            return None
        pick = max if self.maximize else min
        return pick(scored, key=lambda c: c.mean if c.mean is not None else 0.0)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _mean_std(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    xs = [v for v in values if v is not None]
    if not xs:
        return None, None
    mean = math.fsum(xs) / len(xs)
    if len(xs) < 2:
        return mean, None
    return mean, math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


#: the parameter a multiple-configs experiment gives each configuration: its config file
CONFIG_FILE_PARAM = "config_fname"


def match_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters configurations are matched by: as they are, except a configuration
    file (``config_fname``), matched by its name (``v1/c1.json`` matches ``v2/c1.json``)."""
    out = dict(params)
    fname = out.get(CONFIG_FILE_PARAM)
    if isinstance(fname, str):
        out[CONFIG_FILE_PARAM] = PurePath(fname).name
    return out


def _by_params(
    trials: Sequence[Trial],
) -> dict[str, tuple[dict[str, Any], str, list[float | None]]]:
    """params key -> (params, config id, seed scores); a seed that did not score is None
    (a job still running or pending is left out)."""
    out: dict[str, tuple[dict[str, Any], str, list[float | None]]] = {}
    for t in trials:
        params = match_params(t.params)
        if t.state != "done" and not is_bad(t) and t.state != "cancelled":
            continue
        key = params_key(params)
        entry = out.setdefault(key, (params, t.config_id or t.job_id, []))
        entry[2].append(_finite(t.score) if t.state == "done" else None)
    return out


def compare_experiments(
    sides: Sequence[ExperimentSide], *, alpha: float = DEFAULT_ALPHA
) -> ExperimentComparison:
    """Match the configurations of ``sides`` by their parameters and test each against the
    first side's (see the module docstring). The metric and direction are the first side's
    (a side that says otherwise is refused: its scores would not be comparable).

    Raises :class:`~mle_monitor.errors.StatsInputError` for fewer than two sides, a bad
    ``alpha`` or sides scored differently."""
    if len(sides) < 2:
        raise StatsInputError(f"compare: expected at least two experiments, found {len(sides)}")
    if not 0.0 < alpha < 1.0:
        raise StatsInputError(f"alpha: expected a number between 0 and 1, found {alpha!r}")
    ref = sides[0]
    for s in sides[1:]:
        if s.metric and ref.metric and s.metric != ref.metric:
            raise StatsInputError(
                f"{s.label}: expected the metric {ref.metric!r} of {ref.label}, found "
                f"{s.metric!r}; pass the metric to score both by"
            )
        if s.maximize is not None and ref.maximize is not None and s.maximize != ref.maximize:
            raise StatsInputError(
                f"{s.label}: expected to {'maximize' if ref.maximize else 'minimize'} like "
                f"{ref.label}, found the opposite direction"
            )
    maximize = next((s.maximize for s in sides if s.maximize is not None), None)
    metric = next((s.metric for s in sides if s.metric), None) or "score"
    groups = [_by_params(s.trials) for s in sides]
    keys = list(dict.fromkeys(k for g in groups for k in g))
    rows: list[CompareRow] = []
    for key in keys:
        params = next(g[key][0] for g in groups if key in g)
        base = groups[0].get(key)
        base_scores = [v for v in base[2] if v is not None] if base else []
        base_mean, _ = _mean_std(base[2]) if base else (None, None)
        cells: list[CompareCell | None] = []
        for i, g in enumerate(groups):
            entry = g.get(key)
            if entry is None:
                cells.append(None)
                continue
            _, cid, scores = entry
            mean, std = _mean_std(scores)
            diff = test = differs = None
            if i > 0 and mean is not None and base_mean is not None:
                diff = mean - base_mean
                mine = [v for v in scores if v is not None]
                if len(mine) >= 2 and len(base_scores) >= 2:
                    test = welch_t_test(mine, base_scores)
                    differs = test.p_value < alpha
            cells.append(CompareCell(cid, list(scores), mean, std, diff, test, differs))
        rows.append(CompareRow(params, cells))

    def rank(row: CompareRow) -> tuple[int, float]:
        complete = all(c is not None and c.mean is not None for c in row.cells)
        ref_cell = row.cells[0]
        m = ref_cell.mean if ref_cell is not None and ref_cell.mean is not None else None
        if m is None:
            return (2, 0.0)
        if maximize is None:  # no direction: keep the order of the configurations
            return (0 if complete else 1, 0.0)
        return (0 if complete else 1, -m if maximize else m)

    rows.sort(key=rank)
    return ExperimentComparison(
        sides=list(sides),
        rows=rows,
        metric=metric,
        maximize=maximize,
        alpha=alpha,
        usage=[compute_usage(s.trials) for s in sides],
    )


def _label(params: dict[str, Any], width: int = 28) -> str:
    text = ", ".join(f"{short_name(k)}={fmt_value(v, 3)}" for k, v in params.items())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def compare_figure(cmp: ExperimentComparison, *, max_rows: int = 15) -> bytes | None:
    """Each matched configuration's mean score in every experiment (offset dots, one colour
    per experiment) with the seeds' standard deviation as error bars; a filled dot differs
    from the reference at ``alpha``, a hollow one does not (or cannot be tested). At most
    ``max_rows`` configurations, the reference's best first. None when nothing matched."""
    rows = cmp.matched[:max_rows]
    if not rows:
        return None
    k = len(cmp.sides)
    fig = new_figure(max(6.0, 0.6 * len(rows) * k / 2 + 3), 4.4)
    ax = fig.subplots()
    width = 0.7 / k
    for i, side in enumerate(cmp.sides):
        color = f"C{i}"
        for j, row in enumerate(rows):
            cell = row.cells[i]
            if cell is None or cell.mean is None:
                continue
            x = j - 0.35 + width * (i + 0.5)
            filled = i == 0 or bool(cell.differs)
            ax.errorbar(
                [x],
                [cell.mean],
                yerr=[[cell.std or 0.0], [cell.std or 0.0]],
                fmt="o",
                color=color,
                mfc=color if filled else "white",
                capsize=2,
                label=side.label if j == 0 else None,
            )
    varying = {
        k
        for r in rows
        for k in r.params
        if len({params_key({k: x.params.get(k)}) for x in rows}) > 1
    }
    labels = [_label({k: v for k, v in r.params.items() if k in varying} or r.params) for r in rows]
    ax.set_xticks(range(len(rows)), labels, rotation=35, ha="right")
    ax.tick_params(axis="x", labelsize=7)
    ax.set_ylabel(cmp.metric)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(
        f"{cmp.metric} of matched configurations (mean \u00b1 std over seeds)\n"
        f"hollow: no difference from {cmp.sides[0].label} at p<{cmp.alpha:g}",
        fontsize=9,
    )
    fig.tight_layout()
    return png_bytes(fig)


def _num(v: float | None, digits: int = 4) -> str:
    return "-" if v is None else fmt_value(float(v), digits)


def _cell_text(cell: CompareCell | None, ref: bool) -> str:
    if cell is None:
        return "not run"
    if cell.mean is None:
        return f"no score ({len(cell.scores)} seeds)"
    text = f"{_num(cell.mean)} \u00b1 {_num(cell.std, 2)} (n={cell.n})"
    if not ref and cell.diff is not None:
        text += f"; {cell.diff:+.3g}"
        if cell.test is not None:
            text += f", p={cell.test.p_value:.2g}" + (" *" if cell.differs else "")
    return text


def summary_rows(cmp: ExperimentComparison) -> tuple[list[str], list[list[str]]]:
    """(header, rows): per experiment its jobs, failures, best configuration and compute."""
    header = ["experiment", "jobs", "did not finish well", "best", "compute (wall)"]
    rows = []
    for i, side in enumerate(cmp.sides):
        best = cmp.best(i)
        usage = cmp.usage[i]
        bad = sum(is_bad(t) for t in side.trials)
        best_text = "-"
        if best is not None:
            row = next(r for r in cmp.rows if r.cells[i] is best)
            best_text = f"{_label(row.params, 40)}: {_num(best.mean)}"
        rows.append(
            [
                side.label,
                str(len(side.trials)),
                str(bad),
                best_text,
                f"{fmt_duration(usage.compute_s)} ({fmt_duration(usage.wall_s)})",
            ]
        )
    return header, rows


def table_rows(cmp: ExperimentComparison) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row per parameter configuration, one column per experiment
    (mean \u00b1 std (n); for the others the difference to the reference and Welch's p, a
    star when it differs at ``alpha``)."""
    header = ["configuration", *(s.label for s in cmp.sides)]
    rows = [
        [_label(r.params, 60), *(_cell_text(c, i == 0) for i, c in enumerate(r.cells))]
        for r in cmp.rows
    ]
    return header, rows


def verdict(cmp: ExperimentComparison) -> list[str]:
    """One sentence per non-reference experiment: the configurations it shares with the
    reference (both scored), how many differ and in which direction."""
    out = []
    ref = cmp.sides[0].label
    better = {True: " (higher is better)", False: " (lower is better)", None: ""}[cmp.maximize]
    for i, side in enumerate(cmp.sides[1:], start=1):
        cells = [r.cells[i] for r in cmp.rows if r.cells[0] is not None and r.cells[0].n]
        diffs = [c.diff for c in cells if c is not None and c.diff is not None]
        tested = [c for c in cells if c is not None and c.differs is not None]
        sig = [c for c in tested if c.differs]
        if not diffs:
            out.append(f"{side.label}: no configuration of {ref} was run and scored here.")
            continue
        mean_diff = math.fsum(diffs) / len(diffs)
        text = (
            f"{side.label} against {ref}: {len(diffs)} matched configurations, mean "
            f"difference {mean_diff:+.3g}{better}; {len(sig)} of {len(tested)} tested differ at "
            f"p<{cmp.alpha:g}"
        )
        if cmp.maximize is None:
            higher = sum(1 for c in sig if c.diff is not None and c.diff > 0)
            out.append(f"{text} ({higher} higher, {len(sig) - higher} lower).")
            continue
        good = sum(1 for c in sig if c.diff is not None and (c.diff > 0) == cmp.maximize)
        out.append(f"{text} ({good} better, {len(sig) - good} worse).")
    return out


def comparison_sections(cmp: ExperimentComparison) -> list[Section]:
    """The comparison as report sections (:mod:`mle_monitor.report`): the verdict, one row
    per experiment, one row per configuration, and the figure."""
    lines = verdict(cmp)
    items = "".join(f"<li>{html.escape(v)}</li>" for v in lines)
    note = (
        f"mean +- std over seeds (n: seeds with a score); in the other columns the difference "
        f"to {cmp.sides[0].label} and Welch's two-sided p, * when p < {cmp.alpha:g}. "
        "Configurations are matched by their parameters."
    )
    sections = [
        Section("", "\n".join(f"- {v}" for v in lines), f"<ul>{items}</ul>"),
        Section.table("Experiments", *summary_rows(cmp)),
        Section.table(f"Configurations ({cmp.metric})", *table_rows(cmp), note=note),
    ]
    png = compare_figure(cmp)
    if png is not None:
        figure = Figure("Matched configurations", "compare", png)
        sections.append(Section("Figure", figures=[figure]))
    png = best_curves_figure(cmp)
    if png is not None:
        figure = Figure(f"Learning curve of {cmp.metric}", "compare_curves", png)
        sections.append(Section("Each experiment's best configuration", figures=[figure]))
    return sections


def best_curves_figure(cmp: ExperimentComparison) -> bytes | None:
    """The learning curve of the metric of each experiment's best configuration (mean over
    seeds with the t 95% band; no band from a single seed), one colour per experiment. None
    when no experiment has the curve (bands not collected)."""
    import numpy as np

    drawn = []
    for i, side in enumerate(cmp.sides):
        best = cmp.best(i)
        bands = side.bands.get(cmp.metric) or []
        band = next((b for b in bands if best is not None and b.config_id == best.config_id), None)
        if band is not None and len(band.time):
            drawn.append((i, side, band))
    if not drawn:
        return None
    fig = new_figure(7.0, 4.2)
    ax = fig.subplots()
    for i, side, band in drawn:
        s = band.summary
        ok = s.count > 1
        label = f"{side.label}: {band.config_id} (n={band.n_runs})"
        ax.plot(band.time, s.mean, color=f"C{i}", lw=1.6, label=label)
        low, high = np.where(ok, s.ci_low, s.mean), np.where(ok, s.ci_high, s.mean)
        ax.fill_between(band.time, low, high, color=f"C{i}", alpha=0.2, lw=0)
    ax.set(xlabel=drawn[0][2].time_name, ylabel=cmp.metric)
    ax.set_title(f"{cmp.metric} of each experiment's best configuration (t 95% band)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)


def _title(cmp: ExperimentComparison) -> str:
    return f"Comparison: {' vs '.join(s.label for s in cmp.sides)}"


def compare_markdown(cmp: ExperimentComparison) -> str:
    """The comparison as Markdown (its figure linked as ``figures/compare.png``)."""
    sections = comparison_sections(cmp)
    names = {id(f): f.name for s in sections for f in s.figures}
    return render_markdown(_title(cmp), sections, names)


def compare_html(cmp: ExperimentComparison) -> str:
    """The comparison as one self-contained HTML page (the figure inlined as a data URI)."""
    return render_html(_title(cmp), comparison_sections(cmp))


def comparison_json(cmp: ExperimentComparison) -> dict[str, Any]:
    """The comparison as plain JSON values (``mle compare --json``)."""

    def cell(c: CompareCell | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {
            "config_id": c.config_id,
            "scores": c.scores,
            "n": c.n,
            "mean": c.mean,
            "std": c.std,
            "diff": c.diff,
            "p_value": None if c.test is None else c.test.p_value,
            "effect_size": None if c.test is None else c.test.effect_size,
            "differs": c.differs,
        }

    return {
        "metric": cmp.metric,
        "maximize": cmp.maximize,
        "alpha": cmp.alpha,
        "experiments": [
            {
                "label": s.label,
                "folder": s.folder,
                "jobs": len(s.trials),
                "compute_s": u.compute_s,
                "wall_s": u.wall_s,
            }
            for s, u in zip(cmp.sides, cmp.usage, strict=True)
        ],
        "verdict": verdict(cmp),
        "configs": [
            {"params": r.params, "matched": r in cmp.matched, "cells": [cell(c) for c in r.cells]}
            for r in cmp.rows
        ],
    }


def write_comparison(cmp: ExperimentComparison, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``compare.md``, ``compare.html`` (self-contained) and ``figures/compare.png``
    (when something matched) under ``out_dir``; returns their paths by kind."""
    from mle_config import atomic_write_text

    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    sections = comparison_sections(cmp)
    names = {id(f): f.name for s in sections for f in s.figures}
    paths: dict[str, Path] = {}
    for f in (f for s in sections for f in s.figures):
        (root / "figures").mkdir(exist_ok=True)
        paths["figure"] = root / "figures" / f"{f.name}.png"
        paths["figure"].write_bytes(f.png)
    paths["markdown"] = root / "compare.md"
    paths["html"] = root / "compare.html"
    atomic_write_text(paths["markdown"], render_markdown(_title(cmp), sections, names))
    atomic_write_text(paths["html"], render_html(_title(cmp), sections))
    return paths
