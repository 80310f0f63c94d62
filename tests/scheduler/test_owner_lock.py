"""OwnerLock: one process drives a queue store at a time; its holder is named, never guessed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mle_scheduler import LockHeldError, MleSchedulerError, OwnerLock, ProcessRef

_HOLD = """
import sys, time
from mle_scheduler import OwnerLock
lock = OwnerLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(120)
"""


def _holder_process(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_held_lock_names_this_process_and_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "queue.lock"
    lock = OwnerLock(path)
    assert lock.holder() is None and not lock.held
    with lock:
        assert lock.held
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert lock.holder() is None and not lock.held


def test_second_owner_is_refused_with_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "queue.lock"
    proc = _holder_process(path)
    try:
        holder = OwnerLock(path).holder()
        assert holder is not None and holder.pid == proc.pid and holder.alive()
        with pytest.raises(LockHeldError, match=f"pid {proc.pid}") as info:
            OwnerLock(path).acquire()
        assert isinstance(info.value, MleSchedulerError)
        assert info.value.holder is not None and info.value.holder.pid == proc.pid
    finally:
        proc.kill()
        proc.wait()
    assert OwnerLock(path).holder() is None  # the lock died with its process
    with OwnerLock(path):
        pass


def test_stop_signals_the_holder_and_waits_for_it_to_let_go(tmp_path: Path) -> None:
    path = tmp_path / "queue.lock"
    proc = _holder_process(path)
    try:
        assert OwnerLock(path).stop(timeout=60) is None
        assert proc.wait(timeout=60) != 0  # ended by SIGTERM
    finally:
        proc.kill()
        proc.wait()


def test_a_holder_that_cannot_be_named_is_never_signalled(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "queue.lock"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with open(path, "w") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # held, but the pid in it was reused
            fh.write(json.dumps(ProcessRef(other.pid, start_time=1, boot_id=None).to_dict()))
            fh.flush()
            ref = OwnerLock(path).holder()
            assert ref is not None and ref.pid == -1
            t0 = time.monotonic()
            assert OwnerLock(path).stop(timeout=0.3) is not None
            assert time.monotonic() - t0 >= 0.3
        assert other.poll() is None  # the unrelated process was left alone
    finally:
        other.kill()
        other.wait()


def test_a_bare_pid_file_from_older_writers_is_read(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "queue.lock"
    with open(path, "w") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        fh.write(str(os.getpid()))
        fh.flush()
        ref = OwnerLock(path).holder()
        assert ref is not None and ref.pid == os.getpid()
    path.write_text("12345")  # nobody holds it: a leftover file is no owner
    assert OwnerLock(path).holder() is None
