"""The reproducibility record: command, machine, packages and the code's git state."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mle_logger import package_versions, write_reproducibility_record


def test_record_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    path, diff = tmp_path / "out" / "reproducibility.json", tmp_path / "out" / "git.diff"
    record = write_reproducibility_record(path, diff, ["mle", "run"], tmp_path, ["first", "try"])
    assert json.loads(path.read_text()) == record
    assert record["command"] == ["mle", "run"] and record["purpose"] == "first try"
    assert record["git"] is None and not diff.exists()
    assert "mle-logger" in record["packages"] and "numpy" in record["packages"]


def test_dirty_tree_writes_its_diff(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "train.py").write_text("lr = 0.1\n")
    git("add", "train.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    (tmp_path / "train.py").write_text("lr = 0.2\n")
    (tmp_path / "new.py").write_text("")
    path, diff = tmp_path / "r.json", tmp_path / "git.diff"
    record = write_reproducibility_record(path, diff, ["x"], tmp_path)
    git_rec = record["git"]
    assert git_rec["dirty"] and git_rec["diff_file"] == "git.diff" and len(git_rec["commit"]) == 40
    assert "new.py" in git_rec["untracked"] and "+lr = 0.2" in diff.read_text()
    assert "purpose" not in record


def test_package_versions_name_mle_packages_first() -> None:
    versions = package_versions()
    names = list(versions)
    assert names[0].startswith("mle-") and versions["mle-logger"] is not None
