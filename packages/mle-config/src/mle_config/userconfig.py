"""The user's defaults file: the default backend and default job resources per backend.

``mle init`` writes it and ``mle run`` reads it; an experiment YAML's ``single_job_args`` win
over these defaults. Location: ``$MLE_USER_CONFIG`` if set, else
``$XDG_CONFIG_HOME/mle/config.yaml`` (``~/.config/mle/config.yaml``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigFileExistsError, ConfigValidationError
from .files import atomic_write_text
from .loading import load_config
from .plugins import available_backends

__all__ = ["USER_CONFIG_TEMPLATE", "read_user_config", "user_config_path", "write_user_config"]

USER_CONFIG_TEMPLATE = """\
# mle user config (written by `mle init`; edit freely).
# `mle run` uses these when the experiment YAML does not say otherwise.
default_backend: {backend}

# Default `single_job_args` per backend; an experiment's own single_job_args override them.
resources:
  local:
    num_logical_cores: 1
  sge:
    num_logical_cores: 1
    memory_per_job: 2000      # MB
    time_per_job: "1h"      # or the original "DD:HH:MM"
{sge_queue}
  slurm:
    num_logical_cores: 1
    memory_per_job: 2000      # MB
    time_per_job: "1h"      # or the original "DD:HH:MM"
{slurm_partition}
"""


def user_config_path() -> Path:
    """Where the user config lives (``$MLE_USER_CONFIG``, else the XDG config folder)."""
    env = os.environ.get("MLE_USER_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mle" / "config.yaml"


def _check_backend(name: str, where: str) -> None:
    names = available_backends()
    if name not in names:
        raise ConfigValidationError(
            [f"{where}: expected one of {', '.join(names)}, found {name!r}"]
        )


def write_user_config(
    path: Path,
    backend: str = "local",
    queue: str | None = None,
    partition: str | None = None,
    force: bool = False,
) -> Path:
    """Write a commented user config atomically and return its path.

    Raises :class:`ConfigFileExistsError` when ``path`` exists (unless ``force``) and
    :class:`ConfigValidationError` for a backend that is not installed.
    """
    _check_backend(backend, "default_backend")
    if path.exists() and not force:
        raise ConfigFileExistsError(f"{path}: exists already (use --force to overwrite it)")
    text = USER_CONFIG_TEMPLATE.format(
        backend=backend,
        sge_queue=f"    queue: {queue}" if queue else "    # queue: all.q",
        slurm_partition=f"    partition: {partition}" if partition else "    # partition: debug",
    )
    atomic_write_text(path, text)
    return path


def read_user_config(path: Path | None = None) -> dict[str, Any]:
    """The user config as plain dicts (``{}`` when the file is missing or empty).

    ``default_backend`` and the names under ``resources`` must be installed backends, and each
    backend's resources a mapping; otherwise one :class:`ConfigValidationError` line.
    """
    path = path or user_config_path()
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        return {}
    data = load_config(path).to_dict()
    _check_backend(str(data.get("default_backend", "local")), f"{path}: default_backend")
    res = data.get("resources", {}) or {}
    if not isinstance(res, dict):
        raise ConfigValidationError(
            [f"{path}: resources: expected a mapping, found {type(res).__name__}"]
        )
    for name, val in res.items():
        _check_backend(str(name), f"{path}: resources.{name}")
        if val is not None and not isinstance(val, dict):
            raise ConfigValidationError(
                [f"{path}: resources.{name}: expected a mapping, found {type(val).__name__}"]
            )
    return data
