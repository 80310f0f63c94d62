"""Bad input: one line, exit code 2, before any job starts; MLE_FULL_ERROR=1 for a traceback."""

from __future__ import annotations

import importlib

import pytest
from cli_helpers import Project, multi_yaml


def test_bad_yaml_value_is_one_line_with_file_and_line(project: Project) -> None:
    (project.root / "exp.yaml").write_text(
        "meta_job_args:\n  job_type: multiple-experimentz\n  base_train_fname: train.py\n"
    )
    res = project.mle("run", "exp.yaml", check=2)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "exp.yaml:2:" in lines[0] and "meta_job_args.job_type" in lines[0]
    assert "Traceback" not in res.stderr
    assert project.experiments() == [] and project.counter() == []


def test_full_error_env_shows_the_traceback(project: Project) -> None:
    (project.root / "exp.yaml").write_text("meta_job_args: [1, 2]\n")
    res = project.mle("run", "exp.yaml", check=2, env={"MLE_FULL_ERROR": "1"})
    assert "Traceback" in res.stderr


def test_unknown_resource_key_is_rejected_before_running(project: Project) -> None:
    data = multi_yaml()
    data["single_job_args"]["extra_flags"] = "not-a-list"
    project.yaml("exp.yaml", data)
    res = project.mle("run", "exp.yaml", check=2)
    assert len(res.stderr.strip().splitlines()) == 1 and "extra_flags" in res.stderr
    assert project.experiments() == []


def test_missing_experiment_folder(project: Project) -> None:
    res = project.mle("results", "does-not-exist", check=2)
    assert res.stderr.count("\n") == 1 and "does-not-exist" in res.stderr


def test_init_writes_user_config_read_by_run(project: Project) -> None:
    cfg = project.root / "user.yaml"
    env = {"MLE_USER_CONFIG": str(cfg)}
    project.mle("init", "--backend", "slurm", "--partition", "debug", env=env)
    assert "default_backend: slurm" in cfg.read_text()
    project.mle("init", env=env, check=2)  # never overwrites silently
    project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    res = project.mle("run", "exp.yaml", "--dry-run", env=env)
    assert "#SBATCH" in res.stdout and "--partition=debug" in res.stdout
    res = project.mle("run", "exp.yaml", "--dry-run", "--backend", "local", env=env)
    assert "#SBATCH" not in res.stdout


def test_help_lists_every_command(project: Project) -> None:
    from mle_cli.main import COMMANDS

    out = project.mle("--help").stdout
    assert all(name in out for name in COMMANDS)
    for name in COMMANDS:
        assert project.mle(name, "--help").stdout.startswith(f"usage: mle {name}")


@pytest.mark.parametrize(
    ("module", "root"),
    [
        ("mle_config.errors", "MleConfigError"),
        ("mle_logger.errors", "MleLoggerError"),
        ("mle_scheduler.errors", "MleSchedulerError"),
        ("mle_search.errors", "MleSearchError"),
        ("mle_cli.errors", "MleCliError"),
    ],
)
def test_every_packages_errors_are_one_line_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], module: str, root: str
) -> None:
    import mle_cli._cmd_init
    from mle_cli.main import main

    class Raised(getattr(importlib.import_module(module), root)):  # type: ignore[misc]
        """A subclass defined elsewhere (a plug-in's, say) is still the user's mistake."""

    def fail(args: object) -> int:
        raise Raised("file.yaml:3: key: expected X, found Y")

    monkeypatch.setattr(mle_cli._cmd_init, "run", fail)
    assert main(["init"]) == 2
    assert capsys.readouterr().err == "mle: error: file.yaml:3: key: expected X, found Y\n"
