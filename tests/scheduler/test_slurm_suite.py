"""The shared backend suite on a real Slurm cluster."""

from __future__ import annotations

import pytest
from mle_scheduler import Resources
from mle_scheduler.backends.slurm import SlurmBackend
from mle_scheduler.testing import BackendFactory, BackendSuite

pytestmark = pytest.mark.slurm


class TestSlurmSuite(BackendSuite):
    wait_timeout = 300.0  # generous: CI is a loaded 2-core machine
    time_limit = "00:01:00"  # Slurm's limits are whole minutes; it checks them every ~30 s
    overrun = 600.0

    @pytest.fixture
    def backend_factory(self) -> BackendFactory:
        return SlurmBackend

    def resource_probe(self) -> tuple[Resources, list[str], str]:
        # --cpus-per-task=2 reaches the scheduler: the job is given 2 CPUs
        argv = ["sh", "-c", "echo cpus=$SLURM_CPUS_PER_TASK"]
        return Resources(num_logical_cores=2), argv, r"cpus=2\n"
