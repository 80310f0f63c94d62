"""``mle run`` and ``mle resume``."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ._layout import ExperimentDir, open_experiment, write_json
from ._plan import plan_proposal_jobs, plan_static_jobs
from ._repro import write_record
from ._setup import (
    SpecFactory,
    make_backend,
    marker_for,
    new_experiment_root,
    pick_python,
    resources_from,
    write_job_configs,
)
from ._spec import ExperimentSpec, load_spec
from ._userconfig import read_user_config


def _warn(msg: str) -> None:
    print(f"mle: warning: {msg}", file=sys.stderr)


def _dry_run(spec: ExperimentSpec, python: str, cwd: Path, argv: list[str]) -> int:
    """Print the job table (and the generated job script); write and run nothing."""
    root = new_experiment_root(spec, None)
    exp = ExperimentDir(root)
    marker = marker_for(spec, python, cwd, argv)
    if spec.is_search:
        from ._search import build_strategy

        search = dict(spec.search or {})
        strategy = build_strategy(search)
        first = strategy.ask(min(spec.budget, 5))
        jobs = [j for i, p in enumerate(first) for j in plan_proposal_jobs(spec, i, p)]
        print(
            f"{spec.job_type} ({search.get('search_type')}): {spec.budget} proposals x "
            f"{spec.num_seeds} seeds = {spec.budget * spec.num_seeds} jobs on {spec.backend}"
            f" (first {len(first)} proposals shown)"
        )
    else:
        jobs = plan_static_jobs(spec)
        print(f"{spec.job_type}: {len(jobs)} jobs on {spec.backend}")
    print(f"{'job':<14} {'config':<8} {'seed':>5}  params")
    for job in jobs:
        params = {k: v for k, v in job.params.items()}
        shown = Path(params.pop("config_fname")).name if "config_fname" in params else ""
        shown += ", ".join(f"{k}={v}" for k, v in params.items())
        fold = f" fold {job.fold}" if job.fold is not None else ""
        print(f"{job.job_id:<14} {job.config_id:<8} {job.seed:>5}  {shown}{fold}")
    if jobs:
        spec0 = SpecFactory(exp, marker)(jobs[0])
        backend = make_backend(spec.backend)
        print(f"\njob script for {jobs[0].job_id} ({spec.backend}):")
        print(backend.render(spec0))
    print(f"experiment folder would be: {root}")
    return 0


def cmd_run(args: argparse.Namespace, argv: list[str]) -> int:
    from ._driver import Driver, spawn_detached

    cwd = Path.cwd()
    spec = load_spec(
        args.experiment,
        overrides=args.override,
        backend_override=args.backend,
        user_config=read_user_config(),
        cwd=cwd,
    )
    resources_from(spec.job_args)  # bad resources: one line, before anything is written
    if spec.is_search:
        from ._search import build_strategy

        build_strategy(dict(spec.search or {}))  # a bad search space fails now, too
    python, warning = pick_python(spec, cwd)
    if warning:
        _warn(warning)
    if args.dry_run:
        return _dry_run(spec, python, cwd, argv)
    make_backend(spec.backend)  # a missing cluster fails now, not in the middle

    exp = ExperimentDir(new_experiment_root(spec, args.name))
    exp.root.mkdir(parents=True)
    shutil.copyfile(spec.yaml_path, exp.yaml_copy)
    write_json(exp.resolved, spec.raw)
    write_record(exp.repro, exp.git_diff, argv, cwd)
    if not spec.is_search:
        write_job_configs(exp, spec, plan_static_jobs(spec))
    marker = marker_for(spec, python, cwd, argv)
    if spec.is_search and (spec.search or {}).get("reload_log"):
        from ._search import find_earlier_hyper_log

        earlier = find_earlier_hyper_log(spec.experiment_dir, spec.project_name, exp.root)
        if earlier is None:
            _warn(
                f"param_search_args.reload_log: no earlier hyper log of project "
                f"{spec.project_name!r} below {spec.experiment_dir}; starting a new search"
            )
        else:
            marker["search"]["reload_from"] = str(earlier)
            if not args.quiet:
                print(f"continuing the search recorded in {earlier}")
    write_json(exp.marker, marker)
    if args.detach:
        pid = spawn_detached(exp)
        print(
            f"{exp.root}\nrunning in the background (pid {pid}); follow with "
            f"`mle status {exp.root}`, stop with `mle cancel {exp.root}`"
        )
        return 0
    if not args.quiet:
        print(f"experiment folder: {exp.root}")
    return Driver(exp, quiet=args.quiet).run()


def cmd_resume(args: argparse.Namespace, argv: list[str]) -> int:
    from ._driver import Driver, driver_pid, spawn_detached
    from .errors import UsageError

    exp = open_experiment(args.experiment_dir)
    if args.detach:
        pid = driver_pid(exp)
        if pid is not None:
            raise UsageError(f"{exp.root}: expected no running driver, found pid {pid}")
        new = spawn_detached(exp)
        print(f"resuming {exp.root} in the background (pid {new})")
        return 0
    return Driver(exp, quiet=args.quiet, retry_failed=args.retry_failed).run()
