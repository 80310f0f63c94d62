"""`mle run` and `mle init` edges: --dry-run, the original toolbox's flags, folder creation,
unwritable places, closed pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Project, grid_yaml, multi_yaml
from mle_config import new_experiment_root


def test_dry_run_shows_name_time_limit_and_translated_config(project: Project) -> None:
    data = multi_yaml(num_seeds=2)
    data["single_job_args"]["time_per_job"] = "00:30:00"
    project.yaml("exp.yaml", data)
    out = project.mle("run", "exp.yaml", "--dry-run", "--name", "trial-7", "--verbose").stdout
    assert "_trial-7" in out.splitlines()[-1]  # the folder it would make
    limit = next(line for line in out.splitlines() if line.startswith("time limit per job:"))
    assert limit.endswith("30h 0m")  # the original's "DD:HH:MM", as mle-config reads it
    config = out[out.index("{") : out.index("\n}\n") + 2]
    assert json.loads(config)["multi_experiment_args"]["num_seeds"] == 2
    assert project.experiments() == []


def test_user_config_time_per_job_is_read_like_the_yamls(project: Project) -> None:
    cfg = project.root / "user.yaml"
    cfg.write_text('default_backend: local\nresources:\n  local:\n    time_per_job: "00:30:00"\n')
    project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    out = project.mle("run", "exp.yaml", "--dry-run", env={"MLE_USER_CONFIG": str(cfg)}).stdout
    assert "time limit per job: 30h 0m" in out


def test_the_original_toolboxs_harmless_flags_are_accepted(project: Project) -> None:
    project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    project.mle("run", "exp.yaml", "-nw", "-np", "-resource", "local", "-p", "first", "try")
    [exp] = project.experiments()
    assert json.loads((exp / "reproducibility.json").read_text())["purpose"] == "first try"


@pytest.mark.parametrize(("flag", "hint"), [("-reconnect", "mle resume"), ("-d", "--dry-run")])
def test_the_original_toolboxs_other_flags_point_to_ours(
    project: Project, flag: str, hint: str
) -> None:
    project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    res = project.mle("run", "exp.yaml", flag, check=2)
    assert res.stderr.count("\n") == 1 and hint in res.stderr and flag in res.stderr
    assert project.experiments() == []


def test_experiment_folders_made_in_the_same_second_never_collide(tmp_path: Path) -> None:
    roots = [new_experiment_root(tmp_path, "same", create=True) for _ in range(3)]
    assert len(set(roots)) == 3 and all(r.is_dir() for r in roots)
    assert roots[1].name.endswith("-1") and roots[2].name.endswith("-2")


def test_unwritable_places_are_one_line(project: Project) -> None:
    (project.root / "a-file").write_text("")
    res = project.mle("init", "--path", "a-file/config.yaml", check=2)
    assert res.stderr.count("\n") == 1 and "a-file" in res.stderr
    data = multi_yaml(num_seeds=1, experiment_dir="a-file/experiments")
    project.yaml("exp.yaml", data)
    res = project.mle("run", "exp.yaml", check=2)
    assert res.stderr.count("\n") == 1 and "a-file" in res.stderr


@pytest.mark.parametrize("dry", [True, False])
def test_a_closed_pipe_ends_quietly_and_a_run_still_finishes(project: Project, dry: bool) -> None:
    project.yaml("exp.yaml", multi_yaml(num_seeds=2))
    read, write = os.pipe()
    os.close(read)
    try:
        res = subprocess.run(
            [sys.executable, "-m", "mle_cli", "run", "exp.yaml", *(["--dry-run"] if dry else [])],
            cwd=project.root,
            env={**os.environ, "MLE_USER_CONFIG": str(project.root / "none.yaml")},
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert res.returncode == 0 and res.stderr == ""
    if not dry:  # the output was lost, not the run
        [exp] = project.experiments()
        assert [j["state"] for j in project.results(exp)["jobs"]] == ["done", "done"]


def test_dry_run_names_an_earlier_hyper_log_that_does_not_fit(project: Project) -> None:
    from mle_search import HyperLog

    earlier = project.root / "experiments" / "20200101-000000_grid"
    earlier.mkdir(parents=True)
    marker = {"project_name": "grid", "search": {"search_type": "grid"}}
    (earlier / "mle-experiment.json").write_text(json.dumps(marker))
    HyperLog(earlier / "hyper_log.jsonl").append({"train_config.other": 1.0}, [1.0], id=0)
    data = grid_yaml()
    data["param_search_args"]["reload_log"] = True
    project.yaml("grid.yaml", data)
    res = project.mle("run", "grid.yaml", "--dry-run", check=2)
    assert res.stderr.count("\n") == 1 and str(earlier / "hyper_log.jsonl") in res.stderr


def test_a_full_disk_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    import mle_cli._cmd_init
    from mle_cli.main import main

    def full(args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mle_cli._cmd_init, "run", full)
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no space left" in err and "mle resume" in err
