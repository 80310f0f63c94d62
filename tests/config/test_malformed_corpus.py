"""A corpus of malformed experiment inputs: each must fail with the right error class, and a
message that names the file and the key path (FILE:LINE: key.path: expected X, found Y)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_config import (
    ConfigFileNotFoundError,
    ConfigParseError,
    ConfigValidationError,
    load_experiment,
)
from mle_config.errors import ConfigError

GOOD_META = """meta_job_args:
    job_type: "multiple-experiments"
    base_train_fname: "train.py"
    experiment_dir: "experiments/"
"""
GOOD_MULTI = """multi_experiment_args:
    config_fnames: ["config.json"]
    num_seeds: 2
"""
SEARCH_HEAD = """meta_job_args:
    job_type: "hyperparameter-search"
    base_train_fname: "train.py"
    base_train_config: "config.json"
param_search_args:
    search_type: "{search_type}"
    eval_score_type: "loss"
"""


def search(params: str, search_type: str = "random", extra: str = "") -> str:
    return SEARCH_HEAD.format(search_type=search_type) + extra + "    params_to_search:\n" + params


# (id, yaml text (or bytes), error class, substrings the message must contain)
CASES: list[tuple[str, str | bytes, type[ConfigError], list[str]]] = [
    (
        "yaml-syntax-tab",
        "meta_job_args:\n\tjob_type: x\n",
        ConfigParseError,
        [":2:", "expected valid YAML"],
    ),
    (
        "yaml-syntax-unclosed-quote",
        'meta_job_args:\n  job_type: "abc\n',
        ConfigParseError,
        ["expected valid YAML"],
    ),
    (
        "yaml-syntax-bad-indent",
        "meta_job_args:\n  job_type: a\n bad: 1\n",
        ConfigParseError,
        [":3:"],
    ),
    (
        "yaml-duplicate-key",
        GOOD_META + "meta_job_args:\n  job_type: x\n",
        ConfigParseError,
        ["meta_job_args", "duplicate"],
    ),
    ("yaml-empty-file", "", ConfigParseError, ["empty file"]),
    ("yaml-only-comments", "# nothing here\n", ConfigParseError, ["empty"]),
    ("yaml-top-level-list", "- a\n- b\n", ConfigParseError, ["mapping", "found a list"]),
    ("yaml-top-level-scalar", "just a string\n", ConfigParseError, ["mapping", "found a string"]),
    (
        "yaml-non-utf8",
        b"meta_job_args:\n  job_type: \xff\xfe\n",
        ConfigParseError,
        [":2:", "UTF-8"],
    ),
    ("missing-meta", GOOD_MULTI, ConfigValidationError, ["meta_job_args", "missing"]),
    (
        "unknown-section-typo",
        GOOD_META + GOOD_MULTI + "single_jobs_args:\n  num_gpus: 0\n",
        ConfigValidationError,
        ["single_jobs_args", "did you mean 'single_job_args'"],
    ),
    (
        "unknown-meta-key-typo",
        GOOD_META + "    experiment_dri: x\n" + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.experiment_dri", "did you mean 'experiment_dir'"],
    ),
    (
        "unknown-job-type",
        GOOD_META.replace("multiple-experiments", "multiple-experiment") + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.job_type", "did you mean 'multiple-experiments'"],
    ),
    (
        "job-type-not-string",
        GOOD_META.replace('"multiple-experiments"', "3") + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.job_type", "found an integer 3"],
    ),
    (
        "missing-job-type",
        "meta_job_args:\n  base_train_fname: train.py\n",
        ConfigValidationError,
        ["meta_job_args.job_type", "missing"],
    ),
    (
        "missing-train-fname",
        "meta_job_args:\n  job_type: multiple-experiments\n" + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.base_train_fname", "missing"],
    ),
    (
        "train-script-not-found",
        GOOD_META.replace("train.py", "nope.py") + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.base_train_fname", "nope.py", "expected an existing file"],
    ),
    (
        "train-script-is-directory",
        GOOD_META.replace("train.py", "adir") + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.base_train_fname", "directory"],
    ),
    (
        "train-script-wrong-suffix",
        GOOD_META.replace("train.py", "config.json") + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.base_train_fname", "expected a .py file"],
    ),
    (
        "config-file-missing",
        GOOD_META + GOOD_MULTI.replace("config.json", "missing.json"),
        ConfigValidationError,
        ["multi_experiment_args.config_fnames.0", "missing.json"],
    ),
    (
        "config-file-bad-json",
        GOOD_META + GOOD_MULTI.replace("config.json", "broken.json"),
        ConfigValidationError,
        ["broken.json:3", "expected valid JSON"],
    ),
    (
        "config-fnames-empty",
        GOOD_META + "multi_experiment_args:\n  config_fnames: []\n",
        ConfigValidationError,
        ["multi_experiment_args.config_fnames", "non-empty"],
    ),
    (
        "config-fnames-not-list",
        GOOD_META + "multi_experiment_args:\n  config_fnames: 3\n",
        ConfigValidationError,
        ["multi_experiment_args.config_fnames", "found an integer 3"],
    ),
    (
        "num-seeds-zero",
        GOOD_META + GOOD_MULTI.replace("num_seeds: 2", "num_seeds: 0"),
        ConfigValidationError,
        ["multi_experiment_args.num_seeds", ">= 1", "found an integer 0"],
    ),
    (
        "num-seeds-string",
        GOOD_META + GOOD_MULTI.replace("num_seeds: 2", "num_seeds: ten"),
        ConfigValidationError,
        ["multi_experiment_args.num_seeds", "found a string 'ten'"],
    ),
    (
        "num-seeds-bool",
        GOOD_META + GOOD_MULTI.replace("num_seeds: 2", "num_seeds: true"),
        ConfigValidationError,
        ["multi_experiment_args.num_seeds", "boolean"],
    ),
    (
        "missing-multi-section",
        GOOD_META,
        ConfigValidationError,
        ["multi_experiment_args", "multiple-experiments"],
    ),
    (
        "folds-missing-num-folds",
        GOOD_META.replace("multiple-experiments", "multiple-folds") + GOOD_MULTI,
        ConfigValidationError,
        ["multi_experiment_args.num_folds"],
    ),
    (
        "folds-one-fold",
        GOOD_META.replace("multiple-experiments", "multiple-folds")
        + GOOD_MULTI
        + "    num_folds: 1\n",
        ConfigValidationError,
        ["multi_experiment_args.num_folds", ">= 2"],
    ),
    (
        "negative-cores",
        GOOD_META + GOOD_MULTI + "single_job_args:\n  num_logical_cores: -2\n",
        ConfigValidationError,
        ["single_job_args.num_logical_cores", "found an integer -2"],
    ),
    (
        "negative-gpus",
        GOOD_META + GOOD_MULTI + "single_job_args:\n  num_gpus: -1\n",
        ConfigValidationError,
        ["single_job_args.num_gpus", ">= 0"],
    ),
    (
        "bad-time-format",
        GOOD_META + GOOD_MULTI + "single_job_args:\n  time_per_job: '90 minutes'\n",
        ConfigValidationError,
        ["single_job_args.time_per_job", "HH:MM:SS"],
    ),
    (
        "memory-float",
        GOOD_META + GOOD_MULTI + "single_job_args:\n  memory_per_job: 1.5\n",
        ConfigValidationError,
        ["single_job_args.memory_per_job", "found a number 1.5"],
    ),
    (
        "single-job-args-list",
        GOOD_META + GOOD_MULTI + "single_job_args: [1, 2]\n",
        ConfigValidationError,
        ["single_job_args", "expected a mapping, found a list"],
    ),
    (
        "unknown-backend",
        GOOD_META + "    backend: slrum\n" + GOOD_MULTI,
        ConfigValidationError,
        ["meta_job_args.backend", "did you mean 'slurm'"],
    ),
    (
        "unknown-search-type",
        search("        real:\n            lr: {begin: 0.1, end: 1, prior: uniform}\n", "grd"),
        ConfigValidationError,
        ["param_search_args.search_type", "did you mean 'grid'"],
    ),
    (
        "search-missing-params",
        SEARCH_HEAD.format(search_type="random"),
        ConfigValidationError,
        ["param_search_args.params_to_search", "missing"],
    ),
    (
        "search-missing-score",
        search("        real:\n            lr: {begin: 0.1, end: 1, prior: uniform}\n").replace(
            '    eval_score_type: "loss"\n', ""
        ),
        ConfigValidationError,
        ["param_search_args.eval_score_type"],
    ),
    (
        "search-missing-base-config",
        search("        real:\n            lr: {begin: 0.1, end: 1, prior: uniform}\n").replace(
            '    base_train_config: "config.json"\n', ""
        ),
        ConfigValidationError,
        ["meta_job_args.base_train_config"],
    ),
    (
        "search-begin-above-end",
        search("        real:\n            lr: {begin: 10, end: 1, prior: uniform}\n"),
        ConfigValidationError,
        ["params_to_search.real.lr.begin", "begin 10 above end 1"],
    ),
    (
        "search-bins-zero",
        search("        real:\n            lr: {begin: 1, end: 2, bins: 0}\n", "grid"),
        ConfigValidationError,
        ["params_to_search.real.lr.bins", ">= 1"],
    ),
    (
        "search-grid-without-bins",
        search("        real:\n            lr: {begin: 1, end: 2, prior: uniform}\n", "grid"),
        ConfigValidationError,
        ["params_to_search.real.lr.bins", "grid"],
    ),
    (
        "search-unknown-prior",
        search("        real:\n            lr: {begin: 1, end: 2, prior: loguniform}\n"),
        ConfigValidationError,
        ["params_to_search.real.lr.prior", "did you mean 'log-uniform'"],
    ),
    (
        "search-log-prior-nonpositive",
        search("        real:\n            lr: {begin: 0, end: 2, prior: log-uniform}\n"),
        ConfigValidationError,
        ["params_to_search.real.lr.begin", "> 0"],
    ),
    (
        "search-empty-categorical",
        search("        categorical:\n            opt: []\n"),
        ConfigValidationError,
        ["params_to_search.categorical.opt", "non-empty list"],
    ),
    (
        "search-categorical-scalar",
        search("        categorical:\n            opt: adam\n"),
        ConfigValidationError,
        ["params_to_search.categorical.opt", "found a string 'adam'"],
    ),
    (
        "search-unknown-kind",
        search("        reals:\n            lr: {begin: 1, end: 2}\n"),
        ConfigValidationError,
        ["params_to_search.reals", "did you mean 'real'"],
    ),
    (
        "search-integer-float-bound",
        search("        integer:\n            n: {begin: 1.5, end: 4}\n"),
        ConfigValidationError,
        ["params_to_search.integer.n.begin", "expected an integer"],
    ),
    (
        "search-range-missing-end",
        search("        real:\n            lr: {begin: 1}\n"),
        ConfigValidationError,
        ["params_to_search.real.lr.end", "missing"],
    ),
    (
        "search-range-unknown-key",
        search("        real:\n            lr: {begin: 1, end: 2, bin: 3}\n", "grid"),
        ConfigValidationError,
        ["params_to_search.real.lr.bin", "did you mean 'bins'"],
    ),
    (
        "search-empty-params",
        search("        {}\n"),
        ConfigValidationError,
        ["param_search_args.params_to_search", "at least one"],
    ),
    (
        "smbo-unknown-estimator",
        search(
            "        real:\n            lr: {begin: 1, end: 2, prior: uniform}\n",
            "smbo",
            "    smbo_config:\n        base_estimator: GPR\n",
        ),
        ConfigValidationError,
        ["param_search_args.smbo_config.base_estimator", "did you mean 'GP'"],
    ),
    (
        "smbo-unknown-acq",
        search(
            "        real:\n            lr: {begin: 1, end: 2, prior: uniform}\n",
            "smbo",
            "    smbo_config:\n        acq_function: EIP\n",
        ),
        ConfigValidationError,
        ["param_search_args.smbo_config.acq_function", "EIP"],
    ),
    (
        "smbo-initial-points-zero",
        search(
            "        real:\n            lr: {begin: 1, end: 2, prior: uniform}\n",
            "smbo",
            "    smbo_config:\n        n_initial_points: 0\n",
        ),
        ConfigValidationError,
        ["param_search_args.smbo_config.n_initial_points"],
    ),
    (
        "maximize-not-bool",
        search(
            "        real:\n            lr: {begin: 1, end: 2, prior: uniform}\n",
            "random",
            "    maximize_objective: yes please\n",
        ),
        ConfigValidationError,
        ["param_search_args.maximize_objective", "true or false"],
    ),
    (
        "unknown-problem-type",
        search(
            "        real:\n            lr: {begin: 1, end: 2, prior: uniform}\n",
            "random",
            "    problem_type: last\n",
        ),
        ConfigValidationError,
        ["param_search_args.problem_type", "final, best, mean"],
    ),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("print('hi')\n")
    (tmp_path / "config.json").write_text('{"train_config": {"lr": 0.1}}\n')
    (tmp_path / "broken.json").write_text('{\n  "train_config": {\n    "lr": 0.1,,\n  }\n}\n')
    (tmp_path / "adir").mkdir()
    return tmp_path


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("text", "error", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_experiment_is_reported(
    project: Path, text: str | bytes, error: type[ConfigError], needles: list[str]
) -> None:
    path = project / "exp.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(error) as info:
        load_experiment(path, cwd=project)
    message = str(info.value)
    assert str(path) in message or "broken.json" in message
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    # one line per problem, never a Python repr of an exception
    for line in message.splitlines():
        assert line.startswith(str(project)), line


def test_every_problem_is_reported_in_one_pass(project: Path) -> None:
    path = project / "exp.yaml"
    path.write_text(
        GOOD_META.replace("train.py", "missing.py")
        + "    backend: nope\n"
        + "multi_experiment_args:\n  num_seeds: -1\n  config_fnames: [config.json]\n"
        + "single_job_args:\n  num_logical_cores: 0\n  log_fille: x\n"
    )
    with pytest.raises(ConfigValidationError) as info:
        load_experiment(path, cwd=project)
    problems = info.value.problems
    assert len(problems) == 5, problems
    lines = {p.split(": ", 1)[0] for p in problems}
    assert f"{path}:3" in lines  # base_train_fname
    assert f"{path}:5" in lines  # backend
    assert any(
        "single_job_args.log_fille" in p and "did you mean 'log_file'" in p for p in problems
    )


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda p: p / "absent.yaml", ConfigFileNotFoundError),
        (lambda p: p / "adir", ConfigFileNotFoundError),
    ],
    ids=["missing-yaml", "yaml-is-directory"],
)
def test_experiment_file_itself_missing(project: Path, make, error) -> None:  # type: ignore[no-untyped-def]
    path = make(project)
    if path.name == "adir":
        path = project / "adir.yaml"
        path.mkdir()
    with pytest.raises(error) as info:
        load_experiment(path, cwd=project)
    assert str(path) in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_wrong_suffix_is_a_parse_error(project: Path) -> None:
    path = project / "exp.txt"
    path.write_text(GOOD_META + GOOD_MULTI)
    with pytest.raises(ConfigParseError, match=r"exp\.txt: expected a \.yaml, \.yml or \.json"):
        load_experiment(path, cwd=project)
