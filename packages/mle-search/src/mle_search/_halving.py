"""Successive halving and Hyperband: rungs of growing budget, each continuing the last."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ._fidelity import FidelityStrategy, TrialRequest, _count, check_number
from ._results import Evaluation
from ._space import Key, Space
from ._trial import Trial
from .errors import SearchConfigError, SearchStateError

__all__ = ["HyperbandSearch", "SuccessiveHalvingSearch"]

_DRAWS = 1000  # draws per arm before a bracket accepts a repeated point


@dataclass(frozen=True)
class Bracket:
    """One successive-halving run: ``sizes[k]`` arms reach rung ``k`` at ``budgets[k]``."""

    sizes: tuple[int, ...]
    budgets: tuple[float, ...]


def _plain(value: float, integer: bool) -> float:
    return float(max(1, round(value))) if integer else float(value)


def hyperband_brackets(
    max_resource: float, min_resource: float, eta: int, integer: bool
) -> list[Bracket]:
    """Li et al.'s brackets, most exploratory first: s = s_max .. 0,
    ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` arms starting at ``max_resource * eta**-s``."""
    s_max = math.floor(math.log(max_resource / min_resource) / math.log(eta) + 1e-9)
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta**s)
        sizes = tuple(max(1, n // eta**k) for k in range(s + 1))
        budgets = tuple(_plain(max_resource * eta ** (k - s), integer) for k in range(s + 1))
        out.append(Bracket(sizes, budgets))
    return out


def doubling_bracket(
    min_budget: float, num_arms: int, halving_coeff: float, max_budget: float | None
) -> Bracket:
    """The later original's schedule (``min_budget``): ``floor(log_coeff(num_arms)) + 1``
    rungs, the arms cut by ``halving_coeff`` at each, rung ``k`` trained
    ``min_budget * halving_coeff**k`` in all (capped at ``max_budget``)."""
    rungs = math.floor(math.log(num_arms) / math.log(halving_coeff) + 1e-9) + 1
    sizes = [num_arms]
    for _ in range(rungs - 1):
        sizes.append(max(1, math.floor(sizes[-1] / halving_coeff)))
    budgets = [min_budget * halving_coeff**k for k in range(rungs)]
    if max_budget is not None:
        budgets = [min(b, max_budget) for b in budgets]
    integer = _resource_kind(
        min_budget, halving_coeff, *([] if max_budget is None else [max_budget])
    )
    return Bracket(tuple(sizes), tuple(_plain(b, integer) for b in budgets))


def halving_bracket(budget: float, num_arms: int, halving_coeff: float, integer: bool) -> Bracket:
    """The original toolbox's schedule: ``ceil(log_coeff(num_arms))`` rungs, the arms cut by
    ``halving_coeff`` at each, rung ``k`` trained ``floor(budget / (arms_k * rungs))`` in all
    (so each rung spends about the same share of ``budget``)."""
    rungs = max(1, math.ceil(math.log(num_arms) / math.log(halving_coeff) - 1e-9))
    sizes = [num_arms]
    for _ in range(rungs - 1):
        sizes.append(max(1, math.floor(sizes[-1] / halving_coeff)))
    budgets = [budget / (n * rungs) for n in sizes]
    budgets = [float(max(1, math.floor(b))) if integer else b for b in budgets]
    return Bracket(tuple(sizes), tuple(budgets))


class _Halving(FidelityStrategy):
    """Brackets of successive halving, run side by side: a bracket's rung ``k + 1`` holds the
    best ``sizes[k + 1]`` arms of its finished rung ``k`` (failed arms never move up), each as
    a trial that continues its rung-``k`` trial (``parent``) up to ``budgets[k + 1]``.
    Promotions are proposed before new arms; brackets in order."""

    def __init__(
        self, space: Space, brackets: list[Bracket], *, seed: int | None, maximize: bool
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        self.brackets = brackets
        self._arms: list[list[Key] | None] = [None] * len(brackets)  # drawn on first use
        self._trial_of: dict[tuple[int, int, int], int] = {}  # (bracket, rung, arm) -> id
        self._where: dict[int, tuple[int, int, int]] = {}  # id -> (bracket, rung, arm)

    # -- schedule ---------------------------------------------------------------------------
    @property
    def total_budget(self) -> float:
        """The resource every bracket spends when nothing fails (sum of the added budgets)."""
        total = 0.0
        for b in self.brackets:
            prev = 0.0
            for size, budget in zip(b.sizes, b.budgets, strict=True):
                total += size * (budget - prev)
                prev = budget
        return total

    @property
    def planned_trials(self) -> int:
        """Trials in all when nothing fails: every arm of every rung of every bracket."""
        return sum(sum(b.sizes) for b in self.brackets)

    def arms(self, bracket: int) -> list[Key]:
        """The bracket's configurations (drawn from a stream of the seed and the bracket)."""
        arms = self._arms[bracket]
        if arms is None:
            rng = self._rng(bracket)
            arms = []
            for _ in range(self.brackets[bracket].sizes[0]):
                key = self.space.sample(rng)
                for _ in range(_DRAWS):
                    if key not in arms:
                        break
                    key = self.space.sample(rng)
                arms.append(key)
            self._arms[bracket] = arms
        return arms

    def _promoted(self, b: int, rung: int) -> list[int] | None:
        """The arms that reach ``rung`` (None while the rung below is unfinished)."""
        if rung == 0:
            return list(range(self.brackets[b].sizes[0]))
        below = self._promoted(b, rung - 1)
        if below is None:
            return None
        ids = []
        for arm in below:
            tid = self._trial_of.get((b, rung - 1, arm))
            if tid is None or tid not in self.scores:
                return None
            ids.append(tid)
        good = [t for t in self._rank(ids) if self.scores[t] is not None]
        return [self._where[t][2] for t in good[: self.brackets[b].sizes[rung]]]

    def _wanted(self) -> list[TrialRequest]:
        promotions: list[TrialRequest] = []
        fresh: list[TrialRequest] = []
        for b, bracket in enumerate(self.brackets):
            for rung in range(len(bracket.sizes)):
                arms = self._promoted(b, rung)
                if arms is None:
                    break
                for arm in arms:
                    if (b, rung, arm) in self._trial_of:
                        continue
                    parent = self._trial_of.get((b, rung - 1, arm)) if rung else None
                    request = TrialRequest(
                        params=self.space.proposal(self.arms(b)[arm]),
                        budget=bracket.budgets[rung],
                        parent=parent,
                        tags={"bracket": b, "rung": rung, "arm": arm},
                    )
                    (promotions if rung else fresh).append(request)
        return promotions + fresh

    # -- FidelityStrategy hooks ---------------------------------------------------------------
    def _extra(self, trial: Trial, added: float | None, checkpoint: str | None) -> dict[str, Any]:
        b, rung, _ = self._where[trial.id]
        extra: dict[str, Any] = {
            "sh_num_total_iters": _count(trial.budget),
            "sh_num_add_iters": _count(added),
            "sh_counter": rung,
        }
        if self.search_type == "hyperband":  # the original's Hyperband said which bracket
            extra["hb_counter"] = b
        if checkpoint is not None and trial.parent is not None:
            extra["sh_ckpt"] = checkpoint
        return extra

    def _request(self, n: int) -> list[TrialRequest]:
        return self._wanted()[:n]

    def _opened(self, trial: Trial, request: TrialRequest) -> None:
        b, rung, arm = (int(request.tags[k]) for k in ("bracket", "rung", "arm"))
        self._trial_of[(b, rung, arm)] = trial.id
        self._where[trial.id] = (b, rung, arm)

    def _told(self, trial: Trial, evaluation: Evaluation) -> None:
        pass  # scores are kept by the base class; promotions are computed from them

    def _exhausted(self) -> bool:
        return not self._wanted() and all(tid in self.scores for tid in self._where)

    def _request_of(self, trial: Trial) -> TrialRequest:
        key = self.space.key(trial.params)
        if trial.parent is not None:
            where = self._where.get(trial.parent)
            if where is None:
                raise SearchStateError(
                    f"restore: trial {trial.id} continues trial {trial.parent}, which is not "
                    "a trial of this search"
                )
            b, rung, arm = where[0], where[1] + 1, where[2]
        else:
            found = [
                (b, arm)
                for b, bracket in enumerate(self.brackets)
                if bracket.budgets[0] == trial.budget
                for arm, k in enumerate(self.arms(b))
                if k == key and (b, 0, arm) not in self._trial_of
            ]
            if not found:
                raise SearchStateError(
                    f"restore: trial {trial.id} (budget {trial.budget}) is not a first-rung "
                    f"trial of this {self.search_type} search (other options or seed?)"
                )
            (b, arm), rung = found[0], 0
        budgets = self.brackets[b].budgets
        if rung >= len(budgets) or budgets[rung] != trial.budget:
            raise SearchStateError(
                f"restore: trial {trial.id} has budget {trial.budget}, expected rung {rung} of "
                f"bracket {b} to have budget {budgets[min(rung, len(budgets) - 1)]}"
            )
        return TrialRequest(
            params=self.space.proposal(key),
            budget=float(trial.budget),
            parent=trial.parent,
            tags={"bracket": b, "rung": rung, "arm": arm},
        )


def _resource_kind(*values: float) -> bool:
    return all(float(v).is_integer() for v in values)


class HyperbandSearch(_Halving):
    """Hyperband (Li et al. 2018): brackets of successive halving from ``max_resource``
    and ``min_resource`` with reduction factor ``eta``; every bracket's arms are random
    points. Budgets are integers when both resources are (epochs)."""

    search_type = "hyperband"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        max_resource: float = 81,
        min_resource: float = 1,
        eta: int = 3,
    ) -> None:
        where = "hyperband search"
        max_r = check_number(max_resource, where, "max_resource", low=0, integer=False)
        min_r = check_number(min_resource, where, "min_resource", low=0, integer=False)
        self.eta = check_number(eta, where, "eta", low=1, integer=True)
        if min_r > max_r:
            raise SearchConfigError(
                f"{where}: expected min_resource <= max_resource, found {min_r:g} > {max_r:g}"
            )
        self.max_resource, self.min_resource = max_r, min_r
        brackets = hyperband_brackets(max_r, min_r, self.eta, _resource_kind(max_r, min_r))
        super().__init__(space, brackets, seed=seed, maximize=maximize)


class SuccessiveHalvingSearch(_Halving):
    """One bracket of successive halving, as the original toolbox's ``SuccessiveHalving``:
    ``num_arms`` random points, the best ``1 / halving_coeff`` kept at each rung. The rung
    budgets come from one of: ``budget`` (the first release: ``ceil(log_coeff(num_arms))``
    rungs, rung ``k`` trained ``budget / (arms_k * rungs)`` in all), ``min_budget`` (the later
    release: ``floor(log_coeff(num_arms)) + 1`` rungs at ``min_budget * halving_coeff**k``,
    capped at ``max_budget``) or ``max_resource`` (rung budgets
    ``max_resource * halving_coeff**(k - last)``)."""

    search_type = "successive_halving"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        num_arms: int = 16,
        budget: float | None = None,
        halving_coeff: float = 2,
        max_resource: float | None = None,
        min_budget: float | None = None,
        max_budget: float | None = None,
    ) -> None:
        where = "successive_halving search"
        arms = check_number(num_arms, where, "num_arms", low=0, integer=True)
        coeff = check_number(halving_coeff, where, "halving_coeff", low=1, integer=False)
        given = [
            n
            for n, v in (
                ("budget", budget),
                ("min_budget", min_budget),
                ("max_resource", max_resource),
            )
            if v is not None
        ]
        if len(given) != 1:
            raise SearchConfigError(
                f"{where}: expected one of budget (the original's total), min_budget (its "
                f"first rung) or max_resource, found {', '.join(given) or 'none'}"
            )
        if max_budget is not None and min_budget is None:
            raise SearchConfigError(f"{where}: expected max_budget only with min_budget")
        if min_budget is not None:
            low = check_number(min_budget, where, "min_budget", low=0, integer=False)
            cap = (
                None
                if max_budget is None
                else check_number(max_budget, where, "max_budget", low=0, integer=False)
            )
            bracket = doubling_bracket(low, arms, coeff, cap)
        elif budget is not None:
            total = check_number(budget, where, "budget", low=0, integer=False)
            bracket = halving_bracket(total, arms, coeff, _resource_kind(total))
        else:
            top = check_number(max_resource, where, "max_resource", low=0, integer=False)
            base = halving_bracket(1.0, arms, coeff, False)
            last = len(base.sizes) - 1
            integer = _resource_kind(top)
            budgets = tuple(_plain(top * coeff ** (k - last), integer) for k in range(last + 1))
            bracket = Bracket(base.sizes, budgets)
        if any(b2 <= b1 for b1, b2 in zip(bracket.budgets, bracket.budgets[1:], strict=False)):
            raise SearchConfigError(
                f"{where}: the rung budgets {list(bracket.budgets)} do not grow (budget too "
                "small for num_arms?)"
            )
        self.num_arms, self.halving_coeff = arms, coeff
        super().__init__(space, [bracket], seed=seed, maximize=maximize)
