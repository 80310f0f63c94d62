"""The user config file written by ``mle init`` and read by ``mle run``.

It sets the default backend and default job resources per backend; the experiment YAML's
``single_job_args`` win over these defaults, and ``--backend`` wins over everything.
Location: ``$MLE_USER_CONFIG`` if set, else ``$XDG_CONFIG_HOME/mle/config.yaml``
(``~/.config/mle/config.yaml``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._layout import atomic_write_text
from ._spec import check_backend
from .errors import UsageError

TEMPLATE = """\
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
    """Where the user config lives."""
    env = os.environ.get("MLE_USER_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mle" / "config.yaml"


def write_user_config(
    path: Path,
    backend: str = "local",
    queue: str | None = None,
    partition: str | None = None,
    force: bool = False,
) -> Path:
    """Write a commented user config; refuses to overwrite an existing file unless ``force``."""
    check_backend(backend, "--backend")
    if path.exists() and not force:
        raise UsageError(f"{path}: exists already (use --force to overwrite it)")
    text = TEMPLATE.format(
        backend=backend,
        sge_queue=f"    queue: {queue}" if queue else "    # queue: all.q",
        slurm_partition=f"    partition: {partition}" if partition else "    # partition: debug",
    )
    atomic_write_text(path, text)
    return path


def read_user_config(path: Path | None = None) -> dict[str, Any]:
    """The user config as a dict ({} when there is none); bad content is a UsageError."""
    path = path or user_config_path()
    if not path.is_file():
        return {}
    if not path.read_text(encoding="utf-8").strip():
        return {}
    from mle_config import load_config  # one-line errors with the line; bounded YAML work

    data = load_config(path).to_dict()
    check_backend(str(data.get("default_backend", "local")), f"{path}: default_backend")
    res = data.get("resources", {}) or {}
    if not isinstance(res, dict):
        raise UsageError(f"{path}: resources: expected a mapping, found {type(res).__name__}")
    for name, val in res.items():
        check_backend(str(name), f"{path}: resources.{name}")
        if val is not None and not isinstance(val, dict):
            raise UsageError(
                f"{path}: resources.{name}: expected a mapping, found {type(val).__name__}"
            )
    return data
