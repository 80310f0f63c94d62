"""The search side of a hyperparameter search: strategy, loop and hyper log (mle-search)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mle_config import ExperimentFolder as ExperimentDir
from mle_config import ExperimentSpec, PlannedJob, plan_proposal_jobs, proposal_job_id, seeds_for
from mle_config import layout as names

if TYPE_CHECKING:
    from mle_search import SearchLoop, Strategy, Trial


def hyper_log_path(exp: ExperimentDir, search: dict[str, Any]) -> Path:
    """The hyper log inside the experiment folder (``.pkl`` names become ``.jsonl``)."""
    return exp.root / names.hyper_log_name(str(search.get("hyperlog_fname") or names.HYPER_LOG))


def build_strategy(search: dict[str, Any]) -> Strategy:
    """Kept until every caller imports :func:`mle_search.strategy_from_args` itself."""
    from mle_search import strategy_from_args

    return strategy_from_args(search)


def find_earlier_hyper_log(experiment_dir: Path, project_name: str, exclude: Path) -> Path | None:
    """The hyper log of the newest earlier search of ``project_name`` below
    ``experiment_dir`` (for ``param_search_args.reload_log``), or None."""
    import json

    candidates = []
    for marker in experiment_dir.glob(f"*/{names.EXPERIMENT_MARKER}"):
        root = marker.parent
        if root == exclude:
            continue
        try:
            doc = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if doc.get("project_name") != project_name or not doc.get("search"):
            continue
        log = hyper_log_path(ExperimentDir(root), doc["search"])
        if log.is_file() and log.stat().st_size > 0:
            candidates.append((str(doc.get("created") or ""), root.name, log))
    return max(candidates)[2] if candidates else None


def search_loop(exp: ExperimentDir | None, spec: ExperimentSpec) -> SearchLoop:
    """The mle-search loop of the experiment's search (:func:`mle_search.loop_from_args`:
    strategy, budget or schedule, seeds, hyper log; not yet restored, see
    :meth:`SearchLoop.restore`; no hyper log without ``exp``)."""
    from mle_search import HyperLog, loop_from_args

    search = dict(spec.search or {})
    return loop_from_args(
        search,
        seeds=seeds_for(spec),
        log=None if exp is None else HyperLog(hyper_log_path(exp, search)),
        annotate=lambda trial: {"config_id": f"p{trial.id:04d}"},
    )


def read_hyper_log(path: Path) -> list[dict[str, Any]]:
    """The records of a hyper log; a trial logged again (``--retry-failed``) counts once, as
    its latest record."""
    from mle_search import HyperLog

    by_id: dict[Any, dict[str, Any]] = {}
    for i, rec in enumerate(HyperLog(path).read()):
        tid = rec.get("id")
        by_id[tid if isinstance(tid, int) else f"line{i}"] = dict(rec)
    return list(by_id.values())


def last_checkpoint(run_dir: Path, seed: int) -> str | None:
    """The path of the last checkpoint a run saved (``models/seed_<seed>/``, as the logger
    writes it: its ``checkpoints.json`` names the file), or None when it saved none."""
    import json

    folder = run_dir / "models" / f"seed_{seed}"
    try:
        index = json.loads((folder / "checkpoints.json").read_text())
        path = folder / str(index["last"]["file"])
    except (OSError, ValueError, KeyError, TypeError):
        found = sorted(run_dir.glob("models/*/last.np[yz]"))
        return str(found[0].resolve()) if found else None
    return str(path.resolve()) if path.is_file() else None


def trial_jobs(
    exp: ExperimentDir, spec: ExperimentSpec, loop: SearchLoop, trial: Trial
) -> tuple[list[PlannedJob], list[str]]:
    """The jobs of a search trial, and warnings. A multi-fidelity trial's jobs get its budget,
    parent and tags, and each seed the original's ``train_config.extra`` (its budget keys
    and, continuing a parent, the checkpoint that seed of the parent saved)."""
    from mle_search import FidelityStrategy

    strategy = loop.strategy
    if not isinstance(strategy, FidelityStrategy):
        return plan_proposal_jobs(spec, trial.id, trial.params, trial.seeds), []
    extras, warnings = {}, []
    for seed in trial.seeds:
        ckpt = None
        if trial.parent is not None:
            parent_run = proposal_job_id(trial.parent, seed)
            ckpt = last_checkpoint(exp.run_dir(parent_run), seed)
            if ckpt is None:
                warnings.append(
                    f"trial {trial.id} continues {parent_run}, which saved no checkpoint "
                    "(log the model with save=True): this run starts from scratch"
                )
        extras[seed] = strategy.script_extra(trial.id, checkpoint=ckpt)
    jobs = plan_proposal_jobs(
        spec,
        trial.id,
        trial.params,
        trial.seeds,
        budget=trial.budget,
        parent=trial.parent,
        tags=loop.tags(trial.id) or None,
        extras=extras,
    )
    return jobs, warnings


def preview(spec: ExperimentSpec, n: int = 5) -> tuple[str, list[PlannedJob]]:
    """``mle run --dry-run``: a line on the search's size and the jobs of its first ``n``
    trials (with their budget and ``train_config.extra`` for a multi-fidelity search)."""
    loop = search_loop(None, spec)
    trials = loop.propose(n * len(loop.seeds))  # n trials, if the strategy has them now
    jobs = [j for t in trials for j in trial_jobs(ExperimentDir(Path(".")), spec, loop, t)[0]]
    from mle_search import planned_runs

    seeds, runs = len(loop.seeds), planned_runs(loop)
    what = f"{runs // seeds} trials" if loop.budget is None else f"{loop.budget} proposals"
    text = (
        f"{spec.job_type} ({(spec.search or {}).get('search_type')}): {what} x {seeds} seeds "
        f"= {runs} jobs on {spec.backend} (first {len(trials)} shown)"
    )
    loop.close()
    return text, jobs
