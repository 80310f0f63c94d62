"""An I/O error during training warns and keeps rows; it surfaces at close, never earlier."""

from __future__ import annotations

import errno
import os
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
from mle_logger import Logger, LogWriteError, LogWriteWarning, load_log


class FlakyOs(SimpleNamespace):
    """``os`` for the journal module whose ``write`` fails (after writing part of the data)."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = True

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def write(self, fd: int, data: memoryview) -> int:
        if self.failing:
            os.write(fd, data[: len(data) // 2])  # a torn write, then the error
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, data)


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> FlakyOs:
    fake = FlakyOs()
    monkeypatch.setattr("mle_logger._journal.os", fake)
    monkeypatch.setattr("mle_logger._logger._RETRY_DELAYS", (0.0,))
    return fake


def test_failed_saves_warn_once_and_recover(exp_dir: Path, flaky: FlakyOs) -> None:
    log = Logger(exp_dir)
    with pytest.warns(LogWriteWarning, match="rows stay in memory") as rec:
        for i in range(3):
            log.update(time={"step": i}, stats={"x": float(i)})
            log.save()  # the training loop goes on
    assert len(rec) == 1
    assert load_log(exp_dir).n_rows == 0
    flaky.failing = False
    log.update(time={"step": 3}, stats={"x": 3.0})
    log.save()
    assert load_log(exp_dir).time.step.tolist() == [0, 1, 2, 3]  # torn bytes were cut back
    log.close()
    assert load_log(exp_dir).finished


def test_persistent_failure_raises_at_close_with_rows_kept(exp_dir: Path, flaky: FlakyOs) -> None:
    log = Logger(exp_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LogWriteWarning)
        for i in range(3):
            log.update(time={"step": i}, stats={"x": float(i)}, save=True)
    with pytest.raises(LogWriteError, match="No space left"):
        log.close()
    got = load_log(exp_dir)  # the HDF5 file was still written at close
    assert got.time.step.tolist() == [0, 1, 2]
    assert got.finished


def test_failed_checkpoint_warns_and_surfaces_at_close(
    exp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("mle_logger._artifacts.np.savez", full_disk)
    log = Logger(exp_dir)
    with pytest.warns(LogWriteWarning, match="could not save the checkpoint of update 0"):
        log.update(stats={"x": 1.0}, model={"w": np.ones(2)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        log.update(stats={"x": 2.0}, model={"w": np.ones(2)}, save=True)
    with pytest.raises(LogWriteError, match="2 side output"):
        log.close()
    assert load_log(exp_dir).stats.x.tolist() == [1.0, 2.0]
