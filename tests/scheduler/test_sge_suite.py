"""The shared backend suite on a real Grid Engine cluster, through DRMAA and through qsub."""

from __future__ import annotations

import os

import pytest
from mle_scheduler import Resources
from mle_scheduler.backends.sge import SGEBackend
from mle_scheduler.errors import BackendUnavailableError
from mle_scheduler.testing import BackendFactory, BackendSuite

pytestmark = pytest.mark.sge


def drmaa_backend() -> SGEBackend:
    """An SGEBackend that must use DRMAA; skips (fails in CI) when the library cannot load."""
    try:
        return SGEBackend(use_drmaa=True)
    except BackendUnavailableError as exc:
        if os.environ.get("MLE_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"DRMAA is required in CI: {exc}", pytrace=False)
        pytest.skip(f"DRMAA not loadable here (eval scripts/cluster/sge-single-node.sh env): {exc}")


class _SGESuite(BackendSuite):
    wait_timeout = 60.0
    time_limit = "00:00:02"
    overrun = 30.0

    def resource_probe(self) -> tuple[Resources, list[str], str]:
        # -pe smp 2 reaches the scheduler: it grants 2 slots
        return Resources(num_logical_cores=2), ["sh", "-c", "echo slots=$NSLOTS"], r"slots=2\n"


class TestSGEDrmaaSuite(_SGESuite):
    @pytest.fixture
    def backend_factory(self) -> BackendFactory:
        drmaa_backend()  # skip early if DRMAA is unavailable
        return drmaa_backend


class TestSGEQsubSuite(_SGESuite):
    @pytest.fixture
    def backend_factory(self) -> BackendFactory:
        return lambda: SGEBackend(use_drmaa=False)
