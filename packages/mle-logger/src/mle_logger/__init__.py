"""mle-logger: a light, crash-safe HDF5 logger for training scripts, with seed aggregation.

Training side: :class:`Logger` (``update``/``save``/``close``) and the seed-compatible
:class:`DeepLogger` (``update_log``/``save_log``). Reading side: :func:`load_log`,
:func:`aggregate_logs`, :func:`merge_logs`, :func:`score_log`.
"""

from .__about__ import __version__
from ._aggregate import Summary
from ._artifacts import load_checkpoint, load_extra
from ._deep_logger import DeepLogger
from ._layout import journal_path, log_path
from ._load import AggregatedLog, SeedLog, SeedLogs, aggregate_logs, load_log, load_seed_logs
from ._logger import Logger
from ._merge import merge_logs
from ._score import score_log
from .errors import (
    EmptyLogError,
    LogExistsError,
    LogFormatError,
    LoggerClosedError,
    LogNotFoundError,
    LogUpdateError,
    LogWriteError,
    LogWriteWarning,
    MissingDependencyError,
    MleLoggerError,
    PickleRefusedError,
    UnknownKeyError,
    UnsupportedObjectError,
)

__all__ = [
    "AggregatedLog",
    "DeepLogger",
    "EmptyLogError",
    "LogExistsError",
    "LogFormatError",
    "LogNotFoundError",
    "LogUpdateError",
    "LogWriteError",
    "LogWriteWarning",
    "Logger",
    "LoggerClosedError",
    "MissingDependencyError",
    "MleLoggerError",
    "PickleRefusedError",
    "SeedLog",
    "SeedLogs",
    "Summary",
    "UnknownKeyError",
    "UnsupportedObjectError",
    "__version__",
    "aggregate_logs",
    "journal_path",
    "load_checkpoint",
    "load_extra",
    "load_log",
    "load_seed_logs",
    "log_path",
    "merge_logs",
    "score_log",
]
