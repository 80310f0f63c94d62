"""mle-search: search spaces and strategies (grid, random, coordinate, SMBO, Optuna's
samplers) with ask/tell, and an append-only JSON-lines hyper log to resume from.

>>> from mle_search import Space, make_strategy
>>> space = Space.from_config({"real": {"x_0": {"begin": 1, "end": 10, "bins": 10}}})
>>> strategy = make_strategy("grid", space, maximize=True)
>>> strategy.ask(2)
[{'train_config.x_0': 1.0}, {'train_config.x_0': 2.0}]
"""

from .__about__ import __version__
from ._args import loop_from_args, objectives_of, planned_runs, strategy_from_args
from ._asha import ASHASearch
from ._coordinate import CoordinateSearch
from ._factory import ENTRY_POINT_GROUP, STRATEGIES, available_strategies, make_strategy
from ._fidelity import FidelityStrategy, TrialRequest, added_budget
from ._grid import GridSearch
from ._halving import HyperbandSearch, SuccessiveHalvingSearch
from ._hyperlog import HyperLog, HyperLogRecord
from ._loop import SearchLoop
from ._optuna import MULTI_OBJECTIVE_SAMPLERS, SAMPLERS, OptunaSearch
from ._params import CategoricalParam, IntegerParam, Param, RealParam, canonical_name
from ._pareto import dominates, pareto_front
from ._pbt import PBTSearch
from ._random import RandomSearch
from ._results import Evaluation, SeedScore, aggregate_scores, aggregate_vectors
from ._smbo import ACQ_FUNCTIONS, BASE_ESTIMATORS, SMBOSearch
from ._space import Space, to_nested
from ._stopping import CONTINUE, STOP, ASHAPruner, Decision, MedianPruner, Pruner
from ._strategy import Strategy
from ._trial import Trial
from .errors import (
    MleSearchError,
    SearchConfigError,
    SearchDependencyError,
    SearchError,
    SearchInputError,
    SearchSpaceError,
    SearchStateError,
)

__all__ = [
    "ACQ_FUNCTIONS",
    "BASE_ESTIMATORS",
    "CONTINUE",
    "ENTRY_POINT_GROUP",
    "MULTI_OBJECTIVE_SAMPLERS",
    "SAMPLERS",
    "STOP",
    "STRATEGIES",
    "ASHAPruner",
    "ASHASearch",
    "CategoricalParam",
    "CoordinateSearch",
    "Decision",
    "Evaluation",
    "FidelityStrategy",
    "GridSearch",
    "HyperLog",
    "HyperLogRecord",
    "HyperbandSearch",
    "IntegerParam",
    "MedianPruner",
    "MleSearchError",
    "OptunaSearch",
    "PBTSearch",
    "Param",
    "Pruner",
    "RandomSearch",
    "RealParam",
    "SMBOSearch",
    "SearchConfigError",
    "SearchDependencyError",
    "SearchError",
    "SearchInputError",
    "SearchLoop",
    "SearchSpaceError",
    "SearchStateError",
    "SeedScore",
    "Space",
    "Strategy",
    "SuccessiveHalvingSearch",
    "Trial",
    "TrialRequest",
    "__version__",
    "added_budget",
    "aggregate_scores",
    "aggregate_vectors",
    "available_strategies",
    "canonical_name",
    "dominates",
    "loop_from_args",
    "make_strategy",
    "objectives_of",
    "pareto_front",
    "planned_runs",
    "strategy_from_args",
    "to_nested",
]
