"""An experiment YAML as a tool runs it: :class:`ExperimentSpec`, one flat, typed record.

:func:`load_experiment_spec` validates the YAML (:func:`~mle_config.load_experiment`: older
spellings translated, defaults filled in), fills in the user config's defaults and flattens
what a runner needs: the job type, the training script and configs, seeds, folds, the backend,
the per-job resources and the search. :meth:`ExperimentSpec.to_record` is the experiment record
(``mle-experiment.json``) every later command reads; :meth:`ExperimentSpec.from_record` rebuilds
the spec from it, so resuming never re-reads the YAML.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigValidationError

__all__ = ["ExperimentSpec", "check_backend", "load_experiment_spec"]

_PATHS = ("yaml_path", "train_script", "experiment_dir")


@dataclass(frozen=True)
class ExperimentSpec:
    """The experiment as a runner sees it (built from the validated
    :class:`~mle_config.Experiment`)."""

    yaml_path: Path
    job_type: str
    project_name: str
    train_script: Path
    config_paths: list[Path]
    experiment_dir: Path
    backend: str
    max_running: int | None
    max_retries: int
    num_seeds: int
    base_seed: int
    num_folds: int
    job_args: dict[str, Any]
    search: dict[str, Any] | None
    python: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    seeds: list[int] | None = None  # random_seeds as listed (None: num_seeds from base_seed)
    processing: dict[str, dict[str, Any]] = field(default_factory=dict)  # pre/post_processing_args
    report_generation: bool = False

    @property
    def is_search(self) -> bool:
        return self.job_type == "hyperparameter-search"

    @property
    def budget(self) -> int:
        """Number of proposals a search evaluates (batches x iterations per batch)."""
        if not self.search:
            return 0
        return int(self.search.get("num_search_batches", 1)) * int(
            self.search.get("num_iter_per_batch", 1)
        )

    def to_record(self, python: str, cwd: Path, argv: list[str]) -> dict[str, Any]:
        """The experiment record (JSON-ready): the spec without ``raw``, plus the interpreter,
        working directory and command that ran it, the search budget and the creation time."""
        d = asdict(self)
        d.pop("raw", None)
        for key in _PATHS:
            d[key] = str(d[key])
        d["config_paths"] = [str(p) for p in self.config_paths]
        d["python_executable"] = python
        d["cwd"] = str(cwd)
        d["command"] = argv
        d["budget"] = self.budget
        d["created"] = datetime.now().isoformat(timespec="seconds")
        d["format"] = 1
        return d

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ExperimentSpec:
        """The spec :meth:`to_record` recorded."""
        kw = {f.name: record[f.name] for f in fields(cls) if f.name in record}
        for key in _PATHS:
            kw[key] = Path(kw[key])
        kw["config_paths"] = [Path(p) for p in kw["config_paths"]]
        return cls(**kw)


def check_backend(name: str, where: str) -> None:
    """Raise :class:`ConfigValidationError` unless ``name`` is an installed backend."""
    from .plugins import available_backends

    names = available_backends()
    if name not in names:
        raise ConfigValidationError(
            [f"{where}: expected one of {', '.join(names)}, found {name!r}"]
        )


def _section(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    val = raw.get(name) or {}
    return dict(val) if isinstance(val, Mapping) else {}


def load_experiment_spec(
    yaml_path: str | os.PathLike[str],
    overrides: Sequence[str] = (),
    backend_override: str | None = None,
    user_config: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
) -> ExperimentSpec:
    """Validate an experiment YAML and flatten it; ``backend_override`` (``--backend``) beats
    ``meta_job_args.backend``, which beats the user config's ``default_backend``; the user
    config's ``resources.<backend>`` are defaults of ``single_job_args``. Bad input raises
    mle-config's one-line errors."""
    from .durations import normalize_time_per_job
    from .experiment import load_experiment

    user_config = user_config or {}
    exp = load_experiment(
        Path(yaml_path), overrides=overrides, cwd=cwd or Path.cwd(), backend=backend_override
    )
    cfg, yaml_path = exp.config.to_dict(), exp.path
    meta = _section(cfg, "meta_job_args")
    job_type = str(meta.get("job_type", "single-experiment"))
    multi = _section(cfg, "multi_experiment_args")
    single = _section(cfg, "single_experiment_args")
    search = _section(cfg, "param_search_args") if job_type == "hyperparameter-search" else None
    backend = backend_override or meta.get("backend") or user_config.get("default_backend")
    backend = str(backend or "local")
    check_backend(backend, f"{yaml_path}: meta_job_args.backend")
    if not exp.config_files:
        raise ConfigValidationError(
            [
                f"{yaml_path}: meta_job_args.base_train_config: expected a training config "
                f"file for job_type {job_type}, found none"
            ]
        )

    if job_type == "hyperparameter-search":
        num_seeds = int((search or {}).get("num_evals_per_iter") or 1)
    elif job_type == "single-experiment":
        num_seeds = 1
    else:
        num_seeds = int(multi.get("num_seeds") or 1)
    base_seed = int(single.get("seed_id") or 0) if job_type == "single-experiment" else 0
    num_folds = int(multi.get("num_folds") or 1) if job_type == "multiple-folds" else 1

    defaults = dict((user_config.get("resources") or {}).get(backend) or {})
    if defaults.get("time_per_job") is not None:  # the user config is read as the YAML is
        defaults["time_per_job"] = normalize_time_per_job(defaults["time_per_job"])
    job_args = {
        **defaults,
        **{k: v for k, v in _section(cfg, "single_job_args").items() if v is not None},
    }

    max_running = meta.get("max_running_jobs")
    if max_running is None and backend == "local":
        cores = int(job_args.get("num_logical_cores") or 1)
        max_running = max(1, (os.cpu_count() or 1) // max(1, cores))
    return ExperimentSpec(
        yaml_path=yaml_path,
        job_type=job_type,
        project_name=str(meta.get("project_name") or yaml_path.stem),
        train_script=exp.train_script,
        config_paths=list(exp.config_files),
        experiment_dir=exp.experiment_dir,
        backend=backend,
        max_running=int(max_running) if max_running is not None else None,
        max_retries=int(meta.get("max_retries") or 0),
        num_seeds=num_seeds,
        base_seed=base_seed,
        num_folds=num_folds,
        job_args=job_args,
        search=search,
        python=str(meta["python"]) if meta.get("python") else None,
        raw=dict(cfg),
        seeds=(search if search is not None else multi).get("random_seeds"),
        processing={k: cfg[k] for k in ("pre_processing_args", "post_processing_args") if k in cfg},
        report_generation=bool(meta.get("report_generation")),
    )
