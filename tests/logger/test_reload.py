"""reload=True continues a log: a resumed job appends, no rows lost or doubled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from mle_logger import DeepLogger, Logger, load_log


def test_reload_appends_after_a_finished_run(exp_dir: Path) -> None:
    with Logger(exp_dir, seed_id=2) as log:
        for i in range(5):
            log.update(time={"step": i}, stats={"loss": 1.0 / (i + 1)}, save=i % 2 == 1)
    first = load_log(exp_dir)
    with Logger(exp_dir, seed_id=2, reload=True) as log:
        assert log.n_rows == 5
        assert not load_log(exp_dir).finished  # running again
        for i in range(5, 8):
            log.update(time={"step": i}, stats={"loss": 1.0 / (i + 1)}, save=True)
    got = load_log(exp_dir)
    assert got.time.step.tolist() == list(range(8))
    assert np.array_equal(got.stats.loss, 1.0 / np.arange(1, 9))
    assert got.finished and got.meta["n_resumes"] == 1
    assert got.meta["start_time"] == first.meta["start_time"]


def test_reload_after_a_crash_keeps_every_saved_row(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    log.update(time={"step": 0}, stats={"x": 0.5}, save=True)
    log.update(time={"step": 1}, stats={"x": 1.5})  # never saved: lost with the crash
    log._finalizer.detach()  # the process dies here: no close, no fold
    log._w.journal.close()
    assert log._w.lock is not None
    log._w.lock.release()  # a killed process's lock dies with it
    crashed = load_log(exp_dir)
    assert crashed.stats.x.tolist() == [0.5] and not crashed.finished
    with Logger(exp_dir, reload=True) as again:
        again.update(time={"step": 1}, stats={"x": 1.5}, save=True)
    assert load_log(exp_dir).time.step.tolist() == [0, 1]


def test_seed_api_reload_keeps_column_order(exp_dir: Path) -> None:
    cfg = {"experiment_dir": str(exp_dir), "verbose": False}
    log = DeepLogger(time_to_track=["step"], what_to_track=["a", "b"], **cfg)  # type: ignore[arg-type]
    log.update_log([0], [1.0, 2.0])
    log.close()
    log = DeepLogger(time_to_track=["step"], what_to_track=["b", "a"], reload=True, **cfg)  # type: ignore[arg-type]
    log.update_log([1], [20.0, 10.0])
    log.close()
    got = load_log(exp_dir)
    assert got.stats.a.tolist() == [1.0, 10.0]
    assert got.stats.b.tolist() == [2.0, 20.0]


def test_reload_without_an_existing_log_starts_fresh(exp_dir: Path) -> None:
    with Logger(exp_dir, reload=True) as log:
        log.update(stats={"x": 1})
    assert load_log(exp_dir).stats.x.tolist() == [1]
