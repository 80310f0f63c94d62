"""``mle results`` on a folder the original toolbox wrote (no ``mle-experiment.json``): its
``meta_log.hdf5`` (one entry per run), else one sub-folder per run with mle-logging logs, read
with mle-logger and scored per seed (final value of the metric), one row per run."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def legacy_results(folder: Path, metric: str | None = None) -> dict[str, Any] | None:
    """The results document of an original toolbox folder, or None when it holds no logs."""
    from mle_logger import load_meta_log, load_seed_logs, score_with_reason, summarize_scores

    if (folder / "meta_log.hdf5").is_file():
        runs = {str(k): v for k, v in load_meta_log(folder).items()}
    else:
        subs = sorted(d for d in folder.glob("*/logs") if d.is_dir())
        runs = {d.parent.name: load_seed_logs(d.parent) for d in subs}
    if not runs:
        return None
    logs = [lg for run in runs.values() for lg in run.seeds.values()]
    name = metric or next((next(iter(lg.stats)) for lg in logs if len(lg.stats)), None)
    jobs: list[dict[str, Any]] = []
    configs: list[dict[str, Any]] = []
    for run_id, run in runs.items():
        scores = []
        for seed, lg in run.seeds.items():
            ok = name is not None and name in lg.stats
            score = score_with_reason(lg.stats[name], "final", False)[0] if ok else None
            scores.append(score)
            jobs.append(
                {"job_id": f"{run_id}-s{seed}", "seed": seed, "state": "done", "score": score}
            )
        s = summarize_scores(scores)
        configs.append(
            {
                "config_id": run_id,
                "params": {},
                "seeds": sorted(run.seeds),
                **{f"score_{k}": x for k, x in s.as_dict().items() if not k.startswith("n")},
                "n_failed": s.n_failed,
            }
        )
    return {
        "job_type": "original mle-toolbox experiment",
        "experiment_dir": str(folder),
        "metric": name,
        "problem_type": "final",
        "maximize": None,
        "jobs": jobs,
        "configs": configs,
    }
