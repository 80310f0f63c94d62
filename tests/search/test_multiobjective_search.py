"""Multi-objective search (issue 14): vector scores per trial, aggregated over seeds per
objective, a hyper log that records them and restores, and the Pareto front."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from mle_search import (
    Evaluation,
    HyperLog,
    SearchConfigError,
    SearchInputError,
    SearchLoop,
    Space,
    dominates,
    make_strategy,
    pareto_front,
)

HAS_OPTUNA = importlib.util.find_spec("optuna") is not None
SPACE = {"real": {"x": {"begin": 0.0, "end": 1.0, "bins": 11}}}
CONT = {
    "real": {"x": {"begin": 0.0, "end": 1.0}},
    "categorical": {"arch": ["cnn", "mlp"]},
}
#: two objectives, both minimized: f1 = x^2, f2 = (x - 1)^2 -> every x in [0, 1] is optimal
TWO = {"f1": False, "f2": False}


def scores_of(params: dict[str, Any]) -> dict[str, float]:
    x = float(params["train_config.x"])
    return {"f1": x**2, "f2": (x - 1.0) ** 2}


# -- the front ---------------------------------------------------------------------------
def test_pareto_front_respects_each_direction() -> None:
    pts = [(1.0, 5.0), (2.0, 6.0), (3.0, 1.0), (1.0, 5.0), (0.5, 0.0)]
    # both minimized: (0.5, 0.0) beats everything
    assert pareto_front(pts) == [(0.5, 0.0)]
    # second maximized: (2, 6) has the largest second objective; (1, 5) twice (equal points
    # never dominate each other), (0.5, 0) is the smallest first
    assert pareto_front(pts, [False, True]) == [(1.0, 5.0), (2.0, 6.0), (1.0, 5.0), (0.5, 0.0)]
    assert pareto_front(pts, True) == [(2.0, 6.0), (3.0, 1.0)]
    assert dominates((1, 1), (1, 2)) and not dominates((1, 1), (1, 1))
    assert dominates((1, 3), (1, 2), [False, True])


def test_pareto_front_of_records_and_evaluations_skips_failed_and_pruned() -> None:
    records = [
        {"params": {}, "values": [1.0, 1.0]},
        {"params": {}, "values": None, "score": None, "status": "failed"},
        {"params": {}, "values": [0.0, 0.0], "state": "pruned"},
        {"params": {}, "values": [2.0, 0.5]},
    ]
    assert pareto_front(records) == [records[0], records[3]]
    evs = [
        Evaluation.from_scores({}, [[1.0, 2.0], [3.0, 4.0]], n_objectives=2),
        Evaluation.from_scores({}, [None, None], n_objectives=2),
    ]
    assert evs[0].values == (2.0, 3.0) and evs[0].score == 2.0  # per objective, never pooled
    assert evs[1].failed and evs[1].status == "failed"
    assert pareto_front(evs) == [evs[0]]
    with pytest.raises(SearchInputError, match="one value per objective"):
        pareto_front([(1.0, 2.0), (1.0,)])
    with pytest.raises(SearchInputError, match="2 bools"):
        pareto_front([(1.0, 2.0)], [True])


# -- strategies --------------------------------------------------------------------------
@pytest.mark.parametrize("stype", ["smbo", "coordinate"])
def test_single_objective_strategies_refuse_several_objectives_in_one_line(stype: str) -> None:
    with pytest.raises(SearchConfigError) as err:
        make_strategy(stype, SPACE, maximize=TWO)
    text = str(err.value)
    assert "\n" not in text and "found 2 (f1, f2)" in text and "nsgaii" in text


def test_random_search_refuses_refinement_with_several_objectives() -> None:
    with pytest.raises(SearchConfigError, match="expected no refine_after with 2 objectives"):
        make_strategy("random", SPACE, maximize=TWO, refine_after=3)


def test_a_flat_list_is_never_averaged_as_seeds_in_a_multi_objective_tell() -> None:
    strategy = make_strategy("random", SPACE, seed=0, maximize=TWO)
    (p,) = strategy.ask(1)
    with pytest.raises(SearchInputError, match="never averaged as seeds"):
        strategy.tell([p], [[0.1, 0.2]])
    (ev,) = strategy.tell([p], [[[0.1, 0.2], [0.3, float("nan")]]])
    assert ev.values == (0.1, 0.2) and ev.status == "partial"


def test_grid_search_over_two_objectives_finds_the_whole_front() -> None:
    strategy = make_strategy("grid", SPACE, maximize=TWO)
    loop = SearchLoop(strategy, budget=None, seeds=1)
    while not loop.done:
        for trial in loop.propose(4):
            loop.report(trial.id, 0, scores_of(trial.params))
    assert len(loop.pareto_front()) == 11  # every grid point trades f1 against f2
    assert loop.best(1)[0].params == {"train_config.x": 0.0}  # by the first objective


# -- the loop, the hyper log and restore ---------------------------------------------------
def run_search(loop: SearchLoop, stop_after: int | None = None) -> int:
    """Propose and report (seed 1 of trial 2 fails); returns reports made."""
    made = 0
    while not loop.done:
        trials = loop.propose(4)
        if not trials and not loop.pending_trials:
            break
        for trial in trials or loop.pending_trials:
            for seed in trial.seeds:
                if seed in loop.results(trial.id):
                    continue
                if stop_after is not None and made >= stop_after:
                    return made
                score: Any = scores_of(trial.params)
                if trial.id == 2 and seed == 1:
                    score = {"f1": 0.5}  # f2 missing: the seed failed
                loop.report(trial.id, seed, score)
                made += 1
    return made


def test_loop_logs_vectors_per_seed_and_restores_them(tmp_path: Path) -> None:
    path = tmp_path / "hyper_log.jsonl"
    loop = SearchLoop(
        make_strategy("random", SPACE, seed=3, maximize=TWO), budget=6, seeds=2, log=path
    )
    run_search(loop, stop_after=7)  # 3 trials told, the 4th open with one seed in
    records = HyperLog(path).read()
    assert [r["id"] for r in records] == [0, 1, 2]
    rec = records[2]
    assert rec["scores"][1] is None and rec["status"] == "partial"
    assert rec["reasons"] == {"1": "no finite score for objective 'f2'"}
    assert rec["values"] == rec["scores"][0] and rec["score"] == rec["values"][0]
    assert len(records[0]["values"]) == 2
    open_trials = [t for t in loop.pending_trials]
    finished = {t.id: loop.results(t.id) for t in open_trials}

    again = SearchLoop(
        make_strategy("random", SPACE, seed=3, maximize=TWO), budget=6, seeds=2, log=path
    )
    again.restore(None, open_trials)
    assert [ev.values for ev in again.history] == [tuple(r["values"]) for r in records]
    for tid, seeds in finished.items():  # what had finished is reported again, not re-run
        for seed, value in seeds.items():
            again.report(tid, seed, value)
    run_search(again)
    final = HyperLog(path).read()
    ids = [r["id"] for r in final]
    assert sorted(ids) == list(range(6)) and len(set(ids)) == 6  # nothing ran twice
    front = pareto_front(final)  # the log alone gives the loop's front
    assert sorted(r["id"] for r in front) == sorted(
        ev.trial_id for ev in again.pareto_front() if ev.trial_id is not None
    )


def test_a_single_objective_log_does_not_restore_a_multi_objective_search(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    HyperLog(path).append({"train_config.x": 0.5}, [0.25], id=0)
    loop = SearchLoop(make_strategy("random", SPACE, maximize=TWO), budget=3, seeds=1, log=path)
    with pytest.raises(SearchInputError, match=r"trial 0: .*another number of objectives"):
        loop.restore()


def test_racing_needs_one_objective() -> None:
    with pytest.raises(SearchInputError, match="race needs one objective"):
        SearchLoop(make_strategy("random", SPACE, maximize=TWO), budget=3, seeds=3, race=True)


def test_reported_unknown_objective_is_refused() -> None:
    loop = SearchLoop(make_strategy("random", SPACE, maximize=TWO), budget=1, seeds=1)
    (trial,) = loop.propose(1)
    with pytest.raises(SearchInputError, match="'f3'"):
        loop.report(trial.id, 0, {"f1": 1.0, "f3": 2.0})
    with pytest.raises(SearchInputError, match="mapping objective -> score"):
        loop.report(trial.id, 0, 1.0)


# -- Optuna ------------------------------------------------------------------------------
@pytest.mark.skipif(not HAS_OPTUNA, reason="needs the optuna extra")
@pytest.mark.parametrize("sampler", ["nsgaii", "tpe", "random", "qmc"])
def test_optuna_multi_objective_samplers_run_and_resume(sampler: str, tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"

    def make() -> SearchLoop:
        strategy = make_strategy(
            "optuna",
            Space.from_config(CONT),
            seed=1,
            maximize={"f1": False, "f2": True},
            sampler=sampler,
        )
        return SearchLoop(strategy, budget=10, seeds=1, log=path)

    def score(params: dict[str, Any]) -> dict[str, float]:
        x = float(params["train_config.x"])
        return {"f1": x, "f2": x if params["train_config.arch"] == "mlp" else x - 1}

    loop = make()
    for trial in loop.propose(6):
        loop.report(trial.id, 0, score(trial.params))
    again = make()
    again.restore()
    assert len(again.strategy._study.trials) == 6  # type: ignore[attr-defined]
    while not again.done:
        for trial in again.propose(2):
            again.report(trial.id, 0, score(trial.params))
    records = HyperLog(path).read()
    assert [r["id"] for r in records] == list(range(10))
    front = again.pareto_front()
    assert front and sorted(ev.trial_id for ev in front if ev.trial_id is not None) == sorted(
        r["id"] for r in pareto_front(records, [False, True])
    )
    for ev in again.history:  # nothing off the front beats a point on it
        assert not any(dominates(ev.values, f.values, [False, True]) for f in front)  # type: ignore[arg-type]


@pytest.mark.skipif(not HAS_OPTUNA, reason="needs the optuna extra")
def test_optuna_cmaes_refuses_several_objectives() -> None:
    with pytest.raises(SearchConfigError, match="optuna search: expected one objective"):
        make_strategy("optuna", SPACE, maximize=TWO, sampler="cmaes")


def test_a_failed_seed_of_a_multi_objective_trial_can_be_run_again(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    loop = SearchLoop(make_strategy("grid", SPACE, maximize=TWO), budget=1, seeds=2, log=path)
    (trial,) = loop.propose(2)
    loop.report(trial.id, 0, {"f1": 1.0, "f2": 2.0})
    ev = loop.report(trial.id, 1, None, reason="exit code 3")
    assert ev is not None and ev.status == "partial" and ev.values == (1.0, 2.0)
    loop.reopen(trial.id)
    ev = loop.report(trial.id, 1, [3.0, 4.0])
    assert ev is not None and ev.status == "ok" and ev.values == (2.0, 3.0)
    again = SearchLoop(make_strategy("grid", SPACE, maximize=TWO), budget=1, seeds=2, log=path)
    again.restore()  # the last record of the trial counts
    assert [e.values for e in again.history] == [(2.0, 3.0)] and again.done
