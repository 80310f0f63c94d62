"""Strategies are found through the ``mle_search.strategies`` entry points; Strategy is abstract."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from mle_search import (
    ENTRY_POINT_GROUP,
    STRATEGIES,
    MleSearchError,
    SearchConfigError,
    SearchError,
    SearchLoop,
    Space,
    Strategy,
    available_strategies,
    make_strategy,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "packages" / "mle-search" / "pyproject.toml"
SPACE = {"integer": {"n": {"begin": 1, "end": 4}}}


def _installed(monkeypatch: pytest.MonkeyPatch, *entries: tuple[str, str]) -> None:
    """Pretend these entry points (name, "module:attr") are installed, and nothing else."""
    points = [importlib.metadata.EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in entries]

    def entry_points(**params: str) -> list[importlib.metadata.EntryPoint]:
        assert params == {"group": ENTRY_POINT_GROUP}
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_the_builtins_are_registered_as_entry_points() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert set(declared) == set(STRATEGIES)
    for name, cls in STRATEGIES.items():
        assert declared[name] == f"{cls.__module__}:{cls.__qualname__}"
    installed = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert installed >= set(STRATEGIES), "re-sync the editable install's metadata"
    assert available_strategies()[:5] == ["grid", "random", "coordinate", "smbo", "optuna"]


def test_a_plugin_is_listed_built_and_driven_by_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    _installed(monkeypatch, ("reversed", "search_helpers:Reversed"))
    assert available_strategies() == [*STRATEGIES, "reversed"]
    strategy = make_strategy("Reversed", SPACE, skip=1)
    loop = SearchLoop(strategy, budget=10, seeds=1)
    trials = loop.propose(10)
    assert [t.params["train_config.n"] for t in trials] == [3, 2, 1]
    for t in trials:
        loop.report(t.id, 0, 1.0)
    assert loop.done
    with pytest.raises(SearchConfigError, match=r"'skips'.*allowed: skip"):
        make_strategy("reversed", SPACE, skips=1)


def test_builtins_work_without_metadata_and_cannot_be_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _installed(monkeypatch, ("grid", "search_helpers:Reversed"))
    assert available_strategies() == list(STRATEGIES)
    assert type(make_strategy("grid", SPACE)).__name__ == "GridSearch"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("no_such_module_here:Thing", r"'broken'.*failed to load.*ModuleNotFoundError"),
        ("search_helpers:NOT_A_STRATEGY", r"'broken'.*subclass of mle_search.Strategy"),
    ],
)
def test_a_broken_plugin_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: str, match: str
) -> None:
    _installed(monkeypatch, ("broken", value))
    with pytest.raises(SearchConfigError, match=match):
        make_strategy("broken", SPACE)
    with pytest.raises(
        SearchConfigError, match=r"one of grid, random, coordinate, smbo, optuna, .*pbt, broken"
    ):
        make_strategy("nope", SPACE)


def test_strategy_is_abstract_and_errors_share_one_root() -> None:
    with pytest.raises(TypeError, match="abstract"):
        Strategy(Space.from_config(SPACE))  # type: ignore[abstract]
    assert SearchError is MleSearchError
    assert issubclass(SearchConfigError, MleSearchError)
