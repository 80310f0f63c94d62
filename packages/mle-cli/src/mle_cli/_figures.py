"""The report's figures (matplotlib's object API: no pyplot, no global backend change)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._results import fmt_num, fmt_params, ranked_configs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from mle_logger import SeedLog

Saved = list[tuple[str, Path]]


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _save(fig: Figure, ax: Axes, path: Path, title: str, xlabel: str, ylabel: str) -> Path:
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def learning_curves(
    doc: dict[str, Any], logs: dict[str, SeedLog], out_dir: Path, max_configs: int = 12
) -> Saved:
    """One PNG per tracked stat: each config's mean over seeds with mle-logger's t 95% band
    (seeds of unequal length are masked, not cut to the shortest)."""
    from mle_logger import summarize

    by_config: dict[str, list[SeedLog]] = {}
    for job in doc["jobs"]:
        if job["job_id"] in logs and job["state"] == "done":
            by_config.setdefault(job["config_id"], []).append(logs[job["job_id"]])
    params = {c["config_id"]: c["params"] for c in doc["configs"]}
    configs, shown = list(by_config), ""
    if len(configs) > max_configs:  # keep the figure readable: the best configs
        configs = [c["config_id"] for c in ranked_configs(doc) if c["config_id"] in by_config]
        configs, shown = configs[:max_configs], f" ({max_configs} best of {len(by_config)})"
    stats = list(dict.fromkeys(name for runs in by_config.values() for name in runs[0].stats))
    out: Saved = []
    for stat in stats:
        fig, ax = _figure(7, 4.2)
        values = []
        for cid in configs:
            runs = [r for r in by_config[cid] if stat in r.stats and len(r.stats[stat])]
            if not runs:
                continue
            band = summarize([r.stats[stat] for r in runs])
            longest = max(runs, key=lambda r: len(r.stats[stat]))
            t = next((a[: len(band)] for a in longest.time.values() if len(a) >= len(band)), None)
            t = np.arange(1, len(band) + 1) if t is None else np.asarray(t, dtype=float)
            label = f"{cid}: {fmt_params(params.get(cid, {}))} (n={len(runs)})"
            (line,) = ax.plot(t, band.mean, label=label, lw=1.6)
            ok = band.count > 1  # no interval from a single seed
            lo, hi = np.where(ok, band.ci_low, band.mean), np.where(ok, band.ci_high, band.mean)
            ax.fill_between(t, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
            values += [np.asarray(r.stats[stat], dtype=float) for r in runs]
        finite = np.concatenate(values) if values else np.empty(0)
        finite = finite[np.isfinite(finite)]
        if finite.size and finite.min() > 0 and finite.max() / finite.min() > 1e3:
            ax.set_yscale("log")  # positive values spanning more than three decades
        ax.legend(fontsize=7, loc="best")
        xlabel = next(iter(next(iter(by_config.values()))[0].time), "update")
        path = out_dir / f"curve_{_safe(stat)}.png"
        _save(fig, ax, path, f"{stat}: mean over seeds, t 95% band{shown}", xlabel, stat)
        out.append((f"Learning curve: {stat}", path))
    return out


def _isnum(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _key(v: Any) -> Any:
    return v if _isnum(v) else str(v)


def search_figures(doc: dict[str, Any], out_dir: Path) -> Saved:
    """Score vs evaluation order, vs each parameter, and a heat map for a 2-parameter grid."""
    configs = sorted(
        (c for c in doc["configs"] if c.get("proposal") is not None), key=lambda c: c["proposal"]
    )
    scored = [c for c in configs if c.get("score_mean") is not None]
    if not scored:
        return []
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
        (
            "Score by evaluation order",
            _save(fig, ax, out_dir / "search_order.png", title, "evaluation", metric),
        )
    ]

    names = list(scored[0]["params"])
    for name in names:
        fig, ax = _figure(6, 4)
        if all(_isnum(c["params"].get(name)) for c in scored):
            px: list[Any] = [float(c["params"][name]) for c in scored]
        else:
            cats = sorted({str(c["params"].get(name)) for c in scored})
            px = [cats.index(str(c["params"].get(name))) for c in scored]
            ax.set_xticks(range(len(cats)), cats, rotation=30)
        ax.errorbar(px, ys, yerr=errs, fmt="o", ms=5, capsize=2)
        path = out_dir / f"param_{_safe(name)}.png"
        title = f"{metric} against {name.split('.')[-1]}"
        out.append((f"Score against {name}", _save(fig, ax, path, title, name, metric)))

    if doc.get("search_type") == "grid" and len(names) == 2:
        a, b = names
        va = sorted({_key(c["params"][a]) for c in scored})
        vb = sorted({_key(c["params"][b]) for c in scored})
        grid = np.full((len(vb), len(va)), np.nan)
        for c in scored:
            grid[vb.index(_key(c["params"][b])), va.index(_key(c["params"][a]))] = c["score_mean"]
        fig, ax = _figure(6, 5)
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(va)), [fmt_num(v, 4) for v in va], rotation=45)
        ax.set_yticks(range(len(vb)), [fmt_num(v, 4) for v in vb])
        fig.colorbar(im, ax=ax, label=metric)
        path = out_dir / "grid_heatmap.png"
        out.append(("Grid heat map", _save(fig, ax, path, f"{metric}: grid heat map", a, b)))
    return out
