"""Overrides from the CLI and path resolution against cwd, the YAML's folder and its parents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mle_config import ConfigValidationError, load_experiment, parse_override

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED_YAMLS = ["ode_multiple_experiments.yaml", "ode_grid_search.yaml", "ode_smbo_search.yaml"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a.b=1", 1),
        ("a=1e-3", 1e-3),
        ("a=0.5", 0.5),
        ("a=true", True),
        ("a=adam", "adam"),
        ("a=[1, 2]", [1, 2]),
        ("a=", ""),
        ("a=v1", "v1"),
        ("a='3'", "3"),
    ],
)
def test_override_values_parse_as_yaml_scalars(text: str, value: object) -> None:
    assert parse_override(text)[1] == value


@pytest.mark.parametrize("text", ["novalue", "=3", "a..b=1"])
def test_malformed_override(text: str) -> None:
    with pytest.raises(ConfigValidationError, match=r"key\.path=value"):
        parse_override(text)


@pytest.mark.parametrize("cwd", ["examples", "examples/ode"])
@pytest.mark.parametrize("name", SEED_YAMLS)
def test_seed_yamls_validate_from_both_folders(cwd: str, name: str) -> None:
    folder = EXAMPLES.parent / cwd
    exp = load_experiment(EXAMPLES / "ode" / name, cwd=folder)
    assert exp.train_script == EXAMPLES / "ode" / "run_ode_int.py"
    assert all(p.exists() for p in exp.config_files)
    assert exp.experiment_dir.is_relative_to(folder)


def test_seed_grid_defaults_and_overrides() -> None:
    exp = load_experiment(
        EXAMPLES / "ode" / "ode_grid_search.yaml",
        overrides=["param_search_args.num_search_batches=1", "single_job_args.num_logical_cores=1"],
        cwd=EXAMPLES,
    )
    search = exp.config.param_search_args
    assert search.num_search_batches == 1
    assert search.params_to_search.real.x_0.bins == 10
    assert exp.config.single_job_args.num_logical_cores == 1
    assert exp.raw.param_search_args.num_search_batches == 1
    assert exp.config.meta_job_args.max_retries == 0  # default filled in


def test_override_with_bad_value_names_the_override() -> None:
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(
            EXAMPLES / "ode" / "ode_grid_search.yaml",
            overrides=["param_search_args.search_type=gird"],
            cwd=EXAMPLES,
        )
    assert "(override -o param_search_args.search_type)" in str(info.value)
    assert "did you mean 'grid'" in str(info.value)


def test_override_of_misspelt_key_gets_did_you_mean() -> None:
    with pytest.raises(ConfigValidationError, match="did you mean 'num_seeds'"):
        load_experiment(
            EXAMPLES / "ode" / "ode_multiple_experiments.yaml",
            overrides=["multi_experiment_args.num_seed=3"],
            cwd=EXAMPLES,
        )


def test_override_through_a_scalar_is_an_error() -> None:
    with pytest.raises(ConfigValidationError, match=r"meta_job_args\.job_type: expected a mapping"):
        load_experiment(
            EXAMPLES / "ode" / "ode_multiple_experiments.yaml",
            overrides=["meta_job_args.job_type.x=3"],
            cwd=EXAMPLES,
        )


def test_missing_file_error_names_cwd_and_yaml_folder(tmp_path: Path) -> None:
    (tmp_path / "exps").mkdir()
    yaml_path = tmp_path / "exps" / "e.yaml"
    shutil.copy(EXAMPLES / "ode" / "ode_smbo_search.yaml", yaml_path)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(yaml_path, cwd=work)
    msg = str(info.value)
    assert f"{work}/run_ode_int.py" in msg
    assert f"{tmp_path}/exps/run_ode_int.py" in msg
