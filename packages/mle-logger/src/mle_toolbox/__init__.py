"""The original mle-toolbox's training-script APIs, shipped by mle-logger so that scripts written
for any release run unchanged on a compute node that has only mle-logger installed.

- ``from mle_toolbox.utils import get_configs_ready, DeepLogger, set_random_seeds`` (seed era)
- ``from mle_toolbox import MLExperiment, MLE_Experiment, experiment`` (v0.2.6 to v0.3.4)

Importing this package is light: ``MLExperiment`` and friends load on first use, and nothing
imports torch, jax or matplotlib unless the script did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mle_logger import __version__

if TYPE_CHECKING:
    from ._experiment import MLE_Experiment, MLExperiment, experiment


def __getattr__(name: str) -> Any:
    if name in ("MLExperiment", "MLE_Experiment", "experiment"):
        from . import _experiment

        value = getattr(_experiment, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mle_toolbox' has no attribute {name!r}")


__all__ = ["MLE_Experiment", "MLExperiment", "__version__", "experiment"]
