"""The report sections of issue 13 B as pure functions over plain inputs, for any tool that
wants the figures without a report: a search's parallel coordinates, parameter importance
and score against each parameter; the failed and stopped jobs; the job timeline per host with
the compute used. Figures are PNG bytes drawn by matplotlib's Agg (``mle-monitor[report]``).

>>> from mle_monitor.sections import trials_from_folder, config_points, param_importance
>>> trials = trials_from_folder("experiments/20261202-050154_grid")  # doctest: +SKIP
>>> result = param_importance(config_points(trials))  # None below 8 scored configurations
>>> [(p.name, round(p.importance, 2)) for p in result.params]  # doctest: +SKIP

In ``mle report`` they are the sections "Failed and stopped jobs", "Search analysis" and
"Timeline" (:mod:`mle_monitor._sections_report`).
"""

from ._sections_search import (
    MIN_POINTS_IMPORTANCE,
    Importance,
    ParamImportance,
    importance_figure,
    parallel_coordinates,
    param_importance,
    score_vs_params,
)
from ._timeline import (
    ComputeUsage,
    Failure,
    HostUsage,
    compute_usage,
    failures,
    fmt_duration,
    timeline_figure,
)
from ._trials import (
    BAD_STATES,
    ConfigPoint,
    Trial,
    config_points,
    is_bad,
    params_key,
    points_from_results,
    trials_from_folder,
)

__all__ = [
    "BAD_STATES",
    "MIN_POINTS_IMPORTANCE",
    "ComputeUsage",
    "ConfigPoint",
    "Failure",
    "HostUsage",
    "Importance",
    "ParamImportance",
    "Trial",
    "compute_usage",
    "config_points",
    "failures",
    "fmt_duration",
    "importance_figure",
    "is_bad",
    "parallel_coordinates",
    "param_importance",
    "params_key",
    "points_from_results",
    "score_vs_params",
    "timeline_figure",
    "trials_from_folder",
]
