"""Fixtures for the mle-logger tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def exp_dir(tmp_path: Path) -> Path:
    return tmp_path / "exp"
