"""Entry point of the ``mle`` command: argument parsing and the one-line error handler."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from .__about__ import __version__
from .errors import MleCliError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mle",
        description="Run experiments and hyperparameter searches locally, on SGE or on Slurm.",
    )
    p.add_argument("--version", action="version", version=f"mle {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run an experiment YAML")
    r.add_argument("experiment", help="experiment YAML file")
    r.add_argument(
        "-o",
        "--override",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a value of the experiment YAML (repeatable)",
    )
    r.add_argument("--backend", choices=("local", "sge", "slurm"), help="where jobs run")
    r.add_argument("--dry-run", action="store_true", help="validate and print the job table only")
    r.add_argument(
        "--detach", action="store_true", help="submit, keep going in the background, return now"
    )
    r.add_argument("--name", help="name of the experiment folder (default: project_name)")
    r.add_argument("--quiet", action="store_true", help="no progress output")

    rs = sub.add_parser("resume", help="finish an interrupted experiment")
    rs.add_argument("experiment_dir")
    rs.add_argument("--detach", action="store_true", help="resume in the background")
    rs.add_argument("--quiet", action="store_true", help="no progress output")
    rs.add_argument("--retry-failed", action="store_true", help="run failed jobs again as well")

    st = sub.add_parser("status", help="jobs and their states")
    st.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")

    c = sub.add_parser("cancel", help="cancel the running jobs of an experiment")
    c.add_argument("experiment_dir")

    res = sub.add_parser("results", help="scores per config, aggregated over seeds")
    res.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")
    res.add_argument("--json", action="store_true", help="print JSON instead of a table")
    res.add_argument("--metric", help="the logged stat to score by (default: the search's)")

    rep = sub.add_parser("report", help="Markdown + HTML report with figures")
    rep.add_argument("experiment_dir", nargs="?", help="default: the newest experiment here")
    rep.add_argument("-d", "--out-dir", help="where to write (default: EXPERIMENT_DIR/report)")

    i = sub.add_parser("init", help="write the user config (default backend and resources)")
    i.add_argument("--backend", choices=("local", "sge", "slurm"), default="local")
    i.add_argument("--queue", help="default SGE queue")
    i.add_argument("--partition", help="default Slurm partition")
    i.add_argument("--path", help="where to write (default: ~/.config/mle/config.yaml)")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    return p


def _dispatch(args: argparse.Namespace, argv: list[str]) -> int:
    cmd = args.command
    if cmd == "run":
        from ._cmd_run import cmd_run

        return cmd_run(args, argv)
    if cmd == "resume":
        from ._cmd_run import cmd_resume

        return cmd_resume(args, argv)
    if cmd == "status":
        from ._cmd_inspect import cmd_status

        return cmd_status(args)
    if cmd == "cancel":
        from ._cmd_inspect import cmd_cancel

        return cmd_cancel(args)
    if cmd == "results":
        from ._cmd_inspect import cmd_results

        return cmd_results(args)
    if cmd == "report":
        from ._cmd_report import cmd_report

        return cmd_report(args)
    if cmd == "init":
        from ._cmd_init import cmd_init

        return cmd_init(args)
    raise AssertionError(cmd)  # pragma: no cover - argparse restricts the choices


def _is_user_error(exc: BaseException) -> bool:
    if isinstance(exc, MleCliError):
        return True
    # The libraries' own root errors are user errors too (bad YAML, bad search space, ...).
    for modname, clsname in (
        ("mle_config.errors", "ConfigError"),
        ("mle_search.errors", "SearchError"),
        ("mle_scheduler.errors", "SchedulerError"),
        ("mle_logger.errors", "MleLoggerError"),
    ):
        mod = sys.modules.get(modname)
        cls = getattr(mod, clsname, None) if mod is not None else None
        if isinstance(cls, type) and isinstance(exc, cls):
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mle``; returns the exit code (and ``sys.exit``s with it when run as a script)."""
    arglist = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arglist)
    full = os.environ.get("MLE_FULL_ERROR") == "1"
    try:
        code = _dispatch(args, ["mle", *arglist])
    except KeyboardInterrupt:
        print("mle: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as exc:
        if full or not _is_user_error(exc):
            traceback.print_exc()
            if not _is_user_error(exc):
                print(
                    "mle: internal error (above); please report it with this traceback",
                    file=sys.stderr,
                )
                code = 3
            else:
                code = getattr(exc, "exit_code", EXIT_USAGE)
        else:
            msg = str(exc).strip() or type(exc).__name__
            for line in msg.splitlines():
                print(f"mle: error: {line}", file=sys.stderr)
            code = int(getattr(exc, "exit_code", EXIT_USAGE))
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    main()
