"""The user's defaults file: written commented, read back validated, never overwritten silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from mle_config import (
    ConfigFileExistsError,
    ConfigValidationError,
    MleConfigError,
    read_user_config,
    user_config_path,
    write_user_config,
)


def test_path_follows_mle_user_config_then_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLE_USER_CONFIG", str(tmp_path / "mine.yaml"))
    assert user_config_path() == tmp_path / "mine.yaml"
    monkeypatch.delenv("MLE_USER_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_config_path() == tmp_path / "xdg" / "mle" / "config.yaml"


def test_written_file_reads_back_with_its_defaults(tmp_path: Path) -> None:
    path = write_user_config(tmp_path / "sub" / "config.yaml", backend="slurm", partition="debug")
    data = read_user_config(path)
    assert data["default_backend"] == "slurm"
    assert data["resources"]["slurm"]["partition"] == "debug"
    assert "queue" not in data["resources"]["sge"]  # left as a comment
    assert "# queue: all.q" in path.read_text()


def test_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    path = write_user_config(tmp_path / "config.yaml")
    with pytest.raises(ConfigFileExistsError, match="exists already"):
        write_user_config(path, backend="sge")
    assert read_user_config(path)["default_backend"] == "local"
    write_user_config(path, backend="sge", force=True)
    assert read_user_config(path)["default_backend"] == "sge"


def test_missing_or_empty_file_is_no_defaults(tmp_path: Path) -> None:
    assert read_user_config(tmp_path / "none.yaml") == {}
    (tmp_path / "empty.yaml").write_text("\n  \n")
    assert read_user_config(tmp_path / "empty.yaml") == {}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("default_backend: pbs-nope\n", "default_backend: expected one of"),
        ("resources: [1, 2]\n", "resources: expected a mapping, found list"),
        ("resources:\n  nope: {}\n", "resources.nope: expected one of"),
        ("resources:\n  local: 3\n", "resources.local: expected a mapping, found int"),
    ],
)
def test_bad_content_is_one_line_naming_file_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigValidationError) as info:
        read_user_config(path)
    msg = str(info.value)
    assert "\n" not in msg and str(path) in msg and where in msg


def test_unknown_backend_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(MleConfigError, match="default_backend: expected one of"):
        write_user_config(tmp_path / "config.yaml", backend="nope")
    assert not (tmp_path / "config.yaml").exists()
