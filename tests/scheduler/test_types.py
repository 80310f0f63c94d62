"""Resources, JobSpec and JobResult: validation users see and JSON round trips state files use."""

from __future__ import annotations

import pytest
from mle_scheduler import (
    JobResult,
    JobSpec,
    JobSpecError,
    JobState,
    ResourceError,
    Resources,
    parse_time,
)


def test_unknown_resource_key_is_rejected_naming_the_allowed_ones() -> None:
    with pytest.raises(ResourceError) as err:
        Resources.from_dict({"num_logical_cores": 2, "n_cpus": 4}, where="single_job_args")
    msg = str(err.value)
    assert "single_job_args" in msg and "'n_cpus'" in msg
    assert "num_logical_cores" in msg and "time_per_job" in msg
    assert isinstance(err.value, ValueError)


def test_seed_style_single_job_args_map_to_resources() -> None:
    res = Resources.from_dict(
        {
            "num_logical_cores": 2,
            "num_gpus": 0,
            "env_name": "mle-toolbox",
            "partition": "gpu",
            "exclude_nodes": "node1,node2",
            "modules_to_load": ["cuda/11", "gcc"],
        }
    )
    assert res.num_logical_cores == 2 and res.env_name == "mle-toolbox"
    assert res.queue == "gpu"
    assert res.exclude_nodes == ("node1", "node2")
    assert res.modules_to_load == ("cuda/11", "gcc")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"num_logical_cores": "2"}, "num_logical_cores: expected an integer"),
        ({"num_logical_cores": 0}, "num_logical_cores: expected an integer >= 1"),
        ({"memory_per_job": -5}, "memory_per_job: expected MB"),
        ({"time_per_job": "90 minutes"}, "expected 'HH:MM:SS' or 'D-HH:MM:SS', found '90 minutes'"),
        ({"time_per_job": "0-00:00:00"}, "time_per_job: expected a duration > 0"),
        ({"extra_flags": "--qos=high"}, "extra_flags: expected a list"),
        ({"queue": "x", "partition": "y"}, "given twice"),
    ],
)
def test_bad_resource_values_name_key_expected_and_found(data: dict, fragment: str) -> None:
    with pytest.raises(ResourceError, match="resources"):
        Resources.from_dict(data)
    with pytest.raises(ResourceError) as err:
        Resources.from_dict(data)
    assert fragment in str(err.value)


def test_time_formats() -> None:
    assert parse_time("00:01:30") == 90
    assert parse_time("2-01:00:00") == 2 * 86400 + 3600
    assert Resources(time_per_job="1:00:00").time_limit_seconds == 3600
    with pytest.raises(ResourceError):
        parse_time("00:61:00")


def test_argv_must_be_a_list_not_a_shell_string(tmp_path) -> None:
    with pytest.raises(JobSpecError, match="no shell string"):
        JobSpec("python train.py", stdout=tmp_path / "o")  # type: ignore[arg-type]
    with pytest.raises(JobSpecError, match="env"):
        JobSpec(["true"], stdout=tmp_path / "o", env={"A": 1})  # type: ignore[dict-item]


def test_spec_and_result_round_trip_through_json_dicts(tmp_path) -> None:
    spec = JobSpec(
        ["python", "train.py", "-seed", "3"],
        stdout=tmp_path / "log",
        stderr=tmp_path / "err",
        cwd=tmp_path,
        env={"A": "b c"},
        resources=Resources(num_logical_cores=2, time_per_job="00:10:00", extra_flags=("-V",)),
    )
    assert JobSpec.from_dict(spec.to_dict()) == spec
    assert spec.status_path == tmp_path / "log.status.json"
    res = JobResult("7", JobState.FAILED, 3, 1.0, 2.0, tmp_path / "log", tmp_path / "err", "n1")
    assert JobResult.from_dict(res.to_dict()) == res


def test_job_states_final() -> None:
    assert not JobState.QUEUED.finished and not JobState.RUNNING.finished
    assert all(s.finished for s in JobState if s not in (JobState.QUEUED, JobState.RUNNING))
