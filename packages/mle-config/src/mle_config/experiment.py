"""Load and validate an experiment YAML: :func:`load_experiment` and :class:`Experiment`.

Loading reads the file (bounded, see :mod:`mle_config._yaml`), applies ``-o`` overrides,
translates the original toolbox's spellings into the canonical schema
(:mod:`mle_config.translate`), validates, and checks that every file it names exists.
"""

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
from .schema import check_experiment
from .translate import Translation, translate

SCRIPT_SUFFIXES = (".py", ".sh")


def script_runner(script: str | os.PathLike[str]) -> str:
    """How a training or processing script is run: ``"bash"`` for ``.sh`` (as the original
    did, with the same arguments), else ``"python"``."""
    return "bash" if Path(script).suffix.lower() == ".sh" else "python"


CONFIG_SUFFIXES = (".json", ".yaml", ".yml")

__all__ = ["Experiment", "load_experiment", "script_runner"]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment.

    ``raw`` is the YAML as written (plus overrides); ``config`` is the canonical form (older
    and newer spellings translated, defaults filled in, every file path made absolute);
    ``translations`` lists what was read differently from how it was written (for
    ``--dry-run --verbose``). The convenience attributes are taken from ``config``.
    ``train_script`` may be a ``.sh`` script (run it with ``bash``, same arguments);
    ``pre_processing_script`` / ``post_processing_script`` are the scripts of the jobs that run
    before and after all runs (``pre_processing_args`` / ``post_processing_args``).
    """

    path: Path
    raw: Config
    config: Config
    overrides: tuple[str, ...] = ()
    train_script: Path = field(default=Path())
    base_config: Path | None = None
    config_files: tuple[Path, ...] = ()
    experiment_dir: Path = field(default=Path())
    translations: tuple[Translation, ...] = ()
    pre_processing_script: Path | None = None
    post_processing_script: Path | None = None

    @property
    def job_type(self) -> str:
        return str(self.config.meta_job_args.job_type)

    @property
    def canonical(self) -> dict[str, Any]:
        """The translated, validated experiment as plain data (what ``--dry-run --verbose``
        shows)."""
        return self.config.to_dict()

    @property
    def script_runner(self) -> str:
        """``"bash"`` for a ``.sh`` training script, else ``"python"``."""
        return script_runner(self.train_script)


def _resolve_file(
    raw: RawFile,
    problems: list[str],
    key_path: tuple[str, ...],
    name: str,
    cwd: Path,
    suffixes: tuple[str, ...],
    aliases: dict[tuple[str, ...], tuple[str, ...]] | None = None,
) -> Path | None:
    found, tried = resolve_path(name, raw.path, cwd)
    for n in range(len(key_path), 0, -1):  # name the key as written, before translation
        if aliases and key_path[:n] in aliases:
            key_path = aliases[key_path[:n]] + key_path[n:]
            break
    where = f"{raw.where(key_path)}: {'.'.join(key_path)}"
    if found is None:
        places = " or ".join(str(p) for p in tried[:2])
        problems.append(f"{where}: expected an existing file, found none at {places}")
        return None
    if not found.is_file():
        problems.append(f"{where}: expected a file, found a directory at {found}")
        return None
    if found.suffix.lower() not in suffixes:
        if suffixes == SCRIPT_SUFFIXES:
            expected = "a .py file (or a .sh script)"
        else:
            expected = "a .json or .yaml training config"
        problems.append(f"{where}: expected {expected}, found {found.name}")
        return None
    return found


def load_experiment(
    path: str | Path,
    overrides: Iterable[str] = (),
    cwd: str | Path | None = None,
    *,
    backend: str | None = None,
) -> Experiment:
    """Read, override, translate and validate an experiment YAML; check the files it names.

    ``backend`` is the backend the caller resolved (``--backend``, user config); checks that
    depend on it (``modules_to_load`` on the local backend) run only when it, or
    ``meta_job_args.backend``, is known. Raises
    :class:`~mle_config.errors.ConfigValidationError` with every problem found, each as
    ``FILE:LINE: key.path: expected X, found Y``.
    """
    base = Path(cwd) if cwd is not None else Path(os.getcwd())
    raw = read_file(path)
    overrides = tuple(overrides)
    overridden = apply_overrides(raw.data, overrides)
    moved = translate(raw.data)
    aliases = moved.aliases
    checked = check_experiment(raw, overridden, data=moved.data, aliases=aliases, backend=backend)
    problems = [_refusal(raw, overridden, kp, msg) for kp, msg in moved.problems]
    refused = {p.split(": expected", 1)[0] for p in problems}  # one line per key
    problems += [p for p in checked.problems if p.split(": expected", 1)[0] not in refused]
    data = checked.data
    meta: dict[str, Any] = data.get("meta_job_args", {})
    job_type = meta.get("job_type")

    def resolve(key_path: tuple[str, ...], name: str, suffixes: tuple[str, ...]) -> Path | None:
        return _resolve_file(raw, problems, key_path, name, base, suffixes, aliases)

    script = None
    if "base_train_fname" in meta:
        script = resolve(
            ("meta_job_args", "base_train_fname"), meta["base_train_fname"], SCRIPT_SUFFIXES
        )
        if script is not None:
            meta["base_train_fname"] = str(script)
    base_config = None
    if "base_train_config" in meta:
        base_config = resolve(
            ("meta_job_args", "base_train_config"), meta["base_train_config"], CONFIG_SUFFIXES
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
            found = resolve(
                ("multi_experiment_args", "config_fnames", str(i)), name, CONFIG_SUFFIXES
            )
            if found is not None:
                config_files.append(found)
        if names is not None:
            multi["config_fnames"] = [str(p) for p in config_files]
    elif base_config is not None:
        config_files = [base_config]
    processing: dict[str, Path | None] = {}
    for section in ("pre_processing_args", "post_processing_args"):
        block = data.get(section)
        found = None
        if isinstance(block, dict) and "processing_fname" in block:
            found = resolve(
                (section, "processing_fname"), block["processing_fname"], SCRIPT_SUFFIXES
            )
            if found is not None:
                block["processing_fname"] = str(found)
        processing[section] = found

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
        translations=tuple(moved.translations + checked.translations),
        pre_processing_script=processing.get("pre_processing_args"),
        post_processing_script=processing.get("post_processing_args"),
    )


def _refusal(
    raw: RawFile, overridden: set[tuple[str, ...]], key_path: tuple[str, ...], message: str
) -> str:
    where = raw.where(key_path)
    for kp in overridden:
        if key_path[: len(kp)] == kp:
            where = f"{raw.path} (override -o {'.'.join(kp)})"
    return f"{where}: {'.'.join(key_path)}: {message}"
