"""The experiment registry (mle-monitor) as ``mle`` uses it: ``run``, ``resume`` and
``cancel`` keep an experiment's row current, and a command that takes an experiment folder
also takes a registry id. A registry that cannot be written never stops an experiment."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mle_monitor import Registry


def registry() -> Registry:
    """The user's registry: the user config's ``registry`` path, else ``$MLE_REGISTRY``, else
    ``$XDG_DATA_HOME/mle/registry.db``."""
    from mle_config import MleConfigError, read_user_config
    from mle_monitor import Registry

    try:
        path = read_user_config().get("registry")
    except MleConfigError:  # a bad user config is reported by the command that needs it
        path = None
    return Registry(str(path)) if path else Registry()


def record(root: Path) -> None:
    """Write the experiment's row from its folder (warns once when it cannot)."""
    registry().update(root)


@contextlib.contextmanager
def recorded(root: Path) -> Iterator[None]:
    """Write the experiment's row when the block ends, however it ends."""
    try:
        yield
    finally:
        record(root)


def folder_of(key: str) -> Path | None:
    """The folder of the registry's experiment ``key`` (an id, id prefix or folder name);
    None when none matches. Several matches raise AmbiguousExperimentError (one line)."""
    from mle_monitor import ExperimentNotFoundError, RegistryError

    try:
        return Path(registry().get(key).folder)
    except (ExperimentNotFoundError, RegistryError):
        return None


__all__ = ["folder_of", "record", "recorded", "registry"]
