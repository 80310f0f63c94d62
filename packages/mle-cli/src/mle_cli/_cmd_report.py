"""``mle report``: Markdown + PNG figures + self-contained HTML."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._cmd_inspect import find_experiment
from ._logs import RunLog, read_run
from ._report import build_report
from ._results import compute_results


def cmd_report(args: argparse.Namespace) -> int:
    exp = find_experiment(args.experiment_dir)
    doc = compute_results(exp)
    logs: dict[str, RunLog] = {}
    for job in doc["jobs"]:
        if job["state"] == "done":
            log = read_run(Path(job["run_dir"]))
            if log is not None:
                logs[job["job_id"]] = log
    out = Path(args.out_dir) if args.out_dir else exp.report
    paths = build_report(doc, logs, out)
    print(f"wrote {paths['markdown']} and {paths['html']} (figures in {paths['figures']})")
    return 0
