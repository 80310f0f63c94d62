"""The search side of a hyperparameter search: strategy, loop and hyper log (mle-search)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mle_config import layout as names

from ._layout import ExperimentDir
from ._plan import seeds_for
from ._spec import ExperimentSpec

if TYPE_CHECKING:
    from mle_search import SearchLoop, Strategy


def hyper_log_path(exp: ExperimentDir, search: dict[str, Any]) -> Path:
    """The hyper log inside the experiment folder (``.pkl`` names become ``.jsonl``)."""
    return exp.root / names.hyper_log_name(str(search.get("hyperlog_fname") or names.HYPER_LOG))


def build_strategy(search: dict[str, Any]) -> Strategy:
    """The mle-search strategy for ``param_search_args`` (bad settings raise SearchError)."""
    from mle_search import Space, make_strategy

    stype = str(search["search_type"])
    options = dict(search.get(f"{stype}_config") or {})  # smbo_config, optuna_config, ...
    return make_strategy(
        stype,
        Space.from_config(search["params_to_search"]),
        seed=int(search.get("random_seed") or 0),
        maximize=bool(search.get("maximize_objective", False)),
        **options,
    )


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


def search_loop(exp: ExperimentDir, spec: ExperimentSpec) -> SearchLoop:
    """The mle-search loop of the experiment's search: its strategy, budget, seeds and hyper
    log (not yet restored: see :meth:`SearchLoop.restore`)."""
    from mle_search import HyperLog, SearchLoop

    search = dict(spec.search or {})
    return SearchLoop(
        build_strategy(search),
        budget=spec.budget,
        seeds=seeds_for(spec),
        batch_size=max(1, int(search.get("num_iter_per_batch") or 1)),
        log=HyperLog(hyper_log_path(exp, search)),
        annotate=lambda trial: {"config_id": f"p{trial.id:04d}"},
        aggregate=str(search.get("aggregate_seeds") or "mean"),
        background=None,  # a slow strategy proposes on a worker thread while jobs run
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
