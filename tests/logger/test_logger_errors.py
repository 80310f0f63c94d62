"""A user mistake is one line and a package error (MleLoggerError), never a bare builtin error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mle_logger import (
    LogArgumentError,
    Logger,
    MleLoggerError,
    UnknownNameError,
    aggregate_logs,
    fold_log,
    load_log,
    log_path,
    merge_logs,
    score_log,
    summarize,
)


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    with Logger(tmp_path / "run") as log:
        log.update(time={"step": 1}, stats={"x": 1.0})
    return tmp_path / "run"


MISTAKES: dict[str, Callable[[Path, Path], Any]] = {
    "Logger(None)": lambda tmp, run: Logger(None),  # type: ignore[arg-type]
    "time_keys=5": lambda tmp, run: Logger(tmp / "a", time_keys=5),  # type: ignore[arg-type]
    "config_fname=3": lambda tmp, run: Logger(tmp / "b", config_fname=3),  # type: ignore[arg-type]
    "tboard_fname=3": lambda tmp, run: Logger(tmp / "c", tboard_fname=3),  # type: ignore[arg-type]
    "what_to_print='x'": lambda tmp, run: Logger(tmp / "d", what_to_print="x"),
    "update(time=[1])": lambda tmp, run: Logger(tmp / "e").update(time=[1]),  # type: ignore[arg-type]
    "update(stats={'a': 'x'})": lambda tmp, run: Logger(tmp / "f").update(stats={"a": "x"}),
    "load_log(None)": lambda tmp, run: load_log(None),  # type: ignore[arg-type]
    "percentiles=[150]": lambda tmp, run: load_log(run, aggregate=True, percentiles=[150]),
    "stats['nope']": lambda tmp, run: load_log(run).stats["nope"],
    "score_log(None)": lambda tmp, run: score_log(None, "x"),  # type: ignore[arg-type]
    "score_log(metric=3)": lambda tmp, run: score_log(load_log(run), 3),  # type: ignore[arg-type]
    "score_log('last')": lambda tmp, run: score_log(load_log(run), "x", "last"),
    "aggregate_logs([1])": lambda tmp, run: aggregate_logs([1]),  # type: ignore[list-item]
    "merge_logs(out=3)": lambda tmp, run: merge_logs(run, 3),  # type: ignore[arg-type]
    "fold_log(None)": lambda tmp, run: fold_log(None),  # type: ignore[arg-type]
    "summarize(['a'])": lambda tmp, run: summarize(["a"]),  # type: ignore[list-item]
    "log_path(None, 0)": lambda tmp, run: log_path(None, 0),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_user_mistakes_raise_one_package_error(mistake: str, tmp_path: Path, logged: Path) -> None:
    with pytest.raises(MleLoggerError) as info:
        MISTAKES[mistake](tmp_path, logged)
    assert "\n" not in str(info.value)


def test_argument_errors_are_also_the_builtins_callers_caught_before(logged: Path) -> None:
    assert issubclass(LogArgumentError, TypeError) and issubclass(LogArgumentError, ValueError)
    with pytest.raises(KeyError, match="did you mean 'x'"):  # Mapping semantics kept
        load_log(logged).stats["xx"]
    assert issubclass(UnknownNameError, KeyError)
    assert str(UnknownNameError("no stat 'a'")) == "no stat 'a'"  # not the repr KeyError prints
    assert load_log(logged).stats.get("nope") is None
