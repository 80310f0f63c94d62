"""The results of an experiment folder: each job's score, per configuration a summary over its
seeds, the ranking and which configurations are statistically tied with the best (``mle
results``, ``results.json``, the report's tables).

One pass over the runs: every finished run's log is read once (through mle-logger), scored by
mle-logger's one rule (:func:`mle_logger.score_with_reason`: non-finite is no score) and, when
the report asks for it, folded into a streamed learning-curve band
(:class:`mle_logger.RunningSummary`) before the next log is read, so memory does not grow with
the number of runs or their length. Seeds are summarised by :func:`mle_logger.summarize_scores`
(mean, std with ddof=1, Student-t 95% interval), so ``mle results``, ``mle report`` and
``mle_logger`` show the same numbers. Job states are :func:`mle_monitor.inspect_experiment`'s
(the one job-state model).

>>> from mle_monitor.results import compute_results
>>> doc = compute_results("experiments/20261202-050154_grid")  # doctest: +SKIP
>>> [(c["config_id"], c["tied_with_best"]) for c in doc["configs"]]  # doctest: +SKIP
[('c000', False), ('c001', True), ('c002', True)]
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._folder import EXPERIMENT_MARKER, JOB_FINAL, JOBS_TABLE, RUNS_DIR, JobInfo, inspect_experiment
from ._stats import DEFAULT_ALPHA, compare_to_best
from .errors import ExperimentFolderError

if TYPE_CHECKING:
    import numpy as np
    from mle_logger import LogScan, RunningSummary, SeedLog, Summary

    from ._folder import ExperimentDetail

__all__ = [
    "TIE_RULE",
    "Band",
    "Progress",
    "Results",
    "collect_results",
    "compute_results",
    "config_table",
    "describe_score",
    "fmt_num",
    "fmt_params",
    "job_counts",
    "legacy_results",
    "ranked_configs",
    "read_run",
    "scan_run",
    "score_settings",
]

#: what ``tied_with_best`` means (also in the results document as ``ties.rule``)
TIE_RULE = (
    "Welch's two-sided t-test of the best configuration's seed scores against this one's "
    "cannot reject equal means at alpha (p >= alpha); needs 2+ scores on each side"
)

#: called as ``progress(done, total)`` after each run's log is read
Progress = Callable[[int, int], None]

_KEEP = ("exit_code", "score")  # job fields shown even when null
#: job states whose run is scored: a pruned run's score is its last value (what the search used)
_SCORED = ("done", "pruned")
#: what a search's hyper-log record says of its trial beyond params and scores (multi-fidelity
#: budget and parent; halving/Hyperband bracket, rung, arm; PBT worker, generation, exploited;
#: a pruner's stop; seed racing)
_TRIAL_FACTS = (
    "budget", "parent", "bracket", "rung", "arm", "worker", "generation", "exploited", "state",
    "pruned_at", "raced",
)  # fmt: skip


def scan_run(
    run_dir: Path,
    seed: int | None,
    metric: str | None,
    problem_type: str = "final",
    maximize: bool = True,
    want: Callable[[float | None], bool] | None = None,
) -> LogScan | None:
    """Score one run by :func:`mle_logger.scan_log` (its ``logs/seed_<seed>.hdf5``, else
    whatever log the run folder holds), reading the whole log only when ``want(score)``;
    None when the run has no readable log (no score, never a crash of the caller)."""
    from mle_logger import LogNotFoundError, MleLoggerError, scan_log

    full: bool | Callable[[float | None], bool] = want or False
    try:
        if seed is not None:
            try:
                path = run_dir / "logs" / f"seed_{seed}.hdf5"
                return scan_log(path, metric, problem_type, maximize, full=full)
            except LogNotFoundError:
                pass  # another layout (an original toolbox log): the folder
        return scan_log(run_dir, metric, problem_type, maximize, full=full)
    except (MleLoggerError, OSError, KeyError, ValueError):
        return None


def _wanted(
    track: _Curves, cid: str, scores: dict[str, list[float]]
) -> Callable[[float | None], bool]:
    def want(score: float | None) -> bool:
        return track.wants(cid, scores, score)

    return want


def read_run(run_dir: Path) -> SeedLog | None:
    """The run's log (its first seed when it holds several), or None when the run wrote none
    or it cannot be read: no score, never a crash of the caller."""
    from mle_logger import MleLoggerError, SeedLog, SeedLogs, load_log

    try:
        log = load_log(run_dir)
    except (MleLoggerError, OSError, KeyError, ValueError):
        return None
    if isinstance(log, SeedLog):
        return log
    return next(iter(log.seeds.values()), None) if isinstance(log, SeedLogs) else None


def score_settings(
    marker: Mapping[str, Any], metric: str | None
) -> tuple[str | None, str, bool | None]:
    """(metric, problem_type, maximize) of an experiment record; ``metric`` overrides the
    YAML's. Experiments without a search have no direction (``maximize`` None): their configs
    are listed in order, not ranked; the score is the final value of the metric."""
    search = marker.get("search") or {}
    name = metric or search.get("eval_score_type")
    return (
        str(name) if name else None,
        str(search.get("problem_type") or "final"),
        bool(search.get("maximize_objective", False)) if search else None,
    )


@dataclass
class Band:
    """A configuration's learning curve of one stat: its seeds' band (a
    :class:`mle_logger.Summary`: mean, std, t 95% interval, count per row), the time axis of
    its longest seed and how many seeds logged the stat."""

    config_id: str
    stat: str
    summary: Summary
    time: np.ndarray
    time_name: str
    n_runs: int


class _Curves:
    """Streamed bands of at most ``limit`` configurations: the first ones when there is no
    ranking, else the best so far (a configuration that falls out is dropped and read again at
    the end only if it ends among the best, which needs its seeds to come late and good)."""

    def __init__(self, limit: int, maximize: bool | None) -> None:
        self.limit = limit
        self.maximize = maximize
        self.bands: dict[str, dict[str, RunningSummary]] = {}
        self.time: dict[tuple[str, str], np.ndarray] = {}
        self.runs: dict[tuple[str, str], int] = {}
        self.time_name: str | None = None
        self.dropped: set[str] = set()
        self.lo = math.inf  # finite min / max of every value added (log scale or not)
        self.hi = -math.inf

    def _mean(self, scores: dict[str, list[float]], cid: str, extra: float | None = None) -> float:
        s = scores.get(cid) or []
        if extra is not None:
            s = [*s, extra]
        if not s:
            return -math.inf if self.maximize else math.inf
        return math.fsum(s) / len(s)

    def wants(self, cid: str, scores: dict[str, list[float]], score: float | None) -> bool:
        """Whether to fold this configuration's next run (scored ``score``) in, making room
        when it is better than the worst kept."""
        if cid in self.bands:
            return True
        if cid in self.dropped:
            return False
        if len(self.bands) < self.limit:
            self.bands[cid] = {}
            return True
        if self.maximize is None:
            self.dropped.add(cid)
            return False
        sign = 1.0 if self.maximize else -1.0
        worst = min(self.bands, key=lambda k: sign * self._mean(scores, k))
        if sign * self._mean(scores, cid, score) > sign * self._mean(scores, worst):
            self._drop(worst)
            self.bands[cid] = {}
            return True
        self.dropped.add(cid)
        return False

    def _drop(self, cid: str) -> None:
        self.bands.pop(cid, None)
        for key in [k for k in self.time if k[0] == cid]:
            del self.time[key]
        self.dropped.add(cid)

    def add(self, cid: str, log: SeedLog) -> None:
        import numpy as np
        from mle_logger import RunningSummary

        if self.time_name is None and len(log.time):
            self.time_name = next(iter(log.time))
        bands = self.bands.setdefault(cid, {})
        for stat in log.stats:
            values = np.asarray(log.stats[stat], dtype=np.float64)
            if not values.size:
                continue
            bands.setdefault(stat, RunningSummary()).add(values)
            key = (cid, stat)
            self.runs[key] = self.runs.get(key, 0) + 1
            if len(self.time.get(key, ())) < values.size:
                t = next((a for a in log.time.values() if len(a) >= values.size), None)
                self.time[key] = (
                    np.arange(1.0, values.size + 1.0)
                    if t is None
                    else np.asarray(t[: values.size], dtype=np.float64)
                )
            finite = values[np.isfinite(values)]
            if finite.size:
                self.lo, self.hi = (
                    min(self.lo, float(finite.min())),
                    max(self.hi, float(finite.max())),
                )

    def result(self, order: Sequence[str]) -> dict[str, list[Band]]:
        """stat -> the bands of the configurations in ``order`` that have one."""
        out: dict[str, list[Band]] = {}
        stats = list(dict.fromkeys(s for cid in order for s in self.bands.get(cid, {})))
        for stat in stats:
            for cid in order:
                acc = self.bands.get(cid, {}).get(stat)
                if acc is None:
                    continue
                band = Band(
                    config_id=cid,
                    stat=stat,
                    summary=acc.summary(),
                    time=self.time[(cid, stat)],
                    time_name=self.time_name or "update",
                    n_runs=self.runs.get((cid, stat), 0),
                )
                out.setdefault(stat, []).append(band)
        return out


@dataclass
class Results:
    """What one pass over an experiment's runs gives: the results ``document`` (``mle results
    --json``), the job states (``detail``: :func:`inspect_experiment`'s), and when asked the
    learning-curve ``bands`` (stat -> one :class:`Band` per plotted configuration, best first;
    ``curves_note``: which configurations they are)."""

    document: dict[str, Any]
    detail: ExperimentDetail | None = None
    bands: dict[str, list[Band]] = field(default_factory=dict)
    curves_note: str = ""
    value_range: tuple[float, float] = (math.inf, -math.inf)


def _read_marker(root: Path) -> dict[str, Any]:
    path = root / EXPERIMENT_MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentFolderError(
            f"{root}: expected an mle experiment folder ({EXPERIMENT_MARKER}), found none"
        ) from None
    except (OSError, ValueError) as exc:
        raise ExperimentFolderError(
            f"{path}: expected the experiment record (JSON), found a damaged file ({exc})"
        ) from None
    if not isinstance(data, dict):
        raise ExperimentFolderError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def collect_results(
    folder: str | os.PathLike[str],
    metric: str | None = None,
    *,
    curves: int = 0,
    alpha: float = DEFAULT_ALPHA,
    progress: Progress | None = None,
) -> Results:
    """Read every finished run of an experiment folder once and build its results.

    ``metric``: the logged stat to score by (default: the search's ``eval_score_type``, else
    the first stat the first finished run logged). ``curves``: also stream the learning-curve
    bands of that many configurations (the best ones; 0: none). ``alpha``: of the tie test
    (see :data:`TIE_RULE`). ``progress(done, total)`` is called after each log.
    Raises :class:`~mle_monitor.errors.ExperimentFolderError` for a folder that is not an
    experiment.
    """
    from mle_logger import summarize_scores

    root = Path(os.path.abspath(os.fspath(folder)))
    marker = _read_marker(root)
    detail = inspect_experiment(root)
    views = _valid_jobs(root, detail.jobs)
    name, problem_type, maximize = score_settings(marker, metric)
    track = _Curves(curves, maximize) if curves > 0 else None
    total = sum(1 for v in views if v.state in _SCORED)
    read = 0
    runs = {v.job_id: _run_dir(root, v) for v in views}
    scores: dict[str, list[float]] = {}
    jobs: list[dict[str, Any]] = []
    by_config: dict[str, list[dict[str, Any]]] = {}
    first_job: dict[str, Any] = {}
    for v in views:
        cid = v.config_id or v.job_id
        first_job.setdefault(cid, v)
        score, reason = None, None
        if v.state in _SCORED:
            found = scan_run(
                runs[v.job_id],
                v.seed,
                name,
                problem_type,
                bool(maximize),
                want=None if track is None else _wanted(track, cid, scores),
            )
            read += 1
            if found is None or found.metric is None:
                reason = "no log"
            else:
                name = name or found.metric  # no score named: the first stat logged
                score, reason = found.score, found.reason
            if score is not None:
                scores.setdefault(cid, []).append(score)
            if track is not None and found is not None and found.log is not None:
                track.add(cid, found.log)
            del found
            if progress is not None:
                progress(read, total)
        rec: dict[str, Any] = {
            "job_id": v.job_id,
            "config_id": cid,
            "seed": v.seed,
            "state": v.state,
            "exit_code": v.exit_code,
            "run_dir": str(runs[v.job_id]),
            "score": score,
            "score_missing": reason,
            "fold": v.fold,
            "duration_s": None if v.start is None or v.end is None else round(v.end - v.start, 3),
        }
        jobs.append({k: x for k, x in rec.items() if x is not None or k in _KEEP})
        by_config.setdefault(cid, []).append(jobs[-1])

    configs: list[dict[str, Any]] = []
    for cid, items in by_config.items():
        job = first_job[cid]
        s = summarize_scores([j["score"] for j in items])
        unfinished = sum(1 for j in items if j["state"] not in JOB_FINAL)
        configs.append(
            {
                "config_id": cid,
                "params": job.params,
                "seeds": sorted({j["seed"] for j in items if j.get("seed") is not None}),
                **{f"score_{k}": x for k, x in s.as_dict().items() if not k.startswith("n")},
                "n_runs": len(items),
                "n_failed": s.n_failed - unfinished,
                "n_unfinished": unfinished,
                **({} if job.proposal is None else {"proposal": job.proposal}),
            }
        )
    search = marker.get("search")
    if search:
        _add_trial_facts(root, search, configs)

    doc: dict[str, Any] = {
        "job_type": marker.get("job_type"),
        "experiment_dir": str(root),
        "project_name": marker.get("project_name"),
        "backend": marker.get("backend"),
        "metric": name,
        "problem_type": problem_type,
        "maximize": maximize,
        "jobs": jobs,
        "configs": configs,
    }
    keys: tuple[str, ...] = ("config_id", "params", "score_mean", "score_std")
    keys += ("score_ci_low", "score_ci_high")
    if search:
        doc["search_type"] = search.get("search_type")
        doc["budget"] = marker.get("budget")
        how = str(search.get("aggregate_seeds") or "mean")
        if how != "mean":  # the search ranks by a percentile of the seeds, and so do we
            from mle_search import aggregate_scores

            doc["aggregate_seeds"], keys = how, (*keys, "score_aggregate")
            for c, items in zip(configs, by_config.values(), strict=True):
                c["score_aggregate"] = aggregate_scores([j["score"] for j in items], how)[0]
    ranked = ranked_configs(doc)
    objectives = search.get("objectives") if search else None
    if not (isinstance(objectives, dict) and len(objectives) > 1):  # one best to compare with
        mark_ties(doc, ranked, by_config, alpha)
    if search:
        best = ranked[0] if ranked else None
        doc["best"] = {k: best.get(k) for k in (*keys, "tied_with_best")} if best else None
        objectives = search.get("objectives")
        if isinstance(objectives, dict) and len(objectives) > 1:  # no single best: the front
            from ._pareto import pareto_json, read_pareto

            front = read_pareto(root)
            doc["best"] = None
            doc["pareto"] = pareto_json(front) if front is not None else None

    out = Results(document=doc, detail=detail)
    if track is not None:
        order = [c["config_id"] for c in ranked] if maximize is not None else list(by_config)
        seen = set(order)
        order += [cid for cid in by_config if cid not in seen]
        shown = order[: track.limit]
        late = [cid for cid in shown if cid in track.dropped]
        for cid in late:  # fell out of the best while read, ended among them: read again
            track.dropped.discard(cid)
            track.bands[cid] = {}
            for j in by_config[cid]:
                if j["state"] == "done":
                    again = scan_run(Path(j["run_dir"]), j.get("seed"), name, want=lambda _: True)
                    if again is not None and again.log is not None:
                        track.add(cid, again.log)
        out.bands = track.result(shown)
        with_band = {b.config_id for bands in out.bands.values() for b in bands}
        n_all = sum(1 for cid in by_config if scores.get(cid) or cid in with_band)
        if len(with_band) < n_all and len(with_band) == track.limit:
            out.curves_note = f" ({track.limit} best of {n_all})"
        out.value_range = (track.lo, track.hi)
    return out


def _add_trial_facts(root: Path, search: Mapping[str, Any], configs: list[dict[str, Any]]) -> None:
    """Add to each configuration of a search (keyed by its trial id, ``proposal``) what its
    hyper-log record says of the trial (:data:`_TRIAL_FACTS`) and ``continued_by``: the trials
    that continue it (promoted to a larger budget, or a PBT worker that exploited it; listed
    for every trial with a budget)."""
    from ._folder import HYPER_LOG, _iter_jsonl, hyper_log_name

    name = hyper_log_name(str(search.get("hyperlog_fname") or HYPER_LOG))
    records: dict[int, dict[str, Any]] = {}
    for rec in _iter_jsonl(root / name):
        tid = rec.get("id")
        if isinstance(tid, int) and not isinstance(tid, bool):
            records[tid] = rec  # the last record of a trial wins (a re-run seed)
    children: dict[int, list[int]] = {}
    for tid, rec in records.items():
        parent = rec.get("parent")
        if isinstance(parent, int) and not isinstance(parent, bool):
            children.setdefault(parent, []).append(tid)
    for c in configs:
        tid = c.get("proposal")
        if not isinstance(tid, int):
            continue
        found = records.get(tid)
        if found is None:
            continue
        c.update({k: found[k] for k in _TRIAL_FACTS if found.get(k) is not None})
        if tid in children or found.get("budget") is not None:  # a multi-fidelity trial: always
            c["continued_by"] = sorted(children.get(tid, []))


def _valid_jobs(root: Path, jobs: list[JobInfo]) -> list[JobInfo]:
    """The jobs whose table row names a config and a seed; each other row is named in a
    warning (a damaged row must not look like a configuration)."""
    good = [j for j in jobs if j.config_id is not None and j.seed is not None]
    for j in jobs:
        if j.config_id is None or j.seed is None:
            warnings.warn(
                f"{root / JOBS_TABLE}: skipped a row that is not a job (job_id {j.job_id!r}: "
                "expected a config_id and an integer seed)",
                stacklevel=3,
            )
    return good


def _run_dir(root: Path, job: Any) -> Path:
    run_dir = getattr(job, "run_dir", None)
    return Path(run_dir) if run_dir is not None else root / RUNS_DIR / job.job_id


def mark_ties(
    doc: dict[str, Any],
    ranked: list[dict[str, Any]],
    by_config: Mapping[str, list[dict[str, Any]]],
    alpha: float = DEFAULT_ALPHA,
) -> None:
    """Add ``tied_with_best`` (True, False, or None: too few scores to say) and ``vs_best``
    to every ranked configuration, and ``ties`` (alpha, rule, best, the tied ones) to ``doc``.
    Nothing is added when the experiment has no direction (no ranking).

    ``vs_best`` (None for the best): Welch's ``welch_t``, ``welch_df``, ``welch_p``, Cohen's
    ``cohen_d`` (pooled std, ddof 1), Mann-Whitney's ``rank_u`` (the best's U) and ``rank_p``,
    and ``rank_effect``, the probability that a seed of the best scores better than one of
    this configuration (ties count half). ``welch_t`` and ``cohen_d`` are positive when the
    best is better (whether the score is maximized or minimized)."""
    if doc.get("maximize") is None or not ranked:
        return
    best_id = ranked[0]["config_id"]
    seeds = {
        c["config_id"]: [j["score"] for j in by_config.get(c["config_id"], [])] for c in ranked
    }
    comparisons = compare_to_best(seeds, maximize=bool(doc["maximize"]), alpha=alpha, best=best_id)
    tied: list[str] = []
    sign = 1.0 if doc["maximize"] else -1.0  # effects say how much better the best is
    for c, cmp in zip(ranked, comparisons, strict=True):
        c["tied_with_best"] = cmp.tied
        if cmp.is_best:
            c["vs_best"] = None
            continue
        if cmp.tied:
            tied.append(c["config_id"])
        w, r = cmp.welch, cmp.rank
        c["vs_best"] = {
            "welch_t": None if w is None else _oriented(w.statistic, sign),
            "welch_df": None if w is None else _json_float(w.df),
            "welch_p": None if w is None else _json_float(w.p_value),
            "cohen_d": None if w is None else _oriented(w.effect_size, sign),
            "rank_u": None if r is None else _json_float(r.statistic),
            "rank_p": None if r is None else _json_float(r.p_value),
            "rank_effect": None
            if r is None or r.effect_size is None
            else _json_float(r.effect_size if sign > 0 else 1.0 - r.effect_size),
        }
    doc["ties"] = {"alpha": alpha, "rule": TIE_RULE, "best": best_id, "tied": tied}


def _oriented(x: float | None, sign: float) -> float | None:
    return None if x is None else _json_float(sign * x)


def _json_float(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def compute_results(folder: str | os.PathLike[str], metric: str | None = None) -> dict[str, Any]:
    """The results document of an experiment folder (``mle results --json``)."""
    return collect_results(folder, metric).document


def legacy_results(folder: Path, metric: str | None = None) -> dict[str, Any] | None:
    """The results document of an original toolbox folder (no ``mle-experiment.json``), from
    mle-logger's ``score_original_folder``; None when the folder holds no logs."""
    from mle_logger import score_original_folder

    found = score_original_folder(folder, metric)
    if found is None:
        return None
    runs = found.runs.items()
    return {
        "job_type": "original mle-toolbox experiment",
        "experiment_dir": str(folder),
        "metric": found.metric,
        "problem_type": "final",
        "maximize": None,
        "jobs": [
            {"job_id": f"{run_id}-s{seed}", "seed": seed, "state": "done", "score": score}
            for run_id, run in runs
            for seed, score in run.scores.items()
        ],
        "configs": [
            {
                "config_id": run_id,
                "params": {},
                "seeds": sorted(run.scores),
                **{f"score_{k}": x for k, x in run.summary.as_dict().items() if k[0] != "n"},
                "n_failed": run.summary.n_failed,
            }
            for run_id, run in runs
        ],
    }


def ranked_configs(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Configs with a score, best first (in their own order when there is no direction).
    A pruned trial (stopped early, scored at the step it reached) ranks after every trial
    that ran its whole budget, as in Optuna: it is never the best."""
    key = "score_aggregate" if doc.get("aggregate_seeds") else "score_mean"
    scored = [c for c in doc["configs"] if c.get(key) is not None]
    if doc.get("maximize") is None:
        return scored
    sign = -1.0 if doc.get("maximize") else 1.0
    return sorted(scored, key=lambda c: (c.get("state") == "pruned", sign * c[key]))


def job_counts(doc: Mapping[str, Any]) -> str:
    """``3 done, 1 failed``."""
    counts = Counter(j["state"] for j in doc["jobs"])
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"


def describe_score(doc: Mapping[str, Any]) -> str | None:
    """What the score columns mean, for the results table and the report."""
    if not doc.get("metric"):
        return None
    how = (
        "final value"
        if doc.get("maximize") is None
        else f"{doc.get('problem_type')}, {'max' if doc.get('maximize') else 'min'}imized"
    )
    text = f"{doc['metric']} ({how}); mean, std (ddof 1) and t 95% interval over seeds"
    if "aggregate_seeds" in doc:
        text += f"; ranked by the {doc['aggregate_seeds']} of the seeds"
    if "ties" in doc:
        text += (
            f"; tied: not distinguishable from the best by Welch's t-test at "
            f"alpha {doc['ties']['alpha']:g}"
        )
    return text


def _mark(c: Mapping[str, Any], best: str | None) -> str:
    if c["config_id"] == best:
        return "best"
    tied = c.get("tied_with_best")
    return "-" if "tied_with_best" not in c else ("tied" if tied else "?" if tied is None else "")


def config_table(doc: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the configs table, the ranked ones first. With a ranking, the
    ``vs best`` column says ``best``, ``tied`` (statistically tied with the best), ``?`` (too
    few seeds to say) or nothing (different), with the Welch p-value."""
    ranked = ranked_configs(doc) if doc.get("maximize") is not None else []
    ids = {id(c) for c in ranked}
    rest = [c for c in doc["configs"] if id(c) not in ids]
    ties = "ties" in doc
    best = doc["ties"]["best"] if ties else None
    header = ["rank", "config", "mean", "std", "95% interval", "seeds", "failed"]
    header += ["vs best", "p"] if ties else []
    header.append("params")
    rows = []
    for i, c in enumerate([*ranked, *rest]):
        row = [
            str(i + 1) if i < len(ranked) else "-",
            c["config_id"],
            fmt_num(c["score_mean"]),
            fmt_num(c["score_std"], 3),
            "-"
            if c.get("score_ci_low") is None
            else f"[{fmt_num(c['score_ci_low'], 4)}, {fmt_num(c['score_ci_high'], 4)}]",
            str(len(c["seeds"])),
            str(c["n_failed"]),
        ]
        if ties:
            vs = c.get("vs_best") or {}
            row += [_mark(c, best), fmt_num(vs.get("welch_p"), 2)]
        row.append(fmt_params(c["params"]))
        rows.append(row)
    return header, rows


def fmt_params(params: Mapping[str, Any]) -> str:
    """``x=0.5, y=2`` (last part of dotted names), or the config file's name."""
    if "config_fname" in params:
        return str(params["config_fname"]).replace("\\", "/").rsplit("/", 1)[-1]
    return ", ".join(
        f"{k.split('.')[-1]}={v:.4g}" if isinstance(v, float) else f"{k.split('.')[-1]}={v}"
        for k, v in params.items()
    )


def fmt_num(x: Any, digits: int = 6) -> str:
    """A number for a table cell (``-`` for None)."""
    if x is None:
        return "-"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)
