"""The original toolbox's later successive-halving schedule (min_budget) and PBT extra keys."""

from __future__ import annotations

import pytest
from mle_search import SearchConfigError, SearchLoop, make_strategy

SPACE = {"real": {"lrate": {"begin": 1e-4, "end": 1e-2}}}


def test_min_budget_schedule_is_the_later_originals() -> None:
    # mle-hyperopt's HalvingSearch(min_budget=1, num_arms=20, halving_coeff=2):
    # floor(log2(20)) + 1 = 5 rungs of 20, 10, 5, 2, 1 arms at 1, 2, 4, 8, 16 iterations
    s = make_strategy("successive_halving", SPACE, seed=0, min_budget=1, num_arms=20)
    [bracket] = s.brackets
    assert bracket.sizes == (20, 10, 5, 2, 1)
    assert bracket.budgets == (1, 2, 4, 8, 16)
    assert s.planned_trials == 38
    eta3 = make_strategy(
        "successive_halving", SPACE, seed=0, min_budget=3, num_arms=9, halving_coeff=3
    )
    assert eta3.brackets[0].budgets == (3, 9, 27)
    with pytest.raises(SearchConfigError, match="do not grow"):  # a cap that bites
        make_strategy("successive_halving", SPACE, seed=0, min_budget=1, num_arms=8, max_budget=2)


@pytest.mark.parametrize(
    "options",
    [{"min_budget": 1, "budget": 10}, {"max_budget": 4, "budget": 10}, {}],
)
def test_halving_budget_options_are_exclusive(options: dict[str, float]) -> None:
    with pytest.raises(SearchConfigError, match="successive_halving search"):
        make_strategy("successive_halving", SPACE, seed=0, num_arms=4, **options)


def test_pbt_extra_names_the_copy_as_the_original() -> None:
    pbt = make_strategy("pbt", SPACE, seed=1, num_workers=2, steps_until_ready=3, num_generations=2)
    assert pbt.planned_trials == 4
    loop = SearchLoop(pbt, budget=None, seeds=[0])
    extras = {}
    while not loop.done:
        for trial in loop.propose(2):
            extras[trial.id] = pbt.script_extra(trial.id, checkpoint=f"ckpt-{trial.parent}")
            loop.report(trial.id, 0, trial.params["train_config.lrate"])
    first, later = extras[0], extras[2]
    assert first == {
        "pbt_num_total_iters": 3,
        "pbt_num_add_iters": 3,
        "pbt_worker_id": 0,
        "pbt_step_counter": 0,
        "pbt_counter": 0,
        "pbt_explore": False,
    }
    assert later["pbt_step_counter"] == 1 and later["pbt_num_total_iters"] == 6
    assert later["pbt_ckpt"] == f"ckpt-{pbt.trials[2].parent}"
    assert set(later["pbt_old_params"]) == {"lrate"}  # the proposal's own names
    assert later["pbt_copy_id"] in (0, 1)


def test_loop_from_args_lets_the_schedule_be_the_budget() -> None:
    from mle_search import loop_from_args, planned_runs

    base = {"params_to_search": SPACE, "num_search_batches": 3, "num_iter_per_batch": 2}
    grid = loop_from_args(
        {**base, "search_type": "random"}, seeds=[0, 1], annotate=lambda t: {"n": t.id}
    )
    assert (grid.budget, grid.batch_size, planned_runs(grid)) == (6, 2, 12)
    hb = loop_from_args(
        {**base, "search_type": "hyperband", "hyperband_config": {"max_resource": 9}}, seeds=[0]
    )
    assert hb.budget is None and planned_runs(hb) == 22  # the brackets, not 3 x 2
    pbt = loop_from_args(
        {**base, "search_type": "pbt", "pbt_config": {"num_workers": 4}}, seeds=[0]
    )
    assert planned_runs(pbt) == 12 and pbt.batch_size == 4  # 3 generations of 4 workers
    with pytest.raises(SearchConfigError, match="race_seeds: expected false for a pbt"):
        loop_from_args({**base, "search_type": "pbt", "race_seeds": True}, seeds=[0, 1])
