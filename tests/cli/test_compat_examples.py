"""examples/legacy's feature examples run unchanged through `mle run`: pre-/post-processing
with report_generation, and a .sh training script with extra_cmd_line_input and seeds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(tmp_path: Path, yaml_name: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    shutil.copytree(EXAMPLES / "legacy", tmp_path / "legacy")
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "MLE_USER_CONFIG": str(tmp_path / "none.yaml"),
    }
    res = subprocess.run(
        [sys.executable, "-m", "mle_cli", "run", f"legacy/{yaml_name}", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    [marker] = (tmp_path / "experiments").rglob("mle-experiment.json")
    return marker.parent, res


def results(exp: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "mle_cli", "results", str(exp), "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    doc: dict[str, object] = json.loads(out.stdout)
    return doc


def test_pre_post_example(tmp_path: Path) -> None:
    exp, _ = run_example(tmp_path, "mle_pre_post.yaml")
    assert (exp / "data" / "points.npy").is_file()  # pre-processing, in the experiment folder
    final = json.loads((exp / "summary" / "final_losses.json").read_text())
    assert sorted(final) == ["c000-s3", "c000-s7"]  # post-processing saw both runs
    assert (exp / "report" / "report.md").is_file()  # report_generation
    jobs = results(exp)["jobs"]
    assert isinstance(jobs, list) and sorted(j["seed"] for j in jobs) == [3, 7]


def test_bash_configs_example(tmp_path: Path) -> None:
    exp, _ = run_example(tmp_path, "mle_bash_configs.yaml")
    jobs = results(exp)["jobs"]
    assert isinstance(jobs, list) and len(jobs) == 4
    assert all(j["state"] == "done" for j in jobs)
    first = (exp / "runs" / "c001-s2" / "log").read_text().splitlines()[0]
    assert first.startswith("train.sh got: -config ") and " -seed 2 -exp_dir " in first
    assert first.endswith(" -lrate_scale 0.5")  # extra_cmd_line_input, after the usual three
