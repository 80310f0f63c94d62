"""The original mle-hyperopt's refine_after / refine_top_k and its multi-fidelity search types
(Hyperband, SuccessiveHalving, PBT) load; bad refinement values are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_config import ConfigValidationError, load_experiment

PARAMS = "  params_to_search:\n    real:\n      lr: {begin: 0.001, end: 0.1, prior: uniform}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    return tmp_path


def load(project: Path, search: str):  # type: ignore[no-untyped-def]
    path = project / "exp.yaml"
    path.write_text(
        "meta_job_args:\n  job_type: hyperparameter-search\n  base_train_fname: train.py\n"
        "  base_train_config: config.json\nparam_search_args:\n  eval_score_type: loss\n" + search
    )
    return load_experiment(path, cwd=project)


def problems(project: Path, search: str) -> list[str]:
    with pytest.raises(ConfigValidationError) as info:
        load(project, search)
    return info.value.problems


@pytest.mark.parametrize("stype", ["random", "smbo"])
def test_flat_refinement_options_load(project: Path, stype: str) -> None:
    exp = load(
        project,
        f"  search_type: {stype}\n  {stype}_config: {{refine_after: [5, 10], refine_top_k: 2}}\n"
        + PARAMS,
    )
    options = exp.canonical["param_search_args"][f"{stype}_config"]
    assert list(options["refine_after"]) == [5, 10]
    assert options["refine_top_k"] == 2


def test_grouped_v03_refinement_options_reach_the_random_search(project: Path) -> None:
    exp = load(
        project,
        "  search_config:\n    search_type: Random\n"
        "    search_config: {refine_after: 5, refine_top_k: 2}\n"
        "    search_params:\n      real:\n        lr: {begin: 0.001, end: 0.1, prior: uniform}\n",
    )
    search = exp.canonical["param_search_args"]
    assert search["search_type"] == "random"
    assert search["random_config"]["refine_after"] == 5


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("{refine_after: 5, refine_top_k: 1}", "refine_top_k: expected an integer >= 2"),
        ("{refine_after: [10, 5]}", "refine_after: expected an integer >= 1 or an increasing"),
        ("{refine_after: 0}", "refine_after: expected an integer >= 1 or an increasing"),
    ],
)
def test_bad_refinement_values_are_one_line_errors(
    project: Path, options: str, expected: str
) -> None:
    found = problems(project, f"  search_type: random\n  random_config: {options}\n" + PARAMS)
    assert len(found) == 1 and expected in found[0] and "exp.yaml" in found[0]


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Hyperband", "hyperband"),
        ("SuccessiveHalving", "successive_halving"),
        ("Halving", "successive_halving"),
        ("PBT", "pbt"),
    ],
)
def test_the_originals_multi_fidelity_search_types_are_no_longer_refused(
    project: Path, written: str, canonical: str
) -> None:
    exp = load(
        project,
        f"  search_config:\n    search_type: {written}\n"
        "    search_params:\n      real:\n        lr: {begin: 0.001, end: 0.1, prior: uniform}\n",
    )
    assert exp.canonical["param_search_args"]["search_type"] == canonical
