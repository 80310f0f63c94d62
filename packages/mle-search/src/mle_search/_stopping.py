"""Stopping running trials early: asynchronous successive halving (ASHA) and median stopping.

A :class:`Pruner` is a decision object for a runner that watches running trials' logged
metric: ``decide(trial, step, value)`` says ``continue`` or ``stop``. It never touches a
process; the runner stops the job and reports it with ``SearchLoop.report(...,
pruned_at=step)``. Decisions depend only on the sequence of calls (reproducible), and every
rung decision and every stop is kept in :attr:`Pruner.decisions` for the runner to journal
and, after a restart, to hand back to :meth:`Pruner.restore`.
"""

from __future__ import annotations

import abc
import bisect
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from .errors import SearchConfigError, SearchInputError

__all__ = ["CONTINUE", "STOP", "ASHAPruner", "Decision", "MedianPruner", "Pruner"]

CONTINUE: Final = "continue"
STOP: Final = "stop"


@dataclass(frozen=True)
class Decision:
    """One decision: ``trial`` at ``step`` with ``value`` -> ``action``; ``rung`` (ASHA) and
    ``cutoff`` (the value it had to reach; None when nothing to compare with yet)."""

    trial: Hashable
    step: float
    value: float | None
    action: str
    rung: int | None = None
    cutoff: float | None = None

    def to_dict(self) -> dict[str, Any]:
        trial = list(self.trial) if isinstance(self.trial, tuple) else self.trial
        return {
            "trial": trial,
            "step": self.step,
            "value": self.value,
            "action": self.action,
            "rung": self.rung,
            "cutoff": self.cutoff,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        try:
            trial = data["trial"]
            return cls(
                trial=tuple(trial) if isinstance(trial, list) else trial,
                step=float(data["step"]),
                value=None if data.get("value") is None else float(data["value"]),
                action=str(data["action"]),
                rung=data.get("rung"),
                cutoff=data.get("cutoff"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SearchInputError(
                f"Decision.from_dict: expected trial, step, value, action, found {dict(data)!r}"
            ) from exc


def _finite(value: object) -> float | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise SearchInputError(f"decide: expected a number (or None), found {value!r}")
    out = float(value)
    return out if math.isfinite(out) else None


class Pruner(abc.ABC):
    """Decides whether a running trial goes on. ``maximize``: the metric's direction.
    ``trial`` keys are any hashable the runner chooses (a trial id, or ``(trial id, seed)``
    to judge each seed's run on its own)."""

    def __init__(self, *, maximize: bool = False) -> None:
        self.maximize = bool(maximize)
        self.decisions: list[Decision] = []
        self._stopped: dict[Hashable, Decision] = {}

    def decide(self, trial: Hashable, step: float, value: float | None) -> str:
        """``continue`` or ``stop`` for ``trial``, whose metric is ``value`` at ``step`` (a
        non-finite or None value stops it: a diverged run). A stopped trial stays stopped."""
        where = _finite(step)
        if where is None:
            raise SearchInputError(f"decide: expected a finite step, found {step!r}")
        if trial in self._stopped:
            return STOP
        num = _finite(value)
        if num is None:
            return self._keep(Decision(trial, where, None, STOP)).action
        action = CONTINUE
        for decision in self._decide(trial, where, num):
            action = self._keep(decision).action
        return action

    def stopped(self, trial: Hashable) -> Decision | None:
        """The decision that stopped ``trial`` (None while it runs on)."""
        return self._stopped.get(trial)

    def restore(self, decisions: Iterable[Decision | Mapping[str, Any]]) -> None:
        """Take back the decisions of an earlier run of the runner (in their order)."""
        for item in decisions:
            decision = item if isinstance(item, Decision) else Decision.from_dict(item)
            self._replay(decision)
            self._keep(decision)

    def _keep(self, decision: Decision) -> Decision:
        self.decisions.append(decision)
        if decision.action == STOP:
            self._stopped[decision.trial] = decision
        return decision

    def _worse(self, a: float, b: float) -> bool:
        return a < b if self.maximize else a > b

    @abc.abstractmethod
    def _decide(self, trial: Hashable, step: float, value: float) -> list[Decision]:
        """The decisions worth keeping (none: continue, nothing to record); a stop last."""

    def _replay(self, decision: Decision) -> None:  # noqa: B027 (optional hook)
        """Rebuild state from a decision given back by :meth:`restore`."""


class ASHAPruner(Pruner):
    """Asynchronous successive halving (Li et al. 2020): when a trial first reaches rung
    ``k`` (its step >= ``rungs[k]``), its value is recorded there and it goes on only if it
    ranks among the best ``max(1, n // eta)`` of the ``n`` values recorded at that rung so
    far, itself included (the first trials at a rung are judged against few: the best one
    passes). ``rungs``: the steps to judge at, or from ``min_resource * eta**k`` below
    ``max_resource``."""

    def __init__(
        self,
        *,
        maximize: bool = False,
        eta: int = 3,
        rungs: Sequence[float] | None = None,
        min_resource: float = 1,
        max_resource: float | None = None,
    ) -> None:
        super().__init__(maximize=maximize)
        if isinstance(eta, bool) or not isinstance(eta, (int, np.integer)) or eta < 2:
            raise SearchConfigError(f"asha: expected eta to be an integer >= 2, found {eta!r}")
        self.eta = int(eta)
        if rungs is None:
            if max_resource is None:
                raise SearchConfigError("asha: expected rungs or max_resource, found neither")
            if not min_resource > 0 or not max_resource > min_resource:
                raise SearchConfigError(
                    f"asha: expected 0 < min_resource < max_resource, found {min_resource!r} "
                    f"and {max_resource!r}"
                )
            rungs, step = [], float(min_resource)
            while step < float(max_resource) * (1 - 1e-9):
                rungs.append(step)
                step *= self.eta
        steps = [_finite(r) for r in rungs]
        if not steps or any(r is None or r <= 0 for r in steps):
            raise SearchConfigError(f"asha: expected positive rung steps, found {list(rungs)!r}")
        ordered = [float(r) for r in steps if r is not None]
        if ordered != sorted(set(ordered)):
            raise SearchConfigError(f"asha: expected increasing rung steps, found {ordered!r}")
        self.rungs: tuple[float, ...] = tuple(ordered)
        self._values: list[list[float]] = [[] for _ in self.rungs]  # sorted, best first
        self._reached: dict[Hashable, int] = {}  # trial -> rungs recorded

    def _decide(self, trial: Hashable, step: float, value: float) -> list[Decision]:
        out: list[Decision] = []
        done = self._reached.get(trial, 0)
        while done < len(self.rungs) and step >= self.rungs[done]:
            rung, done = done, done + 1
            self._reached[trial] = done
            out.append(self._judge(trial, step, value, rung))
            if out[-1].action == STOP:
                break
        return out

    def _judge(self, trial: Hashable, step: float, value: float, rung: int) -> Decision:
        values = self._values[rung]
        key = -value if self.maximize else value
        bisect.insort(values, key)
        keep = max(1, len(values) // self.eta)
        cutoff_key = values[keep - 1]
        cutoff = -cutoff_key if self.maximize else cutoff_key
        action = CONTINUE if key <= cutoff_key else STOP
        return Decision(trial, step, value, action, rung=rung, cutoff=cutoff)

    def _replay(self, decision: Decision) -> None:
        if decision.rung is None or decision.value is None:
            return
        rung = int(decision.rung)
        if 0 <= rung < len(self.rungs):
            key = -decision.value if self.maximize else decision.value
            bisect.insort(self._values[rung], key)
            self._reached[decision.trial] = max(self._reached.get(decision.trial, 0), rung + 1)


class MedianPruner(Pruner):
    """Median stopping (Golovin et al. 2017, as Optuna's MedianPruner): at a step past
    ``n_warmup_steps``, a trial stops when its best value so far is worse than the median of
    the other trials' values at that step (each one's latest value at or before it, among
    trials that reached it), once at least ``n_startup_trials`` such trials exist. When every
    such trial logged exactly that step (trials reporting on the same steps, e.g. epochs) the
    median comes from a sorted per-step table in O(log n), without a pass over all trials."""

    def __init__(
        self, *, maximize: bool = False, n_startup_trials: int = 5, n_warmup_steps: float = 0
    ) -> None:
        super().__init__(maximize=maximize)
        if isinstance(n_startup_trials, bool) or not isinstance(n_startup_trials, int):
            raise SearchConfigError(
                f"median: expected n_startup_trials to be an integer, found {n_startup_trials!r}"
            )
        self.n_startup_trials = max(1, n_startup_trials)
        warmup = _finite(n_warmup_steps)
        if warmup is None or warmup < 0:
            raise SearchConfigError(
                f"median: expected n_warmup_steps >= 0, found {n_warmup_steps!r}"
            )
        self.n_warmup_steps = warmup
        self._steps: dict[Hashable, list[float]] = {}
        self._curve: dict[Hashable, list[float]] = {}
        self._best: dict[Hashable, float] = {}
        self._lasts: list[float] = []  # every trial's last step, sorted
        self._exact: dict[float, dict[Hashable, float]] = {}  # step -> trial -> value there
        self._sorted: dict[float, list[float]] = {}  # step -> those values, sorted

    def observe(self, trial: Hashable, step: float, value: float | None) -> None:
        """Record a value without deciding (a finished trial's curve, a replay on restart)."""
        where, num = _finite(step), _finite(value)
        if where is None or num is None:
            return
        steps = self._steps.setdefault(trial, [])
        curve = self._curve.setdefault(trial, [])
        if steps and where <= steps[-1]:
            if where < steps[-1]:
                return  # out of order: the journal is read forwards
            curve[-1] = num
        else:
            if steps:
                del self._lasts[bisect.bisect_left(self._lasts, steps[-1])]
            bisect.insort(self._lasts, where)
            steps.append(where)
            curve.append(num)
        exact, ordered = self._exact.setdefault(where, {}), self._sorted.setdefault(where, [])
        old = exact.get(trial)
        if old is not None:
            del ordered[bisect.bisect_left(ordered, old)]
        exact[trial] = num
        bisect.insort(ordered, num)
        best = self._best.get(trial)
        if best is None or self._worse(best, num):
            self._best[trial] = num

    def _decide(self, trial: Hashable, step: float, value: float) -> list[Decision]:
        self.observe(trial, step, value)
        if step < self.n_warmup_steps:
            return []
        reached = len(self._lasts) - bisect.bisect_left(self._lasts, step) - 1  # not itself
        exact = self._exact.get(step, {})
        if len(exact) - (trial in exact) == reached:  # all logged this very step
            if reached < self.n_startup_trials:
                return []
            median = self._median_without(step, exact.get(trial))
        else:
            others = []
            for other, steps in self._steps.items():
                if other == trial or steps[-1] < step:
                    continue
                i = bisect.bisect_right(steps, step) - 1
                others.append(self._curve[other][i])
            if len(others) < self.n_startup_trials:
                return []
            median = float(np.median(others))
        if self._worse(self._best[trial], median):
            return [Decision(trial, step, value, STOP, cutoff=median)]
        return []

    def _median_without(self, step: float, own: float | None) -> float:
        """The median of the values logged at ``step``, one copy of ``own`` left out."""
        ordered = self._sorted[step]
        skip = len(ordered) if own is None else bisect.bisect_left(ordered, own)
        n = len(ordered) - (own is not None)

        def at(i: int) -> float:
            return ordered[i if i < skip else i + 1]

        half = n // 2
        return at(half) if n % 2 else (at(half - 1) + at(half)) / 2
