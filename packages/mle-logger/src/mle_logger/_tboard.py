"""Optional TensorBoard output: scalars go to a SummaryWriter when one is installed."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

INSTALL_HINT = "pip install tensorboardX (or torch with tensorboard)"


def _summary_writer_class() -> Any | None:
    with contextlib.suppress(Exception):  # torch missing or broken: try the next writer
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter
    try:
        from tensorboardX import SummaryWriter

        return SummaryWriter
    except Exception:
        return None


class TensorBoardSink:
    """Writes stats as scalars; any failure warns once and disables the sink (never raises)."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self._writer: Any | None = None
        cls = _summary_writer_class()
        if cls is None:
            warnings.warn(
                f"tboard_fname is set but no TensorBoard writer is installed ({INSTALL_HINT}); "
                "scalars go to the HDF5 log only",
                RuntimeWarning,
                stacklevel=4,
            )
            return
        try:
            self._writer = cls(str(logdir))
        except Exception as exc:
            self._disable(exc)

    @property
    def active(self) -> bool:
        return self._writer is not None

    def _disable(self, exc: BaseException) -> None:
        self._writer = None
        warnings.warn(f"TensorBoard output disabled: {exc!r}", RuntimeWarning, stacklevel=4)

    def add(self, stats: Mapping[str, float], step: int) -> None:
        if self._writer is None:
            return
        try:
            for k, v in stats.items():
                self._writer.add_scalar(k, v, step)
        except Exception as exc:
            self._disable(exc)

    def flush(self) -> None:
        if self._writer is not None:
            try:
                self._writer.flush()
            except Exception as exc:
                self._disable(exc)

    def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
