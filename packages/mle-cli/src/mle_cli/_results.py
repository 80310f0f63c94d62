"""The results document: each job's score, then per config a summary over its seeds.

Scores follow mle-logger's one rule (``score_with_reason``: non-finite is no score) and the
summary is ``summarize_scores`` (mean, std with ddof=1, Student-t 95% interval), so ``mle
results``, ``mle report`` and ``mle_logger`` agree on every number.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._layout import ExperimentDir
from ._logs import read_run
from ._state import FINAL, job_views

if TYPE_CHECKING:
    from mle_logger import SeedLog


_KEEP = ("exit_code", "score")  # job fields shown even when null


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


def collect(
    exp: ExperimentDir, metric: str | None = None
) -> tuple[dict[str, Any], dict[str, SeedLog]]:
    """The results document (``mle results --json``) and the log of every finished job
    (job id -> log), each log read once."""
    from mle_logger import score_with_reason, summarize_scores

    marker = exp.read_marker()
    views = job_views(exp)
    logs: dict[str, SeedLog] = {}
    for v in views:
        log = read_run(v.run_dir) if v.state == "done" else None
        if log is not None:
            logs[v.job.job_id] = log
    first_job = {v.job.config_id: v.job for v in reversed(views)}
    name, problem_type, maximize = score_settings(marker, metric)
    if name is None:  # no score named: the first stat the first finished run logged
        name = next((next(iter(lg.stats)) for lg in logs.values() if len(lg.stats)), None)

    jobs: list[dict[str, Any]] = []
    by_config: dict[str, list[dict[str, Any]]] = {}
    for v in views:
        log = logs.get(v.job.job_id)
        score, reason = None, None
        if v.state == "done":
            if log is None or name is None:
                reason = "no log"
            elif name not in log.stats:
                reason = f"{name!r} not logged"
            else:
                score, reason = score_with_reason(log.stats[name], problem_type, bool(maximize))
        rec: dict[str, Any] = {
            "job_id": v.job.job_id,
            "config_id": v.job.config_id,
            "seed": v.job.seed,
            "state": v.state,
            "exit_code": v.exit_code,
            "run_dir": str(v.run_dir),
            "score": score,
            "score_missing": reason,
            "fold": v.job.fold,
            "duration_s": None if v.start is None or v.end is None else round(v.end - v.start, 3),
        }
        jobs.append({k: x for k, x in rec.items() if x is not None or k in _KEEP})
        by_config.setdefault(v.job.config_id, []).append(jobs[-1])

    configs: list[dict[str, Any]] = []
    for config_id, items in by_config.items():
        job = first_job[config_id]
        s = summarize_scores([j["score"] for j in items])
        unfinished = sum(1 for j in items if j["state"] not in FINAL)
        configs.append(
            {
                "config_id": config_id,
                "params": job.params,
                "seeds": sorted({j["seed"] for j in items}),
                **{f"score_{k}": x for k, x in s.as_dict().items() if not k.startswith("n")},
                "n_runs": len(items),
                "n_failed": s.n_failed - unfinished,
                "n_unfinished": unfinished,
                **({} if job.proposal is None else {"proposal": job.proposal}),
            }
        )

    doc: dict[str, Any] = {
        "job_type": marker.get("job_type"),
        "experiment_dir": str(exp.root),
        "project_name": marker.get("project_name"),
        "backend": marker.get("backend"),
        "metric": name,
        "problem_type": problem_type,
        "maximize": maximize,
        "jobs": jobs,
        "configs": configs,
    }
    search = marker.get("search")
    if search:
        doc["search_type"] = search.get("search_type")
        doc["budget"] = marker.get("budget")
        keys: tuple[str, ...] = ("config_id", "params", "score_mean", "score_std")
        keys += ("score_ci_low", "score_ci_high")
        how = str(search.get("aggregate_seeds") or "mean")
        if how != "mean":  # the search ranks by a percentile of the seeds, and so do we
            from mle_search import aggregate_scores

            doc["aggregate_seeds"], keys = how, (*keys, "score_aggregate")
            for c, items in zip(configs, by_config.values(), strict=True):
                c["score_aggregate"] = aggregate_scores([j["score"] for j in items], how)[0]
        ranked = ranked_configs(doc)
        best = ranked[0] if ranked else None
        doc["best"] = {k: best[k] for k in keys} if best else None
    return doc, logs


def compute_results(exp: ExperimentDir, metric: str | None = None) -> dict[str, Any]:
    """The results document (``mle results --json``)."""
    return collect(exp, metric)[0]


def legacy_results(folder: Path, metric: str | None = None) -> dict[str, Any] | None:
    """The results document of an original toolbox folder (no ``mle-experiment.json``), from
    mle-logger's ``score_original_folder``; None when the folder holds no logs."""
    from mle_logger import score_original_folder

    found = score_original_folder(folder, metric)
    if found is None:
        return None
    runs = found.runs.items()
    return {
        "job_type": "original mle-toolbox experiment",
        "experiment_dir": str(folder),
        "metric": found.metric,
        "problem_type": "final",
        "maximize": None,
        "jobs": [
            {"job_id": f"{run_id}-s{seed}", "seed": seed, "state": "done", "score": score}
            for run_id, run in runs
            for seed, score in run.scores.items()
        ],
        "configs": [
            {
                "config_id": run_id,
                "params": {},
                "seeds": sorted(run.scores),
                **{f"score_{k}": x for k, x in run.summary.as_dict().items() if k[0] != "n"},
                "n_failed": run.summary.n_failed,
            }
            for run_id, run in runs
        ],
    }


def ranked_configs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Configs with a score, best first (in their own order when there is no direction)."""
    key = "score_aggregate" if doc.get("aggregate_seeds") else "score_mean"
    scored = [c for c in doc["configs"] if c.get(key) is not None]
    if doc.get("maximize") is None:
        return scored
    return sorted(scored, key=lambda c: c[key], reverse=bool(doc.get("maximize")))


def job_counts(doc: dict[str, Any]) -> str:
    """``3 done, 1 failed``."""
    counts = Counter(j["state"] for j in doc["jobs"])
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"


def describe_score(doc: dict[str, Any]) -> str | None:
    """What the score columns mean, for the results table and the report."""
    if not doc.get("metric"):
        return None
    how = (
        "final value"
        if doc.get("maximize") is None
        else f"{doc.get('problem_type')}, {'max' if doc.get('maximize') else 'min'}imized"
    )
    text = f"{doc['metric']} ({how}); mean, std (ddof 1) and t 95% interval over seeds"
    return text + (
        f"; ranked by the {doc['aggregate_seeds']} of the seeds" if "aggregate_seeds" in doc else ""
    )


def config_table(doc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the configs table, the ranked ones first."""
    ranked = ranked_configs(doc) if doc.get("maximize") is not None else []
    rest = [c for c in doc["configs"] if c not in ranked]
    header = ["rank", "config", "mean", "std", "95% interval", "seeds", "failed", "params"]
    rows = [
        [
            str(i + 1) if c in ranked else "-",
            c["config_id"],
            fmt_num(c["score_mean"]),
            fmt_num(c["score_std"], 3),
            "-"
            if c.get("score_ci_low") is None
            else f"[{fmt_num(c['score_ci_low'], 4)}, {fmt_num(c['score_ci_high'], 4)}]",
            str(len(c["seeds"])),
            str(c["n_failed"]),
            fmt_params(c["params"]),
        ]
        for i, c in enumerate([*ranked, *rest])
    ]
    return header, rows


def fmt_params(params: dict[str, Any]) -> str:
    """``x=0.5, y=2`` (last part of dotted names), or the config file's name."""
    if "config_fname" in params:
        return str(params["config_fname"]).replace("\\", "/").rsplit("/", 1)[-1]
    return ", ".join(
        f"{k.split('.')[-1]}={v:.4g}" if isinstance(v, float) else f"{k.split('.')[-1]}={v}"
        for k, v in params.items()
    )


def fmt_num(x: Any, digits: int = 6) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)
