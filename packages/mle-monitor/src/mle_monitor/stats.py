"""Seed statistics for reports: Welch's t-test and the Mann-Whitney U rank test between the
best configuration and each other one, and the "statistically tied with the best" decision
(see :func:`compare_to_best` for the rule and the alpha)."""

from ._stats import (
    DEFAULT_ALPHA,
    Comparison,
    TestResult,
    compare_to_best,
    mann_whitney_u,
    scores_by_config,
    welch_t_test,
)

__all__ = [
    "DEFAULT_ALPHA",
    "Comparison",
    "TestResult",
    "compare_to_best",
    "mann_whitney_u",
    "scores_by_config",
    "welch_t_test",
]
