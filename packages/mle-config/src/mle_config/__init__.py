"""mle-config: read, validate and override mle experiment and training configs.

>>> from mle_config import load_experiment, get_configs_ready
"""

from .__about__ import __version__
from ._limits import MAX_DEPTH, MAX_NODES
from .config import Config
from .durations import (
    DurationError,
    format_duration,
    normalize_time_per_job,
    parse_duration,
    scheduler_time,
)
from .errors import (
    ConfigError,
    ConfigFileExistsError,
    ConfigFileNotFoundError,
    ConfigParseError,
    ConfigValidationError,
    MleConfigError,
)
from .experiment import Experiment, load_experiment, script_runner
from .files import atomic_write_text
from .folder import ExperimentFolder, new_experiment_root, newest_experiment
from .layout import hyper_log_name
from .loading import load_config
from .overrides import apply_overrides, parse_override
from .plan import (
    PlannedJob,
    config_updates,
    plan_proposal_jobs,
    plan_static_jobs,
    proposal_job_id,
    seeds_for,
)
from .plugins import available_backends, available_search_types, installed_plugins
from .schema import (
    ACQ_FUNCTIONS,
    AGGREGATE_SEEDS,
    BACKENDS,
    BASE_ESTIMATORS,
    JOB_TYPES,
    PRIORS,
    PROBLEM_TYPES,
    SEARCH_TYPES,
    module_command_available,
)
from .spec import ExperimentSpec, check_backend, load_experiment_spec
from .strict_json import json_safe, strict_dumps, write_json
from .training import get_configs_ready, load_train_config, script_argv
from .translate import Translation, extra_cmd_line_args
from .userconfig import USER_CONFIG_TEMPLATE, read_user_config, user_config_path, write_user_config

__all__ = [
    "ACQ_FUNCTIONS",
    "AGGREGATE_SEEDS",
    "BACKENDS",
    "BASE_ESTIMATORS",
    "JOB_TYPES",
    "MAX_DEPTH",
    "MAX_NODES",
    "PRIORS",
    "PROBLEM_TYPES",
    "SEARCH_TYPES",
    "USER_CONFIG_TEMPLATE",
    "Config",
    "ConfigError",
    "ConfigFileExistsError",
    "ConfigFileNotFoundError",
    "ConfigParseError",
    "ConfigValidationError",
    "DurationError",
    "Experiment",
    "ExperimentFolder",
    "ExperimentSpec",
    "MleConfigError",
    "PlannedJob",
    "Translation",
    "__version__",
    "apply_overrides",
    "atomic_write_text",
    "available_backends",
    "available_search_types",
    "check_backend",
    "config_updates",
    "extra_cmd_line_args",
    "format_duration",
    "get_configs_ready",
    "hyper_log_name",
    "installed_plugins",
    "json_safe",
    "load_config",
    "load_experiment",
    "load_experiment_spec",
    "load_train_config",
    "module_command_available",
    "new_experiment_root",
    "newest_experiment",
    "normalize_time_per_job",
    "parse_duration",
    "parse_override",
    "plan_proposal_jobs",
    "plan_static_jobs",
    "proposal_job_id",
    "read_user_config",
    "scheduler_time",
    "script_argv",
    "script_runner",
    "seeds_for",
    "strict_dumps",
    "user_config_path",
    "write_json",
    "write_user_config",
]
