"""The journal: torn lines, appends after them, and folding a long one in bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from mle_logger import LogFormatError, Logger, LogWriteWarning, load_log
from mle_logger._journal import JournalReader, JournalWriter


def test_an_append_after_a_torn_line_starts_a_new_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.journal"
    good = b'{"i":0}\n'
    path.write_bytes(good + b'{"i":1,"n":1,"ti')  # a write cut short, not cut back
    writer = JournalWriter(path, good_size=len(good))

    def no_truncate(fd: int, size: int) -> None:
        raise OSError("ftruncate not supported here")

    monkeypatch.setattr(os, "ftruncate", no_truncate)
    writer.append({"i": 1})
    writer.append({"i": 2})
    writer.close()
    assert path.read_bytes() == good + b'{"i":1,"n":1,"ti\n{"i":1}\n{"i":2}\n'
    with path.open("rb") as fh, pytest.warns(RuntimeWarning, match=r"j\.journal:2: skipping"):
        records = list(JournalReader(fh, path).records())
    assert records == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_a_save_torn_by_a_failed_write_loses_no_row(
    exp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Logger(exp_dir)
    log.update(time={"step": 0}, stats={"v": 0.0}, save=True)
    real_write = os.write
    calls = {"n": 0}

    def half_then_fail(fd: int, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    def no_truncate(fd: int, size: int) -> None:
        raise OSError("ftruncate not supported here")

    monkeypatch.setattr(os, "ftruncate", no_truncate)  # the torn half stays in the file
    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.warns(LogWriteWarning):
        log.update(time={"step": 1}, stats={"v": 1.0}, save=True)
    monkeypatch.setattr(os, "write", real_write)
    log.update(time={"step": 2}, stats={"v": 2.0}, save=True)
    text = log._w.journal.path.read_bytes()
    assert text.count(b"\n") == 3 and text.endswith(b'"v":[1.0,2.0]}}\n')
    with pytest.warns(RuntimeWarning, match="skipping a damaged journal line"):
        assert load_log(exp_dir).stats.v.tolist() == [0.0, 1.0, 2.0]  # type: ignore[union-attr]
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log.close()
    assert load_log(exp_dir).stats.v.tolist() == [0.0, 1.0, 2.0]  # type: ignore[union-attr]


def test_a_journal_record_of_the_wrong_shape_is_one_format_error(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    log.update(stats={"v": 1.0}, save=True)
    log._finalizer.detach()
    log._w.journal.close()
    assert log._w.lock is not None
    log._w.lock.release()
    with log._w.journal.path.open("ab") as fh:
        fh.write(json.dumps({"i": 1, "n": 1, "time": {}, "stats": {"v": 5}}).encode() + b"\n")
    with pytest.raises(LogFormatError, match="expected 'stats' to map names to lists"):
        load_log(exp_dir)


# Writes a crashed log whose journal holds `rows` one-row saves (the worst case), then reports
# the peak memory of folding it, above the baseline after imports.
FOLD_PEAK = textwrap.dedent(
    """
    import json, os, resource, sys
    from pathlib import Path
    import h5py, numpy
    from mle_logger import Logger, fold_log, load_log
    exp, rows = sys.argv[1], int(sys.argv[2])
    log = Logger(exp, seed_id=0)
    log.update(time={"step": 0}, stats={f"s{k}": 0.0 for k in range(10)}, save=True)
    journal = log._w.journal.path
    with open(journal, "a") as fh:
        for i in range(1, rows):
            rec = {"i": i, "n": 1, "time": {"step": [i]},
                   "stats": {f"s{k}": [i * 0.5 + k] for k in range(10)}}
            fh.write(json.dumps(rec, separators=(",", ":")) + "\\n")
    del rec
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fold_log(exp, force=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((peak - base) / 1024)
    os._exit(0)
    """
)


def test_folding_a_long_journal_takes_memory_flat_in_its_rows(tmp_path: Path) -> None:
    rows = 60_000
    out = subprocess.run(
        [sys.executable, "-c", FOLD_PEAK, str(tmp_path / "exp"), str(rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb = float(out.stdout.split()[-1])
    # Reading the whole journal first (the old fold) peaks at ~200 MB here; the data itself is
    # 60,000 rows x 11 columns x 8 bytes = 5 MB.
    assert peak_mb < 40, f"folding {rows} rows peaked at {peak_mb:.0f} MB"
    log = load_log(tmp_path / "exp")
    assert log.n_rows == rows and log.stats.s9[-1] == (rows - 1) * 0.5 + 9  # type: ignore[union-attr]
    assert log.time.step.dtype.kind == "i"  # type: ignore[union-attr]


def test_non_utf8_bytes_in_the_journal_are_one_skipped_line(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    log.update(time={"step": 0}, stats={"v": 0.0}, save=True)
    log._finalizer.detach()  # killed: the journal stays
    log._w.journal.close()
    assert log._w.lock is not None
    log._w.lock.release()
    with log._w.journal.path.open("ab") as fh:
        fh.write(b"\xff\xfe garbage\n")
        rec = {"i": 1, "n": 1, "time": {"step": [1]}, "stats": {"v": [1.0]}}
        fh.write(json.dumps(rec).encode() + b"\n")
    with pytest.warns(RuntimeWarning, match=r"seed_0\.journal:2: skipping a damaged"):
        assert load_log(exp_dir).stats.v.tolist() == [0.0, 1.0]  # type: ignore[union-attr]
