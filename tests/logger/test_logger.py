"""The modern API: Logger.update(time=..., stats=...), save, close, context manager, finish flags."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mle_logger import (
    Logger,
    LoggerClosedError,
    LogUpdateError,
    SeedLog,
    UnknownKeyError,
    load_log,
)


def test_update_by_name_missing_names_are_nan(exp_dir: Path) -> None:
    with Logger(exp_dir, seed_id=1) as log:
        log.update(time={"step": 1}, stats={"loss": 2.0, "acc": 0.5})
        log.update(time={"step": 2}, stats={"loss": 1.0})  # acc not evaluated this step
        log.save()
        log.update(time={"step": 3}, stats={"acc": 0.75, "loss": 0.5}, save=True)
    got = load_log(exp_dir)
    assert isinstance(got, SeedLog)
    assert got.time.step.tolist() == [1, 2, 3]
    assert got.stats.loss.tolist() == [2.0, 1.0, 0.5]
    acc = got.stats["acc"]
    assert acc[0] == 0.5 and math.isnan(acc[1]) and acc[2] == 0.75
    assert got.finished and got.seed_id == 1 and got.n_rows == 3


def test_unknown_name_after_first_update_is_an_error(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    log.update(time={"step": 1}, stats={"loss": 2.0})
    with pytest.raises(UnknownKeyError, match=r"'los' is not tracked \(did you mean 'loss'\?\)"):
        log.update(time={"step": 2}, stats={"los": 1.0})
    log.close()


def test_declared_names_are_fixed_from_the_start(exp_dir: Path) -> None:
    log = Logger(exp_dir, time_keys=["step"], stats_keys=["loss"])
    with pytest.raises(UnknownKeyError):
        log.update(time={"step": 1}, stats={"accuracy": 1.0})
    with pytest.raises(LogUpdateError, match="expected a number"):
        log.update(time={"step": 1}, stats={"loss": [1.0, 2.0]})
    log.close()
    assert load_log(exp_dir).stats.loss.tolist() == []


def test_closed_logger_refuses_updates(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    log.close()
    log.close()  # idempotent
    with pytest.raises(LoggerClosedError):
        log.update(stats={"x": 1})


def test_exception_in_with_block_marks_log_unfinished_and_keeps_rows(exp_dir: Path) -> None:
    with pytest.raises(ZeroDivisionError), Logger(exp_dir) as log:
        log.update(time={"step": 1}, stats={"x": 1.0})
        _ = 1 / 0
    got = load_log(exp_dir)
    assert got.stats.x.tolist() == [1.0]
    assert not got.finished
    assert "end_time" not in got.meta
    assert "ZeroDivisionError" in got.meta["error"]


def test_rows_are_readable_while_the_run_is_going(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    log.update(stats={"x": 1.0}, save=True)
    log.update(stats={"x": 2.0})  # not saved yet
    live = load_log(exp_dir)
    assert live.stats.x.tolist() == [1.0]
    assert not live.finished
    log.close()
    assert load_log(exp_dir).stats.x.tolist() == [1.0, 2.0]


def test_a_garbage_collected_logger_is_finished_even_after_an_earlier_error(
    exp_dir: Path,
) -> None:
    import gc

    try:  # an interactive session keeps the last error in sys.last_value
        sys.last_value = RuntimeError("an earlier, unrelated error")
        log = Logger(exp_dir)
        log.update(stats={"x": 1.0})
        del log
        gc.collect()
    finally:
        del sys.last_value
    got = load_log(exp_dir)
    assert got.finished and got.stats.x.tolist() == [1.0]


def test_meta_records_the_git_commit_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git" / "refs" / "heads").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".git" / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    with Logger(tmp_path / "e1"):
        pass
    assert load_log(tmp_path / "e1").meta["git_commit"] == "a" * 40
    (repo / ".git" / "refs" / "heads" / "main").unlink()  # after `git gc`: packed refs
    (repo / ".git" / "packed-refs").write_text("# pack-refs\n" + "b" * 40 + " refs/heads/main\n")
    with Logger(tmp_path / "e2"):
        pass
    assert load_log(tmp_path / "e2").meta["git_commit"] == "b" * 40
    monkeypatch.chdir(tmp_path)
    with Logger(tmp_path / "e3"):
        pass
    assert "git_commit" not in load_log(tmp_path / "e3").meta


SCRIPT = """
import os, signal, sys
from mle_logger import Logger
def main():
    log = Logger(sys.argv[1], seed_id=0)
    for i in range(3):
        log.update(time={{"step": i}}, stats={{"x": float(i)}})
        log.save()
    {ending}
main()
"""


@pytest.mark.parametrize(
    ("ending", "finished", "rc_ok"),
    [
        ("pass", True, True),  # the seed style: no close(), normal exit
        ("raise RuntimeError('boom')", False, False),  # unhandled exception
        ("os.kill(os.getpid(), signal.SIGKILL)", False, False),  # killed by the scheduler
        ("os.kill(os.getpid(), signal.SIGTERM)", False, False),
    ],
)
def test_finished_flag_tells_a_crashed_run_apart(
    exp_dir: Path, ending: str, finished: bool, rc_ok: bool
) -> None:
    code = textwrap.dedent(SCRIPT.format(ending=ending))
    res = subprocess.run(
        [sys.executable, "-c", code, str(exp_dir)], capture_output=True, timeout=60
    )
    assert (res.returncode == 0) is rc_ok, res.stderr.decode()
    got = load_log(exp_dir)
    assert got.stats.x.tolist() == [0.0, 1.0, 2.0]
    assert got.finished is finished
    assert ("end_time" in got.meta) is finished


def test_import_stays_light_and_changes_no_global_state() -> None:
    probe = (
        "import os, sys, logging, warnings, numpy\n"  # numpy adds warning filters of its own
        "env = dict(os.environ); filters = list(warnings.filters)\n"
        "import mle_logger\n"
        "heavy = {'matplotlib', 'torch', 'tensorboardX', 'pandas', 'scipy', 'mle_config', 'yaml'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "print(env == dict(os.environ), filters == warnings.filters, logging.root.handlers == [])\n"
    )
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:2] == ["[]", "True True True"]
