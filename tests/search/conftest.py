"""The ``make`` fixture: every strategy, for the shared suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mle_search import Space, Strategy
from search_helpers import MAKERS


@pytest.fixture(params=list(MAKERS))
def make(request: pytest.FixtureRequest) -> Callable[..., Strategy]:
    """Builds the parametrized strategy: ``make(space_config, **options)``."""
    maker = MAKERS[request.param]

    def build(config: dict[str, Any], **options: Any) -> Strategy:
        return maker(Space.from_config(config), **options)

    build.kind = request.param  # type: ignore[attr-defined]
    return build


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    """GP fits on a small, shared machine run 3-10x faster on one BLAS thread (see
    benchmarks/search/RESULTS.md); limited for these tests only, and only while each runs."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # no scikit-learn installed: nothing multithreaded to limit
        yield
        return
    with threadpool_limits(limits=1):
        yield
