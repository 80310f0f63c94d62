"""SMBO on scikit-optimize: all estimator x acquisition pairs, the liar, resume, the seed example."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from mle_search import (
    ACQ_FUNCTIONS,
    BASE_ESTIMATORS,
    SearchConfigError,
    SMBOSearch,
    Space,
    make_strategy,
)
from search_helpers import FAST_SMBO, MIXED, objective

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ode"


@pytest.mark.parametrize("acq_function", ACQ_FUNCTIONS)
@pytest.mark.parametrize("base_estimator", BASE_ESTIMATORS)
def test_every_estimator_and_acquisition_works(base_estimator: str, acq_function: str) -> None:
    space = Space.from_config(
        MIXED
        | {
            "real": {
                "lr": {"begin": 1e-4, "end": 1e-1, "prior": "log-uniform"},
                "w": {"begin": 0, "end": 1, "bins": 5},
            }
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. numpy/sklearn deprecations inside skopt
        search = SMBOSearch(
            space,
            seed=0,
            base_estimator=base_estimator,
            acq_function=acq_function,
            n_initial_points=2,
            optimizer_kwargs={"acq_optimizer_kwargs": {"n_points": 200, "n_restarts_optimizer": 2}},
        )
        asked = search.ask(2)
        search.tell(asked, [[objective(p)] for p in asked])
        for _ in range(2):  # model phase: once with nothing pending, once with a pending point
            new = search.ask(2)
            search.tell(new[:1], [[objective(new[0])]])
            asked += new
    keys = {tuple(p.values()) for p in asked}
    assert len(keys) == len(asked) == 6
    assert search._opt.models, "no surrogate model was fitted"


def test_quantile_gbrt_is_a_regressor_with_std() -> None:
    from mle_search._gbrt import QuantileGBRT
    from sklearn.base import is_regressor

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 2))
    y = X[:, 0] * 3 + rng.normal(scale=0.1, size=40)
    model = QuantileGBRT(random_state=0).fit(X, y)
    assert is_regressor(model)
    mean, std = model.predict(X[:5], return_std=True)
    assert mean.shape == std.shape == (5,) and (std >= 0).all()
    assert np.corrcoef(model.predict(X), y)[0, 1] > 0.9


@pytest.mark.parametrize("maximize", [False, True])
def test_maximize_flips_what_the_model_looks_for(maximize: bool) -> None:
    space = Space.from_config({"real": {"x": {"begin": 0.0, "end": 10.0, "prior": "uniform"}}})
    search = SMBOSearch(space, seed=1, maximize=maximize, **FAST_SMBO)
    sign = -1.0 if maximize else 1.0  # the optimum is x = 3 in both directions
    for _ in range(12):
        (p,) = search.ask(1)
        search.tell([p], [sign * (p["train_config.x"] - 3.0) ** 2])
    late = [ev.params["train_config.x"] for ev in search.history[-4:]]
    assert np.median(np.abs(np.array(late) - 3.0)) < 1.0
    assert abs(search.best(1)[0].params["train_config.x"] - 3.0) < 0.5


def test_failed_proposals_stay_out_of_the_model() -> None:
    space = Space.from_config({"integer": {"n": {"begin": 1, "end": 50}}})
    search = SMBOSearch(space, seed=0, n_initial_points=2, acq_optimizer="sampling")
    asked = search.ask(3)
    search.tell(asked, [[1.0], [None], [2.0, float("nan")]])
    assert search._opt.yi == [1.0, 2.0]
    assert [ev.status for ev in search.history] == ["ok", "failed", "partial"]


def test_resume_replays_observations_by_name() -> None:
    space = Space.from_config(MIXED)
    first = SMBOSearch(space, seed=3, **FAST_SMBO)
    asked = first.ask(5)
    records = [{"params": p, "scores": [objective(p)]} for p in asked]
    # the same records with their parameters in another order, and under bare names
    shuffled = [
        {
            "params": {
                "opt": r["params"]["train_config.opt"],
                "net_config.layers": r["params"]["net_config.layers"],
                "lr": r["params"]["train_config.lr"],
            },
            "scores": r["scores"],
        }
        for r in records
    ]
    a = SMBOSearch(space, seed=9, **FAST_SMBO).resume_from(records)
    b = make_strategy("smbo", space, seed=9, history=shuffled, **FAST_SMBO)
    assert [ev.params for ev in b.history] == asked
    nxt_a, nxt_b = a.ask(2), b.ask(2)
    assert nxt_a == nxt_b
    assert not {tuple(p.values()) for p in nxt_a} & {tuple(p.values()) for p in asked}


def test_options_are_checked_and_named() -> None:
    space = Space.from_config(MIXED)
    with pytest.raises(SearchConfigError, match=r"GP, RF, ET, GBRT.*'SVM'"):
        SMBOSearch(space, base_estimator="SVM")
    with pytest.raises(SearchConfigError, match=r"acq_function"):
        SMBOSearch(space, acq_function="UCB")
    with pytest.raises(SearchConfigError, match=r"n_initial_points"):
        SMBOSearch(space, n_initial_points=0)
    with pytest.raises(SearchConfigError, match=r"'acq_func'"):
        SMBOSearch(space, optimizer_kwargs={"acq_func": "EI"})
    with pytest.raises(SearchConfigError, match=r"optimizer_kwargs.*'n_restarts'"):
        SMBOSearch(space, optimizer_kwargs={"n_restarts": 2})
    assert SMBOSearch(space, acq_function="ei", base_estimator="gbrt").acq_function == "EI"


def test_missing_scikit_optimize_gives_an_install_hint() -> None:
    """The tree estimators need scikit-optimize; the GP is mle-search's own (scipy only)."""
    code = (
        "import sys; sys.modules['skopt'] = None\n"
        "from mle_search import Space, SMBOSearch, SearchDependencyError, make_strategy\n"
        "space = Space.from_config({'integer': {'n': {'begin': 1, 'end': 30}}})\n"
        "assert make_strategy('grid', space).ask(1)\n"
        "gp = SMBOSearch(space, n_initial_points=1)\n"
        "gp.tell(gp.ask(1), [1.0]); assert gp.ask(1)\n"
        "try:\n    SMBOSearch(space, base_estimator='RF')\n"
        "except SearchDependencyError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "mle-search[smbo]"' in out.stdout


def _seed_search_args(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text())["param_search_args"]


def test_seed_smbo_example_runs_its_budget_asynchronously() -> None:
    args = _seed_search_args("ode_smbo_search.yaml")
    search = make_strategy(
        args["search_type"],
        Space.from_config(args["params_to_search"]),
        seed=0,
        maximize=args["maximize_objective"],
        **args["smbo_config"],
    )
    budget = args["num_search_batches"] * args["num_iter_per_batch"]  # 15
    workers = 2
    running = search.ask(workers)
    proposals = list(running)
    while running:  # a worker frees: tell its result, ask for one more while the other runs
        done = running.pop(0)
        x = done["train_config.x_0"]
        search.tell([done], [[-((x - 4.0) ** 2), -((x - 4.0) ** 2) + 0.1]])
        if len(proposals) < budget:
            new = search.ask(1)
            running += new
            proposals += new
    xs = [p["train_config.x_0"] for p in proposals]
    assert len(xs) == budget == len(set(xs))
    assert all(1.0 <= x <= 10.0 and type(x) is float for x in xs)
    assert search.best(1)[0].score == max(ev.score for ev in search.history)


def test_seed_grid_example_builds_a_grid() -> None:
    args = _seed_search_args("ode_grid_search.yaml")
    search = make_strategy(args["search_type"], args["params_to_search"])
    assert [p["train_config.x_0"] for p in search.ask(20)] == [float(i) for i in range(1, 11)]


def test_gp_keeps_its_kernel_fit_while_the_data_grows_little(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past 100 observations the kernel hyperparameters are re-tuned only once the data grew
    by 2 % (a proposal at 500 observations then costs one Cholesky, not an optimization);
    lies for pending points never re-tune."""
    from mle_search import _gp

    space = Space.from_config(
        {"real": {"a": {"begin": 0.0, "end": 1.0}, "b": {"begin": 0, "end": 1}}}
    )
    rng = np.random.default_rng(0)
    points = [{"a": float(a), "b": float(b)} for a, b in rng.uniform(size=(150, 2))]
    records = [{"params": p, "scores": [(p["a"] - 0.3) ** 2 + p["b"]]} for p in points]
    search = SMBOSearch(space, seed=0, acq_function="EI").resume_from(records)
    calls: list[int] = []
    real = _gp._neg_lml
    monkeypatch.setattr(_gp, "_neg_lml", lambda *a: calls.append(1) or real(*a))
    (p,) = search.ask(1)
    search.tell([p], [1.0])  # 151 < 1.02 * 150: refit without tuning
    pending = search.ask(2)  # the second comes from a copy told a lie
    assert calls == [] and len(pending) == 2
    search.tell(pending, [1.0, 1.0])
    search.tell(search.ask(1), [1.0])  # 154 >= 153: tuned again
    assert calls


def test_gp_retunes_while_results_are_always_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    """An asynchronous runner always has a point pending: the kernel must still be re-tuned
    as the data grows (on the real observations, never on the lies)."""
    from mle_search import _gp

    space = Space.from_config({"real": {"a": {"begin": 0.0, "end": 1.0}}})
    search = SMBOSearch(space, seed=0, n_initial_points=3, acq_function="EI")
    held = search.ask(1)
    tuned: list[int] = []
    real = _gp.GPOptimizer._tune
    monkeypatch.setattr(
        _gp.GPOptimizer, "_tune", lambda self, X, y: tuned.append(len(y)) or real(self, X, y)
    )
    for _ in range(8):  # one result in, one new point out, the other always pending
        (new,) = search.ask(1)
        search.tell(held, [(held[0]["train_config.a"] - 0.3) ** 2])
        held = [new]
    assert len(tuned) >= 4 and tuned == sorted(tuned)
    assert all(n <= len(search.history) for n in tuned)  # lies never reach the tuning
