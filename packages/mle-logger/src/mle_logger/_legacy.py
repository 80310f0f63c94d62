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


_PENDING: list[Any] = []  # weakref.finalize objects of open loggers
_HOOK = {"registered": False}


def finish_before_h5py_exits(finalizer: Any) -> None:
    """Fold the log at interpreter exit *before* h5py's own exit hook unregisters its type
    converters. A script that imported torch (or anything using ``weakref.finalize``) before
    h5py got the opposite order: the fold failed at exit ("Failed to find converter") and the
    rows stayed in the journal. The hook is registered once, after h5py is imported, so it runs
    first; a finished logger's entry is dropped at the next registration."""
    if not _HOOK["registered"]:
        import atexit

        atexit.register(_finish_pending)
        _HOOK["registered"] = True
    _PENDING[:] = [f for f in _PENDING if f.alive]
    _PENDING.append(finalizer)


def _finish_pending() -> None:
    from ._logger import _exit_state

    _exit_state["exiting"] = True  # so an uncaught exception still reads as a crash
    for finalizer in _PENDING:
        finalizer()


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


__all__ = ["SkipUnsupported", "finish_before_h5py_exits", "legacy_seed_id", "safe_name"]
