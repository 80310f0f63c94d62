"""Checkpoint policy: always the latest, every k updates, and the top k by a named metric."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._artifacts import save_checkpoint
from ._files import atomic_text
from .errors import UnknownKeyError

INDEX_NAME = "checkpoints.json"


class CheckpointManager:
    """Writes checkpoints into one seed's model folder and keeps ``checkpoints.json`` current.

    Files: ``last.np[yz]`` (overwritten each time), ``update_<row>.np[yz]`` for the ``every_k``-th,
    ``2*every_k``-th, ... checkpoint (as the original mle-logging counted them), and
    ``top_update_<row>.np[yz]`` for the ``top_k`` best values of ``metric``.
    """

    def __init__(
        self,
        folder: Path,
        every_k: int | None = None,
        top_k: int | None = None,
        metric: str | None = None,
        minimize: bool = True,
    ) -> None:
        self.folder = folder
        self.every_k = every_k
        self.top_k = top_k
        self.metric = metric
        self.minimize = minimize
        self.index: dict[str, Any] = {"last": None, "every": [], "top": [], "n_saved": 0}
        index_file = folder / INDEX_NAME
        if index_file.is_file():  # a resumed run keeps its earlier checkpoints
            try:
                loaded = json.loads(index_file.read_text())
            except ValueError:
                loaded = {}
            if isinstance(loaded, dict):
                keys = ("last", "every", "top", "n_saved")
                self.index.update({k: loaded[k] for k in keys if k in loaded})
        self.index["metric"] = metric
        self.index["minimize"] = minimize

    def save(self, model: Any, row: int, stats: Mapping[str, float]) -> None:
        """Save ``model`` as checkpoint of update ``row`` with that update's ``stats``."""
        last = save_checkpoint(model, self.folder / "last")
        self.index["last"] = {"update": row, "file": last.name}
        self.index["n_saved"] = n_saved = int(self.index.get("n_saved", 0)) + 1
        if self.every_k and n_saved % self.every_k == 0:
            path = save_checkpoint(model, self.folder / f"update_{row}")
            self.index["every"].append({"update": row, "file": path.name})
        if self.top_k and self.metric is not None:
            self._keep_top(model, row, stats)
        atomic_text(self.folder / INDEX_NAME, json.dumps(self.index, indent=1))

    def _keep_top(self, model: Any, row: int, stats: Mapping[str, float]) -> None:
        assert self.metric is not None and self.top_k is not None
        if self.metric not in stats:
            raise UnknownKeyError(
                f"top_k_metric_name {self.metric!r} is not a tracked stat; tracked: {sorted(stats)}"
            )
        score = float(stats[self.metric])
        if math.isnan(score):
            return
        top: list[dict[str, Any]] = self.index["top"]
        sign = 1.0 if self.minimize else -1.0
        if len(top) >= self.top_k:
            worst = max(top, key=lambda e: sign * e["score"])
            if sign * score >= sign * worst["score"]:
                return
            top.remove(worst)
            (self.folder / worst["file"]).unlink(missing_ok=True)
        path = save_checkpoint(model, self.folder / f"top_update_{row}")
        top.append({"update": row, "score": score, "file": path.name})
        top.sort(key=lambda e: sign * e["score"])
