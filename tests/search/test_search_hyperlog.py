"""HyperLog: JSON lines, append-only, torn lines skipped, the seed's .pkl name redirected."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from mle_search import HyperLog, SearchInputError


def test_records_round_trip_with_status_and_aggregate(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "sub" / "hyper_log.jsonl")
    assert log.read() == [] and not log.exists()
    log.append({"train_config.lr": 0.1}, [1.0, 3.0], batch=0, run_dir="runs/0", started=0.0)
    log.append({"train_config.lr": 0.2}, [2.0, math.nan], batch=0)
    log.append({"train_config.lr": 0.3}, [None, None], batch=1)
    records = HyperLog(tmp_path / "sub" / "hyper_log.jsonl").read()  # a second reader
    assert [r["id"] for r in records] == [0, 1, 2]
    assert [(r["score"], r["status"]) for r in records] == [
        (2.0, "ok"),
        (2.0, "partial"),
        (None, "failed"),
    ]
    assert records[1]["scores"] == [2.0, None]  # NaN is not valid JSON: written as null
    assert records[0]["run_dir"] == "runs/0" and records[0]["started"].startswith("1970-01-01")
    lines = (tmp_path / "sub" / "hyper_log.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["params"] for line in lines)


def test_ids_continue_after_reopening(tmp_path: Path) -> None:
    HyperLog(tmp_path / "h.jsonl").append({"x": 1}, 1.0)
    HyperLog(tmp_path / "h.jsonl").append({"x": 2}, 2.0, id=7)
    third = HyperLog(tmp_path / "h.jsonl").append({"x": 3}, 3.0)
    assert third["id"] == 8


def test_torn_last_line_is_skipped_with_a_warning_and_appending_continues(tmp_path: Path) -> None:
    path = tmp_path / "hyper_log.jsonl"
    log = HyperLog(path)
    log.append({"x": 1}, 1.0)
    log.append({"x": 2}, 2.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 9])  # a crash in the middle of the second write
    with pytest.warns(UserWarning, match="line 2"):
        assert [r["params"] for r in HyperLog(path).read()] == [{"x": 1}]
    HyperLog(path).append({"x": 3}, 3.0)
    with pytest.warns(UserWarning, match="line 2"):
        assert [r["params"] for r in HyperLog(path).read()] == [{"x": 1}, {"x": 3}]


def test_lines_that_are_not_records_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "hyper_log.jsonl"
    path.write_bytes(b'{"params": {"x": 1}, "scores": [1]}\n[1, 2]\n\x80\x04\x95garbage\n\n')
    with pytest.warns(UserWarning) as caught:
        records = HyperLog(path).read()
    assert records == [{"params": {"x": 1}, "scores": [1]}]
    assert len(caught) == 2


def test_pkl_name_writes_jsonl_and_says_so_once(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match=r"hyper_log\.jsonl") as caught:
        log = HyperLog(tmp_path / "hyper_log.pkl")
    assert len(caught) == 1
    log.append({"x": 1}, 1.0)
    log.append({"x": 2}, 2.0)
    assert log.path == tmp_path / "hyper_log.jsonl"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hyper_log.jsonl"]
    assert len(log.read()) == 2


def test_extra_fields_are_kept_and_computed_fields_protected(tmp_path: Path) -> None:
    log = HyperLog(tmp_path / "h.jsonl")
    rec = log.append(
        {"x": 1}, [1.0], extra={"run_dir": tmp_path / "r0", "finished": 0, "jobs": ["a", "b"]}
    )
    (read,) = log.read()
    assert read == rec
    assert read["run_dir"] == str(tmp_path / "r0") and read["jobs"] == ["a", "b"]
    assert read["finished"].startswith("1970-01-01T00:00:00")
    with pytest.raises(SearchInputError, match="'score'"):
        log.append({"x": 2}, [1.0], extra={"score": 5.0})
    with pytest.raises(SearchInputError, match="'batch' given twice"):
        log.append({"x": 2}, [1.0], batch=1, extra={"batch": 2})
    with pytest.raises(SearchInputError, match=r"expected JSON values.*set"):
        log.append({"x": 2}, [1.0], extra={"tags": {"a", "b"}})
    with pytest.raises(SearchInputError, match="expected JSON values"):
        log.append({"x": object()}, [1.0])
    assert len(log.read()) == 1
    assert log.append({"x": 3}, [1.0])["id"] == 1  # failed appends used no id


def test_an_append_after_a_torn_last_line_starts_a_new_line(tmp_path: Path) -> None:
    """Issue 12 item 3: the record after a crash mid-write is never glued to the torn one."""
    path = tmp_path / "hyper_log.jsonl"
    torn = b'{"id": 0, "params": {"x": 1}, "sco'
    path.write_bytes(torn)  # a crash cut the only line short: no newline at the end
    HyperLog(path).append({"x": 2}, 2.0, id=1)
    first, second, end = path.read_bytes().split(b"\n")
    assert first == torn and end == b""
    assert json.loads(second)["params"] == {"x": 2}
    with pytest.warns(UserWarning, match="line 1"):
        assert [r["id"] for r in HyperLog(path).read()] == [1]
