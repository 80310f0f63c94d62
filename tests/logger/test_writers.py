"""One writer per seed: a second logger of the same seed is refused while the first is alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from mle_logger import LogBusyError, Logger, LogWriteWarning, load_log
from mle_logger._layout import lock_path

# Waits for <go>, opens the log of seed 0, reports "ok" or "busy" in <out>, and (if it opened
# the log) logs 50 rows, waits for <release> and closes.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mle_logger import Logger, LogBusyError
    exp, go, out, release, tag = sys.argv[1:]
    while not Path(go).exists():
        time.sleep(0.001)
    try:
        log = Logger(exp, seed_id=0)
    except LogBusyError as exc:
        Path(out).write_text("busy " + str(exc))
        sys.exit(0)
    Path(out).write_text("ok")
    for i in range(50):
        log.update(time={"step": i}, stats={"who": float(tag)}, save=True)
    while not Path(release).exists():
        time.sleep(0.005)
    log.close()
    """
)


def wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def test_two_writers_started_together_one_is_refused(tmp_path: Path) -> None:
    exp, go, release = tmp_path / "exp", tmp_path / "go", tmp_path / "release"
    outs = [tmp_path / f"out_{k}" for k in (1, 2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(exp), str(go), str(out), str(release), str(k)]
        )
        for k, out in zip((1, 2), outs, strict=True)
    ]
    try:
        go.touch()  # both start at the same moment
        wait_for(lambda: all(o.exists() and o.read_text() for o in outs))
        results = sorted(o.read_text().split()[0] for o in outs)
        assert results == ["busy", "ok"]
        busy = next(o.read_text() for o in outs if o.read_text().startswith("busy"))
        assert "still running" in busy and "pid" in busy
        release.touch()
        for p in procs:
            assert p.wait(timeout=120) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    log = load_log(exp)
    winner = float(next(k for k, o in zip((1, 2), outs, strict=True) if o.read_text() == "ok"))
    assert log.finished and log.stats.who.tolist() == [winner] * 50  # type: ignore[union-attr]
    assert not list((exp / "logs").glob("*.attempt_*"))  # the live log was never set aside
    assert not lock_path(log.path).exists()  # type: ignore[union-attr]


def test_the_refusal_names_a_holder_that_writes_its_pid_just_after_locking(tmp_path: Path) -> None:
    # The holder locks first and writes "pid host" a moment later: a taker in between must wait
    # for the name rather than report "another process" (a race seen in CI).
    import fcntl
    import threading

    from mle_logger._lock import acquire

    lock_file = tmp_path / "seed_0.lock"
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    late = threading.Timer(0.2, lambda: os.pwrite(fd, b"4242 somehost\n", 0))
    late.start()
    try:
        with pytest.raises(LogBusyError, match="pid 4242 on host somehost"):
            acquire(lock_file, tmp_path / "seed_0.hdf5")
    finally:
        late.join()
        os.close(fd)


def test_second_logger_in_the_same_process_is_refused_until_the_first_closes(
    exp_dir: Path,
) -> None:
    first = Logger(exp_dir, seed_id=3)
    first.update(stats={"x": 1.0}, save=True)
    with pytest.raises(LogBusyError, match="still running"):
        Logger(exp_dir, seed_id=3, reload=True)
    with pytest.raises(LogBusyError):
        Logger(exp_dir, seed_id=3, overwrite=True)
    Logger(exp_dir, seed_id=4).close()  # another seed of the same folder is fine
    first.close()
    with Logger(exp_dir, seed_id=3, reload=True) as again:
        again.update(stats={"x": 2.0})
    assert load_log(exp_dir / "logs" / "seed_3.hdf5").stats.x.tolist() == [1.0, 2.0]  # type: ignore[union-attr]


def test_the_lock_dies_with_a_killed_writer(tmp_path: Path) -> None:
    exp, go, out, release = (tmp_path / n for n in ("exp", "go", "out", "release"))
    go.touch()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(exp), str(go), str(out), str(release), "1"]
    )
    try:
        wait_for(lambda: out.exists() and out.read_text() == "ok")
        with pytest.raises(LogBusyError):
            Logger(exp, seed_id=0, reload=True)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with Logger(exp, seed_id=0, reload=True) as log:  # the kernel dropped the dead writer's lock
        log.update(time={"step": 99}, stats={"who": 2.0})
    assert load_log(exp).stats.who[-1] == 2.0  # type: ignore[union-attr]


def test_a_file_system_without_locks_warns_and_still_logs(
    exp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import fcntl

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.warns(LogWriteWarning, match="nolock"), Logger(exp_dir) as log:
        log.update(stats={"x": 1.0})
    assert load_log(exp_dir).stats.x.tolist() == [1.0]  # type: ignore[union-attr]


FORK = textwrap.dedent(
    """
    import os, sys
    from mle_logger import Logger, LogBusyError, load_log
    exp = sys.argv[1]
    log = Logger(exp, seed_id=0)
    log.update(stats={"x": 1.0}, save=True)
    pid = os.fork()
    if pid == 0:
        sys.exit(0)  # a normal exit runs the atexit finalizers of the forked copy
    os.waitpid(pid, 0)
    print("lock", (Path := __import__("pathlib").Path)(exp, "logs", "seed_0.lock").exists())
    print("finished", load_log(exp).finished)
    try:
        Logger(exp, seed_id=0, reload=True)
        print("second", "ok")
    except LogBusyError:
        print("second", "busy")
    log.update(stats={"x": 2.0})
    log.close()
    print("rows", load_log(exp).stats.x.tolist())
    """
)


def test_a_forked_child_that_exits_leaves_its_parents_log_and_lock_alone(exp_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", FORK, str(exp_dir)], capture_output=True, text=True, check=True
    )
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines == {
        "lock": "True",
        "finished": "False",
        "second": "busy",
        "rows": "[1.0, 2.0]",
    }, out.stdout + out.stderr
