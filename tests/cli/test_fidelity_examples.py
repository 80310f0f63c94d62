"""examples/fidelity run through `mle run` as the original toolbox ran its iterative searches:
each rung / generation is a job that gets its budget and the checkpoint it continues in
train_config.extra, the best arms move up, and PBT's copies are recorded as lineage."""

from __future__ import annotations

from pathlib import Path

import pytest
from fidelity_helpers import (
    FidelityProject,
    assert_continues,
    checkpoint,
    hyper_log,
    job_config,
    run_log,
)


def test_successive_halving_promotes_the_best_and_continues_their_checkpoints(
    tmp_path: Path,
) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink("logreg_halving.yaml", num_arms=4, min_budget=1)
    project.mle("run", yaml_path, "--quiet")
    exp = project.experiment()
    log = hyper_log(exp)
    by_rung: dict[int, list[int]] = {}
    for tid, rec in sorted(log.items()):
        by_rung.setdefault(rec["rung"], []).append(tid)
    assert [len(by_rung[r]) for r in (0, 1, 2)] == [4, 2, 1]  # 4 arms -> 2 -> 1
    for rung, budget in ((0, 1), (1, 2), (2, 4)):
        assert all(log[t]["budget"] == budget for t in by_rung[rung])
    for rung in (1, 2):
        below = sorted(by_rung[rung - 1], key=lambda t: log[t]["score"])  # minimized
        parents = sorted(log[t]["parent"] for t in by_rung[rung])
        assert parents == sorted(below[: len(by_rung[rung])])  # the best moved up
        for tid in by_rung[rung]:
            parent = log[tid]["parent"]
            assert log[tid]["params"] == log[parent]["params"]
            config = job_config(exp, tid)["train_config"]
            assert config["extra"] == {
                "sh_num_total_iters": log[tid]["budget"],
                "sh_num_add_iters": log[tid]["budget"] - log[parent]["budget"],
                "sh_counter": rung,
                "sh_ckpt": str(checkpoint(exp, parent).resolve()),
            }
            assert (
                config["params"]["lrate"]
                == config["lrate"]
                == log[tid]["params"]["train_config.lrate"]
            )
            assert_continues(project, exp, tid, parent)
    first = job_config(exp, by_rung[0][0])["train_config"]["extra"]
    assert first == {"sh_num_total_iters": 1, "sh_num_add_iters": 1, "sh_counter": 0}


def test_hyperband_runs_every_bracket_with_its_budgets(tmp_path: Path) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink("logreg_hyperband.yaml", max_resource=3, eta=3)
    project.mle("run", yaml_path, "--quiet")
    exp = project.experiment()
    log = hyper_log(exp)
    # s_max = 1: bracket 0 runs 3 arms at 1 epoch and its best at 3; bracket 1 2 arms at 3
    shape = sorted((r["bracket"], r["rung"], r["budget"]) for r in log.values())
    assert shape == [(0, 0, 1)] * 3 + [(0, 1, 3), (1, 0, 3), (1, 0, 3)]
    [top] = [t for t, r in log.items() if r["bracket"] == 0 and r["rung"] == 1]
    extra = job_config(exp, top)["train_config"]["extra"]
    assert extra["hb_counter"] == 0 and extra["sh_num_add_iters"] == 2
    assert extra["sh_ckpt"] == str(checkpoint(exp, log[top]["parent"]).resolve())
    assert_continues(project, exp, top, log[top]["parent"])
    for tid, rec in log.items():
        if rec["bracket"] == 1:  # a fresh arm of the second bracket: no checkpoint
            assert "sh_ckpt" not in job_config(exp, tid)["train_config"]["extra"]
            assert run_log(exp, tid).time.num_epochs.tolist() == [1, 2, 3]


@pytest.mark.parametrize("exploit", ["truncation", "binary_tournament"])
def test_pbt_copies_checkpoints_and_records_lineage(tmp_path: Path, exploit: str) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink(
        "logreg_pbt.yaml",
        num_workers=2,
        steps_until_ready=1,
        exploit={"strategy": exploit, "selection_percent": 0.5},
        resources={"num_search_batches": 3},  # generations
    )
    project.mle("run", yaml_path, "--quiet")
    exp = project.experiment()
    log = hyper_log(exp)
    assert sorted((r["generation"], r["worker"]) for r in log.values()) == [
        (g, w) for g in range(3) for w in range(2)
    ]
    copies = 0
    for tid, rec in log.items():
        g, parent = rec["generation"], rec.get("parent")
        extra = job_config(exp, tid)["train_config"]["extra"]
        assert extra["pbt_num_total_iters"] == g + 1 == rec["budget"]
        assert extra["pbt_num_add_iters"] == 1 and extra["pbt_worker_id"] == rec["worker"]
        assert extra["pbt_step_counter"] == g
        if g == 0:
            assert parent is None and "pbt_ckpt" not in extra and rec["lineage"] == [tid]
            continue
        assert extra["pbt_ckpt"] == str(checkpoint(exp, parent).resolve())
        assert rec["lineage"] == [*log[parent]["lineage"], tid]  # the chain of checkpoints
        donor = log[parent]
        if rec["exploited"] is not None:  # lost: copied the donor's weights, explored
            copies += 1
            assert rec["exploited"] == parent and donor["worker"] != rec["worker"]
            assert extra["pbt_explore"] is True and extra["pbt_copy_id"] == donor["worker"]
            ratio = rec["params"]["train_config.lrate"] / donor["params"]["train_config.lrate"]
            assert ratio == pytest.approx(0.8) or ratio == pytest.approx(1.2)
        else:  # kept its own checkpoint and point
            assert donor["worker"] == rec["worker"] and rec["params"] == donor["params"]
        assert_continues(project, exp, tid, parent)
    assert copies >= 1  # the worse of two workers copies the better one at least once


def test_each_seed_continues_its_own_checkpoint(tmp_path: Path) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink(
        "logreg_halving.yaml", num_arms=2, min_budget=1, resources={"num_seeds_per_eval": 2}
    )
    project.mle("run", yaml_path, "--quiet")
    exp = project.experiment()
    log = hyper_log(exp)
    [top] = [t for t, r in log.items() if r["rung"] == 1]
    assert log[top]["seeds"] == [0, 1]
    for seed in (0, 1):  # a config per seed, naming that seed's checkpoint of the parent
        extra = job_config(exp, top, seed)["train_config"]["extra"]
        assert extra["sh_ckpt"] == str(checkpoint(exp, log[top]["parent"], seed).resolve())
    assert (exp / "configs" / f"p{top:04d}-s1.json").is_file()
    assert not (exp / "configs" / "p0000-s1.json").exists()  # seeds of a fresh arm share one


def test_a_script_that_saves_no_checkpoint_is_warned_once_and_still_runs(tmp_path: Path) -> None:
    project = FidelityProject(tmp_path)
    script = project.root / "fidelity" / "train_logreg.py"
    script.write_text(script.read_text().replace("model=w,", "model=None,"))
    yaml_path = project.shrink("logreg_halving.yaml", num_arms=4, min_budget=1)
    out = project.mle("run", yaml_path)
    text = out.stdout + out.stderr
    assert text.count("saved no checkpoint") == 1, text  # 3 promoted trials, one warning
    exp = project.experiment()
    promoted = [t for t, r in hyper_log(exp).items() if r.get("parent") is not None]
    assert len(promoted) == 3
    for tid in promoted:  # no path to a missing file: the script starts from scratch
        assert "sh_ckpt" not in job_config(exp, tid)["train_config"]["extra"]


def test_reload_log_starts_a_halving_search_afresh_with_a_warning(tmp_path: Path) -> None:
    import yaml

    project = FidelityProject(tmp_path)
    yaml_path = project.shrink("logreg_halving.yaml", num_arms=2, min_budget=1)
    path = project.root / yaml_path
    data = yaml.safe_load(path.read_text())
    data["param_search_args"]["search_logging"]["reload_log"] = True
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    project.mle("run", yaml_path, "--quiet")
    again = project.mle("run", yaml_path, check=None)
    text = again.stdout + again.stderr
    assert again.returncode == 0, text
    assert "reload_log: successive_halving cannot learn from an earlier search" in text
    folders = sorted(p.parent for p in (project.root / "experiments").rglob("hyper_log.jsonl"))
    assert [len(hyper_log(f)) for f in folders] == [3, 3]  # the whole schedule, each time
