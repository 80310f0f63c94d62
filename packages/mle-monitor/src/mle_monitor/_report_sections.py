"""The report's sections, in order: ``(order, name, "module:builder")``, one line each.

A builder takes a :class:`mle_monitor.report.ReportContext` and returns a
:class:`mle_monitor.report.Section`, a list of them, or None. Modules are imported only when a
report is built (figures need matplotlib). To add a section, add one line here (or call
:func:`mle_monitor.report.register_section`); a line with the name of an existing one replaces
it when registered at run time.
"""

from __future__ import annotations

SECTIONS: list[tuple[float, str, str]] = [
    (0, "summary", "mle_monitor._report_builtin:summary_section"),
    (10, "configurations", "mle_monitor._report_builtin:configurations_section"),
    (20, "comparison", "mle_monitor._report_builtin:comparison_section"),
    (30, "bad jobs", "mle_monitor._sections_report:failures_section"),
    (40, "learning curves", "mle_monitor._report_builtin:learning_curves_section"),
    (50, "search", "mle_monitor._report_builtin:search_section"),
    (51, "multi-fidelity", "mle_monitor._sections_fidelity:fidelity_section"),
    (52, "pareto front", "mle_monitor._pareto:pareto_section"),
    (55, "search analysis", "mle_monitor._sections_report:search_analysis_section"),
    (60, "timeline", "mle_monitor._sections_report:timeline_section"),
]
