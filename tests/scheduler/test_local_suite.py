"""The shared backend suite, run against the local backend."""

from __future__ import annotations

import pytest
from mle_scheduler import LocalBackend, Resources
from mle_scheduler.testing import BackendFactory, BackendSuite


class TestLocalBackendSuite(BackendSuite):
    wait_timeout = 60.0  # generous: CI is a loaded 2-core machine
    time_limit = "00:00:01"
    overrun = 120.0

    @pytest.fixture
    def backend_factory(self) -> BackendFactory:
        return lambda: LocalBackend(max_cores=2, gpus=["5", "7"], kill_grace=1.0)

    def resource_probe(self) -> tuple[Resources, list[str], str]:
        # the local backend's scheduler is itself: a GPU job sees only the ids handed to it
        return Resources(num_gpus=1), ["sh", "-c", "echo gpu=$CUDA_VISIBLE_DEVICES"], r"gpu=[57]\n"
