"""Strictly valid JSON for the files tools write and the JSON they print: NaN and infinities
(which ``json`` would write as bare ``NaN``, invalid for other readers) become ``null``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .files import atomic_write_text

__all__ = ["json_safe", "strict_dumps", "write_json"]


def json_safe(data: Any) -> Any:
    """``data`` with every NaN / infinite float replaced by None (dict keys made strings)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {str(k): json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def strict_dumps(data: Any, indent: int | None = 2) -> str:
    """Strictly valid JSON (non-finite numbers become null; other objects their ``str``)."""
    return json.dumps(json_safe(data), indent=indent, default=str, allow_nan=False)


def write_json(path: Path, data: Any) -> None:
    """Atomically write ``data`` as indented, strictly valid JSON."""
    atomic_write_text(path, strict_dumps(data) + "\n")
