"""param_search_args.pruner: defaults filled in, every mistake named by its key path."""

from __future__ import annotations

from typing import Any

import pytest
from mle_config.pruning import check_pruner


def test_an_asha_section_gets_its_defaults_and_the_search_metric() -> None:
    out, problems = check_pruner({"type": "asha", "max_resource": 27}, eval_score_type="val_loss")
    assert problems == []
    assert out == {
        "type": "asha",
        "metric": "val_loss",
        "time_key": None,
        "min_resource": 1,
        "max_resource": 27,
        "reduction_factor": 3,
    }


def test_a_median_section_gets_its_defaults() -> None:
    section = {"type": "median", "metric": "acc", "time_key": "num_updates"}
    out, problems = check_pruner(section, eval_score_type="loss")
    assert problems == []
    assert out["n_startup_trials"] == 5 and out["n_warmup_steps"] == 0 and out["metric"] == "acc"


@pytest.mark.parametrize(
    ("section", "path", "message"),
    [
        ("asha", (), "expected a mapping with a type (asha or median), found str 'asha'"),
        ({"metric": "x"}, ("type",), "expected one of asha, median, found nothing"),
        ({"type": "hyperband"}, ("type",), "expected one of asha, median, found str 'hyperband'"),
        ({"type": "asha", "rungz": [1]}, ("rungz",), "found unknown key 'rungz'"),
        ({"type": "asha"}, ("max_resource",), "expected max_resource (or rungs), found none"),
        (
            {"type": "asha", "max_resource": 1, "min_resource": 3},
            ("max_resource",),
            "expected a number > min_resource 3, found int 1",
        ),
        (
            {"type": "asha", "rungs": [3, 1]},
            ("rungs",),
            "expected a list of increasing numbers > 0, found list [3, 1]",
        ),
        (
            {"type": "asha", "max_resource": 9, "reduction_factor": 1.5},
            ("reduction_factor",),
            "expected an integer >= 2, found float 1.5",
        ),
        (
            {"type": "median", "max_resource": 9},
            ("max_resource",),
            "expected no max_resource for a median pruner, found 9",
        ),
        (
            {"type": "median", "n_startup_trials": 0},
            ("n_startup_trials",),
            "expected an integer >= 1, found int 0",
        ),
        ({"type": "median", "time_key": ""}, ("time_key",), "expected the name of a logged"),
    ],
)
def test_each_mistake_is_one_problem_at_its_key(
    section: Any, path: tuple[str, ...], message: str
) -> None:
    _, problems = check_pruner(section, eval_score_type="loss")
    assert len(problems) == 1, problems
    assert problems[0][0] == path and message in problems[0][1]
