"""The report section of a multi-fidelity or pruned search (issue 11): every trial's learning
curve with its pruning point, and the budget spent per rung.

Applies when the results document's configurations carry a ``budget`` (successive halving,
Hyperband, PBT: one trial per rung or generation, continuing its ``parent``'s checkpoint) or a
``state: "pruned"`` (ASHA or median stopping of running jobs, ``pruned_at`` {seed: step}).

- Figure "Trial curves" (``fidelity_curves.png``): the metric of every seed-run against the
  time key (the pruner's, else the log's first counter), one line each (a LineCollection);
  pruned runs in red ending in an ``x`` at their pruning step, promoted/continued trials in
  blue, the others grey. A continued trial's curve starts at its parent's last point.
- Table and figure "Budget per rung" (``fidelity_budget.png``): per rung (generation, or the
  step a pruned run stopped at) the trials, how many were promoted/continued and pruned, and
  the budget spent (a continued trial spends its budget less its parent's; a pruned run the
  steps it reached), against what training every starting trial to the largest budget would
  have cost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._sections_plot import is_number, new_figure, png_bytes
from .report import Figure, ReportContext, Section

__all__ = ["RungRow", "budget_rows", "fidelity_section"]

#: at most this many seed-runs' curves are read and drawn, each at most this many points
MAX_CURVES = 300
MAX_POINTS = 200
#: counters every log has: the time key only when the log has no other
_AUTO_TIME = ("num_updates", "time_elapsed")
_GREY, _BLUE, _RED = "#9a9a9a", "#1f77b4", "#d62728"


@dataclass
class RungRow:
    """One row of the budget table: a rung (or generation, or pruning step) of the search."""

    label: str
    trials: int = 0
    promoted: int = 0
    pruned: int = 0
    spent: float = 0.0


@dataclass
class _Curve:
    config_id: str
    x: np.ndarray
    y: np.ndarray
    kind: str  # "pruned", "continued" or "plain"
    parent: str | None = None
    pruned_step: float | None = None


@dataclass
class _Budget:
    rows: list[RungRow] = field(default_factory=list)
    spent: float = 0.0
    full: float = 0.0
    unit: str = "budget"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: Any) -> float | None:
    return float(value) if is_number(value) else None


def _pruned_steps(config: Mapping[str, Any]) -> dict[int, float]:
    """{seed: step} of a pruned configuration (empty when it was not pruned)."""
    at = config.get("pruned_at")
    if config.get("state") != "pruned" or not isinstance(at, Mapping):
        return {}
    out: dict[int, float] = {}
    for seed, step in at.items():
        try:
            out[int(seed)] = float(step)
        except (TypeError, ValueError):
            continue
    return out


def _n_seeds(config: Mapping[str, Any]) -> int:
    seeds = config.get("seeds")
    return len(seeds) if isinstance(seeds, list) and seeds else 1


def applies(doc: Mapping[str, Any]) -> bool:
    """True when the search has trials with a budget or pruned trials."""
    return any(
        is_number(c.get("budget")) or c.get("state") == "pruned" for c in doc.get("configs", [])
    )


def budget_rows(doc: Mapping[str, Any], reached: Mapping[str, float] | None = None) -> _Budget:
    """The budget spent per rung of the document's trials (see the module docstring).

    ``reached``: job id -> the last time-key value its log reached (the steps of a pruned
    search's runs that were not pruned; missing ones count as the longest run seen)."""
    configs = [c for c in doc.get("configs", []) if isinstance(c, Mapping)]
    if any(is_number(c.get("budget")) for c in configs):
        return _fidelity_budget(configs)
    return _pruned_budget(doc, configs, reached or {})


def _fidelity_budget(configs: Sequence[Mapping[str, Any]]) -> _Budget:
    by_tid = {_int(c.get("proposal")): c for c in configs if _int(c.get("proposal")) is not None}
    rows: dict[tuple[int, int], RungRow] = {}
    out = _Budget()
    roots = 0
    top = 0.0
    for c in configs:
        budget = _num(c.get("budget"))
        if budget is None:
            continue
        rung = _int(c.get("rung"))
        if rung is None:
            rung = _int(c.get("generation"))
        bracket = _int(c.get("bracket")) or 0
        key = (bracket, rung if rung is not None else -1)
        if key not in rows:
            name = "generation" if c.get("generation") is not None else "rung"
            label = f"{name} {rung}" if rung is not None else "-"
            if any(_int(x.get("bracket")) for x in configs):
                label = f"bracket {bracket}, {label}"
            rows[key] = RungRow(label)
        row = rows[key]
        parent = by_tid.get(_int(c.get("parent")))
        before = _num(parent.get("budget")) if parent is not None else None
        base = before if before is not None and before < budget else 0.0
        added = budget - base
        if parent is None:
            roots += _n_seeds(c)
        pruned = _pruned_steps(c)
        seeds = _n_seeds(c)
        if pruned:  # a pruned seed spent only the steps it reached past the parent's budget
            spent = sum(max(0.0, s - base) for s in pruned.values())
            spent += added * max(0, seeds - len(pruned))
        else:
            spent = added * seeds
        row.trials += 1
        row.promoted += bool(c.get("continued_by"))
        row.pruned += bool(pruned)
        row.spent += spent
        out.spent += spent
        top = max(top, budget)
    out.rows = [rows[k] for k in sorted(rows)]
    out.full = top * roots
    return out


def _pruned_budget(
    doc: Mapping[str, Any], configs: Sequence[Mapping[str, Any]], reached: Mapping[str, float]
) -> _Budget:
    jobs = [j for j in doc.get("jobs", []) if isinstance(j, Mapping)]
    seeds_of: dict[str, list[Any]] = {}
    for j in jobs:
        if j.get("state") not in ("pending", "queued", "cancelled"):
            seeds_of.setdefault(str(j.get("config_id")), []).append(j)
    longest = max(reached.values(), default=0.0)
    for c in configs:
        longest = max([longest, *_pruned_steps(c).values()])
    out = _Budget(unit="steps")
    rows: dict[float, RungRow] = {}
    done = RungRow("ran to the end")
    runs = 0
    for c in configs:
        pruned = _pruned_steps(c)
        cjobs = seeds_of.get(str(c.get("config_id")), [])
        for step in sorted(set(pruned.values())):
            rows.setdefault(step, RungRow(f"pruned at step {step:g}")).trials += 1
        if pruned:
            rows[max(pruned.values())].pruned += 1
        else:
            done.trials += 1
        for j in cjobs:
            runs += 1
            seed = _int(j.get("seed"))
            if seed is not None and seed in pruned:
                step = pruned[seed]
                rows[step].spent += step
            else:
                step = reached.get(str(j.get("job_id")), longest)
                done.spent += step
            out.spent += step
    out.rows = [rows[k] for k in sorted(rows)]
    if done.trials:
        out.rows.append(done)
    out.full = longest * runs
    return out


# -- curves ----------------------------------------------------------------------------------
def _time_key(folder: Path) -> str | None:
    """The pruner's time key from the experiment record, if it names one."""
    try:
        marker = json.loads((folder / "mle-experiment.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    search = marker.get("search") if isinstance(marker, dict) else None
    pruner = search.get("pruner") if isinstance(search, dict) else None
    key = pruner.get("time_key") if isinstance(pruner, dict) else None
    return str(key) if key else None


def _pick_time(
    times: Mapping[str, np.ndarray], wanted: str | None, n: int
) -> tuple[str, np.ndarray]:
    """The time key's name and values: the wanted one, else the first that is not an automatic
    counter, else ``num_updates``, else the row number."""
    if wanted is not None and wanted in times:
        return wanted, times[wanted]
    for name in times:
        if name not in _AUTO_TIME:
            return name, times[name]
    if "num_updates" in times:
        return "num_updates", times["num_updates"]
    return "row", np.arange(1, n + 1)


def _read_curves(ctx: ReportContext) -> tuple[list[_Curve], dict[str, float], str]:
    from .results import scan_run

    doc = ctx.doc
    metric = doc.get("metric")
    configs = {str(c.get("config_id")): c for c in doc.get("configs", [])}
    by_tid = {_int(c.get("proposal")): str(c.get("config_id")) for c in configs.values()}
    wanted = _time_key(ctx.folder)
    curves: list[_Curve] = []
    reached: dict[str, float] = {}
    time_name = wanted or "row"
    jobs = [j for j in doc.get("jobs", []) if j.get("run_dir") and j.get("state") != "pending"]
    for j in jobs[:MAX_CURVES]:
        c = configs.get(str(j.get("config_id")))
        if c is None:
            continue
        scan = scan_run(
            Path(j["run_dir"]),
            _int(j.get("seed")),
            str(metric) if metric else None,
            str(doc.get("problem_type") or "final"),
            bool(doc.get("maximize")),
            want=lambda _: True,
        )
        if scan is None or scan.log is None or scan.metric is None:
            continue
        y = np.asarray(scan.log.stats[scan.metric], dtype=float)
        name, t = _pick_time(dict(scan.log.time), wanted, len(y))
        time_name = name
        x = np.asarray(t[: len(y)], dtype=float)
        y = y[: len(x)]
        if len(x) == 0:
            continue
        reached[str(j.get("job_id"))] = float(x[-1])
        if len(x) > MAX_POINTS:
            idx = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).astype(int))
            x, y = x[idx], y[idx]
        seed = _int(j.get("seed"))
        pruned = _pruned_steps(c)
        kind = "continued" if c.get("continued_by") else "plain"
        step = None
        if seed is not None and seed in pruned:
            kind, step = "pruned", pruned[seed]
        parent = by_tid.get(_int(c.get("parent")))
        curves.append(_Curve(str(c.get("config_id")), x, y, kind, parent, step))
    return curves, reached, time_name


def _curves_figure(curves: Sequence[_Curve], title: str, xlabel: str, ylabel: str) -> bytes:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    last = {c.config_id: (c.x[-1], c.y[-1]) for c in curves}
    segs: list[np.ndarray] = []
    colours: list[str] = []
    colour = {"pruned": _RED, "continued": _BLUE, "plain": _GREY}
    tails: list[np.ndarray] = []  # what a pruned run logged after the decision, till it stopped
    marks: list[tuple[float, float]] = []
    for c in curves:
        pts = np.column_stack([c.x, c.y])
        if c.pruned_step is not None:
            at = (c.pruned_step, float(np.interp(c.pruned_step, c.x, c.y)))
            marks.append(at)
            after = c.x > c.pruned_step
            if after.any():
                tails.append(np.vstack([np.asarray(at), pts[after]]))
                pts = np.vstack([pts[~after], np.asarray(at)])
        if c.parent in last:  # a continued trial starts where its parent ended
            pts = np.vstack([np.asarray(last[c.parent], dtype=float), pts])
        segs.append(pts)
        colours.append(colour[c.kind])
    fig = new_figure(7, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.add_collection(LineCollection(segs, colors=colours, linewidths=1.0, alpha=0.8))
    ends = [c for c in curves if c.kind != "pruned"]  # a one-point curve shows as its end
    if ends:
        ax.scatter(
            [c.x[-1] for c in ends],
            [c.y[-1] for c in ends],
            s=8,
            color=[colour[c.kind] for c in ends],
            zorder=2,
        )
    if tails:
        ax.add_collection(
            LineCollection(tails, colors=_RED, linewidths=0.8, alpha=0.35, linestyles=":")
        )
    if marks:
        ax.scatter(
            [m[0] for m in marks], [m[1] for m in marks], marker="x", color=_RED, s=28, zorder=3
        )
    ax.autoscale()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles = [
        Line2D([], [], color=_BLUE, label="promoted / continued"),
        Line2D([], [], color=_RED, marker="x", label="pruned (x: pruning step)"),
        Line2D([], [], color=_RED, ls=":", alpha=0.5, label="logged while being stopped"),
        Line2D([], [], color=_GREY, label="other"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="best")
    fig.tight_layout()
    return png_bytes(fig)


def _budget_figure(budget: _Budget) -> bytes:
    fig = new_figure(7, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    labels = [r.label for r in budget.rows]
    pos = np.arange(len(labels))
    ax.bar(pos, [r.spent for r in budget.rows], color=_BLUE)
    for p, r in zip(pos, budget.rows, strict=True):
        ax.annotate(f"{r.trials} trial(s)", (p, r.spent), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(pos, labels, rotation=20 if len(labels) > 4 else 0, fontsize=8)
    ax.set_ylabel(f"{budget.unit} spent")
    saving = 1.0 - budget.spent / budget.full if budget.full > 0 else 0.0
    ax.set_title(
        f"Spent {budget.spent:g} of {budget.full:g} {budget.unit} a full-budget search "
        f"would cost ({saving:.0%} saved)",
        fontsize=10,
    )
    fig.tight_layout()
    return png_bytes(fig)


def fidelity_section(ctx: ReportContext) -> Section | None:
    """Every trial's curve with its pruning point and the budget spent per rung; None for a
    search without budgets or pruned trials."""
    doc = ctx.doc
    if not applies(doc):
        return None
    curves, reached, time_name = _read_curves(ctx)
    budget = budget_rows(doc, reached)
    configs = doc.get("configs", [])
    n_pruned = sum(bool(_pruned_steps(c)) for c in configs)
    n_promoted = sum(bool(c.get("continued_by")) for c in configs)
    header = ["rung", "trials", "promoted", "pruned", f"{budget.unit} spent"]
    rows = [
        [r.label, str(r.trials), str(r.promoted), str(r.pruned), f"{r.spent:g}"]
        for r in budget.rows
    ]
    rows.append(
        [
            "total",
            str(sum(r.trials for r in budget.rows)),
            str(n_promoted),
            str(n_pruned),
            f"{budget.spent:g}",
        ]
    )
    saved = budget.full - budget.spent
    pct = f" ({saved / budget.full:.0%})" if budget.full > 0 else ""
    note = (
        f"{len(configs)} trial(s): {n_pruned} pruned, {n_promoted} promoted or continued. "
        f"Spent {budget.spent:g} {budget.unit}; training every starting trial to the largest "
        f"budget would have cost {budget.full:g}, a saving of {saved:g}{pct}."
    )
    overrun = sum(max(0.0, c.x[-1] - c.pruned_step) for c in curves if c.pruned_step is not None)
    if overrun > 0:
        note += (
            f" The pruned runs ran on {overrun:g} {time_name}(s) in all past their pruning "
            "step while they were being stopped (dotted in the figure; not counted above)."
        )
    if len(doc.get("jobs", [])) > MAX_CURVES:
        note += f" The figure shows the first {MAX_CURVES} runs."
    section = Section.table("Multi-fidelity and pruning", header, rows, note=note)
    metric = str(doc.get("metric") or "metric")
    if curves:
        title = f"{len(curves)} run(s): {n_pruned} trial(s) pruned, {n_promoted} promoted/continued"
        png = _curves_figure(curves, title, time_name, metric)
        section.figures.append(Figure("Trial curves", "fidelity_curves", png))
    if budget.rows and not math.isclose(budget.full, 0.0):
        section.figures.append(Figure("Budget per rung", "fidelity_budget", _budget_figure(budget)))
    return section
