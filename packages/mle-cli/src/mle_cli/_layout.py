"""The experiment folder (:class:`mle_config.ExperimentFolder`, every path named from
:mod:`mle_config.layout`) as a command opens it: a folder, a registry id, or the newest
experiment below the working directory."""

from __future__ import annotations

import os
from pathlib import Path

from mle_config import ExperimentFolder as ExperimentDir
from mle_config import MleConfigError

from .errors import ExperimentDirError

__all__ = ["ExperimentDir", "find_experiment", "open_experiment"]


def open_experiment(path: str | os.PathLike[str]) -> ExperimentDir:
    """Open an existing experiment folder (or the registry's experiment ``path``), checking it
    is one."""
    exp = ExperimentDir(Path(path).resolve())
    if not exp.root.is_dir():
        from ._registry import folder_of

        found = folder_of(str(path))
        if found is None:
            raise ExperimentDirError(
                f"{path}: experiment folder not found, nor an experiment of the registry "
                "(see `mle list`)"
            )
        exp = ExperimentDir(found)
    try:
        exp.read_marker()
    except MleConfigError as exc:
        raise ExperimentDirError(str(exc)) from None
    return exp


def find_experiment(arg: str | None) -> ExperimentDir:
    """The named experiment folder, or the newest one below the working directory."""
    from mle_config import newest_experiment

    if arg:
        return open_experiment(arg)
    found = newest_experiment(Path.cwd())
    if found is None:
        raise ExperimentDirError(
            f"no experiment folder found under {Path.cwd()}; expected one, or name it"
        )
    return ExperimentDir(found)
