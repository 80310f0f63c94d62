"""mle-logger: a light, crash-safe HDF5 logger for training scripts, with seed aggregation.

Training side: :class:`Logger` (``update``/``save``/``close``) and the seed-compatible
:class:`DeepLogger` (``update_log``/``save_log``). Reading side: :func:`load_log`,
:func:`aggregate_logs`, :func:`merge_logs`, :func:`score_log`, :func:`load_checkpoint`; the one
scoring rule for tools (:func:`score_series`, :func:`is_score`, :func:`summarize_scores`).
The reading side is imported on first use, so ``import mle_logger`` stays light on a compute node.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from ._deep_logger import DeepLogger
from ._layout import journal_path, log_path
from ._logger import Logger
from .errors import (
    EmptyLogError,
    LogArgumentError,
    LogBusyError,
    LogExistsError,
    LogFormatError,
    LoggerClosedError,
    LogNotFoundError,
    LogUpdateError,
    LogWriteError,
    LogWriteWarning,
    MissingDependencyError,
    MleLoggerError,
    NonFiniteScoreError,
    PickleRefusedError,
    ScoreError,
    UnknownKeyError,
    UnknownNameError,
    UnsupportedObjectError,
)

if TYPE_CHECKING:
    from ._aggregate import ScoreSummary, Summary, summarize, summarize_scores
    from ._artifacts import load_checkpoint, load_extra
    from ._follow import JournalFollower
    from ._legacy_load import load_meta_log, original_summary
    from ._legacy_logger import MLELogger
    from ._load import (
        AggregatedLog,
        SeedLog,
        SeedLogs,
        aggregate_logs,
        load_log,
        load_seed_logs,
    )
    from ._merge import fold_log, merge_logs
    from ._original_scores import OriginalScores, RunScores, score_original_folder
    from ._running import RunningSummary
    from ._scan import LogScan, scan_log
    from ._score import (
        NO_VALUE_REASON,
        NON_FINITE_REASON,
        PROBLEM_TYPES,
        ProblemType,
        is_score,
        score_log,
        score_objectives,
        score_series,
        score_with_reason,
    )
    from .repro import git_info, package_versions, write_reproducibility_record

_LAZY = {
    "ScoreSummary": "._aggregate",
    "Summary": "._aggregate",
    "summarize": "._aggregate",
    "summarize_scores": "._aggregate",
    "load_checkpoint": "._artifacts",
    "load_extra": "._artifacts",
    "JournalFollower": "._follow",
    "AggregatedLog": "._load",
    "SeedLog": "._load",
    "SeedLogs": "._load",
    "aggregate_logs": "._load",
    "load_log": "._load",
    "load_seed_logs": "._load",
    "load_meta_log": "._legacy_load",
    "original_summary": "._legacy_load",
    "MLELogger": "._legacy_logger",
    "merge_logs": "._merge",
    "OriginalScores": "._original_scores",
    "RunScores": "._original_scores",
    "score_original_folder": "._original_scores",
    "RunningSummary": "._running",
    "LogScan": "._scan",
    "scan_log": "._scan",
    "git_info": ".repro",
    "package_versions": ".repro",
    "write_reproducibility_record": ".repro",
    "fold_log": "._merge",
    "NO_VALUE_REASON": "._score",
    "NON_FINITE_REASON": "._score",
    "PROBLEM_TYPES": "._score",
    "ProblemType": "._score",
    "is_score": "._score",
    "score_log": "._score",
    "score_objectives": "._score",
    "score_series": "._score",
    "score_with_reason": "._score",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mle_logger' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "NON_FINITE_REASON",
    "NO_VALUE_REASON",
    "PROBLEM_TYPES",
    "AggregatedLog",
    "DeepLogger",
    "EmptyLogError",
    "JournalFollower",
    "LogArgumentError",
    "LogBusyError",
    "LogExistsError",
    "LogFormatError",
    "LogNotFoundError",
    "LogScan",
    "LogUpdateError",
    "LogWriteError",
    "LogWriteWarning",
    "Logger",
    "LoggerClosedError",
    "MLELogger",
    "MissingDependencyError",
    "MleLoggerError",
    "NonFiniteScoreError",
    "OriginalScores",
    "PickleRefusedError",
    "ProblemType",
    "RunScores",
    "RunningSummary",
    "ScoreError",
    "ScoreSummary",
    "SeedLog",
    "SeedLogs",
    "Summary",
    "UnknownKeyError",
    "UnknownNameError",
    "UnsupportedObjectError",
    "__version__",
    "aggregate_logs",
    "fold_log",
    "git_info",
    "is_score",
    "journal_path",
    "load_checkpoint",
    "load_extra",
    "load_log",
    "load_meta_log",
    "load_seed_logs",
    "log_path",
    "merge_logs",
    "original_summary",
    "package_versions",
    "scan_log",
    "score_log",
    "score_objectives",
    "score_original_folder",
    "score_series",
    "score_with_reason",
    "summarize",
    "summarize_scores",
    "write_reproducibility_record",
]
