"""The jobs around an experiment's runs: ``pre_processing_args`` (one job before all runs) and
``post_processing_args`` (one after them), each given the experiment folder as ``-exp_dir``,
as in the original toolbox. They go through the experiment's queue (key ``pre_processing`` /
``post_processing``), so a resumed experiment follows one that runs and never runs a finished
one again. ``report_generation`` writes the report when the experiment ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from ._driver import Driver
    from ._layout import ExperimentDir

__all__ = ["results_and_report", "run_processing", "write_report"]


def run_processing(driver: Driver, section: str) -> str | None:
    """Run the job of ``section`` to its end (unless an earlier driver finished it). Returns
    None when it succeeded or there is none, else why it failed, with its stderr tail."""
    from mle_scheduler import JobState

    spec, queue = driver.make_spec.processing(section), driver.queue
    if spec is None or queue is None:
        return None
    key = section.removesuffix("_args")
    state = queue.final_state(key) if key in queue else None
    if state is JobState.DONE:
        return None
    if key not in queue:
        queue.submit(spec, key=key)
    elif state is not None:
        queue.requeue(key, spec=spec)
    driver.progress.line(f"{key}: {' '.join(spec.argv[1:])}", force=False)
    while True:
        driver._check_stop()
        for qj in queue.step(timeout=1.0):
            if qj.key != key:
                continue
            if qj.state is JobState.DONE:
                return None
            code = qj.result.exit_code if qj.result else None
            tail = qj.stderr_tail(12).strip()
            why = f"{key}: {qj.state.value} (exit code {code}); stderr: {spec.stderr_path}"
            return why + (f"\n    {tail.replace(chr(10), chr(10) + '    ')}" if tail else "")


def write_report(exp: ExperimentDir, out_dir: Path | None = None) -> str:
    """Write report.md, report.html and figures/ (``mle report``) in ``out_dir`` (default:
    the experiment's ``report/``), reading each run's log once; says where, in one line."""
    from mle_monitor.progress import progress_bar
    from mle_monitor.report import write_report as write

    with progress_bar("reading run logs") as update:
        paths = write(exp.root, out_dir or exp.report, progress=update)
    return paths.describe()


def results_and_report(exp: ExperimentDir, report: bool) -> tuple[dict[str, Any], str | None]:
    """The results document (``results.json``) and, when ``report``, the report written from
    the same pass over the runs (each log read once); the second item says where, or None."""
    from mle_monitor.report import DEFAULT_CURVES, build_report
    from mle_monitor.results import collect_results

    results = collect_results(exp.root, curves=DEFAULT_CURVES if report else 0)
    if not report:
        return results.document, None
    return results.document, build_report(results, exp.report, exp.root).describe()
