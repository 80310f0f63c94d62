"""JournalFollower: a driver follows a run's metric while the run's logger appends to its
journal, reading only the new bytes each time, and never trips over a half-written line."""

from __future__ import annotations

import builtins
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from mle_logger import JournalFollower, Logger, journal_path, log_path


def _line(i: int, n: int, steps: list[Any], losses: list[Any]) -> bytes:
    rec = {"i": i, "n": n, "time": {"step": steps}, "stats": {"loss": losses}}
    return (json.dumps(rec) + "\n").encode()


def test_follows_a_real_loggers_journal_row_by_row_while_it_runs(tmp_path: Path) -> None:
    log = Logger(tmp_path, seed_id=1, time_keys=["step"], stats_keys=["loss", "acc"])
    follow = JournalFollower(journal_path(log_path(tmp_path, 1)), "loss", "step")
    assert follow.poll() == []  # no journal yet
    log.update({"step": 10}, {"loss": 0.9, "acc": 0.1}, save=True)
    assert follow.poll() == [(10.0, 0.9)]
    assert follow.poll() == []
    log.update({"step": 20}, {"loss": 0.7, "acc": 0.2})
    log.update({"step": 30}, {"loss": 0.5, "acc": 0.3}, save=True)
    assert follow.poll() == [(20.0, 0.7), (30.0, 0.5)]
    assert follow.last == (30.0, 0.5) and not follow.ended
    log.update({"step": 40}, {"loss": 0.4, "acc": 0.4})
    log.close()  # folded into the HDF5 file; the journal is gone
    assert follow.poll() == [] and follow.last == (30.0, 0.5)
    assert follow.poll(final=True) == [(40.0, 0.4)]  # the run ended: read from the HDF5 log
    assert follow.poll(final=True) == [] and follow.last == (40.0, 0.4)


def test_each_poll_reads_only_the_bytes_appended_since_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "seed_0.journal"
    path.write_bytes(_line(0, 2, [1, 2], [0.5, 0.4]))
    follow = JournalFollower(path, "loss", "step")
    assert len(follow.poll()) == 2
    reads: list[int] = []
    real_open = builtins.open

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        fh = real_open(*args, **kwargs)
        real_read = fh.read
        fh.read = lambda n=-1: reads.append(n) or real_read(n)  # type: ignore[method-assign]
        return fh

    monkeypatch.setattr(builtins, "open", counting_open)
    assert follow.poll() == [] and reads == []  # nothing new: a stat, no read
    extra = _line(2, 1, [3], [0.3])
    with path.open("ab") as fh:
        fh.write(extra)
    assert follow.poll() == [(3.0, 0.3)]
    assert reads == [len(extra)]


def test_a_torn_last_line_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / "seed_0.journal"
    second = _line(1, 1, [2], [0.4])
    path.write_bytes(_line(0, 1, [1], [0.5]) + second[:10])
    follow = JournalFollower(path, "loss", "step")
    assert follow.poll() == [(1.0, 0.5)]
    assert follow.poll() == []
    with path.open("ab") as fh:
        fh.write(second[10:])
    assert follow.poll() == [(2.0, 0.4)]


def test_repeats_nan_rows_damaged_lines_and_the_end_record(tmp_path: Path) -> None:
    path = tmp_path / "seed_0.journal"
    nan = float("nan")
    path.write_bytes(
        _line(0, 2, [1, 2], [0.5, nan])  # loss not given at step 2
        + b'{"i": 2, "n": 1, "ti\n'  # damaged by a crash, then a later save
        + _line(0, 3, [1, 2, 3], [0.5, nan, 0.3])  # saved again after a failed save
        + _line(3, 1, [4], [math.inf])  # diverged: returned, the pruner stops it
        + b'{"end": {"finished": true}}\n'
    )
    follow = JournalFollower(path, "loss", "step")
    assert follow.poll() == [(1.0, 0.5), (3.0, 0.3), (4.0, math.inf)]
    assert follow.ended


def test_without_a_time_key_the_step_is_the_row_number(tmp_path: Path) -> None:
    path = tmp_path / "seed_0.journal"
    path.write_bytes(_line(0, 2, [None, None], [0.5, 0.4]) + _line(2, 1, [None], [0.3]))
    assert JournalFollower(path, "loss", None).poll() == [(1.0, 0.5), (2.0, 0.4), (3.0, 0.3)]
    assert JournalFollower(path, "acc", None).poll() == []  # a metric the run does not log


def test_a_journal_replaced_at_the_same_path_is_read_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "seed_0.journal"
    path.write_bytes(_line(0, 2, [1, 2], [0.5, 0.4]))
    follow = JournalFollower(path, "loss", "step")
    assert len(follow.poll()) == 2
    new = tmp_path / "new.journal"  # a reloaded log: rows 0-1 folded, the journal goes on
    new.write_bytes(_line(2, 1, [3], [0.3]))
    os.replace(new, path)
    assert follow.poll() == [(3.0, 0.3)]


def test_a_new_attempts_journal_is_followed_from_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "seed_0.journal"
    path.write_bytes(_line(0, 2, [1, 2], [0.5, 0.4]))
    follow = JournalFollower(path, "loss", "step")
    assert len(follow.poll()) == 2
    path.unlink()  # the run folder was moved aside; the job runs again
    path.write_bytes(_line(0, 1, [1], [0.6]))
    assert follow.poll() == [(1.0, 0.6)]
