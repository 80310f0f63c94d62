"""A writer killed at random moments (also mid-save, mid-close, mid-reload) never loses or
doubles a saved row, and the log always opens."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from mle_logger import Logger, load_log, log_path


def value(i: int) -> float:
    return float(np.sin(i) * 1000.0 + i)


def writer(folder: str, saved: Any, seed: int) -> None:
    """Resume the log and write rows forever; ``saved`` holds the last completed save's size."""
    rng = random.Random(seed)
    log = Logger(folder, seed_id=0, reload=True)
    n = log.n_rows
    saved.value = n
    while True:
        for _ in range(rng.randint(1, 20)):
            log.update(time={"step": n}, stats={"v": value(n), "w": -n})
            n += 1
        log.save()
        saved.value = n
        if rng.random() < 0.05:  # close (fold into the HDF5 file) and resume
            log.close()
            log = Logger(folder, seed_id=0, reload=True)


def check(folder: Path, at_least: int) -> int:
    if not log_path(folder, 0).exists():  # killed before the logger's first file was in place
        assert at_least == 0
        return 0
    got = load_log(folder)
    n = got.n_rows
    assert n >= at_least, f"lost rows: {n} < {at_least} saved"
    if n == 0:  # killed before the first save: no columns yet
        return 0
    assert np.array_equal(got.time.step, np.arange(n)), "rows lost or doubled"
    assert np.array_equal(got.stats.v, [value(i) for i in range(n)])
    assert np.array_equal(got.stats.w, -np.arange(n))
    with h5py.File(log_path(folder, 0), "r") as f:  # the HDF5 file itself always opens
        assert f["meta"].attrs["format"] == "mle-logger/1"
    return n


def test_random_kills_never_lose_a_saved_row(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    saved = ctx.Value("q", 0, lock=False)
    rng = random.Random(1234)
    kills = 0
    deadline = time.monotonic() + 12.0
    while kills < 80 and time.monotonic() < deadline:
        proc = ctx.Process(target=writer, args=(str(tmp_path), saved, kills))
        proc.start()
        time.sleep(rng.uniform(0.0, 0.06))
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        kills += 1
        check(tmp_path, saved.value)
    assert kills >= 20
    log = Logger(tmp_path, seed_id=0, reload=True)  # a last, clean finish
    log.close()
    n = check(tmp_path, saved.value)
    assert load_log(tmp_path).finished
    assert n > 0


def test_torn_journal_tail_is_ignored_and_cut_before_appending(tmp_path: Path) -> None:
    log = Logger(tmp_path, seed_id=0)
    log.update(time={"step": 0}, stats={"v": 1.0}, save=True)
    log.update(time={"step": 1}, stats={"v": 2.0}, save=True)
    journal = log._w.journal.path
    log._finalizer.detach()  # simulate a kill: no close, no fold, the lock dies with it
    log._w.journal.close()
    assert log._w.lock is not None
    log._w.lock.release()
    with journal.open("ab") as fh:  # a save cut short in the middle of its line
        fh.write(b'{"i":2,"n":1,"time":{"step":[2]},"sta')
    assert load_log(tmp_path).stats.v.tolist() == [1.0, 2.0]
    resumed = Logger(tmp_path, seed_id=0, reload=True)
    resumed.update(time={"step": 2}, stats={"v": 3.0}, save=True)
    resumed.update(time={"step": 3}, stats={"v": 4.0}, save=True)
    assert load_log(tmp_path).stats.v.tolist() == [1.0, 2.0, 3.0, 4.0]
    resumed.close()
    got = load_log(tmp_path)
    assert got.time.step.tolist() == [0, 1, 2, 3] and got.finished
    assert not list((tmp_path / "logs").glob("*.tmp"))


def test_fold_log_puts_a_crashed_runs_rows_into_the_hdf5_file(tmp_path: Path) -> None:
    from mle_logger import LogBusyError, fold_log

    ctx = mp.get_context("fork")
    saved = ctx.Value("q", 0, lock=False)
    proc = ctx.Process(target=writer, args=(str(tmp_path), saved, 7))
    proc.start()
    while saved.value < 50:
        time.sleep(0.005)
    assert proc.pid is not None
    with pytest.raises(LogBusyError, match="still running"):
        fold_log(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    before = check(tmp_path, saved.value)
    was_finished = load_log(tmp_path).finished  # False, unless killed right after a close()
    fold_log(tmp_path)
    assert not (tmp_path / "logs" / "seed_0.journal").exists()
    with h5py.File(log_path(tmp_path, 0), "r") as f:  # h5py alone now sees every row
        assert f["time/step"].shape == (before,)
        assert bool(f["meta"].attrs["finished"]) is was_finished
    assert check(tmp_path, saved.value) == before
