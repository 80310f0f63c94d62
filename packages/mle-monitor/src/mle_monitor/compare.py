"""``mle compare``: the same configurations across experiments, matched by their parameters,
each experiment's seed scores tested against the first's (Welch's t); see
:mod:`mle_monitor._compare` for the rule.

>>> from mle_monitor.compare import ExperimentSide, compare_experiments, write_comparison
>>> from mle_monitor.sections import trials_from_folder
>>> sides = [ExperimentSide(f, trials_from_folder(f), "acc", True) for f in ("v1", "v2")]
>>> paths = write_comparison(compare_experiments(sides), "cmp")  # doctest: +SKIP
"""

from ._compare import (
    CompareCell,
    CompareRow,
    ExperimentComparison,
    ExperimentSide,
    best_curves_figure,
    compare_experiments,
    compare_figure,
    compare_html,
    compare_markdown,
    comparison_json,
    comparison_sections,
    summary_rows,
    table_rows,
    verdict,
    write_comparison,
)

__all__ = [
    "CompareCell",
    "CompareRow",
    "ExperimentComparison",
    "ExperimentSide",
    "best_curves_figure",
    "compare_experiments",
    "compare_figure",
    "compare_html",
    "compare_markdown",
    "comparison_json",
    "comparison_sections",
    "summary_rows",
    "table_rows",
    "verdict",
    "write_comparison",
]
