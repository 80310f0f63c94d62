"""search_type optuna: optuna_config is schema-checked (sampler with did-you-mean)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_config import SEARCH_TYPES, ConfigValidationError, available_search_types, load_experiment

PARAMS = "  params_to_search:\n    real:\n      lr: {begin: 1e-5, end: 1e-2, prior: log-uniform}\n"


def _yaml(extra: str, search_type: str = "optuna") -> str:
    return (
        "meta_job_args:\n  job_type: hyperparameter-search\n  base_train_fname: train.py\n"
        "  base_train_config: config.json\n"
        f"param_search_args:\n  search_type: {search_type}\n  eval_score_type: loss\n"
        f"{extra}{PARAMS}"
    )


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "train.py").write_text("")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    return load_experiment(path, cwd=tmp_path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigValidationError) as info:
        _load(tmp_path, text)
    return list(info.value.problems)


def test_optuna_is_a_search_type_with_a_default_sampler(tmp_path: Path) -> None:
    assert "optuna" in SEARCH_TYPES and "optuna" in available_search_types()
    exp = _load(tmp_path, _yaml(""))
    search = exp.config["param_search_args"]
    assert search["search_type"] == "optuna"
    assert search["optuna_config"] == {"sampler": "tpe"}
    exp = _load(
        tmp_path,
        _yaml("  optuna_config:\n    sampler: cmaes\n    sampler_kwargs: {popsize: 8}\n"),
    )
    assert exp.config["param_search_args"]["optuna_config"] == {
        "sampler": "cmaes",
        "sampler_kwargs": {"popsize": 8},
    }


def test_a_misspelt_sampler_or_key_is_one_line_with_a_suggestion(tmp_path: Path) -> None:
    (line,) = _problems(tmp_path, _yaml("  optuna_config:\n    sampler: tpee\n"))
    assert "param_search_args.optuna_config.sampler" in line
    assert "expected one of tpe, cmaes, gp, qmc, nsgaii, random" in line
    assert "did you mean 'tpe'?" in line
    (line,) = _problems(tmp_path, _yaml("  optuna_config:\n    samplr: gp\n"))
    assert "unknown key 'samplr' (did you mean 'sampler'?)" in line
    (line,) = _problems(tmp_path, _yaml("  optuna_config: tpe\n"))
    assert "param_search_args.optuna_config: expected a mapping" in line


def test_a_capitalised_search_type_is_read_as_optuna(tmp_path: Path) -> None:
    exp = _load(tmp_path, _yaml("", search_type="Optuna"))
    assert exp.config["param_search_args"]["search_type"] == "optuna"
