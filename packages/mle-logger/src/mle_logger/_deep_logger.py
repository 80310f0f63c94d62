"""``DeepLogger``: the seed toolbox's logger API (``DeepLogger(**log_config)``) on the engine."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ._logger import Logger, _number, did_you_mean
from .errors import LoggerClosedError, LogUpdateError, UnknownKeyError

LOG_CONFIG_KEYS = (
    "time_to_track",
    "what_to_track",
    "experiment_dir",
    "seed_id",
    "config_fname",
    "tboard_fname",
    "time_to_print",
    "what_to_print",
    "print_every_k_updates",
    "overwrite_experiment_dir",
    "reload",
    "verbose",
    "model_type",
    "save_every_k_ckpt",
    "save_top_k_ckpt",
    "top_k_metric_name",
    "top_k_minimize_metric",
    "fsync",
)


class DeepLogger(Logger):
    """Seed-compatible logger: fixed ``time_to_track``/``what_to_track`` names, list updates.

    Accepts the keys of the seed's ``log_config`` plus ``experiment_dir``, ``seed_id`` and
    ``config_fname`` (added by ``get_configs_ready``); any other key is an error.
    """

    def __init__(
        self,
        time_to_track: Sequence[str] = (),
        what_to_track: Sequence[str] = (),
        experiment_dir: str | os.PathLike[str] = "experiments/",
        seed_id: int = 0,
        config_fname: str | os.PathLike[str] | None = None,
        tboard_fname: str | None = None,
        time_to_print: Sequence[str] | None = None,
        what_to_print: Sequence[str] | None = None,
        print_every_k_updates: int | None = None,
        overwrite_experiment_dir: bool | int = False,
        reload: bool = False,
        verbose: bool = True,
        model_type: str | None = None,
        save_every_k_ckpt: int | None = None,
        save_top_k_ckpt: int | None = None,
        top_k_metric_name: str | None = None,
        top_k_minimize_metric: bool = True,
        fsync: bool = False,
        **unknown: Any,
    ) -> None:
        if unknown:
            msgs = [f"{k!r}{did_you_mean(k, LOG_CONFIG_KEYS)}" for k in sorted(unknown)]
            raise UnknownKeyError(
                f"DeepLogger: unknown log_config key(s) {', '.join(msgs)}; "
                f"expected some of {list(LOG_CONFIG_KEYS)}"
            )
        time_names = list(time_to_track)
        stats_names = list(what_to_track)
        if not time_names and not stats_names:
            raise LogUpdateError("DeepLogger: expected time_to_track and what_to_track names")
        config = {k: v for k, v in locals().items() if k in LOG_CONFIG_KEYS}
        config["experiment_dir"] = str(experiment_dir)
        config["config_fname"] = None if config_fname is None else str(config_fname)
        super().__init__(
            experiment_dir,
            seed_id=seed_id,
            time_keys=time_names,
            stats_keys=stats_names,
            config=config,
            config_fname=config_fname,
            reload=reload,
            overwrite=bool(overwrite_experiment_dir),
            time_to_print=(time_to_print or ()) if verbose else (),
            what_to_print=(what_to_print or ()) if verbose else (),
            print_every_k_updates=print_every_k_updates,
            tboard_fname=tboard_fname,
            save_every_k_ckpt=save_every_k_ckpt,
            save_top_k_ckpt=save_top_k_ckpt,
            top_k_metric_name=top_k_metric_name,
            top_k_minimize_metric=top_k_minimize_metric,
            fsync=fsync,
        )
        self._n_time = len(time_names)
        self._n_stats = len(stats_names)

    def update_log(
        self,
        time_tick: Sequence[Any],
        stats_tick: Sequence[Any],
        model: Any = None,
        figure: Any = None,
        extra: Any = None,
        save: bool = False,
    ) -> None:
        """Add one row: values aligned with ``time_to_track`` and ``what_to_track``."""
        w = self._w
        if w.closed:
            raise LoggerClosedError(f"{self.path}: update_log() after close()")
        if len(time_tick) != self._n_time or len(stats_tick) != self._n_stats:
            raise LogUpdateError(
                f"update_log: expected {self._n_time} time value(s) "
                f"for {w.time.names[: self._n_time]} "
                f"and {self._n_stats} stat value(s) for {w.stats.names[: self._n_stats]}, "
                f"found {len(time_tick)} and {len(stats_tick)}"
            )
        tv = _numbers(time_tick, "time", w.time.names)
        sv = _numbers(stats_tick, "stats", w.stats.names)
        if len(w.time.names) > self._n_time:  # a reloaded log with more columns: NaN for those
            tv += [float("nan")] * (len(w.time.names) - self._n_time)
        if len(w.stats.names) > self._n_stats:
            sv += [float("nan")] * (len(w.stats.names) - self._n_stats)
        self._add_row(tv, sv)
        if model is not None or figure is not None or extra is not None:
            self._artifacts(model, figure, extra)
        if save:
            w.save()

    def save_log(self) -> None:
        """Persist the rows added since the last save (seed API name of :meth:`save`)."""
        self.save()


def _numbers(values: Sequence[Any], kind: str, names: Sequence[str]) -> list[float | int]:
    out = list(values)
    for i, v in enumerate(out):
        t = type(v)
        if t is not float and t is not int:
            out[i] = _number(v, kind, names[i])
    return out
