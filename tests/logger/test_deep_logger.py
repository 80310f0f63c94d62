"""The seed API: DeepLogger(**log_config), update_log, save_log, printing, config keys."""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
from mle_logger import (
    DeepLogger,
    LogExistsError,
    LogUpdateError,
    UnknownKeyError,
    load_log,
    log_path,
)

SEED_LOG_CONFIG = {
    "time_to_track": ["step_counter"],
    "what_to_track": ["integral"],
    "tboard_fname": None,
    "time_to_print": ["step_counter"],
    "what_to_print": ["integral"],
    "print_every_k_updates": 10,
    "overwrite_experiment_dir": 0,
}


def make(exp_dir: Path, **extra: object) -> DeepLogger:
    cfg = {**SEED_LOG_CONFIG, "experiment_dir": str(exp_dir), "seed_id": 3, **extra}
    return DeepLogger(**cfg)  # type: ignore[arg-type]


def test_rows_land_in_the_documented_hdf5_layout(exp_dir: Path) -> None:
    log = make(exp_dir, verbose=False, config_fname="cfg.json")
    for i in range(5):
        log.update_log([i + 1], [np.float64(0.5 * i)])
        log.save_log()
    log.close()
    path = exp_dir / "logs" / "seed_3.hdf5"
    assert path == log_path(exp_dir, 3)
    with h5py.File(path, "r") as f:
        assert f["time/step_counter"][()].tolist() == [1, 2, 3, 4, 5]
        assert f["stats/integral"][()].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
        meta = dict(f["meta"].attrs)
    assert meta["seed_id"] == 3
    assert bool(meta["finished"]) is True
    assert meta["start_time"] <= meta["end_time"]
    assert meta["config_fname"] == "cfg.json"
    assert meta["host"] and meta["mle_logger_version"]
    assert not (exp_dir / "logs" / "seed_3.journal").exists()


def test_length_mismatch_names_expected_and_found(exp_dir: Path) -> None:
    log = make(exp_dir, verbose=False)
    with pytest.raises(LogUpdateError, match=r"expected 1 time value.*found 1 and 2"):
        log.update_log([1], [1.0, 2.0])
    with pytest.raises(LogUpdateError, match=r"integral.*expected a number, found str"):
        log.update_log([1], ["high"])
    log.close()


def test_unknown_config_key_suggests_the_close_one(exp_dir: Path) -> None:
    with pytest.raises(UnknownKeyError, match=r"'what_to_trak' \(did you mean 'what_to_track'\?\)"):
        make(exp_dir, what_to_trak=["x"])
    with pytest.raises(TypeError):  # also a TypeError, like any bad keyword
        make(exp_dir, bogus=1)


def test_typo_in_print_or_metric_name_fails_before_training(exp_dir: Path) -> None:
    with pytest.raises(UnknownKeyError, match=r"print name 'integrl'.*did you mean 'integral'"):
        make(exp_dir, what_to_print=["integrl"])
    with pytest.raises(UnknownKeyError, match="top_k_metric_name 'loss'"):
        make(exp_dir, save_top_k_ckpt=2, top_k_metric_name="loss")


def test_prints_one_aligned_row_every_k_updates(
    exp_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = make(exp_dir, print_every_k_updates=2)
    for i in range(6):  # numpy 2 scalars of several kinds must print (the original crashed)
        log.update_log([np.int64(i + 1)], [np.float32(i) / 3])
    log.close()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 3  # header once, then updates 2, 4, 6
    assert lines[0].split() == ["step_counter", "integral"]
    assert [int(line.split()[0]) for line in lines[1:]] == [2, 4, 6]
    assert float(lines[-1].split()[1]) == pytest.approx(5 / 3, rel=1e-4)
    assert len({len(line) for line in lines}) == 1  # aligned columns


def test_verbose_false_prints_nothing(exp_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = make(exp_dir, print_every_k_updates=1, verbose=False)
    log.update_log([1], [1.0])
    log.close()
    assert capsys.readouterr().out == ""


def test_retry_after_a_crash_sets_the_unfinished_log_aside(exp_dir: Path) -> None:
    crashed = make(exp_dir, verbose=False)
    crashed.update_log([1], [1.0])
    crashed.save_log()
    crashed._finalizer.detach()  # the job died here
    crashed._w.journal.close()
    assert crashed._w.lock is not None
    crashed._w.lock.release()  # a killed process's lock dies with it
    with pytest.warns(RuntimeWarning, match=r"kept as seed_3\.attempt_1\.hdf5"):
        retry = make(exp_dir, verbose=False)
    retry.update_log([2], [2.0])
    retry.close()
    assert load_log(exp_dir).time.step_counter.tolist() == [2]  # the attempt file is not a seed
    old = load_log(exp_dir / "logs" / "seed_3.attempt_1.hdf5")
    assert old.stats.integral.tolist() == [1.0] and not old.finished


def test_existing_log_is_not_silently_replaced(exp_dir: Path) -> None:
    make(exp_dir, verbose=False).close()
    with pytest.raises(LogExistsError, match="reload=True"):
        make(exp_dir, verbose=False)
    log = make(exp_dir, verbose=False, overwrite_experiment_dir=1)
    log.update_log([7], [7.0])
    log.close()
    assert load_log(exp_dir).time.step_counter.tolist() == [7]


def test_tensorboard_without_writer_warns_once_and_logs(
    exp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mle_logger._tboard._summary_writer_class", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = make(exp_dir, verbose=False, tboard_fname="ode_fun")
        for i in range(3):
            log.update_log([i], [float(i)])
            log.save_log()
        log.close()
    assert len([w for w in caught if "TensorBoard" in str(w.message)]) == 1
    assert load_log(exp_dir).stats.integral.tolist() == [0.0, 1.0, 2.0]


def test_tensorboard_writer_gets_scalars_and_a_failing_one_is_dropped(
    exp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, float, int]] = []

    class FakeWriter:
        def __init__(self, logdir: str) -> None:
            self.logdir = logdir

        def add_scalar(self, tag: str, value: float, step: int) -> None:
            if len(calls) == 2:
                raise OSError("disk full")
            calls.append((tag, value, step))

        def flush(self) -> None: ...

        def close(self) -> None: ...

    monkeypatch.setattr("mle_logger._tboard._summary_writer_class", lambda: FakeWriter)
    log = make(exp_dir, verbose=False, tboard_fname="ode_fun")
    with pytest.warns(RuntimeWarning, match="TensorBoard output disabled"):
        for i in range(4):
            log.update_log([10 * i], [float(i)])
    log.close()
    assert calls == [("integral", 0.0, 0), ("integral", 1.0, 10)]
    assert load_log(exp_dir).stats.integral.tolist() == [0.0, 1.0, 2.0, 3.0]
