"""The report's figures (matplotlib, Agg backend, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._results import fmt_num as _fmt_num
from ._results import fmt_params as _fmt_params
from ._results import ranked_configs as _ranked

if TYPE_CHECKING:
    from mle_logger import SeedLog


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def learning_curves(
    doc: dict[str, Any], logs: dict[str, SeedLog], out_dir: Path, max_configs: int = 12
) -> list[tuple[str, Path]]:
    """One PNG per tracked stat: each config's mean over seeds with mle-logger's t 95% band
    (seeds of unequal length are masked, not cut to the shortest)."""
    from mle_logger import summarize

    plt = _plt()
    by_config: dict[str, list[SeedLog]] = {}
    for job in doc["jobs"]:
        log = logs.get(job["job_id"])
        if log is not None and job["state"] == "done":
            by_config.setdefault(job["config_id"], []).append(log)
    if not by_config:
        return []
    params = {c["config_id"]: c["params"] for c in doc["configs"]}
    configs = list(by_config)
    shown = ""
    if len(configs) > max_configs:  # keep the figure readable: the best configs
        order = [c["config_id"] for c in _ranked(doc)]
        configs = [c for c in order if c in by_config][:max_configs]
        shown = f" ({len(configs)} best of {len(by_config)} configs)"
    stat_names: list[str] = []
    for runs in by_config.values():
        for name in runs[0].stats:
            if name not in stat_names:
                stat_names.append(name)
    out: list[tuple[str, Path]] = []
    for stat in stat_names:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for cid in configs:
            runs = [r for r in by_config[cid] if stat in r.stats and len(r.stats[stat])]
            if not runs:
                continue
            band = summarize([r.stats[stat] for r in runs])
            longest = max(runs, key=lambda r: len(r.stats[stat]))
            t = _time_axis(longest, len(band))
            label = f"{cid}: {_fmt_params(params.get(cid, {}))} (n={len(runs)})"
            (line,) = ax.plot(t, band.mean, label=label, lw=1.6)
            ok = band.count > 1  # no interval from a single seed
            lo, hi = np.where(ok, band.ci_low, band.mean), np.where(ok, band.ci_high, band.mean)
            ax.fill_between(t, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        _maybe_log(
            ax, [r.stats[stat] for runs in by_config.values() for r in runs if stat in r.stats]
        )
        ax.set_title(f"{stat}: mean over seeds, 95% band{shown}")
        ax.set_xlabel(_time_name(next(iter(by_config.values()))[0]))
        ax.set_ylabel(stat)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        path = out_dir / f"curve_{_safe(stat)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append((f"Learning curve: {stat}", path))
    return out


def _maybe_log(ax: Any, series: list[np.ndarray]) -> None:
    """Log scale when every value is positive and they span more than three decades."""
    if not series:
        return
    vals = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    vals = vals[np.isfinite(vals)]
    if len(vals) and vals.min() > 0 and vals.max() / vals.min() > 1e3:
        ax.set_yscale("log")


def _time_name(log: SeedLog) -> str:
    return next(iter(log.time), "update")


def _time_axis(log: SeedLog, n: int) -> np.ndarray:
    for arr in log.time.values():
        if len(arr) >= n:
            return np.asarray(arr[:n], dtype=float)
    return np.arange(1, n + 1, dtype=float)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def search_figures(doc: dict[str, Any], out_dir: Path) -> list[tuple[str, Path]]:
    """Score vs evaluation order, vs each parameter, and a heat map for a 2-parameter grid."""
    plt = _plt()
    configs = [c for c in doc["configs"] if c.get("proposal") is not None]
    configs.sort(key=lambda c: c["proposal"])
    scored = [c for c in configs if c.get("score_mean") is not None]
    if not scored:
        return []
    metric = doc.get("metric") or "score"
    maximize = bool(doc.get("maximize"))
    out: list[tuple[str, Path]] = []

    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [c["proposal"] + 1 for c in scored]
    ys = [c["score_mean"] for c in scored]
    errs = [c.get("score_std") or 0.0 for c in scored]
    ax.errorbar(xs, ys, yerr=errs, fmt="o", ms=4, capsize=2, label="mean over seeds (+- std)")
    best = np.maximum.accumulate(ys) if maximize else np.minimum.accumulate(ys)
    ax.step(xs, best, where="post", color="C3", label="best so far")
    ax.set_xlabel("evaluation")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} by evaluation order ({'max' if maximize else 'min'}imize)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out_dir / "search_order.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    out.append(("Score by evaluation order", path))

    names = [k for k in scored[0]["params"]]
    numeric = [n for n in names if all(_isnum(c["params"].get(n)) for c in scored)]
    for name in names:
        fig, ax = plt.subplots(figsize=(6, 4))
        if name in numeric:
            px: list[Any] = [float(c["params"][name]) for c in scored]
        else:
            cats = sorted({str(c["params"].get(name)) for c in scored})
            px = [cats.index(str(c["params"].get(name))) for c in scored]
            ax.set_xticks(range(len(cats)), cats, rotation=30)
        ax.errorbar(px, ys, yerr=errs, fmt="o", ms=5, capsize=2)
        ax.set_xlabel(name)
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} against {name.split('.')[-1]}")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out_dir / f"param_{_safe(name)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append((f"Score against {name}", path))

    if doc.get("search_type") == "grid" and len(names) == 2:
        a, b = names
        va = sorted({_key(c["params"][a]) for c in scored})
        vb = sorted({_key(c["params"][b]) for c in scored})
        grid = np.full((len(vb), len(va)), np.nan)
        for c in scored:
            grid[vb.index(_key(c["params"][b])), va.index(_key(c["params"][a]))] = c["score_mean"]
        fig, ax = plt.subplots(figsize=(6, 5))
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(va)), [_fmt_num(v, 4) for v in va], rotation=45)
        ax.set_yticks(range(len(vb)), [_fmt_num(v, 4) for v in vb])
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        fig.colorbar(im, ax=ax, label=metric)
        ax.set_title(f"{metric}: grid heat map")
        fig.tight_layout()
        path = out_dir / "grid_heatmap.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append(("Grid heat map", path))
    return out


def _isnum(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _key(v: Any) -> Any:
    return v if _isnum(v) else str(v)
