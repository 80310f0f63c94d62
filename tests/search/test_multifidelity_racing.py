"""Seed-aware racing: a trial runs one seed first and more only while its t-interval can
still reach the best trial; the record lists the seeds run and those skipped."""

from __future__ import annotations

from pathlib import Path

from mle_search import HyperLog, SearchLoop, make_strategy
from mle_search._racing import SeedRace, t_quantile

SPACE = {"real": {"x": {"begin": 0.0, "end": 1.0, "bins": 11}}}


def test_the_interval_decides() -> None:
    race = SeedRace()
    assert race.go_on([5.0], 1.0)  # no spread known yet: every seed runs
    race.add([1.0, 1.2, 0.8])  # sd 0.2 (ddof 1), 2 degrees of freedom
    assert t_quantile(2) == 4.303
    assert race.go_on([1.5], 1.0)  # 1.5 - 4.303 * 0.2 = 0.64 <= 1.0: may still be best
    assert not race.go_on([2.0], 1.0)  # 2.0 - 0.86 > 1.0: cannot reach it
    race.add([None, 3.0])  # one scored seed: no spread information
    assert not race.go_on([2.0], 1.0)


def test_a_racing_loop_runs_fewer_seeds_for_bad_points(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    loop = SearchLoop(
        make_strategy("grid", SPACE), budget=None, seeds=[0, 1, 2, 3], log=log, race=True
    )

    def value(x: float, seed: int) -> float:  # minimized; best near x = 0
        return x * 10 + 0.05 * (seed - 1.5)

    runs = 0
    while not loop.done:
        opened = loop.propose(2)
        assert all(len(t.seeds) == 4 for t in opened)
        todo = loop.next_runs()
        assert todo or loop.done
        for tid, seed in todo:
            trial = next(t for t in loop.pending_trials if t.id == tid)
            runs += 1
            loop.report(tid, seed, value(trial.params["train_config.x"], seed))
    assert loop.n_told == 11
    assert runs == 11 * 4 - loop.seed_runs_saved
    assert loop.seed_runs_saved >= 20  # the far points stopped after one seed
    records = log.read()
    first = records[0]
    assert first["seeds"] == [0, 1, 2, 3] and "raced" not in first  # nothing to race yet
    raced = [r for r in records if "raced" in r]
    assert raced
    for rec in raced:
        assert len(rec["seeds"]) == len(rec["scores"]) < 4
        assert sorted(rec["seeds"] + rec["raced"]["skipped"]) == [0, 1, 2, 3]
    assert loop.best(1)[0].params == {"train_config.x": 0.0}


def test_without_racing_next_runs_gives_every_seed_once() -> None:
    loop = SearchLoop(make_strategy("grid", SPACE), budget=2, seeds=[0, 1])
    loop.propose(None)
    assert loop.next_runs() == [(0, 0), (0, 1)]
    assert loop.next_runs() == []
