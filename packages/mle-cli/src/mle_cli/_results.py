"""``mle results``'s document and table live in :mod:`mle_monitor.results`; these are the
names the rest of the CLI still imports (the driver's end-of-run summary)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mle_monitor.results import fmt_params

if TYPE_CHECKING:
    from ._layout import ExperimentDir

__all__ = ["compute_results", "fmt_params"]


def compute_results(exp: ExperimentDir, metric: str | None = None) -> dict[str, Any]:
    """The results document of an experiment (``mle results --json``, ``results.json``)."""
    from mle_monitor.results import compute_results as compute

    return compute(exp.root, metric)
