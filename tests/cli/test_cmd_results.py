"""`mle results`, `mle status` and `mle report` on a finished experiment: the same numbers as
mle-logger's aggregation, strictly valid JSON, read-only use, closed pipes, damaged files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Project, multi_yaml
from mle_logger import load_log, score_series, summarize_scores


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, Path]]:
    """Config a: scores 3, 4, 5 over seeds 0..2; config b logs inf (no score)."""
    old = os.umask(0o022)
    try:
        project = Project(tmp_path_factory.mktemp("finished"))
        project.config("a.json", x=1.0)
        project.config("b.json", x=float("inf"))
        project.yaml("exp.yaml", multi_yaml(num_seeds=3, configs=("a.json", "b.json")))
        project.mle("run", "exp.yaml", check=None)
    finally:
        os.umask(old)
    [exp] = project.experiments()
    yield project, exp


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_results_json_is_mle_loggers_summary_and_strict_json(
    finished: tuple[Project, Path],
) -> None:
    project, exp = finished
    doc = _strict(project.mle("results", str(exp), "--json").stdout)
    assert isinstance(doc, dict)
    a, b = doc["configs"]
    # the same seeds scored and summarised by mle-logger directly from the run folders
    runs = [Path(j["run_dir"]) for j in doc["jobs"] if j["config_id"] == a["config_id"]]
    scores = [score_series(load_log(r).stats["score"], "final") for r in runs]
    expected = summarize_scores(scores)
    assert scores == [3.0, 4.0, 5.0]
    assert a["score_mean"] == pytest.approx(expected.mean)
    assert a["score_std"] == pytest.approx(expected.std) == pytest.approx(1.0)  # ddof=1
    assert (a["score_ci_low"], a["score_ci_high"]) == pytest.approx(
        (expected.ci_low, expected.ci_high)
    )
    # an infinite score is no score: the seeds count as failed, never as the best
    assert b["score_mean"] is None and b["n_failed"] == 3
    assert all(j["score"] is None for j in doc["jobs"] if j["config_id"] == "c001")
    table = project.mle("results", str(exp)).stdout
    assert "4" in table and "[1.516, 6.484]" in table
    # no search, no direction: configs are listed, not ranked, so nothing is tied with a best
    assert "ties" not in doc and "vs best" not in table
    assert all("tied_with_best" not in c for c in doc["configs"])


def test_inspecting_commands_write_nothing_into_the_experiment(
    finished: tuple[Project, Path], tmp_path: Path
) -> None:
    project, exp = finished

    def snapshot() -> dict[str, tuple[float, int]]:
        return {str(p): (p.stat().st_mtime, p.stat().st_size) for p in exp.rglob("*")}

    before = snapshot()
    modes = {p: p.stat().st_mode for p in [exp, *exp.rglob("*")]}
    try:
        for p in modes:  # read-only (root ignores it; the snapshot catches writes anyway)
            p.chmod(stat.S_IMODE(modes[p]) & ~0o222)
        assert "time limit per job: no limit" in project.mle("status", str(exp)).stdout
        project.mle("results", str(exp), "--json")
        project.mle("report", str(exp), "-d", str(tmp_path / "report"))
    finally:
        for p, mode in modes.items():
            p.chmod(stat.S_IMODE(mode))
    assert snapshot() == before
    assert (tmp_path / "report" / "report.html").is_file()
    (tmp_path / "a-file").write_text("")  # a report folder that cannot be made: one line
    res = project.mle("report", str(exp), "-d", str(tmp_path / "a-file" / "report"), check=2)
    assert res.stderr.count("\n") == 1 and "a-file" in res.stderr


def test_files_written_are_group_readable(finished: tuple[Project, Path]) -> None:
    _, exp = finished
    for name in ("mle-experiment.json", "results.json", "reproducibility.json"):
        assert stat.S_IMODE((exp / name).stat().st_mode) == 0o644, name


@pytest.mark.parametrize("command", ["results", "status"])
def test_output_to_a_closed_pipe_ends_quietly(finished: tuple[Project, Path], command: str) -> None:
    _, exp = finished
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        res = subprocess.run(
            [sys.executable, "-m", "mle_cli", command, str(exp)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert res.returncode == 0 and res.stderr == ""


def test_damaged_experiment_record_is_one_line(
    finished: tuple[Project, Path], tmp_path: Path
) -> None:
    project, exp = finished
    copy = tmp_path / exp.name
    shutil.copytree(exp, copy)
    marker = copy / "mle-experiment.json"
    marker.write_text(marker.read_text()[:40])
    for command in ("status", "results", "report"):
        res = project.mle(command, str(copy), check=2)
        assert res.stderr.count("\n") == 1 and "mle-experiment.json" in res.stderr, res.stderr


def test_undecodable_event_log_lines_are_skipped_with_a_warning(
    finished: tuple[Project, Path], tmp_path: Path
) -> None:
    project, exp = finished
    copy = tmp_path / exp.name
    shutil.copytree(exp, copy)
    with (copy / "events.jsonl").open("ab") as fh:
        fh.write(b'{"job_id": "c000-s0", "state": "\xff\xfe"}\n{"job_id": 3')
    res = project.mle("status", str(copy))
    assert "c000-s0" in res.stdout and "done" in res.stdout
    assert "events.jsonl" in res.stderr and "Traceback" not in res.stderr


def test_damaged_job_rows_are_skipped_and_named(
    finished: tuple[Project, Path], tmp_path: Path
) -> None:
    project, exp = finished
    copy = tmp_path / exp.name
    shutil.copytree(exp, copy)
    with (copy / "jobs.jsonl").open("a") as fh:  # a row missing fields, one of the wrong type
        fh.write('{"job_id": "c009-s0"}\n{"job_id": "c9", "config_id": "c9", "seed": "zero"}\n')
    for command in ("status", "results"):
        res = project.mle(command, str(copy))
        assert "c000-s0" in res.stdout or "c000" in res.stdout
        assert res.stderr.count("jobs.jsonl") == 2 and "Traceback" not in res.stderr
