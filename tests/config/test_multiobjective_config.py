"""Multi-objective searches in the YAML (issue 14): the spellings that name several objectives
become ``param_search_args.objectives``; strategies that search one objective refuse them in
one line; the original's Nevergrad search runs as Optuna's NSGA-II (one warning)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from mle_config import ConfigValidationError, load_experiment

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi_objective"
PARAMS = "  params_to_search:\n    real:\n      lr: {begin: 0.1, end: 1.0, bins: 4}\n"


def _yaml(objectives: str, search_type: str = "random", extra: str = "") -> str:
    return (
        "meta_job_args:\n  job_type: hyperparameter-search\n  base_train_fname: train.py\n"
        "  base_train_config: config.json\n"
        f"param_search_args:\n  search_type: {search_type}\n{objectives}{extra}{PARAMS}"
    )


def _search(tmp_path: Path, text: str) -> dict[str, Any]:
    (tmp_path / "train.py").write_text("")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    return dict(load_experiment(path, cwd=tmp_path).config["param_search_args"].to_dict())


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigValidationError) as info:
        _search(tmp_path, text)
    return list(info.value.problems)


@pytest.mark.parametrize(
    "written",
    [
        "  eval_score_type: [acc, cost]\n  maximize_objective: [true, false]\n",
        "  eval_score_type:\n    - {name: acc, direction: max}\n    - {name: cost, direction: min}\n",
        "  eval_score_type:\n    - {name: acc, direction: maximize}\n    - cost\n",
        "  eval_metrics: [acc, cost]\n  maximize_objective: [true, false]\n",
    ],
)
def test_every_spelling_of_several_objectives_is_one_canonical_form(
    tmp_path: Path, written: str
) -> None:
    search = _search(tmp_path, _yaml(written))
    assert search["objectives"] == {"acc": True, "cost": False}
    assert list(search["objectives"]) == ["acc", "cost"]  # order kept
    assert search["eval_score_type"] == "acc" and search["maximize_objective"] is True


def test_one_direction_for_all_and_the_original_single_objective_meaning_stay(
    tmp_path: Path,
) -> None:
    search = _search(tmp_path, _yaml("  eval_score_type: [a, b]\n  maximize_objective: true\n"))
    assert search["objectives"] == {"a": True, "b": True}
    # the original's eval_metrics list in a random search: the first drives, no objectives
    search = _search(tmp_path, _yaml("  eval_metrics: [a, b]\n"))
    assert "objectives" not in search and search["eval_score_type"] == "a"


@pytest.mark.parametrize("stype", ["smbo", "coordinate"])
def test_single_objective_search_types_refuse_several_in_one_line(
    tmp_path: Path, stype: str
) -> None:
    (line,) = _problems(tmp_path, _yaml("  eval_score_type: [acc, cost]\n", stype))
    assert "exp.yaml:7: param_search_args.eval_score_type: " in line
    assert f"expected one objective for search_type {stype!r}" in line
    assert "found 2: acc, cost" in line


def test_optuna_samplers_without_multi_objective_support_refuse(tmp_path: Path) -> None:
    extra = "  optuna_config: {sampler: cmaes}\n"
    (line,) = _problems(tmp_path, _yaml("  eval_score_type: [a, b]\n", "optuna", extra))
    assert "param_search_args.eval_score_type: expected one objective for " in line
    assert "sampler 'cmaes'" in line and "nsgaii" in line
    search = _search(
        tmp_path, _yaml("  eval_score_type: [a, b]\n", "optuna", "  optuna_config: {}\n")
    )
    assert search["optuna_config"]["sampler"] == "tpe"  # tpe searches several objectives


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "  eval_score_type: [a, b]\n  maximize_objective: [true]\n",
            "param_search_args.maximize_objective: expected one true/false per objective (2)",
        ),
        (
            "  eval_score_type: [{name: a, direction: up}, b]\n",
            "param_search_args.eval_score_type.0.direction: expected max or min, found 'up'",
        ),
        (
            "  eval_score_type: [a, a]\n",
            "param_search_args.eval_score_type.1: expected each objective once",
        ),
        (
            "  eval_score_type: a\n  maximize_objective: [true, false]\n",
            "param_search_args.maximize_objective: expected true or false for one objective",
        ),
    ],
)
def test_malformed_objectives_are_one_line_each(
    tmp_path: Path, written: str, expected: str
) -> None:
    problems = _problems(tmp_path, _yaml(written))
    assert len(problems) == 1 and expected in problems[0], problems


@pytest.mark.parametrize("section", ["search_config", "nevergrad_config"])
def test_the_original_nevergrad_example_runs_as_nsga_ii_with_one_warning(
    tmp_path: Path, section: str
) -> None:
    for name in ("toy_config.yaml", "run_toy.py"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    text = (EXAMPLE / "toy_multi.yaml").read_text()
    # v0.3.x wrote the optimizer's options in search_config.search_config, later releases in
    # search_config.nevergrad_config
    text = text.replace("        search_config:\n", f"        {section}:\n")
    (tmp_path / "toy_multi.yaml").write_text(text)
    with pytest.warns(UserWarning) as caught:
        exp = load_experiment(tmp_path / "toy_multi.yaml", cwd=tmp_path)
    (warning,) = [str(w.message) for w in caught]
    assert warning == (
        "param_search_args.search_config.search_type: 'Nevergrad' runs as search_type optuna "
        "with sampler nsgaii (Nevergrad is not installed here; NSGA-II searches the 2 objectives)"
    )
    search = exp.config["param_search_args"].to_dict()
    assert search["search_type"] == "optuna" and search["optuna_config"] == {"sampler": "nsgaii"}
    assert search["objectives"] == {"objective_1": False, "objective_2": False}
    assert "nevergrad_config" not in search


@pytest.mark.parametrize(
    ("options", "sampler"), [("{optimizer: CMA, budget_size: 9}", "cmaes"), ("{}", "tpe")]
)
def test_a_single_objective_nevergrad_search_picks_the_nearest_sampler(
    tmp_path: Path, options: str, sampler: str
) -> None:
    text = _yaml("  eval_score_type: loss\n", "nevergrad", f"  nevergrad_config: {options}\n")
    with pytest.warns(UserWarning, match=f"runs as search_type optuna with sampler {sampler}"):
        search = _search(tmp_path, text)
    assert search["optuna_config"] == {"sampler": sampler} and "objectives" not in search


def test_an_unknown_nevergrad_option_is_refused(tmp_path: Path) -> None:
    text = _yaml("  eval_score_type: loss\n", "nevergrad", "  nevergrad_config: {optimiser: x}\n")
    (line,) = _problems(tmp_path, text)
    assert "param_search_args.nevergrad_config.optimiser: expected one of optimizer" in line


def test_a_pruner_loads_with_one_objective_and_is_refused_with_several(tmp_path: Path) -> None:
    pruner = "  pruner: {type: asha, max_resource: 9}\n"
    search = _search(tmp_path, _yaml("  eval_score_type: loss\n", extra=pruner))
    assert search["pruner"]["metric"] == "loss" and search["pruner"]["reduction_factor"] == 3
    (line,) = _problems(tmp_path, _yaml("  eval_score_type: [a, b]\n", extra=pruner))
    assert "param_search_args.pruner: expected no pruner in a search of several objectives" in line
    (line,) = _problems(tmp_path, _yaml("  eval_score_type: loss\n", extra="  pruner: {}\n"))
    assert "param_search_args.pruner.type: expected one of asha, median" in line


def test_refinement_is_refused_with_several_objectives(tmp_path: Path) -> None:
    extra = "  random_config: {refine_after: 5}\n"
    (line,) = _problems(tmp_path, _yaml("  eval_score_type: [a, b]\n", extra=extra))
    assert "param_search_args.random_config.refine_after: expected no refine_after" in line
