"""Pruning a search's running jobs from outside (issue 11): each driver step, every running
job's journal is followed (mle-logger), its new rows go to the pruner (mle-search), and the
jobs it stops are cancelled as ``pruned`` (mle-scheduler). Decisions are journaled in
``pruning.jsonl`` so that ``mle resume`` restores them; so is each ended run's curve when the
pruner compares whole curves (median). The training script is unchanged."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from mle_logger import JournalFollower
    from mle_scheduler import Queue
    from mle_search import Pruner, SearchLoop

DECISIONS = "pruning.jsonl"


def make_pruner(section: Mapping[str, Any], maximize: bool) -> Pruner:
    """The mle-search pruner that ``param_search_args.pruner`` (checked by mle-config) names."""
    from mle_search import ASHAPruner, MedianPruner, MleSearchError

    try:
        if section["type"] == "median":
            return MedianPruner(
                maximize=maximize,
                n_startup_trials=int(section["n_startup_trials"]),
                n_warmup_steps=float(section["n_warmup_steps"]),
            )
        return ASHAPruner(
            maximize=maximize,
            eta=int(section["reduction_factor"]),
            rungs=section.get("rungs"),
            min_resource=float(section["min_resource"]),
            max_resource=section.get("max_resource"),
        )
    except MleSearchError as exc:
        raise UsageError(f"param_search_args.pruner: {exc}") from None


class PruneWatcher:
    """Follows running jobs and prunes them. ``journal_of(key)``: the job's log journal;
    the pruner judges each job (one seed's run) by its queue key."""

    def __init__(
        self,
        queue: Queue,
        pruner: Pruner,
        *,
        metric: str,
        time_key: str | None,
        journal_of: Callable[[str], Path],
        decisions: Path,
    ) -> None:
        from mle_scheduler import JsonlWriter, read_jsonl

        self.queue, self.pruner = queue, pruner
        self.metric, self.time_key, self.journal_of = metric, time_key, journal_of
        from mle_search import MleSearchError

        records = read_jsonl(decisions)
        observe = getattr(pruner, "observe", None)  # MedianPruner: the curves of ended runs
        self._curves: dict[str, list[tuple[float, float]]] | None = None
        try:
            pruner.restore(r for r in records if "action" in r)
            if callable(observe):
                self._curves = {}
                for rec in records:
                    steps, values = rec.get("steps") or (), rec.get("values") or ()
                    for step, value in zip(steps, values, strict=False):
                        observe(rec["curve"], step, value)
        except (MleSearchError, KeyError, TypeError) as exc:
            raise UsageError(f"{decisions}: a damaged pruning record ({exc})") from None
        self._written = len(pruner.decisions)
        self._log = JsonlWriter(decisions)
        self._follow: dict[str, JournalFollower] = {}
        self._asked: set[str] = set()

    def _feed(self, key: str, final: bool = False) -> None:
        from mle_logger import JournalFollower
        from mle_search import STOP

        follow = self._follow.get(key)
        if follow is None:
            follow = JournalFollower(self.journal_of(key), self.metric, self.time_key)
            self._follow[key] = follow
        for step, value in follow.poll(final):
            if self._curves is not None:
                self._curves.setdefault(key, []).append((step, value))
            if self.pruner.decide(key, step, value) == STOP:
                break
        if follow.last is None and follow.logged["stats"]:
            self._check_names(key, follow.logged)

    def _check_names(self, key: str, logged: Mapping[str, set[str]]) -> None:
        """A run logs rows but not the pruner's metric or time key: a mistake in the YAML."""
        for part, name, what in (
            ("stats", self.metric, "metric"),
            ("time", self.time_key, "time_key"),
        ):
            if name is not None and name not in logged[part]:
                close = difflib.get_close_matches(name, sorted(logged[part]), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise UsageError(
                    f"param_search_args.pruner.{what}: expected a {part} name the runs log, "
                    f"found {name!r}{hint}; {key} logged: {', '.join(sorted(logged[part]))}"
                )

    def _journal(self, ended: Iterable[str] = ()) -> None:
        for rec in self.pruner.decisions[self._written :]:
            self._log.append(rec.to_dict())
        self._written = len(self.pruner.decisions)
        for key in ended:
            curve = self._curves.pop(key, None) if self._curves is not None else None
            if curve:
                steps, values = zip(*curve, strict=True)
                self._log.append({"curve": key, "steps": steps, "values": values})
        self._log.flush()

    def step(self, running: Iterable[str]) -> list[str]:
        """Feed the new rows of each running job; cancel those stopped. Returns their keys."""
        stop = []
        for key in running:
            if key in self._asked:
                continue
            self._feed(key)
            if self.pruner.stopped(key) is not None:  # now, or before a restart
                stop.append(key)
        self._journal(stop)
        why = {}
        for key in stop:
            self._asked.add(key)
            self._follow.pop(key, None)
            step, value = self.outcome(key) or (None, None)
            where = f"{self.time_key or 'row'} {step:g}" if step is not None else "start"
            why[key] = f"pruned at {where} ({self.metric}={value})"
        if why:  # one backend call for all (one scancel / qdel)
            self.queue.cancel(list(why), state="pruned", message=why)
        return stop

    def outcome(self, key: str) -> tuple[float, float | None] | None:
        """(step reached, last value) of a pruned job; None if it was not pruned."""
        decision = self.pruner.stopped(key)
        return None if decision is None else (decision.step, decision.value)

    def finish(self, key: str) -> None:
        """A job became final: its last rows (also those folded into its HDF5 log at close)
        count at the rungs it reached; it is no longer followed."""
        if key not in self._asked and self.pruner.stopped(key) is None:
            self._feed(key, final=True)
        self._journal([key])
        self._follow.pop(key, None)
        self._asked.discard(key)

    def close(self) -> None:
        self._log.close()


def prune_watcher(
    root: Path,
    search: Mapping[str, Any],
    queue: Queue,
    loop: SearchLoop,
    journal_of: Callable[[str], Path],
) -> PruneWatcher | None:
    """The watcher of a search with ``param_search_args.pruner`` (or a strategy with its own
    pruner, e.g. ASHA); None when the search prunes nothing."""
    section = search.get("pruner")
    if section is None and loop.pruner is None:
        return None
    section = dict(section or {})
    pruner = loop.pruner
    if pruner is None:
        pruner = loop.pruner = make_pruner(section, bool(search.get("maximize_objective")))
    return PruneWatcher(
        queue,
        pruner,
        metric=str(section.get("metric") or search["eval_score_type"]),
        time_key=section.get("time_key"),
        journal_of=journal_of,
        decisions=root / DECISIONS,
    )
