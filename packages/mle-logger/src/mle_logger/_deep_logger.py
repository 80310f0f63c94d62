"""``DeepLogger``: the original toolbox's logger API (``DeepLogger(**log_config)``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._legacy import SkipUnsupported, legacy_seed_id, safe_name
from ._logger import Logger, _number, did_you_mean
from .errors import LoggerClosedError, LogUpdateError, UnknownKeyError

LOG_CONFIG_KEYS = (
    "time_to_track",
    "what_to_track",
    "time_to_print",
    "what_to_print",
    "config_fname",
    "experiment_dir",
    "tboard_fname",
    "use_tboard",
    "print_every_k_updates",
    "fname_ext",
    "save_every_k_ckpt",
    "overwrite_experiment_dir",
    "seed_id",
    "reload",
    "verbose",
    "model_type",
    "ckpt_time_to_track",
    "save_top_k_ckpt",
    "top_k_metric_name",
    "top_k_minimize_metric",
    "fsync",
)


class DeepLogger(Logger):
    """The original toolbox's logger: fixed ``time_to_track``/``what_to_track`` names.

    The positional order is the original's (``time_to_track, what_to_track, time_to_print,
    what_to_print, config_fname, experiment_dir, tboard_fname, use_tboard,
    print_every_k_updates, fname_ext, save_every_k_ckpt, overwrite_experiment_dir``); the later
    releases' keys (``seed_id`` as ``3`` or ``"seed_3"``, ``model_type``, ``ckpt_time_to_track``,
    the top-k options) are keywords. Any other key is an error with a did-you-mean.
    ``use_tboard=False`` turns TensorBoard off even with a ``tboard_fname``; ``use_tboard=True``
    without one names the run after the config file.
    """

    def __init__(
        self,
        time_to_track: Sequence[str] = (),
        what_to_track: Sequence[str] = (),
        time_to_print: Sequence[str] | None = None,
        what_to_print: Sequence[str] | None = None,
        config_fname: str | os.PathLike[str] | None = None,
        experiment_dir: str | os.PathLike[str] = "experiments/",
        tboard_fname: str | None = None,
        use_tboard: bool | None = None,
        print_every_k_updates: int | None = None,
        fname_ext: str | None = None,
        save_every_k_ckpt: int | None = None,
        overwrite_experiment_dir: bool | int = False,
        *,
        seed_id: int | str | None = None,
        reload: bool = False,
        verbose: bool = True,
        model_type: str | None = None,
        ckpt_time_to_track: str | None = None,
        save_top_k_ckpt: int | None = None,
        top_k_metric_name: str | None = None,
        top_k_minimize_metric: bool | None = True,
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
        seed = legacy_seed_id(seed_id if seed_id is not None else fname_ext)
        if use_tboard is False:
            tboard_fname = None
        elif use_tboard and not tboard_fname:
            tboard_fname = Path(config_fname).stem if config_fname is not None else "tboard"
        super().__init__(
            experiment_dir,
            seed_id=seed,
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
            top_k_minimize_metric=top_k_minimize_metric is not False,
            fsync=fsync,
        )
        self._n_time = len(time_names)
        self._n_stats = len(stats_names)
        self._skip = SkipUnsupported()
        self._n_figures = 0

    def update_log(
        self,
        time_tick: Sequence[Any] | Mapping[str, Any],
        stats_tick: Sequence[Any] | Mapping[str, Any],
        model: Any = None,
        plot_to_tboard: Any = None,
        save: bool = False,
        *,
        network: Any = None,
        figure: Any = None,
        extra: Any = None,
    ) -> None:
        """Add one row: lists aligned with ``time_to_track``/``what_to_track``, or dicts by name.

        ``model``/``network`` is checkpointed, ``plot_to_tboard``/``figure`` saved as a figure,
        ``extra`` saved beside the log; ``save=True`` also saves the log.
        """
        w = self._w
        if w.closed:
            raise LoggerClosedError(f"{self.path}: update_log() after close()")
        if isinstance(time_tick, Mapping) or isinstance(stats_tick, Mapping):
            self.update(
                time=_as_mapping(time_tick, w.time.names[: self._n_time], "time"),
                stats=_as_mapping(stats_tick, w.stats.names[: self._n_stats], "stats"),
            )
        else:
            self._add_list_row(time_tick, stats_tick)
        model = model if model is not None else network
        figure = figure if figure is not None else plot_to_tboard
        if model is not None:
            self._skip("the checkpoint", lambda: self._artifacts(model, None, None))
        if figure is not None:
            self._skip("the figure", lambda: self._artifacts(None, figure, None))
        if extra is not None:
            self._skip("the extra object", lambda: self._artifacts(None, None, extra))
        if save:
            w.save()

    def _add_list_row(self, time_tick: Sequence[Any], stats_tick: Sequence[Any]) -> None:
        w = self._w
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

    def save_log(self) -> None:
        """Persist the rows added since the last save (seed API name of :meth:`save`)."""
        self.save()

    def save_network(self, network: Any) -> None:
        """Checkpoint ``network`` (seed API name of :meth:`save_model`; torch modules included)."""
        self._skip("the checkpoint", lambda: self.save_model(network))

    def save_plot(self, fig: Any, fname_ext: str | None = None) -> Path | None:
        """Save a figure as ``figures/seed_<id>/fig_<n><fname_ext stem>.png`` (v0.2.5 API)."""
        self._n_figures += 1
        name = safe_name(fname_ext, f"fig_{self._n_figures}")
        path: Path | None = self._skip("the figure", lambda: self.save_figure(fig, name))
        return path

    def save_to_extra_dir(self, obj: Any, fname: str) -> Path | None:
        """Save an array (``.npy``) or JSON-able object (``.json``) under ``extra/seed_<id>/``."""
        name = safe_name(fname, "extra")
        path: Path | None = self._skip("the extra object", lambda: self.save_extra(obj, name))
        return path


def _as_mapping(tick: Sequence[Any] | Mapping[str, Any], names: Sequence[str], kind: str) -> Any:
    if isinstance(tick, Mapping):
        return tick
    if len(tick) != len(names):
        raise LogUpdateError(
            f"update_log: expected {len(names)} {kind} value(s) for {list(names)}, "
            f"found {len(tick)}"
        )
    return dict(zip(names, tick, strict=True))


def _numbers(values: Sequence[Any], kind: str, names: Sequence[str]) -> list[float | int]:
    out = list(values)
    for i, v in enumerate(out):
        t = type(v)
        if t is not float and t is not int:
            out[i] = _number(v, kind, names[i])
    return out
