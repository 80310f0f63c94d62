"""Shared test configuration.

Tests that need a real cluster carry the ``sge`` or ``slurm`` marker. They skip on a machine
without that cluster, unless ``MLE_REQUIRE_CLUSTER=1`` is set (CI sets it): then a missing
cluster is a failure, so CI can never pass with the real-cluster tests silently skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest


def _sge_available() -> bool:
    if shutil.which("qstat") is None:
        return False
    try:
        res = subprocess.run(["qstat", "-f"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0


def _slurm_available() -> bool:
    if shutil.which("sinfo") is None:
        return False
    try:
        res = subprocess.run(
            ["scontrol", "ping"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0 and "UP" in res.stdout


_CHECKS = {"sge": _sge_available, "slurm": _slurm_available}
_cache: dict[str, bool] = {}


def cluster_available(name: str) -> bool:
    if name not in _cache:
        _cache[name] = _CHECKS[name]()
    return _cache[name]


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in _CHECKS:
        if item.get_closest_marker(name) is None:
            continue
        if cluster_available(name):
            continue
        msg = f"no running {name} cluster on this machine"
        if os.environ.get("MLE_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"{msg}, but MLE_REQUIRE_CLUSTER=1 requires one", pytrace=False)
        pytest.skip(msg)


@pytest.fixture(autouse=True, scope="session")
def _private_experiment_registry(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """`mle` commands the tests run keep their experiment registry (mle-monitor) in a
    temporary folder, never in the user's ~/.local/share/mle."""
    patch = pytest.MonkeyPatch()
    patch.setenv("MLE_REGISTRY", str(tmp_path_factory.mktemp("registry") / "registry.db"))
    yield
    patch.undo()
