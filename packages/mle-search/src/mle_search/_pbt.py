"""Population-based training: workers train in generations; the weak copy the strong."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._fidelity import FidelityStrategy, TrialRequest, _count, check_number
from ._params import CategoricalParam, Param, RealParam
from ._results import Evaluation
from ._space import Key, Space
from ._trial import Trial
from .errors import SearchConfigError, SearchStateError

__all__ = ["PBTSearch"]

EXPLOITS = ("truncation", "binary_tournament")
EXPLORES = ("additive_noise", "perturbation", "resampling")


def _strategy_of(spec: Mapping[str, Any] | str, allowed: tuple[str, ...], what: str) -> str:
    name = spec if isinstance(spec, str) else spec.get("strategy")
    name = str(name).replace("-", "_").lower()
    if name not in allowed:
        raise SearchConfigError(
            f"pbt search: expected {what}.strategy to be one of {', '.join(allowed)}, "
            f"found {name!r}"
        )
    return name


def _explore_value(
    param: Param, value: Any, how: str, opts: Mapping[str, Any], rng: np.random.Generator
) -> Any:
    if how == "resampling":
        return param.sample(rng) if rng.random() < float(opts.get("resample_prob", 0.2)) else value
    if isinstance(param, CategoricalParam):
        return value
    values = param.values
    if values is None:  # a continuous real range
        assert isinstance(param, RealParam)
        lo, hi = float(param.begin), float(param.end)
        log = param.prior == "log-uniform"
        if how == "perturbation":
            coeffs = list(opts.get("perturb_coeffs", (0.8, 1.2)))
            new = float(value) * float(coeffs[int(rng.integers(len(coeffs)))])
        elif log:
            scale = float(opts.get("noise_scale", 0.1)) * (math.log(hi) - math.log(lo))
            new = math.exp(math.log(float(value)) + scale * float(rng.standard_normal()))
        else:
            new = float(value) + float(opts.get("noise_scale", 0.1)) * (hi - lo) * float(
                rng.standard_normal()
            )
        return min(max(new, lo), hi)
    ordered = list(values)  # integers, a real grid axis: move along the axis
    index = ordered.index(value) if value in ordered else 0
    if how == "perturbation":
        coeffs = list(opts.get("perturb_coeffs", (0.8, 1.2)))
        target = float(value) * float(coeffs[int(rng.integers(len(coeffs)))])
        return min(ordered, key=lambda v: abs(float(v) - target))
    shift = round(float(opts.get("noise_scale", 0.1)) * len(ordered) * rng.standard_normal())
    return ordered[min(max(index + int(shift), 0), len(ordered) - 1)]


def _short(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as the original's proposals named them (``train_config.`` dropped)."""
    return {k.removeprefix("train_config."): v for k, v in params.items()}


class PBTSearch(FidelityStrategy):
    """Population-based training (Jaderberg et al. 2017), synchronous as the original
    toolbox's ``PBT``: ``num_workers`` random points train ``steps_until_ready`` each
    generation. When a generation is told, each worker either continues its own checkpoint
    (``parent`` = its last trial, same point) or exploits a better worker (``parent`` = that
    worker's trial) and explores around its point. ``exploit``: ``{"strategy":
    "truncation", "selection_percent": 0.2}`` (the worst fraction copies a random one of the
    best) or ``{"strategy": "binary_tournament"}`` (each worker meets a random other; the
    loser copies). ``explore``: ``{"strategy": "additive_noise", "noise_scale": 0.1}``
    (Gaussian noise of that fraction of each range), ``{"strategy": "perturbation",
    "perturb_coeffs": [0.8, 1.2]}`` or ``{"strategy": "resampling", "resample_prob": 0.2}``;
    categories change only by resampling. ``num_generations``: None runs until the loop's
    budget. Tags record ``worker``, ``generation``, ``exploited`` (the trial copied, or None)."""

    search_type = "pbt"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        num_workers: int = 8,
        steps_until_ready: float = 1,
        num_generations: int | None = None,
        exploit: Mapping[str, Any] | str = "truncation",
        explore: Mapping[str, Any] | str = "additive_noise",
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        where = "pbt search"
        self.num_workers = check_number(num_workers, where, "num_workers", low=1, integer=True)
        self.steps_until_ready = check_number(
            steps_until_ready, where, "steps_until_ready", low=0, integer=False
        )
        self.num_generations = (
            None
            if num_generations is None
            else check_number(num_generations, where, "num_generations", low=0, integer=True)
        )
        self.exploit = _strategy_of(exploit, EXPLOITS, "exploit")
        self.explore = _strategy_of(explore, EXPLORES, "explore")
        self._exploit_opts = {} if isinstance(exploit, str) else dict(exploit)
        self._explore_opts = {} if isinstance(explore, str) else dict(explore)
        fraction = float(self._exploit_opts.get("selection_percent", 0.2))
        if not 0 < fraction <= 0.5:
            raise SearchConfigError(
                f"{where}: expected exploit.selection_percent in (0, 0.5], found {fraction!r}"
            )
        self._fraction = fraction
        self._gen: dict[tuple[int, int], int] = {}  # (generation, worker) -> trial id
        self._plan: dict[int, list[TrialRequest]] = {}  # generation -> requests

    def lineage(self, trial_id: int) -> list[int]:
        """The chain of trials whose checkpoints led to ``trial_id``, oldest first."""
        chain = [trial_id]
        while (parent := self.trials[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain[::-1]

    # -- generations -------------------------------------------------------------------------
    def _budget(self, generation: int) -> float:
        return float((generation + 1) * self.steps_until_ready)

    def _generation(self, g: int) -> list[TrialRequest] | None:
        """The requests of generation ``g`` (None until generation ``g - 1`` is told)."""
        if g in self._plan:
            return self._plan[g]
        rng = self._rng(g)
        if g == 0:
            keys: list[Key] = []
            for _ in range(self.num_workers):
                key = self.space.sample(rng)
                for _ in range(1000):
                    if key not in keys:
                        break
                    key = self.space.sample(rng)
                keys.append(key)
            plan = [
                TrialRequest(
                    self.space.proposal(k),
                    self._budget(0),
                    tags={"worker": w, "generation": 0, "exploited": None},
                )
                for w, k in enumerate(keys)
            ]
        else:
            prev = [self._gen.get((g - 1, w)) for w in range(self.num_workers)]
            if any(t is None or t not in self.scores for t in prev):
                return None
            plan = self._next(g, [t for t in prev if t is not None], rng)
        self._plan[g] = plan
        return plan

    def _next(self, g: int, prev: list[int], rng: np.random.Generator) -> list[TrialRequest]:
        ranked = self._rank(prev)  # best first, failed last
        donor: dict[int, int] = {}  # worker -> worker it copies
        if self.exploit == "truncation":
            cut = max(1, int(self.num_workers * self._fraction))
            top = [w for w in (prev.index(t) for t in ranked[:cut]) if self._ok(prev[w])]
            for t in ranked[-cut:]:
                w = prev.index(t)
                if top and w not in top:
                    donor[w] = top[int(rng.integers(len(top)))]
        else:
            for w in range(self.num_workers):
                other = int(rng.integers(self.num_workers - 1)) if self.num_workers > 1 else w
                other += other >= w
                if other < self.num_workers and self._better(
                    self.scores[prev[other]], self.scores[prev[w]]
                ):
                    donor[w] = other
        for w, t in enumerate(prev):  # a failed worker with no donor starts afresh
            if not self._ok(t) and w not in donor:
                donor[w] = -1
        plan = []
        for w, t in enumerate(prev):
            source = donor.get(w)
            if source is None:
                params, parent, copied = self.trials[t].params, t, None
            elif source == -1:
                params, parent, copied = self.space.proposal(self.space.sample(rng)), None, None
            else:
                copied = prev[source]
                params, parent = self._explored(self.trials[copied].params, rng), copied
            budget = self._budget(g) if parent is not None else self.steps_until_ready
            plan.append(
                TrialRequest(
                    dict(params),
                    budget,
                    parent=parent,
                    tags={"worker": w, "generation": g, "exploited": copied},
                )
            )
        return plan

    def _ok(self, trial_id: int) -> bool:
        return self.scores.get(trial_id) is not None

    def _explored(self, params: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        key = self.space.key(params)
        new = tuple(
            param.coerce(_explore_value(param, value, self.explore, self._explore_opts, rng))
            for param, value in zip(self.space.params, key, strict=True)
        )
        return self.space.proposal(new)

    def _last_generation(self) -> int | None:
        return None if self.num_generations is None else self.num_generations - 1

    # -- FidelityStrategy hooks ---------------------------------------------------------------
    def _extra(self, trial: Trial, added: float | None, checkpoint: str | None) -> dict[str, Any]:
        tags = self._tags[trial.id]
        g, w = int(tags["generation"]), int(tags["worker"])
        extra: dict[str, Any] = {
            "pbt_num_total_iters": _count(trial.budget),
            "pbt_num_add_iters": _count(added),
            "pbt_worker_id": w,
            "pbt_step_counter": g,  # the original's last release
            "pbt_counter": g,  # its first
            "pbt_explore": tags["exploited"] is not None,
        }
        old = self._gen.get((g - 1, w)) if g > 0 else None
        if old is not None and trial.parent is not None:  # who was copied, as the original said
            copied = trial.parent
            where = self._tags.get(copied, {})
            extra["pbt_copy_id"] = int(where.get("worker", w))
            extra["pbt_old_params"] = _short(self.trials[old].params)
            extra["pbt_copy_params"] = _short(self.trials[copied].params)
            extra["pbt_old_performance"] = self.scores.get(old)
            extra["pbt_copy_performance"] = self.scores.get(copied)
        if checkpoint is not None and trial.parent is not None:
            extra["pbt_ckpt"] = checkpoint
        return extra

    @property
    def planned_trials(self) -> int | None:
        """Trials in all: workers x generations (None without ``num_generations``)."""
        n = self.num_generations
        return None if n is None else n * self.num_workers

    def _request(self, n: int) -> list[TrialRequest]:
        out: list[TrialRequest] = []
        g = 0
        while len(out) < n:
            last = self._last_generation()
            if last is not None and g > last:
                break
            plan = self._generation(g)
            if plan is None:
                break
            for w, request in enumerate(plan):
                if (g, w) not in self._gen and len(out) < n:
                    out.append(request)
            g += 1
        return out

    def _opened(self, trial: Trial, request: TrialRequest) -> None:
        g, w = int(request.tags["generation"]), int(request.tags["worker"])
        self._gen[(g, w)] = trial.id

    def _told(self, trial: Trial, evaluation: Evaluation) -> None:
        pass

    def _exhausted(self) -> bool:
        last = self._last_generation()
        if last is None:
            return False
        return all((last, w) in self._gen for w in range(self.num_workers)) and all(
            t in self.scores for t in self._gen.values()
        )

    def _request_of(self, trial: Trial) -> TrialRequest:
        g = 0
        while True:
            plan = self._generation(g)
            if plan is None:
                break
            for w, request in enumerate(plan):
                if (
                    (g, w) not in self._gen
                    and request.parent == trial.parent
                    and request.budget == trial.budget
                    and self.space.key(request.params) == self.space.key(trial.params)
                ):
                    return request
            g += 1
        raise SearchStateError(
            f"restore: trial {trial.id} (budget {trial.budget}, parent {trial.parent}) is "
            "not the next trial of any pbt worker (other options or seed?)"
        )
