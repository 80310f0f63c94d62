"""The Pareto front of a multi-objective search, for ``mle results`` and the report: a table of
the trials no other beats on every objective, and a figure of every trial with the front.

The points come from the search's hyper log (``values``: per objective, aggregated over the
seeds); the objectives and their directions from the experiment record
(``param_search_args.objectives``). The front itself is :func:`mle_search.pareto_front`.

>>> from mle_monitor import read_pareto
>>> front = read_pareto("experiments/20261202-080000_toy")  # doctest: +SKIP
>>> header, rows = pareto_table(front)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

    from .report import ReportContext, Section

__all__ = [
    "ParetoFront",
    "ParetoPoint",
    "format_pareto",
    "pareto_figure",
    "pareto_from_records",
    "pareto_json",
    "pareto_section",
    "pareto_table",
    "read_pareto",
]

#: at most this many objective pairs are drawn (one panel each)
_MAX_PANELS = 3


@dataclass(frozen=True)
class ParetoPoint:
    """One scored trial of the search: its id (``trial_id``; ``config_id`` as the runs are
    named, e.g. ``p0003``), parameters, one value per objective, and whether it is on the
    front."""

    trial_id: int | None
    config_id: str | None
    params: dict[str, Any] = field(hash=False)
    values: tuple[float, ...]
    on_front: bool


@dataclass(frozen=True)
class ParetoFront:
    """Every scored trial of a multi-objective search and which are on its Pareto front.

    ``objectives``: name -> maximize, in order. ``points``: the scored trials in the order
    they were told; ``n_failed``: trials without a point (every seed failed, or pruned)."""

    objectives: dict[str, bool]
    points: list[ParetoPoint]
    n_failed: int = 0

    @property
    def front(self) -> list[ParetoPoint]:
        """The points on the front, best first by the first objective, then the next."""
        signs = [-1.0 if m else 1.0 for m in self.objectives.values()]
        on = [p for p in self.points if p.on_front]
        return sorted(on, key=lambda p: [s * v for s, v in zip(signs, p.values, strict=True)])


def _last_records(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A trial logged again (a re-run of failed seeds) counts once, as its latest record."""
    by_id: dict[Any, Mapping[str, Any]] = {}
    for i, rec in enumerate(records):
        tid = rec.get("id")
        by_id[tid if isinstance(tid, int) and not isinstance(tid, bool) else f"line{i}"] = rec
    return list(by_id.values())


def _values(rec: Mapping[str, Any], n: int) -> tuple[float, ...] | None:
    """A record's point: ``values`` with ``n`` finite numbers (None when it has none, failed,
    or was pruned: stopped early, so no point of the full-budget front)."""
    values = rec.get("values")
    if rec.get("state") == "pruned" or not isinstance(values, list) or len(values) != n:
        return None
    ok = all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values
    )
    return tuple(float(v) for v in values) if ok else None


def pareto_from_records(
    records: Iterable[Mapping[str, Any]], objectives: Mapping[str, bool]
) -> ParetoFront:
    """The front of hyper-log ``records`` (each with ``values``, one per objective) under
    ``objectives`` (name -> maximize, in the order of ``values``)."""
    from mle_search import pareto_front

    named = {str(k): bool(v) for k, v in objectives.items()}
    kept = _last_records(records)
    scored = [(r, v) for r in kept if (v := _values(r, len(named))) is not None]
    on = {id(r) for r in pareto_front([r for r, _ in scored], list(named.values()))}
    points = []
    for rec, values in scored:
        tid = rec.get("id")
        cid = rec.get("config_id")
        points.append(
            ParetoPoint(
                trial_id=tid if isinstance(tid, int) and not isinstance(tid, bool) else None,
                config_id=cid if isinstance(cid, str) else None,
                params=dict(rec.get("params") or {}),
                values=values,
                on_front=id(rec) in on,
            )
        )
    return ParetoFront(named, points, n_failed=len(kept) - len(scored))


def read_pareto(folder: str | os.PathLike[str]) -> ParetoFront | None:
    """The Pareto front of the multi-objective search in experiment ``folder`` (from its
    record and hyper log); None when the folder holds no multi-objective search."""
    from mle_config.layout import EXPERIMENT_MARKER, HYPER_LOG, hyper_log_name
    from mle_search import HyperLog

    root = Path(folder)
    try:
        marker = json.loads((root / EXPERIMENT_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    search = marker.get("search") if isinstance(marker, dict) else None
    objectives = search.get("objectives") if isinstance(search, dict) else None
    if not isinstance(objectives, dict) or len(objectives) < 2:
        return None
    name = hyper_log_name(str(search.get("hyperlog_fname") or HYPER_LOG))  # type: ignore[union-attr]
    return pareto_from_records(HyperLog(root / name).read(), objectives)


def pareto_json(front: ParetoFront) -> dict[str, Any]:
    """The front as plain data for ``results.json`` / ``mle results --json``: the objectives
    with their directions, the front's trials (best first by the first objective) with their
    values by objective name, and the counts."""
    names = list(front.objectives)
    return {
        "objectives": [
            {"name": n, "direction": "max" if m else "min"} for n, m in front.objectives.items()
        ],
        "front": [
            {
                "trial_id": p.trial_id,
                "config_id": p.config_id,
                "params": dict(p.params),
                "values": dict(zip(names, p.values, strict=True)),
            }
            for p in front.front
        ],
        "n_scored": len(front.points),
        "n_failed": front.n_failed,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return str(value)


def pareto_table(front: ParetoFront) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the front: trial, each parameter, each objective with its direction
    (best first by the first objective)."""
    from ._sections_plot import short_name

    names = list(dict.fromkeys(k for p in front.front for k in p.params))
    header = [
        "trial",
        *[short_name(n) for n in names],
        *[f"{o} ({'max' if m else 'min'})" for o, m in front.objectives.items()],
    ]
    rows = []
    for p in front.front:
        label = p.config_id or (f"p{p.trial_id:04d}" if p.trial_id is not None else "-")
        rows.append(
            [label, *[_fmt(p.params.get(n, "")) for n in names], *[_fmt(v) for v in p.values]]
        )
    return header, rows


def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)][:_MAX_PANELS]


def pareto_figure(front: ParetoFront) -> MplFigure:
    """Every trial as a point in objective space (one panel per pair of objectives, the
    first three pairs), the front highlighted and joined as the staircase it is."""
    from ._sections_plot import new_figure

    names = list(front.objectives)
    dirs = list(front.objectives.values())
    pairs = _pairs(len(names))
    fig = new_figure(5.0 * len(pairs), 4.2)
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    for ax, (i, j) in zip(axes, pairs, strict=True):
        rest = [p for p in front.points if not p.on_front]
        on = front.front
        if rest:
            ax.scatter(
                [p.values[i] for p in rest],
                [p.values[j] for p in rest],
                s=18,
                color="C0",
                alpha=0.5,
                label="trial",
            )
        if on:
            # the pair's own staircase: the front points sorted along the first axis
            pts = sorted(((p.values[i], p.values[j]) for p in on), reverse=dirs[i])
            ax.scatter(
                [x for x, _ in pts], [y for _, y in pts], s=30, color="C3", label="Pareto front"
            )
            if len(names) == 2:
                ax.step(
                    [x for x, _ in pts], [y for _, y in pts], where="post", color="C3", alpha=0.6
                )
        ax.set(
            xlabel=f"{names[i]} ({'max' if dirs[i] else 'min'})",
            ylabel=f"{names[j]} ({'max' if dirs[j] else 'min'})",
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"{len(front.front)} of {len(front.points)} trials on the Pareto front", fontsize=10
    )
    fig.tight_layout()
    return fig


def pareto_section(ctx: ReportContext) -> Section | None:
    """The report's Pareto section (a multi-objective search only): the front as a table and
    the figure of every trial with it."""
    from ._sections_plot import png_bytes
    from .report import Figure, Section

    front = read_pareto(ctx.folder)
    if front is None or not front.points:
        return None
    header, rows = pareto_table(front)
    shown = ", ".join(f"{o} ({'max' if m else 'min'})" for o, m in front.objectives.items())
    note = (
        f"{len(front.front)} of {len(front.points)} scored trials are on the Pareto front of "
        f"{shown}: none of them is beaten on every objective by another trial."
    )
    if front.n_failed:
        note += f" {front.n_failed} trial(s) without a score of every objective are left out."
    section = Section.table("Pareto front", header, rows, note=note)
    section.figures.append(Figure("Pareto front", "pareto_front", png_bytes(pareto_figure(front))))
    return section


def format_pareto(front: ParetoFront) -> str:
    """The front as plain text lines (a header and one row per trial), for a terminal."""
    header, rows = pareto_table(front)
    sizes = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, sizes, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, sizes, strict=True)) for row in rows]
    return "\n".join(lines)
