"""Debian's libdrmaa links jemalloc: loaded into a running Python it makes extension modules
loaded after it abort ("free(): invalid pointer" on ``import scipy.optimize``), so a search's
model or a report in the driver process crashed. mle-scheduler loads DRMAA only where jemalloc
was the allocator from the start (LD_PRELOAD); otherwise it uses the qsub commands (or, when
DRMAA was required, says how to fix it in one line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mle_scheduler.backends.sge._drmaa import late_allocator

PROBE = """
import sys
from mle_scheduler.backends.sge import SGEBackend
from mle_scheduler.errors import BackendUnavailableError
try:
    backend = SGEBackend(use_drmaa=None if sys.argv[1] == "auto" else True)
except BackendUnavailableError as exc:
    print("refused:", exc)
    raise SystemExit(0)
import scipy.optimize  # aborted the process when libdrmaa was loaded before it
print("transport:", backend.mode)
"""


def _without_preload() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    return env


def test_a_library_that_links_jemalloc_is_unsafe_unless_it_was_loaded_first(
    tmp_path: Path,
) -> None:
    fake = tmp_path / "libdrmaa.so"
    fake.write_bytes(b"\x7fELF...libjemalloc.so.2\x00libc.so.6\x00")
    code = (
        "import sys; from mle_scheduler.backends.sge._drmaa import late_allocator;"
        "print(late_allocator(sys.argv[1]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(fake)],
        env=_without_preload(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "links jemalloc" in out and "LD_PRELOAD=" in out
    plain = tmp_path / "libplain.so"
    plain.write_bytes(b"\x7fELF...libc.so.6\x00")
    assert late_allocator(str(plain)) is None


@pytest.mark.sge
def test_without_preloaded_jemalloc_grid_engine_uses_qsub_and_later_imports_work() -> None:
    pytest.importorskip("scipy.optimize")
    lib = os.environ.get("DRMAA_LIBRARY_PATH", "")
    if b"libjemalloc" not in Path(lib).read_bytes():
        pytest.skip("this libdrmaa does not link jemalloc")
    env = _without_preload()
    auto = subprocess.run(
        [sys.executable, "-c", PROBE, "auto"], env=env, capture_output=True, text=True, timeout=120
    )
    assert auto.returncode == 0, auto.stderr[-2000:]  # no abort
    assert "transport: qsub" in auto.stdout
    required = subprocess.run(
        [sys.executable, "-c", PROBE, "drmaa"], env=env, capture_output=True, text=True, timeout=120
    )
    assert required.returncode == 0 and "refused:" in required.stdout
    assert "LD_PRELOAD" in required.stdout and "\n" not in required.stdout.strip()


@pytest.mark.sge
def test_with_preloaded_jemalloc_drmaa_loads_and_later_imports_work() -> None:
    pytest.importorskip("scipy.optimize")
    if "jemalloc" not in os.environ.get("LD_PRELOAD", ""):
        pytest.skip("LD_PRELOAD names no jemalloc (eval scripts/cluster/sge-single-node.sh env)")
    run = subprocess.run(
        [sys.executable, "-c", PROBE, "drmaa"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "transport: drmaa" in run.stdout
