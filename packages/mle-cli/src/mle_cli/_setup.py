"""Turning a validated experiment into an experiment folder, job specs and a backend."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mle_config import ExperimentSpec, PlannedJob, config_updates, write_json
from mle_config import layout as names

from ._layout import ExperimentDir
from .errors import UsageError

if TYPE_CHECKING:
    from mle_scheduler import Backend, JobSpec, Resources

#: single_job_args keys the CLI handles itself (not scheduler resources)
CLI_JOB_KEYS = frozenset(
    ["log_file", "err_file", "env_name", "use_conda_venv", "venv_path", "extra_cmd_line_input"]
)


def resources_from(job_args: dict[str, Any], job_name: str | None = None) -> Resources:
    """mle-scheduler Resources for ``single_job_args`` (unknown keys: one-line error)."""
    from mle_scheduler import Resources

    data = {k: v for k, v in job_args.items() if k not in CLI_JOB_KEYS and v is not None}
    if job_name is not None:
        data["job_name"] = job_name
    if "exclude_nodes" in data and isinstance(data["exclude_nodes"], list | tuple):
        data["exclude_nodes"] = list(data["exclude_nodes"])
    return Resources.from_dict(data, where="single_job_args")


def make_backend(name: str) -> Backend:
    """The mle-scheduler backend called ``name``."""
    from mle_scheduler import get_backend

    return get_backend(name)


def time_limit(job_args: dict[str, Any]) -> str:
    """``single_job_args.time_per_job`` as understood (``30h 0m``), or ``no limit``."""
    from mle_config import format_duration

    seconds = resources_from(dict(job_args)).time_limit_seconds
    return "no limit" if seconds is None else format_duration(seconds)


def marker_for(spec: ExperimentSpec, python: str, cwd: Path, argv: list[str]) -> dict[str, Any]:
    """The experiment record every later command reads (:meth:`ExperimentSpec.to_record`); a
    multi-fidelity search's budget is its schedule's trial count, not batches x iterations."""
    record = spec.to_record(python, cwd, argv)
    if spec.is_search:
        from mle_search import FidelityStrategy, strategy_from_args

        strategy = strategy_from_args(dict(spec.search or {}))
        if isinstance(strategy, FidelityStrategy) and strategy.planned_trials is not None:
            record["budget"] = strategy.planned_trials
    return record


def pick_python(spec: ExperimentSpec, cwd: Path) -> tuple[str, str | None]:
    """(interpreter, warning): ``meta_job_args.python``, else env_name/venv_path, else this one."""
    if spec.python:
        found = shutil.which(spec.python) or (spec.python if Path(spec.python).exists() else None)
        if found is None:
            raise UsageError(
                f"{spec.yaml_path}: meta_job_args.python: expected an existing interpreter, "
                f"found no {spec.python!r}"
            )
        return str(found), None
    from mle_scheduler import choose_python

    env = spec.job_args.get("venv_path") or spec.job_args.get("env_name")
    choice = choose_python(str(env) if env else None, cwd, where="single_job_args.env_name")
    if choice.warning and spec.backend != "local":
        return choice.executable, choice.warning + " (on the cluster nodes as well)"
    return choice.executable, choice.warning


def write_job_configs(exp: ExperimentDir, spec: ExperimentSpec, jobs: list[PlannedJob]) -> None:
    """Write each job's resolved training config (once per config key), then the job rows."""
    from mle_config import load_config
    from mle_scheduler import append_jsonl

    written: set[str] = set()
    for job in jobs:
        if job.config_key in written:
            continue
        path = exp.config_path(job.config_key)
        base = load_config(job.base_config or spec.config_paths[0])
        updates = config_updates(job, spec)
        cfg = base.with_updates(updates) if updates else base
        write_json(path, cfg.to_dict())
        written.add(job.config_key)
    append_jsonl(exp.jobs, [job.to_record() for job in jobs])  # one write for all rows


class SpecFactory:
    """Builds the mle-scheduler JobSpec of a planned job."""

    def __init__(self, exp: ExperimentDir, marker: dict[str, Any]) -> None:
        self.exp = exp
        self.marker = marker
        self.job_args = dict(marker.get("job_args") or {})
        self.base_name = str(self.job_args.get("job_name") or marker.get("project_name") or "mle")
        # cluster job names: <name>-<job key>-<folder token>, unique on the cluster, so a
        # resumed queue finds a job its killed driver submitted without recording the id
        self.token = hashlib.sha256(str(exp.root).encode()).hexdigest()[:6]
        self.python = str(marker.get("python_executable") or sys.executable)

    def __call__(self, job: PlannedJob) -> JobSpec:
        config = self.exp.config_path(job.config_key)
        return self._spec(job.job_id, self.marker["train_script"], self.job_args, config, job.seed)

    def processing(self, section: str) -> JobSpec | None:
        """The job of ``pre_processing_args`` / ``post_processing_args`` (None: there is none):
        its script gets the experiment folder as ``-exp_dir``, as in the original."""
        block = (self.marker.get("processing") or {}).get(section)
        if not block:
            return None
        args = dict(block.get("processing_job_args") or {})
        args["extra_cmd_line_input"] = block.get("extra_cmd_line_input")
        return self._spec(section.removesuffix("_args"), block["processing_fname"], args)

    def _spec(
        self,
        key: str,
        script: str,
        job_args: dict[str, Any],
        config: Path | None = None,
        seed: int | None = None,
    ) -> JobSpec:
        from mle_config import script_argv
        from mle_scheduler import JobSpec

        run_dir = self.exp.run_dir(key)
        out = str(job_args.get("log_file") or "stdout.txt")
        err = str(job_args.get("err_file") or "stderr.txt")
        exp_dir = run_dir if config is not None else self.exp.root
        extra = job_args.get("extra_cmd_line_input")
        return JobSpec(
            argv=script_argv(
                script, exp_dir, config=config, seed=seed, extra=extra, python=self.python
            ),
            stdout=run_dir / out,
            stderr=None if err == out else run_dir / err,
            cwd=self.marker.get("cwd"),
            env={"MLE_EXPERIMENT_DIR": str(self.exp.root), "MLE_JOB_ID": key},
            resources=resources_from(job_args, f"{self.base_name}-{key}-{self.token}"),
            status_file=run_dir / names.RUN_STATUS_FILE,
        )
