"""Small atomic file writes (temporary name in the same folder, then rename)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_file(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` over ``path``; ``tmp`` keeps ``path``'s suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_text(path: Path, text: str) -> None:
    atomic_file(path, lambda tmp: tmp.write_text(text))
