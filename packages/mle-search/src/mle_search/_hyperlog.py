"""The hyper log: one JSON line per evaluated proposal, append-only, flushed per record."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict, cast

from ._results import Evaluation, SeedScore
from .errors import SearchInputError

__all__ = ["HyperLog", "HyperLogRecord"]


class _RecordBase(TypedDict):
    params: dict[str, Any]


class HyperLogRecord(_RecordBase, total=False):
    """One line of the hyper log. ``params`` is always there; a record written by
    :meth:`HyperLog.append` has every field up to ``logged``; a :class:`SearchLoop` adds the
    trial's ``seeds`` (and ``budget`` / ``parent`` / ``reasons`` when set). Callers may add
    fields of their own (``extra``); those are kept on reading but not typed here."""

    id: int | None  #: the trial id (unique within one search)
    batch: int | None  #: the batch the trial was proposed in
    #: per seed, in ``seeds`` order; None = the seed failed (multi-objective: a list of one
    #: score per objective, per seed)
    scores: list[float | None] | list[list[float] | None]
    score: float | None  #: mean of the seeds that succeeded; None when all failed (several
    #: objectives: the first one's, see ``values``)
    values: list[float] | None  #: multi-objective: per objective, the seeds' aggregate
    status: str  #: ok (all seeds scored), partial (some), failed (none)
    run_dir: str | None
    started: str | None  #: ISO 8601 timestamps
    finished: str | None
    logged: str
    seeds: list[int]  #: the seeds the trial ran, in the order of ``scores``
    budget: float | None  #: the trial's resource budget (multi-fidelity searches)
    parent: int | None  #: the trial this one continues from (promotion, PBT)
    reasons: dict[str, str]  #: why a seed failed, by seed (as a string)
    state: str  #: "pruned" when a seed was stopped early (absent otherwise)
    pruned_at: dict[str, float]  #: the step each pruned seed reached, by seed (as a string)


Timestamp = _dt.datetime | float | int | str | None
#: Record fields the log computes itself; ``extra`` may not set them.
_COMPUTED = ("id", "params", "scores", "score", "status", "values", "logged")


def _iso(value: Timestamp) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    else:
        stamp = _dt.datetime.fromtimestamp(float(value), tz=_dt.timezone.utc)
    return stamp.isoformat(timespec="milliseconds")


def _plain(value: Any) -> Any:
    """JSON-safe copy: non-finite floats become null (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _plain(value.item())
    return value


class HyperLog:
    """Append-only JSON-lines log of a search, one record per evaluated proposal::

        {"id": 3, "batch": 0, "params": {"train_config.lr": 0.01}, "scores": [0.9, null],
         "score": 0.9, "status": "partial", "run_dir": "...", "started": "...",
         "finished": "...", "logged": "..."}

    Each append is flushed and fsynced. Reading never executes anything: a torn or garbled
    line (a crash mid-write) is skipped with a warning. A path ending in ``.pkl`` (the original
    toolbox's name) is replaced by the ``.jsonl`` name, with one warning.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        requested = Path(path)
        self.path = requested
        if requested.suffix == ".pkl":
            self.path = requested.with_suffix(".jsonl")
            warnings.warn(
                f"hyper log {str(requested)!r}: pickle logs are not written; "
                f"writing JSON lines to {str(self.path)!r} instead",
                UserWarning,
                stacklevel=2,
            )
        self._next_id: int | None = None

    def __repr__(self) -> str:
        return f"HyperLog({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def append(
        self,
        params: Mapping[str, Any],
        scores: Sequence[SeedScore | Sequence[float | None]] | float | None,
        *,
        id: int | None = None,
        batch: int | None = None,
        run_dir: str | os.PathLike[str] | None = None,
        started: Timestamp = None,
        finished: Timestamp = None,
        extra: Mapping[str, Any] | None = None,
        aggregate: str = "mean",
        n_objectives: int = 1,
    ) -> HyperLogRecord:
        """Append one evaluated proposal; ``score`` and ``status`` are computed from the
        per-seed ``scores`` (None / NaN = failed seed). ``id`` defaults to the next number.
        ``extra`` adds fields (it may also carry run_dir / started / finished). Returns the
        record written. ``n_objectives`` > 1: each seed's entry is a list of one score per
        objective (or None); the record gets ``values`` (the per-objective aggregates)."""
        if not isinstance(params, Mapping):
            raise SearchInputError(
                f"HyperLog.append: expected params to be a mapping, found {params!r}"
            )
        if id is not None and (not isinstance(id, int) or isinstance(id, bool) or id < 0):
            raise SearchInputError(f"HyperLog.append: expected id to be an int >= 0, found {id!r}")
        ev = Evaluation.from_scores(
            dict(params), scores, aggregate=aggregate, n_objectives=n_objectives
        )
        per_seed = [list(v) if isinstance(v, tuple) else v for v in ev.scores]
        record: dict[str, Any] = {
            "id": id,
            "batch": batch,
            "params": _plain(dict(params)),
            "scores": per_seed,
            "score": ev.score,
            "status": ev.status,
            "run_dir": None if run_dir is None else str(run_dir),
            "started": _iso(started),
            "finished": _iso(finished),
            "logged": _iso(_dt.datetime.now(_dt.timezone.utc)),
        }
        if n_objectives > 1:
            record["values"] = None if ev.values is None else list(ev.values)
        for key, value in (extra or {}).items():
            key = str(key)
            if key in _COMPUTED:
                raise SearchInputError(
                    f"HyperLog.append: extra may not set {key!r} (expected other keys than "
                    f"{', '.join(_COMPUTED)})"
                )
            if key in record and record[key] is not None:
                raise SearchInputError(f"HyperLog.append: {key!r} given twice (as extra too)")
            if key in ("started", "finished"):
                value = _iso(value)
            elif key == "run_dir" and value is not None:
                value = str(value)
            record[key] = _plain(value)
        try:  # checked before an id is used: a failed append uses none
            json.dumps(record, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise SearchInputError(
                f"HyperLog.append: expected JSON values (numbers, strings, lists, mappings), "
                f"found {exc}"
            ) from None
        if id is None:
            record["id"] = self._allocate_id()
        else:
            self._next_id = max(self._next_id or 0, id + 1)
        line = json.dumps(record, allow_nan=False, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:  # a torn last line must not swallow this record
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(line.encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        return cast(HyperLogRecord, record)

    def read(self) -> list[HyperLogRecord]:
        """All intact records in file order ([] when the file does not exist)."""
        if not self.path.is_file():
            return []
        records: list[HyperLogRecord] = []
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    warnings.warn(
                        f"hyper log {str(self.path)!r}: skipping unreadable line {number} "
                        "(torn by a crash?)",
                        UserWarning,
                        stacklevel=2,
                    )
                    continue
                if not isinstance(record, dict) or not isinstance(record.get("params"), dict):
                    warnings.warn(
                        f"hyper log {str(self.path)!r}: skipping line {number}: expected a "
                        "record with 'params'",
                        UserWarning,
                        stacklevel=2,
                    )
                    continue
                records.append(cast(HyperLogRecord, record))
        return records

    def _allocate_id(self) -> int:
        if self._next_id is None:
            with warnings.catch_warnings():  # read() warns about torn lines; not here
                warnings.simplefilter("ignore")
                records = self.read()
            ids = [i for r in records if isinstance(i := r.get("id"), int)]
            self._next_id = max(ids, default=-1) + 1
        allocated = self._next_id
        self._next_id += 1
        return allocated
