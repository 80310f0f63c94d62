"""time_per_job is read as the original toolbox read it ("DD:HH:MM"), or in forms that cannot
be misread; zero is refused; the limit is shown as understood."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_config import (
    ConfigValidationError,
    DurationError,
    MleConfigError,
    format_duration,
    load_experiment,
    normalize_time_per_job,
    parse_duration,
    scheduler_time,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:30:00", 30 * 3600),  # the original's DD:HH:MM: 30 hours, not 30 minutes
        ("00:00:05", 5 * 60),  # 5 minutes, not 5 seconds
        ("01:12:00", 36 * 3600),
        ("1-00:00:30", 86400 + 30),  # Slurm's D-HH:MM:SS
        ("2-12", 60 * 3600),  # Slurm's D-HH
        ("0-01:30", 90 * 60),  # Slurm's D-HH:MM
        ("90m", 90 * 60),
        ("2h", 7200),
        ("1d12h", 36 * 3600),
        ("1h 30m", 90 * 60),
        ("45s", 45),
    ],
)
def test_accepted_forms(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(scheduler_time(seconds)) == seconds  # the canonical form round-trips


@pytest.mark.parametrize(
    "value", ["90", "1:30", "90 minutes", "", "h", "1.5h", 90, 1.5, True, None, "00:00:60"]
)
def test_ambiguous_or_malformed_forms_are_refused(value: object) -> None:
    with pytest.raises(DurationError, match="expected"):
        parse_duration(value)


@pytest.mark.parametrize("value", ["00:00:00", "0m", "0-00:00:00", "0s"])
def test_zero_is_refused(value: str) -> None:
    with pytest.raises(DurationError, match="above zero"):
        parse_duration(value)
    assert issubclass(DurationError, MleConfigError)


def test_scheduler_time_always_has_a_day_part() -> None:
    assert scheduler_time(5 * 60) == "0-00:05:00"
    assert scheduler_time(30 * 3600) == "1-06:00:00"
    assert normalize_time_per_job("00:30:00") == "1-06:00:00"


def test_format_shows_the_limit_as_understood() -> None:
    assert format_duration(30 * 3600) == "30h 0m"
    assert format_duration(5 * 60) == "0h 5m"
    assert format_duration(45) == "0h 0m 45s"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    return tmp_path


def _exp(project: Path, time_per_job: str) -> Path:
    path = project / "exp.yaml"
    path.write_text(
        "meta_job_args:\n  job_type: single-experiment\n  base_train_fname: train.py\n"
        "  base_train_config: config.json\n"
        f"single_job_args:\n  time_per_job: {time_per_job}\n"
    )
    return path


def test_experiment_time_per_job_is_canonical_and_recorded(project: Path) -> None:
    exp = load_experiment(_exp(project, "'00:30:00'"), cwd=project)
    assert exp.config.single_job_args.time_per_job == "1-06:00:00"
    assert any("30h 0m" in str(t) for t in exp.translations)


def test_unquoted_clock_reads_like_quoted(project: Path) -> None:
    # YAML 1.1 would read 1:30:00 as the base-60 integer 5400
    exp = load_experiment(_exp(project, "1:30:00"), cwd=project)
    assert exp.config.single_job_args.time_per_job == "2-06:00:00"


@pytest.mark.parametrize("value", ["0", "'00:00:00'", "'0m'"])
def test_experiment_time_per_job_zero_is_one_line(project: Path, value: str) -> None:
    path = _exp(project, value)
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=project)
    [line] = info.value.problems
    assert line.startswith(f"{path}:6: single_job_args.time_per_job: expected")
