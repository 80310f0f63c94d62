"""The plan of an experiment: which jobs it runs (:class:`PlannedJob`, one row of its job
table ``jobs.jsonl``), each with its config, seed, fold or search trial, and the updates that
turn the base training config into the config each job receives.

Pure: an :class:`~mle_config.ExperimentSpec` (and a search's trials) in, job rows out; the
runner writes them and maps them to scheduler jobs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .spec import ExperimentSpec

__all__ = [
    "PlannedJob",
    "config_updates",
    "plan_proposal_jobs",
    "plan_static_jobs",
    "proposal_job_id",
    "seeds_for",
]


@dataclass(frozen=True)
class PlannedJob:
    """One run of the training script.

    ``config_id`` groups the seeds (and folds) that are averaged into one score; ``config_key``
    names the resolved config file under ``configs/`` that this job receives as ``-config``.
    """

    job_id: str
    config_id: str
    seed: int
    config_key: str
    params: dict[str, Any] = field(default_factory=dict)
    fold: int | None = None
    proposal: int | None = None
    base_config: str | None = None
    #: multi-fidelity trials: the budget it reaches, the trial it continues, its tags (rung,
    #: worker, ...) and the original's ``train_config.extra`` its script reads
    budget: float | None = None
    parent: int | None = None
    tags: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None

    def to_record(self) -> dict[str, Any]:
        """The job table row (fields that are None left out)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> PlannedJob:
        """A row of the job table (KeyError / TypeError / ValueError when it is not one)."""
        opt = {k: rec[k] for k in ("fold", "proposal", "base_config") if rec.get(k) is not None}
        budget, parent = rec.get("budget"), rec.get("parent")
        return cls(
            job_id=str(rec["job_id"]),
            config_id=str(rec["config_id"]),
            seed=int(rec["seed"]),
            config_key=str(rec["config_key"]),
            params=dict(rec.get("params") or {}),
            fold=None if "fold" not in opt else int(opt["fold"]),
            proposal=None if "proposal" not in opt else int(opt["proposal"]),
            base_config=None if "base_config" not in opt else str(opt["base_config"]),
            budget=None if budget is None else float(budget),
            parent=None if parent is None else int(parent),
            tags=None if rec.get("tags") is None else dict(rec["tags"]),
            extra=None if rec.get("extra") is None else dict(rec["extra"]),
        )


def seeds_for(spec: ExperimentSpec) -> list[int]:
    """The seeds every config runs with: ``random_seeds`` as listed, else ``num_seeds`` seeds
    counted from the base seed."""
    return list(spec.seeds or range(spec.base_seed, spec.base_seed + spec.num_seeds))


def plan_static_jobs(spec: ExperimentSpec) -> list[PlannedJob]:
    """All jobs of a non-search experiment, in submission order (config, fold, seed)."""
    jobs: list[PlannedJob] = []
    folds: list[int | None] = (
        list(range(spec.num_folds)) if spec.job_type == "multiple-folds" else [None]
    )
    for ci, cfg_path in enumerate(spec.config_paths):
        config_id = f"c{ci:03d}"
        for fold in folds:
            key = config_id if fold is None else f"{config_id}-f{fold}"
            for seed in seeds_for(spec):
                job_id = f"{key}-s{seed}"
                jobs.append(
                    PlannedJob(
                        job_id=job_id,
                        config_id=config_id,
                        seed=seed,
                        config_key=key,
                        params={"config_fname": str(cfg_path)},
                        fold=fold,
                        base_config=str(cfg_path),
                    )
                )
    return jobs


def proposal_job_id(index: int, seed: int) -> str:
    """The job id of seed ``seed`` of search trial ``index``."""
    return f"p{index:04d}-s{seed}"


def plan_proposal_jobs(
    spec: ExperimentSpec,
    index: int,
    params: dict[str, Any],
    seeds: tuple[int, ...] | list[int] | None = None,
    *,
    budget: float | None = None,
    parent: int | None = None,
    tags: dict[str, Any] | None = None,
    extras: dict[int, dict[str, Any]] | None = None,
) -> list[PlannedJob]:
    """The jobs (one per seed) that evaluate search trial (proposal) number ``index``.
    A multi-fidelity trial passes its ``budget``, ``parent``, ``tags`` and, per seed, the
    ``train_config.extra`` its script reads (each seed continues its own checkpoint, so the
    seeds get a config each when their extras differ)."""
    config_id = f"p{index:04d}"
    seeds = seeds_for(spec) if seeds is None else seeds
    per_seed = extras is not None and len({repr(extras.get(s)) for s in seeds}) > 1
    return [
        PlannedJob(
            job_id=proposal_job_id(index, seed),
            config_id=config_id,
            seed=seed,
            config_key=proposal_job_id(index, seed) if per_seed else config_id,
            params=dict(params),
            proposal=index,
            base_config=str(spec.config_paths[0]),
            budget=budget,
            parent=parent,
            tags=tags,
            extra=None if extras is None else extras.get(seed),
        )
        for seed in seeds
    ]


def config_updates(job: PlannedJob, spec: ExperimentSpec) -> dict[str, Any]:
    """Dotted-key updates that turn the base training config into this job's config. A
    multi-fidelity job also gets ``train_config.extra`` and its ``train_config`` values again
    under ``train_config.params`` (where the original toolbox put them for these searches)."""
    updates: dict[str, Any] = {}
    if job.proposal is not None:
        updates.update(job.params)
    if job.extra is not None:
        updates["train_config.extra"] = dict(job.extra)
        for key, value in job.params.items():
            if key.startswith("train_config."):
                updates["train_config.params." + key.removeprefix("train_config.")] = value
    if job.fold is not None:
        updates["train_config.fold_id"] = job.fold
        updates["train_config.num_folds"] = spec.num_folds
    return updates
