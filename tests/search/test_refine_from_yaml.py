"""An experiment YAML's refine_after / refine_top_k (flat or the original v0.3 grouped form) reach
the random and SMBO searches as the CLI builds them, and the search refines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mle_config import load_experiment
from mle_search import Space, make_strategy

PARAMS = "real:\n        lr: {begin: 0.001, end: 0.1, prior: uniform}\n"


def search_args(tmp_path: Path, search: str) -> dict[str, Any]:
    (tmp_path / "train.py").write_text("")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    path = tmp_path / "exp.yaml"
    path.write_text(
        "meta_job_args:\n  job_type: hyperparameter-search\n  base_train_fname: train.py\n"
        "  base_train_config: config.json\nparam_search_args:\n  eval_score_type: loss\n" + search
    )
    canonical: dict[str, Any] = load_experiment(path, cwd=tmp_path).canonical
    return dict(canonical["param_search_args"])


@pytest.mark.parametrize(
    ("stype", "search"),
    [
        (
            "random",
            "  search_type: random\n  random_config: {refine_after: [4, 8], refine_top_k: 2}\n"
            "  params_to_search:\n    " + PARAMS.replace("\n        ", "\n      "),
        ),
        (
            "smbo",
            "  search_config:\n    search_type: SMBO\n"
            "    search_config: {refine_after: [4, 8], refine_top_k: 2, n_initial_points: 3}\n"
            "    search_params:\n      " + PARAMS,
        ),
    ],
)
def test_yaml_refinement_options_refine_the_search(tmp_path: Path, stype: str, search: str) -> None:
    args = search_args(tmp_path, search)
    assert args["search_type"] == stype
    options = dict(args.get(f"{stype}_config") or {})  # as mle_cli._search.build_strategy
    if stype == "smbo":
        options["acq_optimizer"] = "sampling"  # quick
    strategy = make_strategy(stype, Space.from_config(args["params_to_search"]), seed=0, **options)
    for _ in range(9):
        (p,) = strategy.ask(1)
        strategy.tell([p], [(p["train_config.lr"] - 0.03) ** 2])
    assert [n for n, _ in strategy.refinements] == [4, 8]  # type: ignore[attr-defined]
    lr = strategy.active_space["lr"]  # type: ignore[attr-defined]
    assert 0.001 <= lr.begin <= lr.end <= 0.1 and lr.end - lr.begin < 0.099
