"""Run an experiment YAML (configs x seeds, or a hyperparameter search).

The original mle-toolbox's flags still work where they mean something here: -nw/--no_welcome,
-np/--no_protocol, -del/--keep_after_upload and -p/--purpose are accepted (nothing to do),
-resource/--resource_to_run picks the backend, and -train_fname, -train_config and -exp_dir
override the YAML's meta_job_args.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ._console import console, dumps
from .errors import UsageError

if TYPE_CHECKING:
    from mle_config import ExperimentSpec

#: the original toolbox's ``-resource`` names -> our backends
_RESOURCES = {"local": "local", "sge-cluster": "sge", "slurm-cluster": "slurm"}
#: the original's flags with no counterpart here -> what to use instead
_REFUSED = {
    "debug": "run in the foreground as usual; --dry-run checks, MLE_FULL_ERROR=1 shows tracebacks",
    "remote_reconnect": "use `mle resume EXPERIMENT_DIR`",
}


class _Original(argparse.Action):
    """A flag of the original toolbox: refused with a pointer, or a meta_job_args override."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        ns: argparse.Namespace,
        values: object,
        opt: object = None,
    ) -> None:
        if self.dest in _REFUSED:
            raise UsageError(
                f"{opt}: the original mle-toolbox's flag is not supported; {_REFUSED[self.dest]}"
            )
        ns.override.append(f"meta_job_args.{self.dest}={values}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="experiment YAML file")
    p.add_argument(
        "-o",
        "--override",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a value of the experiment YAML (repeatable)",
    )
    p.add_argument("--backend", help="where jobs run (local, sge, slurm or an installed plug-in)")
    p.add_argument("--dry-run", action="store_true", help="validate and print the job table only")
    p.add_argument("-v", "--verbose", action="store_true", help="--dry-run: show the config too")
    p.add_argument(
        "--detach", action="store_true", help="submit, keep going in the background, return now"
    )
    p.add_argument("--name", help="name of the experiment folder (default: project_name)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    hide = argparse.SUPPRESS  # the original toolbox's flags (see the module's docstring)
    for short, long in (
        ("-nw", "no_welcome"),
        ("-np", "no_protocol"),
        ("-del", "keep_after_upload"),
    ):
        p.add_argument(short, f"--{long}", action="store_true", help=hide)
    p.add_argument("-p", "--purpose", nargs="+", help=hide)
    p.add_argument("-resource", "--resource_to_run", choices=sorted(_RESOURCES), help=hide)
    for short, long in (
        ("-train_fname", "base_train_fname"),
        ("-train_config", "base_train_config"),
        ("-exp_dir", "experiment_dir"),
    ):
        p.add_argument(short, f"--{long}", action=_Original, help=hide)
    for short, long in (("-d", "debug"), ("-reconnect", "remote_reconnect")):
        p.add_argument(short, f"--{long}", action=_Original, nargs=0, help=hide)


def _earlier_search(spec: ExperimentSpec) -> Path | None:
    """Check the search space; with ``reload_log``, the earlier hyper log it continues from,
    checked against the space (a log that does not fit is named now, not after the start)."""
    from mle_search import FidelityStrategy, MleSearchError, strategy_from_args

    from ._search import find_earlier_hyper_log, read_hyper_log

    search = dict(spec.search or {})
    strategy = strategy_from_args(search)
    if not search.get("reload_log"):
        return None
    if isinstance(strategy, FidelityStrategy):
        console.warn(
            f"param_search_args.reload_log: {search.get('search_type')} cannot learn from an "
            "earlier search (its rungs are decided on its own results); starting a new search"
        )
        return None
    earlier = find_earlier_hyper_log(spec.experiment_dir, spec.project_name, Path())
    if earlier is None:
        console.warn(
            f"param_search_args.reload_log: no earlier hyper log of project "
            f"{spec.project_name!r} below {spec.experiment_dir}; starting a new search"
        )
        return None
    try:
        strategy.resume_from(read_hyper_log(earlier))
    except MleSearchError as exc:
        raise UsageError(
            f"{earlier}: param_search_args.reload_log: expected a hyper log of this search "
            f"space, found one that does not fit ({exc})"
        ) from None
    return earlier


def _fold(fold: int | None) -> str:
    return "" if fold is None else f" fold {fold}"


def _dry_run(spec: ExperimentSpec, python: str, root: Path, args: argparse.Namespace) -> int:
    """Print the job table and the generated job script; write and run nothing."""
    from mle_config import plan_static_jobs

    from ._layout import ExperimentDir
    from ._setup import SpecFactory, make_backend, marker_for, time_limit

    if spec.is_search:
        from ._search import preview

        text, jobs = preview(spec)
        console.print(text)
    else:
        jobs = plan_static_jobs(spec)
        console.print(f"{spec.job_type}: {len(jobs)} jobs on {spec.backend}")
    console.print(f"time limit per job: {time_limit(spec.job_args)}")
    if args.verbose:
        console.print("experiment config (as understood, older spellings translated):")
        console.print(dumps(spec.raw))
    rows = []
    for job in jobs:  # full parameter names: what each job's config receives
        params = dict(job.params)
        shown = Path(params.pop("config_fname")).name if "config_fname" in params else ""
        shown += ", ".join(f"{k}={v}" for k, v in params.items())
        rows.append((job.job_id, job.config_id, job.seed, shown + _fold(job.fold)))
    console.table(("job", "config", "seed", "params"), rows, right="seed")
    if jobs:
        make_specs = SpecFactory(ExperimentDir(root), marker_for(spec, python, Path.cwd(), []))
        specs = [make_specs(j) for j in jobs]
        backend = make_backend(spec.backend)
        backend.validate(specs)  # what would fail late (after the folder is made) fails now
        console.print(f"\njob script for {jobs[0].job_id} ({spec.backend}):")
        console.print(backend.render(specs[0]))
    console.print(f"experiment folder would be: {root}")
    return 0


def run(args: argparse.Namespace) -> int:
    from mle_config import (
        load_experiment_spec,
        new_experiment_root,
        plan_static_jobs,
        read_user_config,
        write_json,
    )
    from mle_logger import write_reproducibility_record as write_record

    from ._layout import ExperimentDir
    from ._setup import make_backend, marker_for, pick_python, resources_from, write_job_configs

    argv: list[str] = args.argv
    cwd = Path.cwd()
    backend = args.backend or (_RESOURCES[args.resource_to_run] if args.resource_to_run else None)
    spec = load_experiment_spec(
        args.experiment,
        overrides=args.override,
        backend_override=backend,
        user_config=read_user_config(),
        cwd=cwd,
    )
    resources_from(spec.job_args)  # bad resources: one line, before anything is written
    earlier = _earlier_search(spec) if spec.is_search else None  # a bad search fails now, too
    python, warning = pick_python(spec, cwd)
    if warning:
        console.warn(warning)
    name = args.name or spec.project_name
    if args.dry_run:
        return _dry_run(spec, python, new_experiment_root(spec.experiment_dir, name), args)
    make_backend(spec.backend)  # a missing cluster fails now, not in the middle

    exp = ExperimentDir(new_experiment_root(spec.experiment_dir, name, create=True))
    shutil.copyfile(spec.yaml_path, exp.yaml_copy)
    write_json(exp.resolved, spec.raw)
    write_record(exp.repro, exp.git_diff, argv, cwd, purpose=args.purpose)
    if not spec.is_search:
        write_job_configs(exp, spec, plan_static_jobs(spec))
    marker = marker_for(spec, python, cwd, argv)
    if earlier is not None:
        marker["search"]["reload_from"] = str(earlier)
        if not args.quiet:
            console.print(f"continuing the search recorded in {earlier}")
    write_json(exp.marker, marker)
    if args.detach:
        from ._driver import spawn_detached

        pid = spawn_detached(exp)
        console.print(
            f"{exp.root}\nrunning in the background (pid {pid}); follow with "
            f"`mle status {exp.root}`, stop with `mle cancel {exp.root}`"
        )
        return 0
    if not args.quiet:
        console.print(f"experiment folder: {exp.root}")
    from ._driver import Driver
    from ._registry import recorded

    with recorded(exp.root):
        return Driver(exp, quiet=args.quiet).run()
