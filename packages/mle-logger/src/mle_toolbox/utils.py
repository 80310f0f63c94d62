"""The original toolbox's training-side helpers: ``get_configs_ready``, ``DeepLogger``,
``set_random_seeds`` (and ``MLE_Logger``/``MLELogger``, the later releases' log objects)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mle_logger import DeepLogger

from ._seeding import device_name, get_os_env_ready, set_random_seeds

if TYPE_CHECKING:
    from mle_config import Config
    from mle_logger import MLELogger
    from mle_logger import MLELogger as MLE_Logger


def get_configs_ready(
    default_config_fname: str | int = "base_config.json",
    default_seed: int | str = 0,
    default_experiment_dir: str = "experiments/",
    argv: Sequence[str] | None = None,
) -> tuple[Config, Config, Config]:
    """Parse ``-config -seed -exp_dir`` and load ``(train_config, net_config, log_config)``.

    As the original did, ``train_config.device_name`` is added (``"cuda"`` when torch sees a
    GPU, else ``"cpu"``) unless the config sets it; ``log_config`` gains ``experiment_dir``,
    ``seed_id`` and ``config_fname`` for ``DeepLogger(**log_config)``.
    """
    from mle_config import get_configs_ready as _load

    fname, seed = default_config_fname, default_seed
    if isinstance(fname, int):  # the seed era's order was (default_seed, default_config_fname)
        fname, seed = (seed if isinstance(seed, str) else "base_config.json"), fname
    if isinstance(seed, str):
        seed = int(seed) if seed.lstrip("-").isdigit() else 0
    train, net, log = _load(fname, seed, default_experiment_dir, argv)
    if train.get("device_name") is None:
        train = train.with_updates(device_name=device_name())
    return train, net, log


def __getattr__(name: str) -> object:
    if name in ("MLELogger", "MLE_Logger"):
        from mle_logger._legacy_logger import MLELogger

        return MLELogger
    raise AttributeError(f"module 'mle_toolbox.utils' has no attribute {name!r}")


__all__ = [
    "DeepLogger",
    "MLELogger",
    "MLE_Logger",
    "get_configs_ready",
    "get_os_env_ready",
    "set_random_seeds",
]
