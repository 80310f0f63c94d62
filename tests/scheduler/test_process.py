"""ProcessRef: a stored pid is checked (start time, boot id) before it counts as alive or is
signalled, so a reused pid or one from before a reboot never reaches an unrelated process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
from mle_scheduler import ProcessRef


@pytest.fixture
def unrelated() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


def test_current_process_is_alive_and_round_trips_through_json() -> None:
    me = ProcessRef.current()
    assert me.pid == os.getpid() and me.start_time is not None and me.boot_id
    assert me.alive()
    assert ProcessRef.from_dict(me.to_dict()) == me
    assert ProcessRef.from_dict({"pid": "12"}) is None
    assert ProcessRef.from_dict({"pid": 12}) == ProcessRef(12, None, None)


def test_reused_pid_is_not_alive_and_never_signalled(
    unrelated: subprocess.Popen[bytes],
) -> None:
    real = ProcessRef.of(unrelated.pid)
    assert real.start_time is not None
    stale = ProcessRef(unrelated.pid, real.start_time - 1, real.boot_id)  # an earlier process
    assert not stale.alive()
    assert stale.signal(signal.SIGTERM) is False
    assert stale.signal(signal.SIGTERM, group=True) is False
    time.sleep(0.2)
    assert unrelated.poll() is None, "the unrelated process was signalled"


def test_pid_from_before_a_reboot_is_not_alive(unrelated: subprocess.Popen[bytes]) -> None:
    real = ProcessRef.of(unrelated.pid)
    before_reboot = ProcessRef(real.pid, real.start_time, "00000000-0000-0000-0000-000000000000")
    assert not before_reboot.alive()
    assert before_reboot.signal(signal.SIGKILL) is False
    assert unrelated.poll() is None


def test_the_recorded_process_itself_is_signalled(unrelated: subprocess.Popen[bytes]) -> None:
    ref = ProcessRef.of(unrelated.pid)
    assert ref.alive() and ref.leads_group()
    assert ref.signal(signal.SIGTERM, group=True) is True
    assert unrelated.wait(timeout=30) == -signal.SIGTERM
    assert not ref.alive()  # ended (and reaped)


def test_zombie_is_not_alive() -> None:
    proc = subprocess.Popen(["true"])
    ref = ProcessRef.of(proc.pid)
    deadline = time.monotonic() + 30
    while ref.alive() and time.monotonic() < deadline:  # exits, stays a zombie until waited
        time.sleep(0.02)
    assert not ref.alive()
    proc.wait()
