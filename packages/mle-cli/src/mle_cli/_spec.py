"""The experiment spec moved to :mod:`mle_config.spec`; these names stay importable until
``_plan.py`` and ``_search.py`` import it from mle_config (see team request H2)."""

from mle_config import ExperimentSpec, check_backend
from mle_config import load_experiment_spec as load_spec

__all__ = ["ExperimentSpec", "check_backend", "load_spec"]
