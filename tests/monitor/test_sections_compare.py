"""Comparing experiments: configurations matched by parameters (not config ids), each tested
against the reference experiment, and the written report self-contained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from mle_monitor._compare import (
    ExperimentSide,
    compare_experiments,
    comparison_json,
    verdict,
    write_comparison,
)
from mle_monitor._trials import Trial
from mle_monitor.errors import StatsInputError


def _exp(label: str, shift: float, lrs: list[float], prefix: str = "p") -> ExperimentSide:
    trials = []
    for i, lr in enumerate(lrs):
        for seed in range(4):
            score = lr * 10 + shift + 0.01 * seed
            trials.append(
                Trial(
                    f"{prefix}{i}-s{seed}",
                    {"train_config.lr": lr, "train_config.opt": "adam"},
                    score,
                    "done",
                    1000.0 + seed,
                    1010.0 + seed,
                    "vm",
                    config_id=f"{prefix}{i}",
                    seed=seed,
                )
            )
    return ExperimentSide(label, trials, "acc", True, f"/exp/{label}")


def test_configs_match_by_parameters_and_real_differences_are_marked() -> None:
    a = _exp("v1", 0.0, [0.1, 0.2, 0.3])
    # v2: other config ids, another order, one lr only here, one missing; +0.5 everywhere
    b = _exp("v2", 0.5, [0.3, 0.1 + 0.2 - 0.3 + 0.2, 0.4], prefix="q")
    cmp = compare_experiments([a, b])
    assert cmp.metric == "acc" and cmp.maximize
    matched = cmp.matched
    assert [r.params["train_config.lr"] for r in matched] == [0.3, 0.2]  # best reference first
    for row in matched:
        ref, other = row.cells
        assert ref is not None and other is not None
        assert ref.config_id.startswith("p") and other.config_id.startswith("q")
        assert other.diff == pytest.approx(0.5)
        assert other.differs is True and other.test is not None and other.test.p_value < 0.05
    unmatched = {r.params["train_config.lr"]: r.cells for r in cmp.rows if r not in matched}
    assert unmatched[0.1][1] is None and unmatched[0.4][0] is None
    assert verdict(cmp) == [
        "v2 against v1: 2 matched configurations, mean difference +0.5 (higher is better); "
        "2 of 2 tested differ at p<0.05 (2 better, 0 worse)."
    ]


def test_equal_experiments_do_not_differ_and_failed_seeds_count_as_missing() -> None:
    a = _exp("a", 0.0, [0.1, 0.2])
    b_trials = list(_exp("b", 0.0, [0.1, 0.2]).trials)
    b_trials[0] = Trial(
        "p0-s0", b_trials[0].params, None, "failed", config_id="p0", seed=0, exit_code=1
    )
    b = ExperimentSide("b", b_trials, "acc", True)
    cmp = compare_experiments([a, b])
    cells = {r.params["train_config.lr"]: r.cells[1] for r in cmp.rows}
    assert cells[0.1] is not None and cells[0.1].scores[0] is None and cells[0.1].n == 3
    assert all(c is not None and c.differs is False for c in cells.values())
    doc = comparison_json(cmp)
    assert doc["experiments"][1]["jobs"] == 8 and doc["experiments"][0]["compute_s"] == 80.0
    assert doc["configs"][0]["cells"][1]["p_value"] == pytest.approx(1.0)


def test_sides_scored_differently_or_alone_are_refused_in_one_line() -> None:
    a = _exp("a", 0.0, [0.1])
    with pytest.raises(StatsInputError, match="expected at least two experiments"):
        compare_experiments([a])
    other = ExperimentSide("b", a.trials, "loss", True)
    with pytest.raises(StatsInputError, match=r"b: expected the metric 'acc' of a, found 'loss'"):
        compare_experiments([a, other])
    flipped = ExperimentSide("b", a.trials, "acc", False)
    with pytest.raises(StatsInputError, match="expected to maximize like a"):
        compare_experiments([a, flipped])


def test_written_comparison_is_self_contained(tmp_path: Path) -> None:
    cmp = compare_experiments(
        [_exp("v1", 0.0, [0.1, 0.2]), _exp("v2", -0.2, [0.1, 0.2]), _exp("v3", 0.0, [0.2])]
    )
    paths = write_comparison(cmp, tmp_path / "out")
    page = paths["html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    assert not re.search(r"(src|href)=['\"](?!data:)", page)  # nothing fetched from elsewhere
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "![Matched configurations](figures/compare.png)" in md
    assert verdict(cmp)[0].startswith("v2 against v1: 2 matched configurations")
    assert paths["figure"].read_bytes().startswith(b"\x89PNG")
    assert "| configuration | v1 | v2 | v3 |" in md


def test_config_files_match_by_name_and_no_direction_ranks_nothing() -> None:
    """Two multiple-configs experiments (no search: no direction) of two project copies: the
    configurations are their config files, matched by name whatever the folder."""

    def side(label: str, folder: str, shift: float) -> ExperimentSide:
        trials = [
            Trial(
                f"c{i}-s{seed}",
                {"config_fname": f"/{folder}/configs/c{i}.json"},
                i + shift + 0.01 * seed,
                "done",
                config_id=f"c00{i}",
                seed=seed,
            )
            for i in (1, 2)
            for seed in range(3)
        ]
        return ExperimentSide(label, trials, "score", None)

    cmp = compare_experiments([side("v1", "proj-v1", 0.0), side("v2", "proj-v2", 1.0)])
    assert cmp.maximize is None and cmp.best(0) is None
    assert [r.params for r in cmp.matched] == [
        {"config_fname": "c1.json"},
        {"config_fname": "c2.json"},
    ]  # the configurations' order, not ranked
    assert verdict(cmp) == [
        "v2 against v1: 2 matched configurations, mean difference +1; 2 of 2 tested differ "
        "at p<0.05 (2 higher, 0 lower)."
    ]
