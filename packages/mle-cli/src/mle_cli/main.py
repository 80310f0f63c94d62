"""Entry point of ``mle``: one module per command, and the one-line error handler.

A command is a module ``_cmd_<name>.py`` with a docstring (its help), ``add_arguments(parser)``
and ``run(args) -> exit code``; listing its name in :data:`COMMANDS` adds it to ``mle``.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import TextIO

from .__about__ import __version__
from ._console import console

COMMANDS = (
    "run", "resume", "status", "cancel", "results", "report", "compare", "list", "show",
    "monitor", "init",
)  # fmt: skip
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
#: packages whose errors (every class derived from a root in their ``errors`` module) are the
#: user's mistakes: one line, exit 2, never "internal error"
_ERROR_MODULES = {
    f"mle_{p}.errors" for p in ("cli", "config", "logger", "scheduler", "search", "monitor")
}
#: OS errors that are the machine's state, not a bug: unwritable or full places
_OS_ERRNOS = {
    errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOENT,
    errno.EEXIST, errno.ENOTDIR, errno.EISDIR,
}  # fmt: skip


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mle",
        description="Run experiments and hyperparameter searches locally, on SGE or on Slurm.",
        allow_abbrev=False,
    )
    p.add_argument("--version", action="version", version=f"mle {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        mod = importlib.import_module(f"._cmd_{name}", __package__)
        doc = (mod.__doc__ or name).strip()
        summary = doc.splitlines()[0].replace("%", "%%")  # argparse %-formats help strings
        cmd = sub.add_parser(name, help=summary, description=doc, allow_abbrev=False)
        mod.add_arguments(cmd)
        cmd.set_defaults(handler=mod.run)
    return p


def is_user_error(exc: BaseException) -> bool:
    """Raised by one of our packages (an error class of theirs) or the machine (a folder that
    cannot be written, a full disk), not a bug."""
    if isinstance(exc, OSError) and exc.errno in _OS_ERRNOS:
        return exc.filename is not None or exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return any(cls.__module__ in _ERROR_MODULES for cls in type(exc).__mro__)


def _message(exc: BaseException) -> str:
    if not (isinstance(exc, OSError) and exc.strerror):
        return str(exc) or type(exc).__name__
    text = exc.strerror.lower()
    if exc.filename is not None:
        text = f"{exc.filename}: {text}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        text += "; free some space, then `mle resume EXPERIMENT_DIR` goes on"
    return text


def _warn(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    console.warn(str(message))  # library warnings (a skipped torn line, ...) as one line


def _run(arglist: list[str]) -> int:
    full = os.environ.get("MLE_FULL_ERROR") == "1"
    try:
        args = parser().parse_args(arglist)
        args.argv = ["mle", *arglist]
        return int(args.handler(args))
    except KeyboardInterrupt:
        console.error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # stdout's reader left (`mle results | head`): end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        user = is_user_error(exc)
        if full or not user:
            traceback.print_exc()
        if not user:
            console.error("internal error (above); please report it with this traceback")
            return EXIT_INTERNAL
        if not full:
            console.error(_message(exc))
        return int(getattr(exc, "exit_code", EXIT_USAGE))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mle``; returns the exit code (and ``sys.exit``s with it when run as a script)."""
    arglist = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        if os.environ.get("MLE_FULL_ERROR") != "1":
            warnings.showwarning = _warn
        code = _run(arglist)
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    main()
