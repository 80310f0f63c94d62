"""Issue 12 regressions on the config side: user-chosen file names stay inside their folder and
off the toolbox's own files, YAML work is bounded, late failures are caught at load time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mle_config import (
    MAX_DEPTH,
    MAX_NODES,
    ConfigParseError,
    ConfigValidationError,
    load_config,
    load_experiment,
)
from mle_config.layout import EXPERIMENT_RESERVED, hyper_log_name

HEAD = """meta_job_args:
  job_type: {job_type}
  base_train_fname: train.py
  base_train_config: config.json
{meta}"""
SEARCH = """param_search_args:
  search_type: grid
  eval_score_type: loss
  hyperlog_fname: {hyperlog}
  params_to_search:
{params}"""
GRID = "    real:\n      lr: {begin: 0.1, end: 1.0, bins: 2}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("")
    (tmp_path / "config.json").write_text('{"train_config": {}}\n')
    return tmp_path


def write(project: Path, text: str) -> Path:
    path = project / "exp.yaml"
    path.write_text(text)
    return path


def single(job_args: str, meta: str = "") -> str:
    return HEAD.format(job_type="single-experiment", meta=meta) + "single_job_args:\n" + job_args


def search(hyperlog: str = "hyper_log.jsonl", params: str = GRID) -> str:
    head = HEAD.format(job_type="hyperparameter-search", meta="")
    return head + SEARCH.format(hyperlog=hyperlog, params=params)


def problems_of(project: Path, text: str, **kwargs: str) -> list[str]:
    path = write(project, text)
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=project, **kwargs)
    for line in info.value.problems:
        assert line.startswith(str(path)), line
    return info.value.problems


# 1. log_file / err_file are plain names inside the run folder ------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "../../x",
        "/etc/passwd",
        "a/b",
        "..",
        ".",
        "''",
        '"a\\nb"',
        "logs",
        "job-status.json",
        "seed_0.hdf5",
        "out.status.json",
        "models",
    ],
)
@pytest.mark.parametrize("key", ["log_file", "err_file"])
def test_output_file_names_must_be_plain_and_free(project: Path, key: str, name: str) -> None:
    [line] = problems_of(project, single(f"  {key}: {name}\n"))
    assert f"single_job_args.{key}: expected" in line


def test_plain_output_names_are_kept(project: Path) -> None:
    exp = load_experiment(
        write(project, single("  log_file: l-ode\n  err_file: e.txt\n")), cwd=project
    )
    assert exp.config.single_job_args.log_file == "l-ode"


# 4. hyperlog_fname may not name the experiment folder's own files -------------------------
@pytest.mark.parametrize(
    "name",
    [
        "jobs.pkl",
        "jobs.jsonl",
        "results.json",
        "events.jsonl",
        "queue-state.pkl",
        "mle-experiment.json",
        "runs",
        "../hyper.jsonl",
        "/tmp/h.jsonl",
        ".cancel-requested",
    ],
)
def test_hyperlog_fname_reserved_or_pathlike_is_refused(project: Path, name: str) -> None:
    [line] = problems_of(project, search(hyperlog=name))
    assert "param_search_args.hyperlog_fname: expected" in line


@pytest.mark.parametrize("name", ["hyper_log.pkl", "hyper_log.jsonl", "search.jsonl"])
def test_hyperlog_fname_free_names_are_kept(project: Path, name: str) -> None:
    exp = load_experiment(write(project, search(hyperlog=name)), cwd=project)
    assert exp.config.param_search_args.hyperlog_fname == name
    assert hyper_log_name(name) not in EXPERIMENT_RESERVED


# 6. an alias bomb is bounded; deep nesting is one line -------------------------------------
BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "\n")
    assert len(BOMB) < 500
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))
        from mle_config import load_config, ConfigParseError
        try:
            load_config({str(path)!r})
        except ConfigParseError as err:
            print(err)
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert f"expected at most {MAX_NODES} values once aliases are expanded" in res.stdout
    assert res.stdout.count("\n") == 1


def test_small_aliases_and_merge_keys_still_work(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {lr: 0.1, n: 2}\nother: *b\nmerged:\n  <<: *b\n  lr: 0.5\n")
    cfg = load_config(path)
    assert cfg.other.lr == 0.1
    assert cfg.merged.to_dict() == {"lr": 0.5, "n": 2}  # an override of a merged key


def test_recursive_alias_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n")
    with pytest.raises(ConfigParseError, match="recursive alias"):
        load_config(path)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deep.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
        ("nested.yaml", "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"),
        ("nested.json", '{"a": ' + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "}\n"),
    ],
)
def test_deep_nesting_is_one_line(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigParseError) as info:
        load_config(path)
    assert str(info.value).count("\n") == 0
    assert f"expected at most {MAX_DEPTH} levels of nesting" in str(info.value)


# 17. late failures are caught at load time --------------------------------------------------
@pytest.mark.parametrize("value", ['"a\\nb"', '"tab\\there"', "''"])
def test_job_name_with_control_characters_is_refused(project: Path, value: str) -> None:
    [line] = problems_of(project, single(f"  job_name: {value}\n"))
    assert "single_job_args.job_name: expected" in line


def test_project_name_with_newline_is_refused(project: Path) -> None:
    text = single("  num_gpus: 0\n", meta='  project_name: "a\\nb"\n')
    [line] = problems_of(project, text)
    assert "meta_job_args.project_name: expected" in line


def test_modules_on_the_local_backend_need_a_module_command(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(project))
    for key in [k for k in os.environ if k.startswith("BASH_FUNC_module")]:
        monkeypatch.delenv(key)
    text = single("  modules_to_load: [cuda/12]\n")
    [line] = problems_of(project, text, backend="local")
    assert "single_job_args.modules_to_load: expected a 'module' command" in line
    [line] = problems_of(project, single("  modules_to_load: [cuda/12]\n", "  backend: local\n"))
    # on a cluster backend, or when the backend is not known yet, the backend decides
    load_experiment(write(project, text), cwd=project, backend="slurm")
    load_experiment(write(project, text), cwd=project)
    monkeypatch.setenv("BASH_FUNC_module%%", "() {  eval $(modulecmd bash $*)\n}")
    load_experiment(write(project, text), cwd=project, backend="local")
