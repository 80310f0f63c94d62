"""``MLELogger``: the log object of the original toolbox's ``MLExperiment`` (mle-logging's API).

It maps ``update(clock_tick, stats_tick, model, plot_fig, extra_obj, save=)``, ``save_plot``,
``save_extra``, ``save_model``, ``ready_to_log`` and ``extend_tracking`` onto :class:`Logger`,
so the rows land in the usual ``<experiment_dir>/logs/seed_<id>.hdf5``. Like the original it
adds ``num_updates`` (a counter) and ``time_elapsed`` (seconds) to the time columns, accepts new
names on the fly, and keeps the history in memory (``stats_log.stats_tracked``).
"""

from __future__ import annotations

import os
import time as _time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._attrmap import AttrMap
from ._layout import MODELS_DIR, seed_dir
from ._legacy import SkipUnsupported, legacy_seed_id, safe_name
from ._logger import Logger, did_you_mean
from .errors import UnknownKeyError

MLE_LOGGER_KEYS = (
    "experiment_dir",
    "time_to_track",
    "what_to_track",
    "time_to_print",
    "what_to_print",
    "config_fname",
    "config_dict",
    "seed_id",
    "overwrite",
    "overwrite_experiment_dir",
    "use_tboard",
    "tboard_fname",
    "use_wandb",
    "wandb_config",
    "log_every_j_steps",
    "print_every_k_updates",
    "model_type",
    "ckpt_time_to_track",
    "save_every_k_ckpt",
    "save_top_k_ckpt",
    "top_k_metric_name",
    "top_k_minimize_metric",
    "reload",
    "verbose",
    "fsync",
)
_AUTO_TIME = ("num_updates", "time_elapsed")


class StatsHistory:
    """The rows logged so far, as the original's ``log.stats_log`` exposed them."""

    def __init__(self, time_names: Sequence[str], stats_names: Sequence[str]) -> None:
        self.clock_tracked: dict[str, list[float]] = {k: [] for k in time_names}
        self.stats_tracked: dict[str, list[float]] = {k: [] for k in stats_names}

    @property
    def time_to_track(self) -> list[str]:
        return list(self.clock_tracked)

    @property
    def what_to_track(self) -> list[str]:
        return list(self.stats_tracked)

    @property
    def stats_to_track(self) -> AttrMap[list[float]]:
        """``stats_to_track.<name>``: the values of one stat (v0.3.2 examples use it)."""
        return AttrMap(self.stats_tracked, "stat")

    @property
    def clock_to_track(self) -> AttrMap[list[float]]:
        return AttrMap(self.clock_tracked, "time series")

    @property
    def stats_update_counter(self) -> int:
        return len(self.clock_tracked.get("num_updates", ()))

    def append(self, part: dict[str, list[float]], row: Mapping[str, Any], n_before: int) -> None:
        for k in row:
            if k not in part:
                part[k] = [float("nan")] * n_before
        for k, values in part.items():
            values.append(row.get(k, float("nan")))


class MLELogger:
    """The original ``MLELogger(**log_config)`` on :class:`Logger` (see the module docstring).

    ``use_wandb`` is accepted and ignored with a warning (nothing is sent anywhere);
    ``model_type`` is accepted and ignored (the checkpoint type is detected). TensorBoard is
    written only with ``use_tboard=True``; ``verbose`` defaults to printing when
    ``what_to_print`` is given (v0.2.x) and to silence otherwise (mle-logging).
    """

    def __init__(
        self,
        experiment_dir: str | os.PathLike[str] = "experiments/",
        time_to_track: Sequence[str] = (),
        what_to_track: Sequence[str] = (),
        time_to_print: Sequence[str] | None = None,
        what_to_print: Sequence[str] | None = None,
        config_fname: str | os.PathLike[str] | None = None,
        config_dict: Mapping[str, Any] | None = None,
        seed_id: int | str | None = None,
        overwrite: bool | int = False,
        use_tboard: bool = False,
        use_wandb: bool = False,
        wandb_config: Mapping[str, Any] | None = None,
        log_every_j_steps: int | None = None,
        print_every_k_updates: int | None = 1,
        model_type: str | None = None,
        ckpt_time_to_track: str | None = None,
        save_every_k_ckpt: int | None = None,
        save_top_k_ckpt: int | None = None,
        top_k_metric_name: str | None = None,
        top_k_minimize_metric: bool | None = True,
        reload: bool = False,
        verbose: bool | None = None,
        *,
        overwrite_experiment_dir: bool | int = False,
        tboard_fname: str | None = None,
        fsync: bool = False,
        **unknown: Any,
    ) -> None:
        if unknown:
            msgs = [f"{k!r}{did_you_mean(k, MLE_LOGGER_KEYS)}" for k in sorted(unknown)]
            raise UnknownKeyError(
                f"MLELogger: unknown log_config key(s) {', '.join(msgs)}; "
                f"expected some of {list(MLE_LOGGER_KEYS)}"
            )
        if use_wandb:
            warnings.warn(
                "log_config.use_wandb: Weights & Biases logging is not supported; "
                "the run logs to its HDF5 file only",
                RuntimeWarning,
                stacklevel=2,
            )
        del wandb_config, model_type
        self.seed_id = legacy_seed_id(seed_id)
        self.log_every_j_steps = log_every_j_steps
        self.config_fname = None if config_fname is None else str(config_fname)
        time_names = [*_AUTO_TIME, *(n for n in time_to_track if n not in _AUTO_TIME)]
        stats_names = list(what_to_track)
        if use_tboard and not tboard_fname:
            tboard_fname = Path(config_fname).stem if config_fname is not None else "tboard"
        if verbose is None:  # v0.2.x's MLE_Logger printed whenever what_to_print was given
            verbose = bool(what_to_print)
        printing = verbose and bool(print_every_k_updates)
        self._log = Logger(
            experiment_dir,
            seed_id=self.seed_id,
            time_keys=time_names,
            stats_keys=stats_names,
            config=config_dict,
            config_fname=config_fname,
            reload=reload,
            overwrite=bool(overwrite or overwrite_experiment_dir),
            time_to_print=(time_to_print or ["num_updates", *time_to_track]) if printing else (),
            what_to_print=(what_to_print or stats_names) if printing else (),
            print_every_k_updates=print_every_k_updates or None,
            tboard_fname=tboard_fname if use_tboard else None,  # as the original: opt-in
            save_every_k_ckpt=save_every_k_ckpt,
            save_top_k_ckpt=save_top_k_ckpt,
            top_k_metric_name=top_k_metric_name,
            top_k_minimize_metric=top_k_minimize_metric is not False,
            fsync=fsync,
        )
        del ckpt_time_to_track
        self.experiment_dir = self._log.experiment_dir
        self.stats_log = StatsHistory(self._log.time_names, self._log.stats_names)
        if reload:
            self._reload_history()
        self._start = _time.monotonic()
        self._n_figures = 0
        self._n_extras = 0
        self._skip = SkipUnsupported()

    def _reload_history(self) -> None:
        from ._load import SeedLog, load_log

        try:
            old = load_log(self._log.path)
        except (OSError, ValueError):
            return
        if isinstance(old, SeedLog):
            self.stats_log.clock_tracked = {k: list(v) for k, v in old.time.items()}
            self.stats_log.stats_tracked = {k: list(v) for k, v in old.stats.items()}

    # -- the original's API ------------------------------------------------------------------
    def update(
        self,
        clock_tick: Mapping[str, Any],
        stats_tick: Mapping[str, Any],
        model: Any = None,
        plot_fig: Any = None,
        extra_obj: Any = None,
        grads: Any = None,
        save: bool = False,
    ) -> None:
        """Add one row (dicts by name; new names are added), then save the side outputs.

        ``model`` is checkpointed, ``plot_fig`` saved as ``fig_<n>``, ``extra_obj`` as
        ``extra_<n>`` (JSON or ``.npy``); ``save=True`` saves the log. ``grads`` is ignored.
        """
        del grads
        history = self.stats_log
        n_before = history.stats_update_counter
        time_row = {
            **clock_tick,
            "num_updates": n_before + 1,
            "time_elapsed": _time.monotonic() - self._start,
        }
        self._add_names(time_row, stats_tick)
        self._log.update(time=time_row, stats=stats_tick)
        history.append(history.clock_tracked, time_row, n_before)
        history.append(history.stats_tracked, stats_tick, n_before)
        if model is not None:
            self.save_model(model)
        if plot_fig is not None:
            self.save_plot(plot_fig)
        if extra_obj is not None:
            self.save_extra(extra_obj)
        if save:
            self.save()

    def _add_names(self, time_row: Mapping[str, Any], stats_row: Mapping[str, Any]) -> None:
        """The original accepted names it had not seen: add them as columns (NaN before)."""
        w = self._log._w
        for cols, row in ((w.time, time_row), (w.stats, stats_row)):
            for k in row:
                if k not in cols.index:
                    cols.add_name(str(k), w.n_pending)

    def extend_tracking(
        self, stats_keys: Sequence[str] | None = None, time_keys: Sequence[str] | None = None
    ) -> None:
        """Declare more names to track (they are also added on first use)."""
        self._add_names(dict.fromkeys(time_keys or ()), dict.fromkeys(stats_keys or ()))
        for k in time_keys or ():
            self.stats_log.clock_tracked.setdefault(k, [float("nan")] * self.n_updates)
        for k in stats_keys or ():
            self.stats_log.stats_tracked.setdefault(k, [float("nan")] * self.n_updates)

    def save(self) -> None:
        """Persist the rows added since the last save."""
        self._log.save()

    def save_model(self, model: Any) -> None:
        """Checkpoint ``model`` (numpy, mapping of arrays, torch module or state_dict)."""
        self._skip("the checkpoint", lambda: self._log.save_model(model))

    def save_init_model(self, model: Any) -> None:
        """Save the initial model as ``models/seed_<id>/init.np[yz]``."""
        from ._artifacts import save_checkpoint

        folder = seed_dir(self.experiment_dir, MODELS_DIR, self.seed_id)
        folder.mkdir(parents=True, exist_ok=True)
        self._skip("the initial checkpoint", lambda: save_checkpoint(model, folder / "init"))

    def save_plot(self, fig: Any, fig_fname: str | os.PathLike[str] | None = None) -> Path | None:
        """Save a figure as ``figures/seed_<id>/<name>.png`` (``fig_<n>`` unless named)."""
        self._n_figures += 1
        name = safe_name(fig_fname, f"fig_{self._n_figures}")
        result: Path | None = self._skip("the figure", lambda: self._log.save_figure(fig, name))
        return result

    def save_extra(self, obj: Any, obj_fname: str | os.PathLike[str] | None = None) -> Path | None:
        """Save an array (``.npy``) or JSON-able object (``.json``) as ``extra_<n>``."""
        self._n_extras += 1
        name = safe_name(obj_fname, f"extra_{self._n_extras}")
        result: Path | None = self._skip(
            "the extra object", lambda: self._log.save_extra(obj, name)
        )
        return result

    def ready_to_log(self, update_counter: int) -> bool:
        """True every ``log_every_j_steps`` steps (and at step 0), as the original counted."""
        every = self.log_every_j_steps
        if not every:
            return True
        return (update_counter + 1) % every == 0 or update_counter == 0

    def close(self) -> None:
        """Save, mark the log finished and fold it into its HDF5 file."""
        self._log.close()

    # -- state -------------------------------------------------------------------------------
    @property
    def logger(self) -> Logger:
        """The underlying :class:`Logger`."""
        return self._log

    @property
    def path(self) -> Path:
        return self._log.path

    @property
    def n_updates(self) -> int:
        return self.stats_log.stats_update_counter

    def __repr__(self) -> str:
        return f"MLELogger({str(self.path)!r}, updates={self.n_updates})"


__all__ = ["MLELogger", "StatsHistory"]
