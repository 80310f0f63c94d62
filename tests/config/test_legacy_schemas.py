"""The original toolbox's experiment YAMLs (seed era, v0.2.9, v0.3.x) load unchanged: older and
newer spellings are translated into one canonical schema, and every translation is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mle_config import ConfigValidationError, Translation, load_experiment

LEGACY = Path(__file__).resolve().parent / "legacy"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ode"


def load(name: str) -> tuple[dict[str, Any], list[str]]:
    exp = load_experiment(LEGACY / name, cwd=LEGACY)
    assert all(isinstance(t, Translation) for t in exp.translations)
    return exp.canonical, [str(t) for t in exp.translations]


def test_seed_examples_need_no_translation() -> None:
    for name in ("ode_grid_search.yaml", "ode_multiple_experiments.yaml", "ode_smbo_search.yaml"):
        exp = load_experiment(EXAMPLES / name, cwd=EXAMPLES.parent)
        assert exp.translations == ()
        assert exp.canonical == exp.config.to_dict()


def test_seed_era_search() -> None:
    cfg, notes = load("seed_era/search_grid.yaml")
    search = cfg["param_search_args"]
    assert search["params_to_search"]["real"]["lrate"] == {"begin": 1e-5, "end": 1e-2, "bins": 4}
    # the original's integer grid: range(32, 160, 32), end excluded -> the same four points
    assert search["params_to_search"]["integer"]["batch_size"] == {
        "begin": 32,
        "end": 128,
        "bins": 4,
    }
    assert search["hyperlog_fname"] == "hyper_log.pkl"
    assert cfg["single_job_args"]["time_per_job"] == "1-06:00:00"  # "00:30:00" is 30 hours
    assert any("30h 0m" in n for n in notes)
    assert any("spacing" in n and "range(32, 160, 32)" in n for n in notes)


def test_seed_era_memory_per_cpu_becomes_memory_per_job() -> None:
    cfg, notes = load("seed_era/multi.yaml")
    job = cfg["single_job_args"]
    assert job["memory_per_job"] == 2000 and "memory_per_cpu" not in job
    assert job["time_per_job"] == "1-12:00:00"
    assert any("memory_per_cpu -> single_job_args.memory_per_job" in n for n in notes)


def test_v0_2_9_grouped_search() -> None:
    cfg, notes = load("v0_2_9/search_grid.yaml")
    search = cfg["param_search_args"]
    assert search["search_type"] == "grid"
    assert search["maximize_objective"] is True and search["verbose_logging"] is True
    assert (search["num_search_batches"], search["num_iter_per_batch"]) == (2, 4)
    assert search["num_evals_per_iter"] == 2
    # the original optimised the first metric and recorded the others
    assert search["eval_score_type"] == "integral"
    assert search["eval_metrics"] == ["integral", "noise"]
    assert "search_logging" not in search and "search_config" not in search
    assert cfg["meta_job_args"]["report_generation"] is True
    assert cfg["meta_job_args"]["remote_exec_dir"] == "legacy/"
    assert cfg["single_job_args"]["extra_cmd_line_input"] == {"some_random_var": 1}
    assert cfg["single_job_args"]["time_per_job"] == "0-00:05:00"
    assert any(n.startswith("param_search_args.search_logging.max_objective ->") for n in notes)
    assert any("search_schedule: dropped" in n for n in notes)


def test_v0_2_9_async_search_keeps_its_budget() -> None:
    cfg, notes = load("v0_2_9/search_async.yaml")
    search = cfg["param_search_args"]
    assert search["num_search_batches"] * search["num_iter_per_batch"] == 18
    assert search["num_iter_per_batch"] <= 5
    assert cfg["meta_job_args"]["max_running_jobs"] == 5
    # v0.2 random searches ignored bins on reals: a uniform range
    assert search["params_to_search"]["real"]["lrate"] == {
        "begin": 1e-4,
        "end": 1e-1,
        "prior": "uniform",
    }
    assert any("num_total_evals" in n for n in notes)


def test_v0_2_9_bash_script() -> None:
    exp = load_experiment(LEGACY / "v0_2_9/bash_multi.yaml", cwd=LEGACY)
    assert exp.train_script.name == "train.sh" and exp.script_runner == "bash"
    assert exp.canonical["single_job_args"]["extra_cmd_line_input"] == {"random_in": 10}


def test_v0_3_single_config_with_yaml_config_and_processing_jobs() -> None:
    exp = load_experiment(LEGACY / "v0_3_x/single_config.yaml", cwd=LEGACY)
    cfg = exp.canonical
    assert exp.job_type == "single-experiment" and exp.script_runner == "python"
    assert exp.base_config is not None and exp.base_config.name == "base.yaml"
    assert exp.pre_processing_script == LEGACY / "process.py"
    assert exp.post_processing_script == LEGACY / "process.py"
    pre = cfg["pre_processing_args"]
    assert pre["processing_job_args"]["time_per_job"] == "0-01:00:00"
    assert pre["extra_cmd_line_input"] == {"figures_dir": "figures"}
    assert "experiment_type" not in cfg["meta_job_args"]


def test_v0_3_multiple_configs_with_random_seeds() -> None:
    cfg, notes = load("v0_3_x/multi_config.yaml")
    assert cfg["meta_job_args"]["job_type"] == "multiple-experiments"
    multi = cfg["multi_experiment_args"]
    assert multi["num_seeds"] == 2 and multi["random_seeds"] == [3, 7]
    assert [Path(p).name for p in multi["config_fnames"]] == ["base.yaml", "base_2.json"]
    assert "multi_config_args -> multi_experiment_args" in notes


def test_default_random_seeds_are_just_a_count(tmp_path: Path) -> None:
    text = (LEGACY / "v0_3_x/multi_config.yaml").read_text().replace("[3, 7]", "[0, 1, 2]")
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    multi = load_experiment(path, cwd=LEGACY).canonical["multi_experiment_args"]
    assert multi["num_seeds"] == 3 and "random_seeds" not in multi


def test_v0_3_smbo_nested_search_config() -> None:
    cfg, _ = load("v0_3_x/search_smbo.yaml")
    search = cfg["param_search_args"]
    assert search["search_type"] == "smbo"
    assert search["smbo_config"] == {
        "base_estimator": "GP",
        "acq_function": "gp_hedge",
        "n_initial_points": 5,
    }
    assert search["eval_score_type"] == "test_loss"  # metric_to_model picks the objective
    assert search["aggregate_seeds"] == "p50"


def test_v0_3_hyperband_search_loads_as_hyperband_with_its_options() -> None:
    cfg, _ = load("v0_3_x/hyperband.yaml")
    search = cfg["param_search_args"]
    assert search["search_type"] == "hyperband"
    assert search["hyperband_config"] == {"max_resource": 27, "eta": 3}


@pytest.mark.parametrize(
    ("search_type", "canonical"),
    [
        ("Halving", "successive_halving"),
        ("PBT", "pbt"),
        ("SuccessiveHalving", "successive_halving"),
        ("successive_halving", "successive_halving"),
    ],
)
def test_the_originals_fidelity_search_types_map_to_ours(
    tmp_path: Path, search_type: str, canonical: str
) -> None:
    text = (LEGACY / "v0_3_x/hyperband.yaml").read_text().replace("Hyperband", search_type)
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    exp = load_experiment(path, cwd=LEGACY)
    assert exp.canonical["param_search_args"]["search_type"] == canonical


def test_asha_is_a_search_type_of_its_own(tmp_path: Path) -> None:
    text = (LEGACY / "v0_3_x/hyperband.yaml").read_text().replace("Hyperband", "ASHA")
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    search = load_experiment(path, cwd=LEGACY).canonical["param_search_args"]
    assert search["search_type"] == "asha"  # written ASHA: a plug-in name in capitals
    assert search["asha_config"] == {"max_resource": 27, "eta": 3}


def test_population_based_training_job_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        (LEGACY / "v0_3_x/single_config.yaml")
        .read_text()
        .replace("single-config", "population-based-training")
        + "pbt_args:\n    pbt_logging:\n        eval_metric: loss\n"
    )
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=LEGACY)
    [line] = info.value.problems
    assert "meta_job_args.experiment_type" in line and "search_type: PBT instead" in line


def test_errors_name_the_key_as_written(tmp_path: Path) -> None:
    text = (LEGACY / "v0_2_9/search_grid.yaml").read_text().replace("bins: 3", "bins: 0")
    text = text.replace("verbose_log: True", 'verbose_log: "loud"')
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=LEGACY)
    problems = info.value.problems
    assert any(
        p.startswith(f"{path}:33: param_search_args.search_config.search_params.real.lrate.bins")
        for p in problems
    ), problems
    assert any(
        p.startswith(f"{path}:15: param_search_args.search_logging.verbose_log") for p in problems
    ), problems


def test_one_key_in_two_spellings_must_agree(tmp_path: Path) -> None:
    text = (
        (LEGACY / "v0_3_x/single_config.yaml")
        .read_text()
        .replace(
            '    experiment_type: "single-config"\n',
            '    experiment_type: "single-config"\n    job_type: "multiple-experiments"\n',
        )
    )
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=LEGACY)
    assert any("experiment_type" in p and "one spelling" in p for p in info.value.problems)


def test_a_search_over_several_configs_is_refused(tmp_path: Path) -> None:
    text = (
        (LEGACY / "v0_3_x/search_smbo.yaml")
        .read_text()
        .replace(
            'base_train_config: "base.yaml"', 'base_train_config: ["base.yaml", "base_2.json"]'
        )
    )
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=LEGACY)
    assert any("one experiment YAML per config" in p for p in info.value.problems)


def test_flat_schema_search_type_spellings(tmp_path: Path) -> None:
    text = (LEGACY / "seed_era/search_grid.yaml").read_text()
    path = tmp_path / "exp.yaml"
    path.write_text(text.replace('search_type: "grid"', 'search_type: "Grid"'))
    assert load_experiment(path, cwd=LEGACY).canonical["param_search_args"]["search_type"] == "grid"
    path.write_text(text.replace('search_type: "grid"', 'search_type: "Hyperband"'))
    exp = load_experiment(path, cwd=LEGACY)
    assert exp.canonical["param_search_args"]["search_type"] == "hyperband"
