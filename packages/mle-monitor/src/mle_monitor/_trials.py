"""The plain inputs of the report's search, failure and timeline sections.

A :class:`Trial` is one job of an experiment (a configuration x seed) as plain values: its
parameters, score, state, start and end (epoch seconds), host, why it ended badly and the
tail of its stderr. :func:`config_points` folds the seeds of each configuration into one
:class:`ConfigPoint` (mean score over the seeds that scored), which the search figures draw.

:func:`trials_from_folder` reads them from an experiment folder: the job table and queue
events (through :func:`inspect_experiment`), each run's wrapper status file (start, end,
host: the job side's own record), the stderr tail (:func:`mle_scheduler.tail`) and the
scores of the results document (``results.json`` unless a fresher one is passed).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._folder import ExperimentDetail

__all__ = [
    "BAD_STATES",
    "ConfigPoint",
    "Trial",
    "config_points",
    "is_bad",
    "params_key",
    "points_from_results",
    "trials_from_folder",
]

#: job states a failures section lists (``pruned``: stopped early by a pruner;
#: ``orphaned``: its driver died and no status file says how it ended)
BAD_STATES = ("failed", "timeout", "lost", "pruned", "orphaned")


@dataclass(frozen=True)
class Trial:
    """One job (a configuration x seed) in plain values."""

    job_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    score: float | None = None
    state: str = "done"
    start: float | None = None
    end: float | None = None
    host: str | None = None
    config_id: str | None = None
    seed: int | None = None
    exit_code: int | None = None
    reason: str | None = None
    stderr_tail: str = ""
    order: int | None = None  # the proposal's index in a search (evaluation order)
    #: (start, end) of each earlier attempt that was retried (from the queue's events)
    attempts: tuple[tuple[float, float], ...] = ()

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (None while either is unknown)."""
        if self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)


def is_bad(trial: Trial) -> bool:
    """True for a job a failures section lists: a failed, timed-out, lost, pruned or orphaned
    job, and a cancelled one whose reason says a pruner stopped it."""
    if trial.state in BAD_STATES:
        return True
    return trial.state == "cancelled" and "prun" in (trial.reason or "").lower()


@dataclass(frozen=True)
class ConfigPoint:
    """One configuration: its parameters and the mean score of its seeds that scored."""

    config_id: str
    params: Mapping[str, Any]
    score: float | None
    n_scored: int
    n_jobs: int
    order: int
    std: float | None = None  # of the seeds' scores (ddof 1; None below two)

    @property
    def key(self) -> str:
        """The parameters as one canonical string (floats to 10 significant digits), the key
        :mod:`mle_monitor._compare` matches configurations of different experiments by."""
        return params_key(self.params)


def _canon(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.10g}") if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _canon(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    return value


def params_key(params: Mapping[str, Any]) -> str:
    """A configuration's parameters as one canonical JSON string (keys sorted, floats rounded
    to 10 significant digits, so 0.1 read back from a log matches 0.1 proposed)."""
    return json.dumps(_canon(params), sort_keys=True, default=str)


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def config_points(trials: Iterable[Trial]) -> list[ConfigPoint]:
    """One point per configuration (trials without a ``config_id`` are one each), in order of
    evaluation (``order``, else first appearance); the score is the mean over the seeds with
    a finite score that finished (``done``), None when none did."""
    groups: dict[str, list[Trial]] = {}
    for t in trials:
        groups.setdefault(t.config_id or t.job_id, []).append(t)
    out = []
    for i, (cid, group) in enumerate(groups.items()):
        scores = [s for t in group if t.state == "done" and (s := _finite(t.score)) is not None]
        orders = [t.order for t in group if t.order is not None]
        mean = math.fsum(scores) / len(scores) if scores else None
        std = None
        if mean is not None and len(scores) > 1:
            std = math.sqrt(math.fsum((x - mean) ** 2 for x in scores) / (len(scores) - 1))
        out.append(
            ConfigPoint(
                config_id=cid,
                params=dict(group[0].params),
                score=mean,
                n_scored=len(scores),
                n_jobs=len(group),
                order=min(orders) if orders else i,
                std=std,
            )
        )
    out.sort(key=lambda p: p.order)
    return out


def points_from_results(doc: Mapping[str, Any]) -> list[ConfigPoint]:
    """One point per configuration of a results document (``mle results --json``: its
    ``configs`` with ``score_mean``, ``score_std``, ``n_runs`` and a search's ``proposal``),
    in evaluation order."""
    out = []
    for i, c in enumerate(doc.get("configs") or []):
        if not isinstance(c, Mapping) or not isinstance(c.get("config_id"), str):
            continue
        prop = c.get("proposal")
        runs = c.get("n_runs")
        failed = c.get("n_failed")
        n_jobs = runs if isinstance(runs, int) else 0
        n_bad = failed if isinstance(failed, int) else 0
        out.append(
            ConfigPoint(
                config_id=c["config_id"],
                params=dict(c.get("params") or {}),
                score=_finite(c.get("score_mean")),
                n_scored=max(0, n_jobs - n_bad),
                n_jobs=n_jobs,
                order=prop if isinstance(prop, int) and not isinstance(prop, bool) else i,
                std=_finite(c.get("score_std")),
            )
        )
    out.sort(key=lambda p: p.order)
    return out


def _reason(state: str, code: int | None, message: str | None, hyper: str | None) -> str | None:
    if message:
        return message
    if hyper:
        return hyper
    if state == "timeout":
        return "hit its time limit"
    if state == "lost":
        return "neither the scheduler nor its status file knows how it ended"
    if state == "orphaned":
        return "its driver stopped and no status file says how it ended"
    if code is not None and code != 0:
        return f"exit code {code}"
    return None


def _earlier_attempts(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """job id -> (start, end) of each attempt that ended in a retry: from the attempt's
    ``running`` event to its ``retrying`` event (as seen by the driver's polling)."""
    from mle_scheduler import iter_jsonl

    from ._folder import EVENTS_LOG

    started: dict[tuple[str, int], float] = {}
    out: dict[str, list[tuple[float, float]]] = {}
    for ev in iter_jsonl(folder / EVENTS_LOG):
        key, attempt, t = (
            ev.get("job_id", ev.get("key")),
            ev.get("attempt"),
            _finite(ev.get("time")),
        )
        if not isinstance(key, str) or not isinstance(attempt, int) or t is None:
            continue
        if ev.get("state") == "running":
            started.setdefault((key, attempt), t)
        elif ev.get("state") == "retrying" and (key, attempt) in started:
            out.setdefault(key, []).append((started.pop((key, attempt)), t))
    return out


def _hyper_reasons(folder: Path, marker: Mapping[str, Any]) -> dict[tuple[str, int], str]:
    """(config id, seed) -> the reason the hyper log gives for a seed that did not score."""
    from mle_scheduler import iter_jsonl

    from ._folder import HYPER_LOG, hyper_log_name

    search = marker.get("search")
    if not isinstance(search, Mapping):
        return {}
    name = hyper_log_name(str(search.get("hyperlog_fname") or HYPER_LOG))
    out: dict[tuple[str, int], str] = {}
    for rec in iter_jsonl(folder / name):
        cid, reasons = rec.get("config_id"), rec.get("reasons")
        if isinstance(cid, str) and isinstance(reasons, dict):
            for seed, why in reasons.items():
                if isinstance(why, str) and str(seed).lstrip("-").isdigit():
                    out[(cid, int(seed))] = why
    return out


def trials_from_folder(
    folder: str | os.PathLike[str],
    results: Mapping[str, Any] | None = None,
    *,
    detail: ExperimentDetail | None = None,
    stderr_lines: int = 12,
) -> list[Trial]:
    """Every job of an experiment folder as a :class:`Trial`.

    ``results``: the results document (``mle results --json``: its ``jobs`` give the scores,
    its ``configs`` the evaluation order); default: the folder's ``results.json`` when it
    has one, else no scores. Start, end and host come from each run's status file (written
    by the job's own wrapper), the reason from the queue's last event or the hyper log, the
    stderr tail (``stderr_lines`` non-blank lines) only for jobs a failures section lists,
    earlier attempts that were retried from the queue's events.
    ``detail``: the folder's :func:`inspect_experiment` when the caller has it (not read again).
    Raises :class:`~mle_monitor.errors.ExperimentFolderError` for a folder that is not an
    experiment."""
    from mle_scheduler import read_status, tail

    from ._folder import (
        EXPERIMENT_MARKER,
        RESULTS,
        RUN_STATUS_FILE,
        RUNS_DIR,
        _read_json,
        inspect_experiment,
    )

    if detail is None:
        detail = inspect_experiment(folder)
    root = detail.folder
    marker = _read_json(root / EXPERIMENT_MARKER) or {}
    doc = results if results is not None else (_read_json(root / RESULTS) or {})
    scores: dict[str, float | None] = {}
    for row in doc.get("jobs") or []:
        if isinstance(row, Mapping) and isinstance(row.get("job_id"), str):
            scores[row["job_id"]] = _finite(row.get("score"))
    order: dict[str, int] = {}
    for row in doc.get("configs") or []:
        if isinstance(row, Mapping) and isinstance(row.get("config_id"), str):
            prop = row.get("proposal")
            if isinstance(prop, int) and not isinstance(prop, bool):
                order[row["config_id"]] = prop
    hyper = _hyper_reasons(root, marker)
    earlier = _earlier_attempts(root)

    out: list[Trial] = []
    for job in detail.jobs:
        status = read_status(root / RUNS_DIR / job.job_id / RUN_STATUS_FILE)
        start = status.start if status is not None and status.start is not None else job.start
        end = status.end if status is not None and status.end is not None else job.end
        host = status.host if status is not None else None
        key = (job.config_id or "", job.seed if job.seed is not None else -1)
        trial = Trial(
            job_id=job.job_id,
            params=dict(job.params),
            score=scores.get(job.job_id),
            state=job.state,
            start=start,
            end=end,
            host=host,
            config_id=job.config_id,
            seed=job.seed,
            exit_code=job.exit_code,
            reason=_reason(job.state, job.exit_code, job.message, hyper.get(key)),
            order=order.get(job.config_id or ""),
            attempts=tuple(earlier.get(job.job_id, ())),
        )
        if is_bad(trial):
            err = root / RUNS_DIR / job.job_id / detail.err_file
            text = tail(err, stderr_lines, 16384, skip_blank=True)
            trial = replace(trial, stderr_tail=text)
        out.append(trial)
    return out
