"""Keys and values the original accepted: numeric strings, node lists, memory per cpu, extra
script arguments, bash scripts, YAML training configs; log-spaced grid axes; plug-in names."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_config import (
    ConfigValidationError,
    available_backends,
    available_search_types,
    extra_cmd_line_args,
    installed_plugins,
    load_experiment,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("")
    (tmp_path / "train.sh").write_text("echo hi\n")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    (tmp_path / "config.yaml").write_text("train_config:\n  lr: 1e-3\n")
    return tmp_path


def search_yaml(params: str, search_type: str = "random", extra: str = "") -> str:
    return (
        "meta_job_args:\n  job_type: hyperparameter-search\n  base_train_fname: train.py\n"
        "  base_train_config: config.json\n"
        f"param_search_args:\n  search_type: {search_type}\n  eval_score_type: loss\n{extra}"
        f"  params_to_search:\n{params}"
    )


def single_yaml(job_args: str, script: str = "train.py", config: str = "config.json") -> str:
    return (
        f"meta_job_args:\n  job_type: single-experiment\n  base_train_fname: {script}\n"
        f"  base_train_config: {config}\nsingle_job_args:\n{job_args}"
    )


def load(project: Path, text: str):  # type: ignore[no-untyped-def]
    path = project / "exp.yaml"
    path.write_text(text)
    return load_experiment(path, cwd=project)


def problems(project: Path, text: str) -> list[str]:
    with pytest.raises(ConfigValidationError) as info:
        load(project, text)
    return info.value.problems


def test_numbers_written_as_strings_are_numbers(project: Path) -> None:
    params = (
        "    real:\n      lr: {begin: 1e-5, end: '1e-2', prior: log-uniform}\n"
        "    integer:\n      n: {begin: '2', end: 8, bins: '3'}\n"
    )
    exp = load(project, search_yaml(params, extra="  num_search_batches: '4'\n"))
    search = exp.config.param_search_args
    assert search.params_to_search.real.lr.to_dict() == {
        "begin": 1e-5,
        "end": 1e-2,
        "prior": "log-uniform",
    }
    assert search.params_to_search.integer.n.to_dict() == {"begin": 2, "end": 8, "bins": 3}
    assert search.num_search_batches == 4
    assert any("a number written as a string" in str(t) for t in exp.translations)


def test_yaml_training_config_reads_exponents_as_numbers(project: Path) -> None:
    from mle_config import load_config

    assert load_config(project / "config.yaml").train_config.lr == 1e-3


def test_non_numeric_strings_are_still_refused(project: Path) -> None:
    params = "    real:\n      lr: {begin: small, end: 1, prior: uniform}\n"
    [line] = problems(project, search_yaml(params))
    assert "params_to_search.real.lr.begin: expected a number, found a string 'small'" in line


def test_bins_with_a_log_uniform_prior_is_a_log_spaced_axis(project: Path) -> None:
    params = "    real:\n      lr: {begin: 1e-4, end: 1e-1, bins: 4, prior: log-uniform}\n"
    exp = load(project, search_yaml(params, search_type="grid"))
    assert exp.config.param_search_args.params_to_search.real.lr.bins == 4


@pytest.mark.parametrize("values", ["[1, true]", "[0, false]", "[1, 1.0]", "[a, a]"])
def test_categorical_values_that_compare_equal_are_refused(project: Path, values: str) -> None:
    [line] = problems(project, search_yaml(f"    categorical:\n      c: {values}\n"))
    assert "params_to_search.categorical.c.1: expected distinct values" in line


def test_node_numbers_are_refused_with_the_reason(project: Path) -> None:
    [line] = problems(project, single_yaml("  exclude_nodes: [14, 15]\n"))
    assert "single_job_args.exclude_nodes: expected host names" in line
    assert "cluster config" in line


def test_node_numbers_mean_nothing_on_the_local_backend(project: Path) -> None:
    path = project / "exp.yaml"
    path.write_text(single_yaml("  exclude_nodes: [14]\n"))
    exp = load_experiment(path, cwd=project, backend="local")
    assert "exclude_nodes" not in exp.config.single_job_args
    assert any("exclude_nodes: [14]: dropped" in str(t) for t in exp.translations)
    with pytest.raises(ConfigValidationError, match="expected host names"):
        load_experiment(path, cwd=project, backend="sge")


def test_node_names_are_kept(project: Path) -> None:
    exp = load(project, single_yaml("  exclude_nodes: [node14, node15]\n"))
    assert exp.config.single_job_args.exclude_nodes == ("node14", "node15")


def test_include_nodes_is_refused_with_a_pointer(project: Path) -> None:
    [line] = problems(project, single_yaml("  include_nodes: [node01]\n"))
    assert "single_job_args.include_nodes: expected exclude_nodes only" in line
    assert "extra_flags" in line


def test_memory_per_cpu_and_memory_per_job_together_are_refused(project: Path) -> None:
    text = single_yaml("  memory_per_cpu: 100\n  memory_per_job: 400\n")
    [line] = problems(project, text)
    assert "single_job_args.memory_per_cpu: expected memory_per_cpu or memory_per_job" in line


def test_memory_per_cpu_times_cores(project: Path) -> None:
    exp = load(project, single_yaml("  memory_per_cpu: 500\n  num_logical_cores: 4\n"))
    assert exp.config.single_job_args.memory_per_job == 2000


def test_use_venv_venv_finds_the_venv_in_workon_home(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKON_HOME", str(project / "venvs"))
    exp = load(project, single_yaml("  env_name: mle\n  use_venv_venv: true\n"))
    assert exp.config.single_job_args.venv_path == str(project / "venvs" / "mle")
    monkeypatch.delenv("WORKON_HOME")
    [line] = problems(project, single_yaml("  env_name: mle\n  use_venv_venv: true\n"))
    assert "use_venv_venv: expected $WORKON_HOME" in line


def test_extra_cmd_line_input_becomes_script_arguments(project: Path) -> None:
    exp = load(project, single_yaml("  extra_cmd_line_input:\n    lr: 0.5\n    tag: a b\n"))
    extra = exp.config.single_job_args.extra_cmd_line_input.to_dict()
    assert extra_cmd_line_args(extra) == ["-lr", "0.5", "-tag", "a b"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [("    seed: 3\n", "-seed"), ("    'a b': 1\n", "argument names"), ("    x: [1, 2]\n", "'x'")],
)
def test_extra_cmd_line_input_is_checked(project: Path, extra: str, needle: str) -> None:
    [line] = problems(project, single_yaml("  extra_cmd_line_input:\n" + extra))
    assert "single_job_args.extra_cmd_line_input: expected" in line and needle in line


def test_bash_training_script_and_yaml_config(project: Path) -> None:
    exp = load(project, single_yaml("  num_gpus: 0\n", script="train.sh", config="config.yaml"))
    assert exp.script_runner == "bash" and exp.base_config == project / "config.yaml"


def test_processing_script_must_exist(project: Path) -> None:
    text = single_yaml("  num_gpus: 0\n") + "post_processing_args:\n  processing_fname: nope.py\n"
    [line] = problems(project, text)
    assert "post_processing_args.processing_fname: expected an existing file" in line


def test_builtin_plugins_without_metadata() -> None:
    assert available_backends()[:3] == ("local", "sge", "slurm")
    assert available_search_types()[:4] == ("grid", "random", "smbo", "coordinate")
    assert installed_plugins("mle_config.tests.no_such_group") == []


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A third-party distribution that registers a backend and a strategy (metadata only)."""
    dist = tmp_path / "site" / "mle_thirdparty-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mle-thirdparty\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[mle_scheduler.backends]\npbs = mle_thirdparty:PbsBackend\n\n"
        "[mle_search.strategies]\nannealing = mle_thirdparty:Annealing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))


@pytest.mark.usefixtures("plugins")
def test_installed_plugins_are_accepted_by_the_schema(project: Path) -> None:
    assert "pbs" in installed_plugins("mle_scheduler.backends")
    assert "annealing" in available_search_types()
    text = search_yaml(
        "    real:\n      lr: {begin: 0.1, end: 1, prior: uniform}\n",
        search_type="annealing",
        extra="  annealing_config:\n    temperature: 3\n",
    ).replace("  base_train_config:", "  backend: pbs\n  base_train_config:")
    exp = load(project, text)
    assert exp.config.meta_job_args.backend == "pbs"
    assert exp.config.param_search_args.annealing_config.temperature == 3


def test_unknown_backend_is_still_refused(project: Path) -> None:
    text = single_yaml("  num_gpus: 0\n").replace(
        "  base_train_config:", "  backend: pbs\n  base_train_config:"
    )
    [line] = problems(project, text)
    assert "meta_job_args.backend: expected one of local, sge, slurm" in line
