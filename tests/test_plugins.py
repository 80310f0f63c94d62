"""Third-party plug-ins work end to end: a tiny backend package (entry point
``mle_scheduler.backends``) and a tiny strategy package (``mle_search.strategies``), installed
into a fresh virtual environment beside the workspace packages, run through
``mle run --backend <name>`` and ``search_type: <name>``. Nothing in the toolbox lists them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent / "cli"))
from cli_helpers import TRAIN_PY, base_config
from test_install_alone import ROOT, _make_venv

# every package of the workspace (mle-cli needs them all; a new package joins by itself)
WORKSPACE = sorted(
    p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file()
)
PLUGINS = {
    # distribution: (module, entry-point group, name, class, module source)
    "mle-backend-echo": (
        "mle_backend_echo",
        "mle_scheduler.backends",
        "echo",
        "EchoBackend",
        """\
        from mle_scheduler.backends.local import LocalBackend


        class EchoBackend(LocalBackend):
            \"\"\"The local backend under another name.\"\"\"
        """,
    ),
    "mle-strategy-lucky": (
        "mle_strategy_lucky",
        "mle_search.strategies",
        "lucky",
        "LuckySearch",
        """\
        from mle_search import RandomSearch


        class LuckySearch(RandomSearch):
            \"\"\"Random search under another name.\"\"\"
        """,
    ),
}


def _write_plugin(base: Path, dist: str) -> Path:
    module, group, name, cls, source = PLUGINS[dist]
    root = base / dist
    (root / module).mkdir(parents=True)
    (root / module / "__init__.py").write_text(textwrap.dedent(source))
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{dist}"
            version = "0.1.0"

            [project.entry-points."{group}"]
            {name} = "{module}:{cls}"

            [tool.hatch.build.targets.wheel]
            packages = ["{module}"]
            """
        )
    )
    return root


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the workspace packages and both plug-ins; its python."""
    base = tmp_path_factory.mktemp("plugins")
    install, python = _make_venv(base / "venv")
    packages = [str(ROOT / "packages" / p) for p in WORKSPACE]
    packages += [str(_write_plugin(base, dist)) for dist in PLUGINS]
    subprocess.run([*install, *packages], check=True, timeout=900)
    return python


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(TRAIN_PY)
    (tmp_path / "base.json").write_text(base_config())
    return tmp_path


def _mle(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MLE_USER_CONFIG"] = str(cwd / "no-user-config.yaml")
    res = subprocess.run(
        [str(python), "-m", "mle_cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, f"mle {args}: {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def _yaml(path: Path, meta: dict[str, object], **sections: object) -> None:
    data = {
        "meta_job_args": {
            "project_name": "plug",
            "base_train_fname": "train.py",
            "base_train_config": "base.json",
            "experiment_dir": "experiments/",
            **meta,
        },
        **sections,
        "single_job_args": {"num_logical_cores": 1},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _results(python: Path, cwd: Path) -> dict[str, object]:
    [marker] = list((cwd / "experiments").glob("*/mle-experiment.json"))
    doc: dict[str, object] = json.loads(
        _mle(python, cwd, "results", str(marker.parent), "--json").stdout
    )
    return doc


@pytest.mark.slow
def test_a_third_party_backend_runs_an_experiment(venv: Path, project: Path) -> None:
    _yaml(
        project / "exp.yaml",
        {"job_type": "multiple-experiments"},
        multi_experiment_args={"config_fnames": ["base.json"], "num_seeds": 2},
    )
    dry = _mle(venv, project, "run", "exp.yaml", "--backend", "echo", "--dry-run").stdout
    assert "jobs on echo" in dry
    _mle(venv, project, "run", "exp.yaml", "--backend", "echo")
    doc = _results(venv, project)
    assert doc["backend"] == "echo"
    assert [j["state"] for j in doc["jobs"]] == ["done", "done"]  # type: ignore[index]
    # the YAML's own key takes the plug-in's name as well
    _yaml(
        project / "exp2.yaml",
        {"job_type": "multiple-experiments", "backend": "echo", "experiment_dir": "exp2/"},
        multi_experiment_args={"config_fnames": ["base.json"], "num_seeds": 1},
    )
    _mle(venv, project, "run", "exp2.yaml")


@pytest.mark.slow
def test_a_third_party_strategy_runs_a_search(venv: Path, project: Path) -> None:
    _yaml(
        project / "search.yaml",
        {"job_type": "hyperparameter-search"},
        param_search_args={
            "search_type": "lucky",
            "maximize_objective": True,
            "problem_type": "final",
            "eval_score_type": "score",
            "num_search_batches": 2,
            "num_iter_per_batch": 2,
            "num_evals_per_iter": 1,
            "params_to_search": {"real": {"x": {"begin": 1.0, "end": 5.0}}},
        },
    )
    _mle(venv, project, "run", "search.yaml")
    doc = _results(venv, project)
    assert doc["search_type"] == "lucky"
    assert len(doc["configs"]) == 4  # type: ignore[arg-type]
    assert doc["best"] is not None
