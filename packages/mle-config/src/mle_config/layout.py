"""The names of the files ``mle`` writes: one place, shared by the CLI (which writes them) and
the schema (which keeps user-chosen names from colliding with them).

Experiment folder ``<experiment_dir>/<YYYYmmdd-HHMMSS>_<name>/``::

    mle-experiment.json       what this folder is: job type, backend, command, cwd, yaml paths
    experiment.yaml           verbatim copy of the experiment YAML
    experiment.resolved.json  the validated experiment config (overrides applied)
    configs/<key>.json        every resolved training config a job receives
    jobs.jsonl                the job table, append-only
    queue-state.jsonl         index: job key -> backend id, attempt, job spec (append-only)
    events.jsonl              queue events (submitted, running, retrying, final), append-only
    hyper_log.jsonl           searches: one line per evaluated proposal (name configurable)
    reproducibility.json      git commit, python, packages, host, exact command
    git.diff                  uncommitted changes at launch
    runs/<job_id>/            one run folder per job (its -exp_dir)
    attempts/                 earlier attempts' run folders, moved aside
    results.json              scores, written at the end
    report/                   ``mle report`` output
    driver.log                output of a detached driver
    driver.lock               held by the running driver
    .cancel-requested         flag file ``mle cancel`` leaves for the driver

Run folder ``runs/<job_id>/``: the job's stdout/stderr files (``single_job_args.log_file`` /
``err_file``), ``job-status.json``, and the logger's ``logs/``, ``models/``, ``figures/``,
``extra/``, ``tboards/``.
"""

from __future__ import annotations

import re
from pathlib import PurePath

__all__ = [
    "ATTEMPTS_DIR",
    "CANCEL_FLAG",
    "CONFIGS_DIR",
    "DRIVER_LOCK",
    "DRIVER_LOG",
    "EVENTS_LOG",
    "EXPERIMENT_MARKER",
    "EXPERIMENT_RESERVED",
    "EXPERIMENT_YAML",
    "GIT_DIFF",
    "HYPER_LOG",
    "JOBS_TABLE",
    "QUEUE_STATE",
    "REPORT_DIR",
    "REPRO_RECORD",
    "RESOLVED_CONFIG",
    "RESULTS",
    "RUNS_DIR",
    "RUN_RESERVED",
    "RUN_STATUS_FILE",
    "hyper_log_name",
    "plain_name_problem",
    "reserved_in_experiment",
    "reserved_in_run",
]

EXPERIMENT_MARKER = "mle-experiment.json"
EXPERIMENT_YAML = "experiment.yaml"
RESOLVED_CONFIG = "experiment.resolved.json"
CONFIGS_DIR = "configs"
JOBS_TABLE = "jobs.jsonl"
QUEUE_STATE = "queue-state.jsonl"
EVENTS_LOG = "events.jsonl"
HYPER_LOG = "hyper_log.jsonl"
REPRO_RECORD = "reproducibility.json"
GIT_DIFF = "git.diff"
RUNS_DIR = "runs"
ATTEMPTS_DIR = "attempts"
RESULTS = "results.json"
REPORT_DIR = "report"
DRIVER_LOG = "driver.log"
DRIVER_LOCK = "driver.lock"
CANCEL_FLAG = ".cancel-requested"

#: every name the toolbox itself owns in an experiment folder (the hyper log's default name is
#: the one a search may use)
EXPERIMENT_RESERVED: frozenset[str] = frozenset(
    {
        EXPERIMENT_MARKER,
        EXPERIMENT_YAML,
        RESOLVED_CONFIG,
        CONFIGS_DIR,
        JOBS_TABLE,
        QUEUE_STATE,
        EVENTS_LOG,
        REPRO_RECORD,
        GIT_DIFF,
        RUNS_DIR,
        ATTEMPTS_DIR,
        RESULTS,
        REPORT_DIR,
        DRIVER_LOG,
        DRIVER_LOCK,
        CANCEL_FLAG,
    }
)

RUN_STATUS_FILE = "job-status.json"
#: names the logger and the job wrapper use inside a run folder
RUN_RESERVED: frozenset[str] = frozenset(
    {RUN_STATUS_FILE, "logs", "models", "figures", "extra", "tboards", "merged_logs.hdf5"}
)
_RUN_RESERVED_PATTERNS = (
    re.compile(r"^seed_-?\d+\.(hdf5|journal)$"),
    re.compile(r"\.(status\.json|job\.sh|journal)$"),
    re.compile(r"^mle-array-"),
)


def _stem(name: str) -> str:
    return name.split(".", 1)[0].lower()


def hyper_log_name(hyperlog_fname: str) -> str:
    """The file a search's hyper log is written to: the base name, with any suffix other than
    ``.jsonl`` (the seed's ``hyper_log.pkl``) replaced by ``.jsonl``."""
    name = PurePath(hyperlog_fname).name
    if not name.endswith(".jsonl"):
        name = PurePath(name).stem + ".jsonl"
    return name


def plain_name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain file name (``None`` when it is one): no folder parts, no
    ``..``, not absolute, not empty, no control characters."""
    if not name or not name.strip():
        return "a non-empty file name"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "a file name without control characters"
    if "/" in name or "\\" in name or name in (".", ".."):
        return "a plain file name (no folders, no '..', not absolute)"
    return None


def reserved_in_experiment(name: str) -> bool:
    """True when ``name`` (or the hyper log file it becomes) is, or shares its stem with, a
    file the toolbox keeps in the experiment folder (``jobs.pkl`` would become ``jobs.jsonl``)."""
    stems = {_stem(n) for n in EXPERIMENT_RESERVED}
    return (
        name in EXPERIMENT_RESERVED
        or hyper_log_name(name) in EXPERIMENT_RESERVED
        or _stem(name) in stems
        or name.startswith(".")
    )


def reserved_in_run(name: str) -> bool:
    """True when ``name`` is one the logger or the job wrapper writes inside a run folder."""
    return name in RUN_RESERVED or any(p.search(name) for p in _RUN_RESERVED_PATTERNS)
