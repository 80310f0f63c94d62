"""Behaviours asserted by the original mle-hyperopt suite about storing and reloading a search
(tests/test_load.py), driving a search to its end (tests/test_decorator.py) and keeping a
checkpoint with each result (tests/test_iter_strategy.py::test_store_ckpt), re-stated against
mle_search's own API.

Differences on purpose, repeated where a test relies on one:
- the original's ``strategy.save(path)`` (JSON or pickle) plus ``reload_path=`` is our
  append-only JSON-lines ``HyperLog`` read back into ``make_strategy(..., history=...)`` /
  ``Strategy.resume_from`` / ``SearchLoop.restore``; a ``.pkl`` path is written as JSON lines
  (no pickle is ever read or written);
- ``eval_counter`` is ``len(strategy.history)``;
- the ``@hyperopt(strategy_type=..., num_search_iters=...)`` decorator is ``SearchLoop`` with a
  ``budget``, which the caller drives (it also runs seeds, batches and clusters);
- ``tell(configs, values, ckpts)`` is a hyper-log record's extra field: strategies never see
  checkpoint paths; records are keyed by trial id, never by parameter values;
- a failed seed is None (or NaN), not 0, and a trial whose seeds all failed never ranks.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from mle_search import HyperLog, SearchLoop, make_strategy

LR, BS, ARCH = "train_config.lrate", "train_config.batch_size", "train_config.arch"

#: the original's grid: 5 lrate bins x batch sizes 1..5 (inclusive here) x 2 archs
GRID: dict[str, Any] = {
    "real": {"lrate": {"begin": 0.1, "end": 0.5, "bins": 5}},
    "integer": {"batch_size": {"begin": 1, "end": 5}},
    "categorical": {"arch": ["mlp", "cnn"]},
}
CONTINUOUS: dict[str, Any] = {
    "real": {"lrate": {"begin": 0.1, "end": 0.5, "prior": "uniform"}},
    "integer": {"batch_size": {"begin": 1, "end": 5, "prior": "uniform"}},
    "categorical": {"arch": ["mlp", "cnn"]},
}
FAST_SMBO: dict[str, Any] = {"n_initial_points": 3, "acq_optimizer": "sampling"}


def loss(p: dict[str, Any]) -> float:
    """Lowest at lrate 0.2, batch size 3, 'cnn'."""
    return (p[LR] - 0.2) ** 2 + (p[BS] - 3) ** 2 + (3.0 if p[ARCH] == "mlp" else 0.0)


def save(
    path: Path, search_type: str, config: dict[str, Any], n: int, **options: Any
) -> list[dict[str, Any]]:
    """Ask and tell ``n`` points, appending each result to a hyper log at ``path``."""
    strategy = make_strategy(search_type, config, seed=0, **options)
    log = HyperLog(path)
    proposals = strategy.ask(n)
    for ev in strategy.tell(proposals, [loss(p) for p in proposals]):
        log.append(ev.params, list(ev.scores))
    return proposals


# -- test_load.py: save, then a new strategy reloaded from the file knows what was done ---------
def test_a_grid_reloaded_from_its_log_counts_and_skips_what_was_done(tmp_path: Path) -> None:
    path = tmp_path / "search_log.jsonl"
    done = save(path, "grid", GRID, 2)
    assert path.is_file()
    grid = make_strategy("grid", GRID, history=HyperLog(path).read())
    assert len(grid.history) == 2  # the original's eval_counter == 2
    rest = grid.ask(100)
    assert len(rest) == 48 and not [p for p in rest if p in done]
    assert grid.exhausted


def test_a_pkl_log_name_is_written_and_reloaded_as_json_lines(tmp_path: Path) -> None:
    # our difference: pickles are never written or read; the .pkl name becomes .jsonl
    with pytest.warns(UserWarning, match="pickle"):
        done = save(tmp_path / "search_log.pkl", "grid", GRID, 2)
    assert not (tmp_path / "search_log.pkl").exists()
    assert (tmp_path / "search_log.jsonl").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        records = HyperLog(tmp_path / "search_log.pkl").read()
    assert [r["params"] for r in records] == done
    assert [r["score"] for r in records] == [loss(p) for p in done]


@pytest.mark.parametrize("search_type", ["random", "smbo", "coordinate"])
def test_other_strategies_reload_their_results_and_best(tmp_path: Path, search_type: str) -> None:
    path = tmp_path / "log.jsonl"
    config = GRID if search_type == "coordinate" else CONTINUOUS
    options = FAST_SMBO if search_type == "smbo" else {}
    save(path, search_type, config, 4, **options)
    records = HyperLog(path).read()
    reloaded = make_strategy(search_type, config, seed=0, history=records, **options)
    assert len(reloaded.history) == len(records) > 0
    best = min(records, key=lambda r: r["score"])
    assert reloaded.best(1)[0].params == best["params"]
    told = {tuple(r["params"].values()) for r in records}
    more = reloaded.ask(3)
    assert not told & {tuple(p.values()) for p in more}  # nothing done is proposed again


def test_a_loop_restored_from_its_log_continues_ids_and_budget(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "log.jsonl")
    first = SearchLoop(make_strategy("grid", GRID), budget=6, seeds=1, log=log)
    for trial in first.propose(3):
        first.report(trial.id, trial.seeds[0], loss(trial.params))
    resumed = SearchLoop(make_strategy("grid", GRID), budget=6, seeds=1, log=log)
    resumed.restore()  # reads the loop's own log
    trials = resumed.propose(10)
    assert [t.id for t in trials] == [3, 4, 5]  # the budget left, ids after the logged ones
    done = [r["params"] for r in log.read()]
    assert not [t for t in trials if t.params in done]


# -- test_decorator.py: a 25-point grid driven to its end gives 25 results ----------------------
def test_a_search_driven_to_its_budget_evaluates_every_grid_point(tmp_path: Path) -> None:
    space = {
        "real": {
            "x": {"begin": 0.0, "end": 0.5, "bins": 5},
            "y": {"begin": 0.0, "end": 0.5, "bins": 5},
        }
    }
    # our difference: no decorator; SearchLoop(budget=25) is driven by the caller
    loop = SearchLoop(make_strategy("grid", space), budget=25, seeds=1, log=tmp_path / "l.jsonl")
    while not loop.done:
        for trial in loop.propose(4):
            x, y = trial.params["train_config.x"], trial.params["train_config.y"]
            loop.report(trial.id, trial.seeds[0], x**2 + y**2)
    assert len(loop.history) == 25 == len(HyperLog(tmp_path / "l.jsonl").read())
    assert loop.best(1)[0].params == {"train_config.x": 0.0, "train_config.y": 0.0}


# -- test_iter_strategy.py::test_store_ckpt: the best results come with their checkpoints -------
def test_best_results_keep_their_checkpoint_paths(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "log.jsonl")
    space = {"real": {"lrate": {"begin": 0.1, "end": 0.5}}}
    for lrate, value, ckpt in [(0.2, 0.25, "ckpt1.pt"), (0.3, 0.35, "ckpt2.pt"),
                               (0.4, 0.45, "ckpt3.pt")]:  # fmt: skip
        log.append({LR: lrate}, [value], extra={"ckpt": ckpt})
    records = log.read()
    strategy = make_strategy("random", space, maximize=True, history=records)
    # our difference: the strategy ranks, the log record (keyed by id) holds the checkpoint
    ckpt_of = {r["params"][LR]: r["ckpt"] for r in records}  # type: ignore[typeddict-item]
    assert [ckpt_of[ev.params[LR]] for ev in strategy.best(3)] == [
        "ckpt3.pt",
        "ckpt2.pt",
        "ckpt1.pt",
    ]


def test_a_failed_seed_is_none_and_an_all_failed_result_never_ranks(tmp_path: Path) -> None:
    # our difference: the original recorded whatever number the run returned; a failed seed
    # here is None (or NaN), never 0, so a crash can not look like a perfect loss
    log = HyperLog(tmp_path / "log.jsonl")
    log.append({LR: 0.2}, [None, None])
    log.append({LR: 0.3}, [0.5, None])
    log.append({LR: 0.4}, [0.7, 0.9])
    records = log.read()
    assert [r["status"] for r in records] == ["failed", "partial", "ok"]
    assert records[0]["score"] is None
    strategy = make_strategy(
        "random", {"real": {"lrate": {"begin": 0.1, "end": 0.5}}}, history=records
    )
    assert [ev.params[LR] for ev in strategy.best(3)] == [0.3, 0.4]
