"""The monorepo's packages are importable and carry versions >= 0.1.0."""

import importlib

import pytest


@pytest.mark.parametrize(
    "module", ["mle_config", "mle_logger", "mle_scheduler", "mle_search", "mle_monitor", "mle_cli"]
)
def test_package_importable_with_version(module: str) -> None:
    mod = importlib.import_module(module)
    major, minor, _ = (int(x) for x in mod.__version__.split("."))
    assert (major, minor) >= (0, 1)
