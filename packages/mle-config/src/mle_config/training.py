"""The training-script side: :func:`get_configs_ready` parses ``-config -seed -exp_dir``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ConfigFileNotFoundError, ConfigParseError
from .loading import read_file

__all__ = ["get_configs_ready", "load_train_config", "script_argv"]

SECTIONS = ("train_config", "net_config", "log_config")


def script_argv(
    script: str | Path,
    exp_dir: str | Path,
    *,
    config: str | Path | None = None,
    seed: int | None = None,
    extra: Mapping[str, Any] | None = None,
    python: str = sys.executable,
) -> list[str]:
    """The command that runs a training or processing script as the original toolbox did:
    ``python SCRIPT -config C -seed S -exp_dir D`` (``bash`` for a ``.sh`` script; a processing
    job has no config or seed), then ``extra_cmd_line_input`` as ``-key value``."""
    from .experiment import script_runner
    from .translate import extra_cmd_line_args

    argv = ["bash" if script_runner(script) == "bash" else python, str(script)]
    argv += [] if config is None else ["-config", str(config)]
    argv += [] if seed is None else ["-seed", str(seed)]
    return [*argv, "-exp_dir", str(exp_dir), *extra_cmd_line_args(extra)]


def _parser(
    default_config: str, default_seed: int, default_exp_dir: str
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run one training job of an mle experiment.")
    parser.add_argument(
        "-config",
        "--config",
        "-config_fname",
        "--config_fname",
        dest="config_fname",
        default=default_config,
        help="the .json training config (default: %(default)s)",
    )
    parser.add_argument(
        "-seed",
        "--seed",
        "-seed_id",
        "--seed_id",
        dest="seed_id",
        type=int,
        default=default_seed,
        help="the random seed (default: %(default)s)",
    )
    parser.add_argument(
        "-exp_dir",
        "--exp_dir",
        "-experiment_dir",
        "--experiment_dir",
        dest="experiment_dir",
        default=default_exp_dir,
        help="the folder to write logs to (default: %(default)s)",
    )
    return parser


def _find_default(name: str) -> Path:
    """A relative default config is looked for in the working directory, then beside the script."""
    path = Path(name)
    if path.is_absolute() or path.exists():
        return path
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main:
        beside = Path(main).resolve().parent / path
        if beside.exists():
            return beside
    return path


def load_train_config(path: str | Path) -> tuple[Config, Config, Config]:
    """Load a ``.json`` (or YAML) training config as ``(train_config, net_config, log_config)``.

    Missing sections are empty; a section that is not a mapping is an error.
    """
    raw = read_file(path)
    parts = []
    for section in SECTIONS:
        value = raw.data.get(section, {})
        if not isinstance(value, dict):
            raise ConfigParseError(
                f"{raw.where((section,))}: {section}: "
                f"expected a mapping, found {type(value).__name__}"
            )
        parts.append(Config(value))
    return parts[0], parts[1], parts[2]


def get_configs_ready(
    default_config_fname: str = "base_config.json",
    default_seed: int = 0,
    default_experiment_dir: str = "experiments/",
    argv: Sequence[str] | None = None,
) -> tuple[Config, Config, Config]:
    """Parse ``-config``, ``-seed``, ``-exp_dir`` and load the training config.

    Returns ``(train_config, net_config, log_config)``: ``train_config.seed_id`` is the seed, and
    ``log_config`` gains ``experiment_dir``, ``seed_id`` and ``config_fname`` so that
    ``DeepLogger(**log_config)`` works. With no arguments the defaults are used.
    """
    args = _parser(default_config_fname, default_seed, default_experiment_dir).parse_args(
        None if argv is None else list(argv)
    )
    config_path = (
        _find_default(args.config_fname)
        if args.config_fname == default_config_fname
        else Path(args.config_fname)
    )
    try:
        train, net, log = load_train_config(config_path)
    except ConfigFileNotFoundError as err:
        raise ConfigFileNotFoundError(f"{err} (the -config given to the training script)") from None
    train = train.with_updates(seed_id=args.seed_id)
    log = log.with_updates(
        experiment_dir=str(args.experiment_dir),
        seed_id=args.seed_id,
        config_fname=str(config_path),
    )
    return train, net, log
