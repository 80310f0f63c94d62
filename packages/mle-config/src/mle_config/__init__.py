"""mle-config: read, validate and override mle experiment and training configs.

>>> from mle_config import load_experiment, get_configs_ready
"""

from .__about__ import __version__
from .config import Config
from .errors import ConfigError, ConfigFileNotFoundError, ConfigParseError, ConfigValidationError
from .experiment import Experiment, load_experiment
from .loading import load_config
from .overrides import apply_overrides, parse_override
from .schema import (
    ACQ_FUNCTIONS,
    BACKENDS,
    BASE_ESTIMATORS,
    JOB_TYPES,
    PRIORS,
    PROBLEM_TYPES,
    SEARCH_TYPES,
)
from .training import get_configs_ready, load_train_config

__all__ = [
    "ACQ_FUNCTIONS",
    "BACKENDS",
    "BASE_ESTIMATORS",
    "JOB_TYPES",
    "PRIORS",
    "PROBLEM_TYPES",
    "SEARCH_TYPES",
    "Config",
    "ConfigError",
    "ConfigFileNotFoundError",
    "ConfigParseError",
    "ConfigValidationError",
    "Experiment",
    "__version__",
    "apply_overrides",
    "get_configs_ready",
    "load_config",
    "load_experiment",
    "load_train_config",
    "parse_override",
]
