"""The logging engine: rows in memory, appended to the journal at each save, folded at close."""

from __future__ import annotations

import math
import os
import sys
import time as _time
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from ._journal import JournalWriter
from ._layout import (
    EXTRA_DIR,
    FIGURES_DIR,
    MODELS_DIR,
    TBOARD_DIR,
    as_path,
    journal_path,
    lock_path,
    log_path,
    seed_dir,
)
from ._meta import now_iso, run_facts
from ._printer import RowPrinter
from ._storage import LogData, read_meta, write_log
from .errors import (
    LogExistsError,
    LoggerClosedError,
    LogUpdateError,
    LogWriteError,
    LogWriteWarning,
    UnknownKeyError,
)

if TYPE_CHECKING:
    from ._lock import WriterLock

_RETRY_DELAYS = (0.01, 0.1)
_NAN = math.nan
_MAX_CONFIG_TEXT = 1 << 20


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or an empty string."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(value: Any, kind: str, name: str) -> float | int:
    t = type(value)
    if t is float or t is int:
        return value  # type: ignore[no-any-return]
    if t is bool or isinstance(value, np.integer):
        return int(value)
    if getattr(value, "ndim", 0) == 0:
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    raise LogUpdateError(
        f"{kind} {name!r}: expected a number, found {type(value).__name__} {value!r}"
    )


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def _check_names(names: Sequence[str], what: str) -> list[str]:
    if isinstance(names, str):
        raise LogUpdateError(f"{what}: expected a list of names, found the string {names!r}")
    try:
        out = [str(n) for n in names]
    except TypeError:
        raise LogUpdateError(f"{what}: expected a list of names, found {names!r:.80}") from None
    for n in out:
        if not n or "/" in n:
            raise LogUpdateError(f"{what}: expected names without '/', found {n!r}")
    if len(set(out)) != len(out):
        raise LogUpdateError(f"{what}: expected unique names, found {out}")
    return out


_exit_state = {"registered": False, "exiting": False}
_open_finalizers: list[weakref.finalize[Any, Any]] = []  # of loggers not yet closed


def _fold_before_h5py_exits(finalizer: weakref.finalize[Any, Any]) -> None:
    """Fold open logs at interpreter exit *before* h5py's own exit hook unregisters its type
    converters, and note that the interpreter is exiting. ``weakref.finalize`` runs its
    callbacks from one atexit hook registered when the process makes its first finalizer; a
    script that imported torch (or anything else using ``weakref.finalize``) before h5py had
    that hook run after h5py's, so the fold failed ("Failed to find converter") and the rows
    stayed in the journal. This hook is registered once, after h5py is imported (atexit is
    last-in, first-out), so it always runs first."""
    if not _exit_state["registered"]:
        import atexit

        atexit.register(_finish_open_logs)
        _exit_state["registered"] = True
    _open_finalizers[:] = [f for f in _open_finalizers if f.alive]
    _open_finalizers.append(finalizer)


def _finish_open_logs() -> None:
    _exit_state["exiting"] = True  # so an uncaught exception still reads as a crash
    for finalizer in _open_finalizers:
        finalizer()


def _unhandled_exception() -> bool:
    """True at interpreter exit after an uncaught exception (not for a garbage-collected logger)."""
    if not _exit_state["exiting"]:
        return False
    return (
        getattr(sys, "last_exc", None) is not None or getattr(sys, "last_value", None) is not None
    )


class _Columns:
    """Named columns of pending (not yet saved) values, one list per name."""

    def __init__(self, kind: str, names: Sequence[str]) -> None:
        self.kind = kind
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.values: list[list[float | int]] = []
        self.fixed = False
        for n in names:
            self.add_name(n, 0)

    def add_name(self, name: str, n_pending: int) -> None:
        _check_names([name], self.kind)
        self.index[name] = len(self.names)
        self.names.append(name)
        self.values.append([_NAN] * n_pending)

    def row_from_mapping(self, row: Mapping[str, Any], n_pending: int) -> list[float | int]:
        vals: list[float | int] = [_NAN] * len(self.names)
        index = self.index
        for k, v in row.items():
            i = index.get(k)
            if i is None:
                if self.fixed:
                    raise UnknownKeyError(
                        f"{self.kind} {k!r} is not tracked{did_you_mean(k, self.names)}; "
                        f"tracked: {self.names}"
                    )
                self.add_name(k, n_pending)
                vals.append(_NAN)
                i = len(self.names) - 1
            t = type(v)
            vals[i] = v if t is float or t is int else _number(v, self.kind, k)
        return vals

    def append(self, vals: Sequence[float | int]) -> None:
        for col, v in zip(self.values, vals, strict=False):
            col.append(v)

    def pending(self) -> dict[str, list[float | int]]:
        return dict(zip(self.names, self.values, strict=False))

    def clear(self) -> None:
        self.values = [[] for _ in self.names]


class _Writer:
    """Everything needed to save and finish a log; shared with the exit finalizer."""

    def __init__(self, path: Path, journal: JournalWriter, n_saved: int) -> None:
        self.path = path
        self.journal = journal
        self.n_saved = n_saved
        self.n_pending = 0
        self.time = _Columns("time", [])
        self.stats = _Columns("stats", [])
        self.error: OSError | None = None
        self.closed = False
        self.finished = False
        self.on_close: list[Any] = []
        self.side_errors: list[str] = []  # failed checkpoints, figures, extras
        self.lock: WriterLock | None = None  # released when the log is finished
        self.pid = os.getpid()
        from . import _fold  # noqa: F401  (now, not in finish() at interpreter exit)

    def save(self) -> bool:
        """Append the pending rows to the journal; on failure warn, keep them, return False."""
        if not self.n_pending:
            return self.error is None
        record = {
            "i": self.n_saved,
            "n": self.n_pending,
            "time": self.time.pending(),
            "stats": self.stats.pending(),
        }
        try:
            self._append(record)
        except OSError as exc:
            if self.error is None:
                warnings.warn(
                    f"mle-logger could not save to {self.journal.path} ({exc}); "
                    f"{self.n_pending} rows stay in memory and are retried at the next save",
                    LogWriteWarning,
                    stacklevel=3,
                )
            self.error = exc
            return False
        self.error = None
        self.n_saved += self.n_pending
        self.n_pending = 0
        self.time.clear()
        self.stats.clear()
        return True

    def _append(self, record: dict[str, Any]) -> None:
        for delay in (*_RETRY_DELAYS, None):
            try:
                self.journal.append(record)
                return
            except OSError:
                if delay is None:
                    raise
                _time.sleep(delay)

    def finish(self, finished: bool, error: str | None = None) -> None:
        """Save what is pending, mark the end, fold the journal into the HDF5 file."""
        if self.closed:
            return
        self.closed = True
        self.finished = finished
        try:
            self._finish(finished, error)
        finally:
            if self.lock is not None:
                self.lock.release()

    def _finish(self, finished: bool, error: str | None) -> None:
        for fn in self.on_close:
            try:
                fn()
            except Exception as exc:
                warnings.warn(f"mle-logger: closing an output failed: {exc!r}", stacklevel=2)
        saved = self.save()
        end: dict[str, Any] = {"finished": finished}
        if finished:
            end["end_time"] = now_iso()
        if error:
            end["error"] = error
        try:
            self._append({"end": end})
            end_saved = True
        except OSError:
            end_saved = False
        try:
            # the journal is unwritable: fold the rows kept in memory directly
            tail = None if saved else (self.time.pending(), self.stats.pending(), self.n_pending)
            from ._fold import fold_file  # here: keeps `import mle_logger` light

            fold_file(self.path, edit_meta=None if end_saved else _updater(end), tail=tail)
            self.journal.remove()
        except OSError as exc:
            self.journal.close()
            where = "are safe in the journal" if saved else "could not be written"
            raise LogWriteError(
                f"mle-logger: finishing {self.path} failed ({exc}); rows of completed saves {where}"
            ) from exc
        if not saved and self.error is not None:
            raise LogWriteError(
                f"mle-logger: saving to {self.journal.path} failed ({self.error}); "
                f"all rows were written to {self.path} at close"
            ) from self.error
        if self.side_errors:
            raise LogWriteError(
                f"mle-logger: {len(self.side_errors)} side output(s) failed, the log itself is "
                f"complete; first: {self.side_errors[0]}"
            )


def _updater(values: Mapping[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda meta: meta.update(values)


def _finish_at_exit(writer: _Writer) -> None:
    if writer.pid != os.getpid():  # a forked child exiting: the log is its parent's
        return
    crashed = _unhandled_exception()
    try:
        writer.finish(not crashed, "unhandled exception" if crashed else None)
    except Exception as exc:
        sys.stderr.write(f"{exc}\n")


class Logger:
    """Log time and stats rows of one seed's run to ``<experiment_dir>/logs/seed_<id>.hdf5``.

    ``update`` keeps rows in memory; ``save`` appends the new rows to the log's journal (one
    write, safe against a kill at any moment); ``close`` (or leaving a ``with`` block, or normal
    interpreter exit) folds everything into the HDF5 file and marks the log ``finished``.
    An I/O error during training warns and keeps rows in memory; it is raised at ``close``.
    """

    def __init__(
        self,
        experiment_dir: str | os.PathLike[str],
        *,
        seed_id: int = 0,
        time_keys: Sequence[str] | None = None,
        stats_keys: Sequence[str] | None = None,
        config: Mapping[str, Any] | None = None,
        config_fname: str | os.PathLike[str] | None = None,
        reload: bool = False,
        overwrite: bool = False,
        time_to_print: Sequence[str] | None = None,
        what_to_print: Sequence[str] | None = None,
        print_every_k_updates: int | None = None,
        tboard_fname: str | None = None,
        save_every_k_ckpt: int | None = None,
        save_top_k_ckpt: int | None = None,
        top_k_metric_name: str | None = None,
        top_k_minimize_metric: bool = True,
        fsync: bool = False,
    ) -> None:
        if isinstance(seed_id, bool) or not isinstance(seed_id, (int, np.integer)):
            raise LogUpdateError(f"seed_id: expected an int, found {type(seed_id).__name__}")
        for opt, every in (
            ("print_every_k_updates", print_every_k_updates),
            ("save_every_k_ckpt", save_every_k_ckpt),
            ("save_top_k_ckpt", save_top_k_ckpt),
        ):
            if every is not None and (
                isinstance(every, bool) or not isinstance(every, int) or every < 0
            ):
                raise LogUpdateError(f"{opt}: expected an int >= 0 or None, found {every!r}")
        if save_top_k_ckpt and top_k_metric_name is None:
            raise LogUpdateError("save_top_k_ckpt needs top_k_metric_name (the stat to rank by)")
        declared_t = _check_names(time_keys or (), "time_keys")
        declared_s = _check_names(stats_keys or (), "stats_keys")
        if declared_t and declared_s:  # names known now: catch typos before writing anything
            known = [*declared_t, *declared_s]
            wanted = [("print name", n) for n in (*(time_to_print or ()), *(what_to_print or ()))]
            if save_top_k_ckpt and top_k_metric_name is not None:
                wanted.append(("top_k_metric_name", top_k_metric_name))
            for what, n in wanted:
                if n not in known:
                    raise UnknownKeyError(
                        f"{what} {n!r} is not tracked{did_you_mean(n, known)}; tracked: {known}"
                    )
        self.experiment_dir = as_path(experiment_dir, "experiment_dir")
        if config_fname is not None:
            as_path(config_fname, "config_fname")
        for what, names in (("time_to_print", time_to_print), ("what_to_print", what_to_print)):
            if names is not None:
                _check_names(names, what)
        if tboard_fname is not None and not isinstance(tboard_fname, str):
            raise LogUpdateError(f"tboard_fname: expected a name, found {tboard_fname!r:.80}")
        self.seed_id = int(seed_id)
        self.path = log_path(self.experiment_dir, self.seed_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        from ._lock import acquire

        lock = acquire(lock_path(self.path), self.path)  # before anything of the log is touched
        try:
            w = self._open(config, config_fname, reload, overwrite, declared_t, declared_s, fsync)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        self._w = w
        try:
            self._init_outputs(
                time_to_print,
                what_to_print,
                print_every_k_updates,
                tboard_fname,
                (save_every_k_ckpt, save_top_k_ckpt, top_k_metric_name, top_k_minimize_metric),
            )
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        w.lock = lock
        self._finalizer = weakref.finalize(self, _finish_at_exit, w)
        _fold_before_h5py_exits(self._finalizer)

    def _open(
        self,
        config: Mapping[str, Any] | None,
        config_fname: str | os.PathLike[str] | None,
        reload: bool,
        overwrite: bool,
        declared_t: list[str],
        declared_s: list[str],
        fsync: bool,
    ) -> _Writer:
        """Prepare the HDF5 file (fresh, reloaded or replacing a failed attempt); the writer."""
        jpath = journal_path(self.path)
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # from a killed fold
            stale.unlink(missing_ok=True)

        exists = self.path.exists() or jpath.exists()
        if exists and not reload and not overwrite:
            if _is_finished(self.path):
                raise LogExistsError(
                    f"{self.path} already exists: pass reload=True to continue it or "
                    "overwrite=True (overwrite_experiment_dir=1) to replace it"
                )
            _set_aside(self.path, jpath)  # a failed attempt: keep it, start fresh
            exists = False
        facts = run_facts()
        if exists and reload:

            def resume(meta: dict[str, Any]) -> None:
                meta.update(facts)
                meta["finished"] = False
                meta.pop("end_time", None)
                meta["n_resumes"] = int(meta.get("n_resumes", 0)) + 1
                meta["resume_time"] = now_iso()

            from ._fold import fold_file

            # fold the old journal in, once, in bounded memory
            folded = fold_file(self.path, edit_meta=resume, declare=(declared_t, declared_s))
            n_rows, time_names, stats_names = folded.n_rows, folded.time_names, folded.stats_names
        else:
            if exists:  # the journal first: a reader never pairs it with the fresh file
                jpath.unlink(missing_ok=True)
                self.path.unlink(missing_ok=True)
            meta: dict[str, Any] = {
                "seed_id": self.seed_id,
                "experiment_dir": str(self.experiment_dir),
                "config_fname": str(config_fname) if config_fname is not None else None,
                "config": _jsonable(config) if config is not None else None,
                "config_text": _read_small(config_fname),
                "start_time": now_iso(),
                "finished": False,
                "n_resumes": 0,
                **facts,
            }
            empty = np.empty(0)
            data = LogData({k: empty for k in declared_t}, {k: empty for k in declared_s}, meta, 0)
            write_log(self.path, data)
            n_rows, time_names, stats_names = 0, declared_t, declared_s
        jpath.unlink(missing_ok=True)

        w = _Writer(self.path, JournalWriter(jpath, 0, fsync=fsync), n_rows)
        for k in [*declared_t, *(k for k in time_names if k not in declared_t)]:
            w.time.add_name(k, 0)
        for k in [*declared_s, *(k for k in stats_names if k not in declared_s)]:
            w.stats.add_name(k, 0)
        w.time.fixed = bool(declared_t)
        w.stats.fixed = bool(declared_s)
        return w

    def _init_outputs(
        self,
        time_to_print: Sequence[str] | None,
        what_to_print: Sequence[str] | None,
        print_every_k_updates: int | None,
        tboard_fname: str | None,
        ckpt_args: tuple[int | None, int | None, str | None, bool],
    ) -> None:
        w = self._w
        self._print_names = [*(time_to_print or ()), *(what_to_print or ())]
        self._print_every = print_every_k_updates or 1
        self._printer = RowPrinter(self._print_names) if self._print_names else None
        self._n_updates = 0
        self._last_stats: list[float | int] = []

        self._tboard = None
        if tboard_fname:
            from ._tboard import TensorBoardSink

            sink = TensorBoardSink(
                self.experiment_dir / TBOARD_DIR / f"{tboard_fname}_seed_{self.seed_id}"
            )
            if sink.active:
                self._tboard = sink
                w.on_close.append(sink.close)

        self._ckpt: Any = None
        self._ckpt_args = ckpt_args

    # -- writing -----------------------------------------------------------------------------
    def update(
        self,
        time: Mapping[str, Any] | None = None,
        stats: Mapping[str, Any] | None = None,
        *,
        model: Any = None,
        figure: Any = None,
        extra: Any = None,
        save: bool = False,
    ) -> None:
        """Add one row (``time`` and ``stats`` by name; a missing name is NaN in this row).

        Names are fixed by ``time_keys``/``stats_keys`` or by the first update; an unknown name
        later is an error. ``model``, ``figure`` and ``extra`` are saved beside the log.
        """
        w = self._w
        if w.closed:
            raise LoggerClosedError(f"{self.path}: update() after close()")
        if time is not None or stats is not None:
            try:
                tv = w.time.row_from_mapping(time or {}, w.n_pending)
                sv = w.stats.row_from_mapping(stats or {}, w.n_pending)
            except AttributeError:
                for what, row in (("time", time), ("stats", stats)):
                    if row is not None and not isinstance(row, Mapping):
                        raise LogUpdateError(
                            f"update({what}=...): expected a mapping of name to number, "
                            f"found {type(row).__name__}"
                        ) from None
                raise
            w.time.fixed = w.stats.fixed = True
            self._add_row(tv, sv)
        if model is not None or figure is not None or extra is not None:
            self._artifacts(model, figure, extra)
        if save:
            w.save()

    def _add_row(self, tv: list[float | int], sv: list[float | int]) -> None:
        w = self._w
        w.time.append(tv)
        w.stats.append(sv)
        w.n_pending += 1
        self._n_updates += 1
        self._last_stats = sv
        if self._printer is not None and self._n_updates % self._print_every == 0:
            self._print(tv, sv)
        if self._tboard is not None:
            step = tv[0] if tv and type(tv[0]) is int else w.n_saved + w.n_pending - 1
            self._tboard.add(dict(zip(w.stats.names, sv, strict=False)), int(step))

    def _print(self, tv: list[float | int], sv: list[float | int]) -> None:
        assert self._printer is not None
        w = self._w
        row = dict(zip(w.time.names, tv, strict=False))
        row.update(zip(w.stats.names, sv, strict=False))
        try:
            vals = [row[n] for n in self._print_names]
        except KeyError as exc:
            known = [*w.time.names, *w.stats.names]
            raise UnknownKeyError(
                f"print name {exc.args[0]!r} is not tracked{did_you_mean(exc.args[0], known)}; "
                f"tracked: {known}"
            ) from None
        self._printer.print_row(vals)

    def _artifacts(self, model: Any, figure: Any, extra: Any) -> None:
        """Side outputs of an update; an I/O error warns and is raised at close, not here."""
        row = self.n_rows - 1 if self.n_rows else 0
        jobs = (
            ("checkpoint", model, lambda: self.save_model(model)),
            ("figure", figure, lambda: self.save_figure(figure, f"update_{row}")),
            ("extra", extra, lambda: self.save_extra(extra, f"update_{row}")),
        )
        for what, obj, job in jobs:
            if obj is None:
                continue
            try:
                job()
            except OSError as exc:
                msg = f"mle-logger could not save the {what} of update {row} ({exc})"
                if not self._w.side_errors:
                    warnings.warn(msg + "; training goes on", LogWriteWarning, stacklevel=3)
                self._w.side_errors.append(msg)

    def save(self) -> None:
        """Persist the rows added since the last save (a failure warns; rows stay in memory)."""
        if self._w.closed:
            raise LoggerClosedError(f"{self.path}: save() after close()")
        self._w.save()
        if self._tboard is not None:
            self._tboard.flush()

    def close(self) -> None:
        """Save, mark the log finished and fold it into one HDF5 file; raises LogWriteError."""
        self._finalizer.detach()
        self._w.finish(True)

    def __enter__(self) -> Logger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        self._finalizer.detach()
        try:
            self._w.finish(False, f"{exc_type.__name__}: {exc}")
        except LogWriteError as err:  # do not hide the training error behind ours
            warnings.warn(str(err), LogWriteWarning, stacklevel=2)

    # -- side outputs ------------------------------------------------------------------------
    def save_model(self, model: Any) -> None:
        """Checkpoint ``model`` (numpy array, dict of arrays, torch module or state_dict)."""
        from ._checkpoints import CheckpointManager

        if self._ckpt is None:
            every, top, metric, minimize = self._ckpt_args
            folder = seed_dir(self.experiment_dir, MODELS_DIR, self.seed_id)
            self._ckpt = CheckpointManager(folder, every, top, metric, minimize)
        w = self._w
        last = dict(zip(w.stats.names, self._last_stats, strict=False))
        row = max(self.n_rows - 1, 0)
        self._ckpt.save(model, row, last)

    def save_figure(self, figure: Any, name: str) -> Path:
        """Save a matplotlib figure as ``figures/seed_<id>/<name>.png``; returns the path."""
        from ._artifacts import save_figure

        return save_figure(figure, seed_dir(self.experiment_dir, FIGURES_DIR, self.seed_id) / name)

    def save_extra(self, obj: Any, name: str) -> Path:
        """Save an array (``.npy``) or JSON-able object (``.json``) under ``extra/seed_<id>/``."""
        from ._artifacts import save_extra

        return save_extra(obj, seed_dir(self.experiment_dir, EXTRA_DIR, self.seed_id) / name)

    # -- state -------------------------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        """Rows logged so far (saved and pending, including those of a reloaded log)."""
        return self._w.n_saved + self._w.n_pending

    @property
    def closed(self) -> bool:
        return self._w.closed

    @property
    def time_names(self) -> list[str]:
        return list(self._w.time.names)

    @property
    def stats_names(self) -> list[str]:
        return list(self._w.stats.names)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({str(self.path)!r}, rows={self.n_rows}, closed={self.closed})"
        )


def _is_finished(path: Path) -> bool:
    try:
        return bool(read_meta(path)["finished"])
    except (OSError, ValueError):
        return False


def _set_aside(path: Path, jpath: Path) -> None:
    """Rename an unfinished log to ``seed_<id>.attempt_<k>.hdf5`` (+ journal)."""
    k = 1
    while path.with_suffix(f".attempt_{k}.hdf5").exists():
        k += 1
    target = path.with_suffix(f".attempt_{k}.hdf5")
    if jpath.exists():  # the journal first: a reader never pairs it with the fresh file
        os.replace(jpath, target.with_suffix(".journal"))
    if path.exists():
        os.replace(path, target)
    warnings.warn(
        f"{path} is an unfinished log of an earlier attempt; kept as {target.name}, starting fresh",
        RuntimeWarning,
        stacklevel=4,
    )


def _read_small(fname: str | os.PathLike[str] | None) -> str | None:
    if fname is None:
        return None
    try:
        p = Path(fname)
        if p.is_file() and p.stat().st_size <= _MAX_CONFIG_TEXT:
            return p.read_text(errors="replace")
    except OSError:
        return None
    return None


__all__ = ["Logger", "did_you_mean"]
