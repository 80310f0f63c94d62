"""Small helpers shared by the original toolbox's logger APIs (``DeepLogger``, ``MLELogger``)."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

from .errors import LogUpdateError, UnsupportedObjectError

_TRAILING_INT = re.compile(r"(\d+)$")


def legacy_seed_id(value: Any, default: int = 0) -> int:
    """The integer seed of the original's spellings: ``3``, ``"3"``, ``"seed_3"``, ``"seed-3"``.

    Names without a number (``"no_seed_provided"``, ``"seed_default"``) and None give ``default``.
    """
    if value is None:
        return default
    if isinstance(value, bool):
        raise LogUpdateError(f"seed_id: expected an int or 'seed_<id>', found {value!r}")
    if isinstance(value, int):
        return value
    if hasattr(value, "__index__"):  # numpy integers
        return int(value.__index__())
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        m = _TRAILING_INT.search(text)  # "seed-3" is seed 3, not -3
        return int(m.group(1)) if m else default
    raise LogUpdateError(f"seed_id: expected an int or 'seed_<id>', found {value!r}")


class SkipUnsupported:
    """Runs a side output; an object that cannot be stored without pickle warns once, and the
    training run goes on (the original pickled such objects, e.g. scikit-learn models)."""

    def __init__(self) -> None:
        self.warned: set[str] = set()

    def __call__(self, what: str, job: Any) -> Any:
        try:
            return job()
        except UnsupportedObjectError as exc:
            if what not in self.warned:
                self.warned.add(what)
                warnings.warn(
                    f"mle-logger: {what} not saved ({exc}); mle-logger stores no pickles, "
                    "pass numpy arrays or a mapping of arrays instead. Training goes on.",
                    RuntimeWarning,
                    stacklevel=4,
                )
            return None


def safe_name(fname: str | os.PathLike[str] | None, default: str) -> str:
    """A file stem that stays inside its folder: ``"_curve.png"`` -> ``"<default>_curve"``,
    ``".png"`` or None -> ``default``, ``"../x.png"`` -> ``"x"``."""
    if fname is None:
        return default
    name = Path(fname).name
    stem = "" if name.startswith(".") else name.split(".", 1)[0].strip()
    if not stem:
        return default
    return f"{default}{stem}" if stem.startswith("_") else stem


__all__ = ["SkipUnsupported", "legacy_seed_id", "safe_name"]
