"""Helpers shared by the Grid Engine tests."""

from __future__ import annotations

import os

import pytest
from mle_scheduler.backends.sge import SGEBackend
from mle_scheduler.errors import BackendUnavailableError


def drmaa_backend() -> SGEBackend:
    """An SGEBackend that must use DRMAA; skips (fails in CI) when the library cannot load."""
    try:
        return SGEBackend(use_drmaa=True)
    except BackendUnavailableError as exc:
        if os.environ.get("MLE_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"DRMAA is required in CI: {exc}", pytrace=False)
        pytest.skip(f"DRMAA not loadable here (eval scripts/cluster/sge-single-node.sh env): {exc}")
