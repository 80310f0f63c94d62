"""Load and validate an experiment YAML: :func:`load_experiment` and :class:`Experiment`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ConfigError, ConfigValidationError
from .loading import RawFile, read_file
from .overrides import apply_overrides
from .paths import resolve_path
from .schema import validate_experiment

__all__ = ["Experiment", "load_experiment"]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment.

    ``raw`` is the YAML as written (plus overrides); ``config`` has defaults filled in and every
    file path made absolute. The convenience attributes are taken from ``config``.
    """

    path: Path
    raw: Config
    config: Config
    overrides: tuple[str, ...] = ()
    train_script: Path = field(default=Path())
    base_config: Path | None = None
    config_files: tuple[Path, ...] = ()
    experiment_dir: Path = field(default=Path())

    @property
    def job_type(self) -> str:
        return str(self.config.meta_job_args.job_type)


def _resolve_file(
    raw: RawFile, problems: list[str], key_path: tuple[str, ...], name: str, cwd: Path, suffix: str
) -> Path | None:
    found, tried = resolve_path(name, raw.path, cwd)
    where = f"{raw.where(key_path)}: {'.'.join(key_path)}"
    if found is None:
        places = " or ".join(str(p) for p in tried[:2])
        problems.append(f"{where}: expected an existing file, found none at {places}")
        return None
    if not found.is_file():
        problems.append(f"{where}: expected a file, found a directory at {found}")
        return None
    if suffix and found.suffix.lower() != suffix:
        problems.append(f"{where}: expected a {suffix} file, found {found.name}")
        return None
    return found


def load_experiment(
    path: str | Path, overrides: Iterable[str] = (), cwd: str | Path | None = None
) -> Experiment:
    """Read, override and validate an experiment YAML; check that every file it names exists.

    Raises :class:`~mle_config.errors.ConfigValidationError` with every problem found, each as
    ``FILE:LINE: key.path: expected X, found Y``.
    """
    base = Path(cwd) if cwd is not None else Path(os.getcwd())
    raw = read_file(path)
    overrides = tuple(overrides)
    overridden = apply_overrides(raw.data, overrides)
    data, problems = validate_experiment(raw, overridden)
    meta: dict[str, Any] = data.get("meta_job_args", {})
    job_type = meta.get("job_type")

    script = None
    if "base_train_fname" in meta:
        script = _resolve_file(
            raw,
            problems,
            ("meta_job_args", "base_train_fname"),
            meta["base_train_fname"],
            base,
            ".py",
        )
        if script is not None:
            meta["base_train_fname"] = str(script)
    base_config = None
    if "base_train_config" in meta:
        base_config = _resolve_file(
            raw,
            problems,
            ("meta_job_args", "base_train_config"),
            meta["base_train_config"],
            base,
            ".json",
        )
        if base_config is not None:
            meta["base_train_config"] = str(base_config)
    config_files: list[Path] = []
    multi = data.get("multi_experiment_args")
    if job_type in ("multiple-experiments", "multiple-folds") and isinstance(multi, dict):
        names = multi.get("config_fnames")
        if names is None and base_config is not None:
            config_files = [base_config]
        for i, name in enumerate(names or ()):
            found = _resolve_file(
                raw,
                problems,
                ("multi_experiment_args", "config_fnames", str(i)),
                name,
                base,
                ".json",
            )
            if found is not None:
                config_files.append(found)
        if names is not None:
            multi["config_fnames"] = [str(p) for p in config_files]
    elif base_config is not None:
        config_files = [base_config]

    for config_file in config_files:  # a broken training config fails now, not in every job
        try:
            read_file(config_file)
        except ConfigError as err:
            problems.append(str(err))
    if problems:
        raise ConfigValidationError(problems)
    exp_dir = Path(meta.get("experiment_dir", "experiments/")).expanduser()
    if not exp_dir.is_absolute():
        exp_dir = base / exp_dir
    return Experiment(
        path=Path(path).resolve(),
        raw=Config(raw.data),
        config=Config(data),
        overrides=overrides,
        train_script=script or Path(),
        base_config=base_config,
        config_files=tuple(config_files),
        experiment_dir=exp_dir.resolve(),
    )
