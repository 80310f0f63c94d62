"""refine_after / refine_top_k (the original mle-hyperopt's search-space refinement) for the
random and SMBO searches: where and how the space narrows, and that a resume refines alike."""

from __future__ import annotations

from typing import Any

import pytest
from mle_search import (
    Evaluation,
    HyperLog,
    SearchConfigError,
    SearchLoop,
    Space,
    Strategy,
    make_strategy,
)

X, N, C = "train_config.x", "train_config.n", "train_config.c"
SPACE: dict[str, Any] = {
    "real": {"x": {"begin": 0.0, "end": 10.0}},
    "integer": {"n": {"begin": 1, "end": 20}},
    "categorical": {"c": ["a", "b", "c"]},
}
FAST_SMBO: dict[str, Any] = {"n_initial_points": 4, "acq_optimizer": "sampling"}


def loss(p: dict[str, Any]) -> float:
    return (p[X] - 3.0) ** 2 + (p[N] - 7) ** 2 + {"a": 0.0, "b": 5.0, "c": 9.0}[p[C]]


def strategy(kind: str, **options: Any) -> Strategy:
    extra = FAST_SMBO if kind == "smbo" else {}
    return make_strategy(kind, SPACE, seed=3, **extra, **options)


def run(s: Strategy, n: int, batch: int = 1) -> None:
    for _ in range(0, n, batch):
        props = s.ask(batch)
        s.tell(props, [loss(p) for p in props])


def span(evs: list[Evaluation], name: str) -> tuple[Any, Any]:
    return min(ev.params[name] for ev in evs), max(ev.params[name] for ev in evs)


@pytest.mark.parametrize("kind", ["random", "smbo"])
def test_a_list_of_counts_refines_at_each_to_the_best_so_far(kind: str) -> None:
    s = strategy(kind, refine_after=[6, 12], refine_top_k=3)
    run(s, 6, batch=3)
    assert [n for n, _ in s.refinements] == [6]  # type: ignore[attr-defined]
    first = s.active_space  # type: ignore[attr-defined]
    top = s.best(3)
    assert (first[X].begin, first[X].end) == span(top, X)
    assert (first[N].begin, first[N].end) == span(top, N)
    assert set(first[C].choices) == {ev.params[C] for ev in top}
    run(s, 6, batch=3)
    assert [n for n, _ in s.refinements] == [6, 12]  # type: ignore[attr-defined]
    second = s.active_space  # type: ignore[attr-defined]
    assert first[X].begin <= second[X].begin <= second[X].end <= first[X].end
    later = s.ask(4)
    assert later and all(second.key(p) is not None for p in later)
    assert s.last_refined == 12  # type: ignore[attr-defined]


def test_refinement_points_do_not_depend_on_how_results_were_batched() -> None:
    one = strategy("random", refine_after=[5, 9], refine_top_k=2)
    run(one, 12, batch=1)
    records = [{"params": ev.params, "scores": list(ev.scores)} for ev in one.history]
    batched = strategy("random", refine_after=[5, 9], refine_top_k=2)
    for i in range(0, 12, 4):  # one tell of four crosses a count: same prefix, same space
        chunk = records[i : i + 4]
        batched.tell([r["params"] for r in chunk], [r["scores"] for r in chunk])
    assert [(n, sp.params) for n, sp in batched.refinements] == [  # type: ignore[attr-defined]
        (n, sp.params)
        for n, sp in one.refinements  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize("kind", ["random", "smbo"])
def test_a_resumed_search_refines_at_the_same_points_and_keeps_proposing_inside(
    kind: str, tmp_path: Any
) -> None:
    log = HyperLog(tmp_path / "hyper_log.jsonl")
    first = strategy(kind, refine_after=[4, 8], refine_top_k=2)
    for _ in range(5):
        props = first.ask(2)
        evs = first.tell(props, [loss(p) for p in props])
        for ev in evs:
            log.append(ev.params, list(ev.scores))
    resumed = strategy(kind, refine_after=[4, 8], refine_top_k=2).resume_from(log.read())
    assert [(n, sp.params) for n, sp in resumed.refinements] == [  # type: ignore[attr-defined]
        (n, sp.params)
        for n, sp in first.refinements  # type: ignore[attr-defined]
    ]
    assert [n for n, _ in resumed.refinements] == [4, 8]  # type: ignore[attr-defined]
    nxt = resumed.ask(3)
    assert len(nxt) == 3
    assert all(resumed.active_space.key(p) is not None for p in nxt)  # type: ignore[attr-defined]
    if kind == "random":  # the refined space's stream continues where it was
        assert nxt == first.ask(3)


def test_a_search_loop_restored_from_its_hyper_log_keeps_the_refined_space(tmp_path: Any) -> None:
    path = tmp_path / "hyper_log.jsonl"
    loop = SearchLoop(
        strategy("random", refine_after=4, refine_top_k=2), budget=10, seeds=1, log=path
    )
    for _ in range(6):
        (trial,) = loop.propose(1)
        loop.report(trial.id, 0, loss(trial.params))
    before = loop.strategy.active_space  # type: ignore[attr-defined]
    again = SearchLoop(
        strategy("random", refine_after=4, refine_top_k=2), budget=10, seeds=1, log=path
    )
    again.restore()
    assert again.strategy.active_space.params == before.params  # type: ignore[attr-defined]
    assert again.strategy.last_refined == 4  # type: ignore[attr-defined]


def test_failed_results_never_span_the_space_and_refinement_waits_for_enough() -> None:
    s = strategy("random", refine_after=3, refine_top_k=2)
    props = s.ask(4)
    s.tell(props, [None, None, loss(props[2]), loss(props[3])])
    assert s.last_refined == 4  # type: ignore[attr-defined]  # 3 results had one success
    assert s.active_space[X].begin == min(props[2][X], props[3][X])  # type: ignore[attr-defined]


def test_maximizing_refines_to_the_highest_scores() -> None:
    s = make_strategy("random", SPACE, seed=1, maximize=True, refine_after=6, refine_top_k=2)
    props = s.ask(6)
    s.tell(props, [p[X] for p in props])  # the largest x are best
    xs = sorted(p[X] for p in props)[-2:]
    assert (s.active_space[X].begin, s.active_space[X].end) == (xs[0], xs[1])  # type: ignore[attr-defined]


def test_grid_axes_keep_their_values_and_a_small_refined_space_ends_exhausted() -> None:
    space = {
        "real": {"lr": {"begin": 0.1, "end": 0.5, "bins": 5}},
        "integer": {"k": {"begin": 1, "end": 100, "bins": 4}},
    }
    s = make_strategy("random", space, seed=0, refine_after=6, refine_top_k=2)
    props = s.ask(6)
    s.tell(props, [abs(p["train_config.lr"] - 0.3) + p["train_config.k"] / 100 for p in props])
    sub = s.active_space  # type: ignore[attr-defined]
    full = Space.from_config(space)
    assert set(sub["lr"].values) <= set(full["lr"].values)
    assert set(sub["k"].values) <= set(full["k"].values)
    rest = s.ask(100)
    assert all(p["train_config.lr"] in full["lr"].values for p in rest)
    assert s.exhausted and s.ask(1) == []


def test_a_pending_point_outside_the_refined_space_is_still_told() -> None:
    s = strategy("smbo", refine_after=4, refine_top_k=2)
    props = s.ask(6)
    s.tell(props[:4], [loss(p) for p in props[:4]])
    assert s.last_refined == 4  # type: ignore[attr-defined]
    evs = s.tell(props[4:], [loss(p) for p in props[4:]])  # may lie outside: no error
    assert [ev.params for ev in evs] == props[4:]
    assert len(s.ask(2)) == 2


def test_refine_by_hand_as_the_original() -> None:
    s = strategy("random")
    run(s, 5)
    sub = s.refine(2)  # type: ignore[attr-defined]
    assert (sub[X].begin, sub[X].end) == span(s.best(2), X)


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"refine_top_k": 2}, "refine_top_k 2 needs refine_after"),
        ({"refine_after": 5, "refine_top_k": 1}, "refine_top_k to be an integer >= 2"),
        ({"refine_after": [10, 5]}, "increasing list"),
        ({"refine_after": 0}, "refine_after to be an integer >= 1"),
        ({"refine_after": "5"}, "refine_after to be an integer >= 1"),
    ],
)
def test_bad_refine_options_are_refused_in_one_line(options: dict[str, Any], needle: str) -> None:
    with pytest.raises(SearchConfigError, match=needle) as info:
        strategy("random", **options)
    assert "\n" not in str(info.value)


def test_only_random_and_smbo_refine() -> None:
    with pytest.raises(SearchConfigError, match="unknown option 'refine_after'"):
        make_strategy("grid", SPACE, refine_after=5)


def test_a_strategy_built_directly_refuses_refinement_with_several_objectives() -> None:
    from mle_search import RandomSearch, SearchConfigError, Space

    space = Space.from_config({"real": {"lr": {"begin": 0.0, "end": 1.0, "prior": "uniform"}}})
    with pytest.raises(SearchConfigError, match="expected no refine_after with 2 objectives"):
        RandomSearch(space, maximize={"a": False, "b": True}, refine_after=5)
