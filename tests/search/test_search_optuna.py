"""search_type "optuna": Optuna's samplers behind our ask/tell, trial ids, hyper log and resume."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mle_search import (
    SAMPLERS,
    HyperLog,
    OptunaSearch,
    SearchConfigError,
    SearchLoop,
    Space,
    available_strategies,
    make_strategy,
)
from search_helpers import FINITE, MIXED, objective

pytest.importorskip("optuna")

HAS_TORCH = importlib.util.find_spec("torch") is not None
#: GPSampler needs PyTorch, which the optuna extra does not bring
RUNNABLE = [s for s in SAMPLERS if s != "gp" or HAS_TORCH]


def _space() -> Space:
    return Space.from_config(MIXED | {"real": {**MIXED["real"], "w": {"begin": 0, "end": 1}}})


@pytest.mark.parametrize("sampler", RUNNABLE)
def test_every_sampler_proposes_new_points_inside_the_space(sampler: str) -> None:
    search = make_strategy("optuna", _space(), seed=0, sampler=sampler)
    asked: list[dict[str, Any]] = []
    for _ in range(6):
        new = search.ask(2)  # one stays pending while the next are asked
        search.tell(new[:1], [[objective(new[0])]])
        asked += new
        search.tell(new[1:], [[None]])  # a failed run: kept out of the model
    assert len({tuple(p.values()) for p in asked}) == len(asked) == 12
    for p in asked:
        assert 1e-4 <= p["train_config.lr"] <= 1e-1 and type(p["train_config.lr"]) is float
        assert p["net_config.layers"] in (1, 2, 3) and type(p["net_config.layers"]) is int
        assert p["train_config.opt"] in ("adam", "sgd", "rmsprop")
    states = [t.state.name for t in search._study.trials]
    assert states.count("COMPLETE") == 6 and "RUNNING" not in states
    assert search.slow_proposals is (sampler == "gp")


@pytest.mark.parametrize("maximize", [False, True])
def test_tpe_finds_the_optimum_in_either_direction(maximize: bool) -> None:
    space = Space.from_config({"real": {"x": {"begin": 0.0, "end": 10.0}}})
    search = OptunaSearch(space, seed=1, maximize=maximize, sampler_kwargs={"n_startup_trials": 5})
    sign = -1.0 if maximize else 1.0  # the optimum is x = 3 in both directions
    for _ in range(30):
        (p,) = search.ask(1)
        search.tell([p], [sign * (p["train_config.x"] - 3.0) ** 2])
    assert abs(search.best(1)[0].params["train_config.x"] - 3.0) < 0.5


def test_a_finite_space_is_used_up_without_repeats() -> None:
    search = make_strategy("optuna", FINITE, seed=0)
    asked: list[dict[str, Any]] = []
    while not search.exhausted:
        new = search.ask(4)
        search.tell(new, [[objective(p)] for p in new])
        asked += new
    assert len({tuple(p.values()) for p in asked}) == len(asked) == 18
    assert search.ask(1) == []


def test_resume_replays_the_log_into_the_study(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    first = make_strategy("optuna", MIXED, seed=4)
    done = first.ask(6)
    first.tell(done[:5], [[objective(p)] for p in done[:5]])
    for p in done[:5]:
        log.append(p, [objective(p)])
    log.append(done[5], [None])  # a failed one

    a = make_strategy("optuna", MIXED, seed=4, history=log.read())
    b = make_strategy("optuna", MIXED, seed=4, history=log.read())
    assert [t.state.name for t in a._study.trials] == ["COMPLETE"] * 5 + ["FAIL"]
    assert a.best(1)[0].params == min(done[:5], key=objective)
    nxt = a.ask(3)
    assert nxt == b.ask(3)  # the same seed and log: the same proposals
    assert not {tuple(p.values()) for p in nxt} & {tuple(p.values()) for p in done}


def test_search_loop_resumes_an_optuna_search_after_a_crash(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    loop = SearchLoop(make_strategy("optuna", MIXED, seed=2), budget=8, seeds=2, log=log)
    trials = loop.propose(6)  # 3 trials, 2 seeds each
    for trial in trials[:2]:
        for seed in trial.seeds:
            loop.report(trial.id, seed, objective(trial.params) + seed)
    open_trial = trials[2]
    # the driver dies; a new one restores from the log and its own record of trial 2
    again = SearchLoop(make_strategy("optuna", MIXED, seed=2), budget=8, seeds=2, log=log)
    again.restore(log.read(), [open_trial])
    assert again.n_told == 2 and [t.id for t in again.pending_trials] == [2]
    fresh = again.propose(10)
    assert [t.id for t in fresh] == [3, 4, 5, 6, 7]
    seen = {tuple(t.params.values()) for t in [*trials, *fresh]}
    assert len(seen) == 8  # the pending point was never proposed again
    for trial in [open_trial, *fresh]:
        for seed in trial.seeds:
            again.report(trial.id, seed, objective(trial.params))
    assert again.done and again.n_told == 8
    assert [r["id"] for r in log.read()] == [0, 1, 2, 3, 4, 5, 6, 7]


def test_sampler_names_and_options_are_checked() -> None:
    with pytest.raises(SearchConfigError, match=r"tpe, cmaes.*'tpee' \(did you mean 'tpe'\?\)"):
        make_strategy("optuna", MIXED, sampler="tpee")
    with pytest.raises(SearchConfigError, match=r"TPESampler rejected sampler_kwargs"):
        make_strategy("optuna", MIXED, sampler_kwargs={"n_startup": 3})
    with pytest.raises(SearchConfigError, match=r"'seed'"):
        make_strategy("optuna", MIXED, sampler_kwargs={"seed": 3})
    with pytest.raises(SearchConfigError, match=r"unknown option 'samplr'"):
        make_strategy("optuna", MIXED, samplr="tpe")
    assert make_strategy("optuna", MIXED, sampler="CMA-ES").sampler == "cmaes"
    assert make_strategy("optuna", MIXED, sampler="NSGA-II").sampler == "nsgaii"
    assert "optuna" in available_strategies()


def test_missing_optuna_gives_an_install_hint() -> None:
    code = (
        "import sys; sys.modules['optuna'] = None\n"
        "from mle_search import SearchDependencyError, make_strategy\n"
        "assert make_strategy('grid', {'integer': {'n': {'begin': 1, 'end': 3}}}).ask(1)\n"
        "try:\n    make_strategy('optuna', {'integer': {'n': {'begin': 1, 'end': 3}}})\n"
        "except ImportError as e:\n"
        "    assert isinstance(e, SearchDependencyError); print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.count("\n") == 1 and 'pip install "mle-search[optuna]"' in out.stdout
