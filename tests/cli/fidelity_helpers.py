"""Helpers for the multi-fidelity CLI tests: examples/fidelity copied into a temporary folder,
shrunk to tiny budgets, run through `mle run` / `mle resume` in a subprocess."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class FidelityProject:
    """examples/fidelity in ``root/fidelity``; `mle` runs from ``root`` as the README says."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(EXAMPLES / "fidelity", root / "fidelity")
        self.env = {**os.environ, "MLE_USER_CONFIG": str(root / "none.yaml")}

    def shrink(self, name: str, **options: Any) -> str:
        """Rewrite example ``name``'s search options (``search_config.search_config``) and
        search resources given as ``resources={...}``; returns its path for `mle run`."""
        path = self.root / "fidelity" / name
        data = yaml.safe_load(path.read_text())
        search = data["param_search_args"]
        search["search_resources"].update(options.pop("resources", {}))
        search["search_config"]["search_config"].update(options)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return f"fidelity/{name}"

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mle_cli", *args]

    def mle(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        res = subprocess.run(
            self.argv(*args), cwd=self.root, env=self.env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        if check is not None:
            assert res.returncode == check, f"mle {' '.join(args)}:\n{res.stdout}\n{res.stderr}"
        return res

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv(*args), cwd=self.root, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def experiment(self) -> Path:
        [marker] = (self.root / "experiments").rglob("mle-experiment.json")
        return marker.parent


def hyper_log(exp: Path) -> dict[int, dict[str, Any]]:
    """The hyper log's records by trial id (each id once: asserted)."""
    lines = [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]
    ids = [r["id"] for r in lines]
    assert len(ids) == len(set(ids)), f"a trial was logged twice: {sorted(ids)}"
    return {r["id"]: r for r in lines}


def job_config(exp: Path, trial: int, seed: int = 0) -> dict[str, Any]:
    """The training config the job of (trial, seed) received."""
    per_seed = exp / "configs" / f"p{trial:04d}-s{seed}.json"
    path = per_seed if per_seed.exists() else exp / "configs" / f"p{trial:04d}.json"
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def run_log(exp: Path, trial: int, seed: int = 0) -> Any:
    """The (time, stats) log of one job."""
    from mle_logger import load_log

    return load_log(exp / "runs" / f"p{trial:04d}-s{seed}")


def checkpoint(exp: Path, trial: int, seed: int = 0) -> Path:
    return exp / "runs" / f"p{trial:04d}-s{seed}" / "models" / f"seed_{seed}" / "last.npy"


def train_module(project: FidelityProject) -> ModuleType:
    """The example's training script, imported (its main() runs only as a script)."""
    spec = importlib.util.spec_from_file_location(
        "fidelity_train_logreg", project.root / "fidelity" / "train_logreg.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def results(project: FidelityProject, exp: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(project.mle("results", str(exp), "--json").stdout)
    return doc


def assert_continues(project: FidelityProject, exp: Path, trial: int, parent: int) -> None:
    """The trial's first epoch is the example's training step applied to the parent's saved
    weights (bit for bit), and its epochs count on from the parent's."""
    before = int(hyper_log(exp)[parent]["budget"])
    lrate = job_config(exp, trial)["train_config"]["params"]["lrate"]
    weights = np.load(checkpoint(exp, parent))
    _, expected_loss, _ = next(train_module(project).train(weights, lrate, 1, 0, before))
    log = run_log(exp, trial)
    assert log.time.num_epochs[0] == before + 1
    assert log.stats.val_loss[0] == expected_loss
    fresh = next(train_module(project).train(np.zeros_like(weights), lrate, 1, 0, 0))
    assert fresh[1] != expected_loss  # from scratch it would differ
