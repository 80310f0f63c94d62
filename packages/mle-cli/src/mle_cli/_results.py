"""``mle results``: per-job scores from the logs, aggregated per config over seeds."""

from __future__ import annotations

import math
from typing import Any

from ._layout import ExperimentDir
from ._logs import RunLog, read_run
from ._scoring import aggregate, run_score
from ._state import JobView, job_views


def _clean(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def score_settings(
    marker: dict[str, Any], metric: str | None
) -> tuple[str | None, str, bool | None]:
    """(metric, problem_type, maximize) for this experiment; ``metric`` overrides the YAML's.

    Experiments without a search have no direction (``maximize`` None): their configs are
    listed in order, not ranked; the score is the final value of the metric.
    """
    search = marker.get("search") or {}
    name = metric or search.get("eval_score_type")
    return (
        str(name) if name else None,
        str(search.get("problem_type") or "final"),
        bool(search.get("maximize_objective", False)) if search else None,
    )


def job_score(
    view: JobView,
    metric: str | None,
    problem_type: str,
    maximize: bool | None,
    cache: dict[str, RunLog | None] | None = None,
) -> float | None:
    """A finished job's score from its log (None when it failed or logged nothing)."""
    if view.state != "done" or metric is None:
        return None
    log = (
        read_run(view.run_dir)
        if cache is None
        else cache.setdefault(view.job.job_id, read_run(view.run_dir))
    )
    if log is None or metric not in log.stats:
        return None
    return run_score(log.stats[metric], problem_type, bool(maximize))


def default_metric(views: list[JobView]) -> str | None:
    """The first stat logged by the first finished run (for experiments without a score)."""
    for v in views:
        if v.state == "done":
            log = read_run(v.run_dir)
            if log is not None and log.stats:
                return next(iter(log.stats))
    return None


def compute_results(exp: ExperimentDir, metric: str | None = None) -> dict[str, Any]:
    """The results document (``mle results --json``)."""
    marker = exp.read_marker()
    views = job_views(exp)
    name, problem_type, maximize = score_settings(marker, metric)
    if name is None:
        name = default_metric(views)
    jobs_out: list[dict[str, Any]] = []
    per_config: dict[str, list[tuple[JobView, float | None]]] = {}
    for v in views:
        score = job_score(v, name, problem_type, maximize)
        per_config.setdefault(v.job.config_id, []).append((v, score))
        rec: dict[str, Any] = {
            "job_id": v.job.job_id,
            "config_id": v.job.config_id,
            "seed": v.job.seed,
            "state": v.state,
            "exit_code": v.exit_code,
            "run_dir": str(v.run_dir),
            "score": _clean(score),
        }
        if v.job.fold is not None:
            rec["fold"] = v.job.fold
        if v.start is not None and v.end is not None:
            rec["duration_s"] = round(v.end - v.start, 3)
        jobs_out.append(rec)

    configs: list[dict[str, Any]] = []
    for config_id, items in per_config.items():
        first = items[0][0].job
        mean, std, n_failed = aggregate([s for _, s in items])
        unfinished = sum(
            1 for v, _ in items if v.state not in ("done", "failed", "cancelled", "timeout", "lost")
        )
        entry: dict[str, Any] = {
            "config_id": config_id,
            "params": first.params,
            "seeds": sorted({v.job.seed for v, _ in items}),
            "score_mean": _clean(mean),
            "score_std": _clean(std),
            "n_runs": len(items),
            "n_failed": n_failed - unfinished,
            "n_unfinished": unfinished,
        }
        if first.proposal is not None:
            entry["proposal"] = first.proposal
        configs.append(entry)

    doc: dict[str, Any] = {
        "job_type": marker.get("job_type"),
        "experiment_dir": str(exp.root),
        "project_name": marker.get("project_name"),
        "backend": marker.get("backend"),
        "metric": name,
        "problem_type": problem_type,
        "maximize": maximize,
        "jobs": jobs_out,
        "configs": configs,
    }
    search = marker.get("search")
    if search:
        doc["search_type"] = search.get("search_type")
        doc["budget"] = marker.get("budget")
        scored = [c for c in configs if c["score_mean"] is not None]
        if scored:
            best = (max if maximize else min)(scored, key=lambda c: c["score_mean"])
            doc["best"] = {
                "config_id": best["config_id"],
                "params": best["params"],
                "score_mean": best["score_mean"],
                "score_std": best["score_std"],
            }
        else:
            doc["best"] = None
    return doc
