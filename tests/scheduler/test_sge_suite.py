"""The shared backend suite on a real Grid Engine cluster, through DRMAA and through qsub."""

from __future__ import annotations

import pytest
from mle_scheduler import Resources
from mle_scheduler.backends.sge import SGEBackend
from mle_scheduler.testing import BackendFactory, BackendSuite
from sge_helpers import drmaa_backend

pytestmark = pytest.mark.sge


class _SGESuite(BackendSuite):
    # Generous on purpose: on a loaded 2-core CI box a 2 s job once took 31 s from submission
    # to its end. ``overrun`` only needs to be far above the limit to prove the job was killed.
    wait_timeout = 180.0
    time_limit = "00:00:02"
    overrun = 300.0

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
