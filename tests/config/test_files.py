"""atomic_write_text: the whole new text or the old file, with the umask's mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mle_config import atomic_write_text


def test_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "a.json"
    atomic_write_text(path, "old\n")
    atomic_write_text(path, "new ü\n")
    assert path.read_text(encoding="utf-8") == "new ü\n"
    assert os.listdir(path.parent) == ["a.json"]


def test_file_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        atomic_write_text(tmp_path / "shared.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "shared.txt").stat().st_mode & 0o777 == 0o664


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    atomic_write_text(path, "old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(path, "\udcff")  # a lone surrogate cannot be UTF-8
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]
