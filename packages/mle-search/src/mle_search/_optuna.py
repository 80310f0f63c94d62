"""Optuna's samplers (TPE, CMA-ES, GP, QMC, NSGA-II, random) as a strategy (the ``optuna`` extra).

Our space, proposals, trial ids and hyper log stay ours: an in-memory Optuna study sees one
Optuna trial per proposal, asked with distributions built from the space, and is told the
strategy's objective (``-score`` when maximizing). Resuming replays the hyper log into the
study as completed (or failed) trials.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import warnings
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ._codec import Codec
from ._results import Evaluation
from ._space import Key, Space
from ._strategy import Strategy
from .errors import SearchConfigError, SearchDependencyError

__all__ = ["MULTI_OBJECTIVE_SAMPLERS", "SAMPLERS", "OptunaSearch"]

#: sampler name -> Optuna class name (in ``optuna.samplers``)
SAMPLERS = {
    "tpe": "TPESampler",
    "cmaes": "CmaEsSampler",
    "gp": "GPSampler",
    "qmc": "QMCSampler",
    "nsgaii": "NSGAIISampler",
    "random": "RandomSampler",
}
#: other spellings accepted for a sampler name
_ALIASES = {"cma-es": "cmaes", "cma": "cmaes", "nsga-ii": "nsgaii", "nsga2": "nsgaii"}
#: extra modules a sampler needs, with the install hint
_NEEDS = {
    "cmaes": ("cmaes", 'pip install "mle-search[optuna]" (it brings cmaes)'),
    "gp": ("torch", "pip install torch (Optuna's GPSampler runs on PyTorch)"),
    "qmc": ("scipy", "pip install scipy"),
}
_HINT = 'pip install "mle-search[optuna]"'
#: samplers that search several objectives at once (Optuna's multi-objective samplers)
MULTI_OBJECTIVE_SAMPLERS = ("nsgaii", "tpe", "random", "qmc")
#: an Optuna trial that repeats a point is dropped (told failed) and asked again this often
_MAX_REPEATS = 20


def _import(module: str, hint: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SearchDependencyError(
            f"search_type optuna needs {module}: {hint} (import failed: {exc})"
        ) from exc


def sampler_name(sampler: object) -> str:
    """The canonical sampler name (SearchConfigError with a did-you-mean when unknown)."""
    name = str(sampler).lower().replace("_", "")
    name = _ALIASES.get(name, name)
    if name not in SAMPLERS:
        close = difflib.get_close_matches(str(sampler).lower(), [*SAMPLERS, *_ALIASES], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SearchConfigError(
            f"optuna: expected sampler to be one of {', '.join(SAMPLERS)}, found {sampler!r}{hint}"
        )
    return name


class OptunaSearch(Strategy):
    """Optuna's samplers behind ask/tell (``search_type: optuna``, the ``optuna`` extra).

    ``sampler``: tpe (default), cmaes, gp, qmc, nsgaii or random; ``sampler_kwargs`` go to the
    Optuna sampler's constructor as is (e.g. ``{"n_startup_trials": 5}``; ``seed`` is the
    strategy's). Pending proposals are running trials of the study (TPE's constant liar
    sees them). A point the sampler repeats (a discrete space) is told failed to Optuna and
    asked again; after 20 repeats a random free point is proposed instead.

    Several objectives (``maximize`` a list or a mapping name -> bool): nsgaii, tpe, random
    and qmc search them all at once (a study with one direction per objective).
    """

    search_type = "optuna"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool | Sequence[bool] | Mapping[str, bool] = False,
        sampler: str = "tpe",
        sampler_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.sampler = sampler_name(sampler)  # before the base checks the objectives
        super().__init__(space, seed=seed, maximize=maximize)
        if sampler_kwargs is not None and not isinstance(sampler_kwargs, Mapping):
            raise SearchConfigError(
                f"optuna: expected sampler_kwargs to be a mapping, found {sampler_kwargs!r}"
            )
        options = dict(sampler_kwargs or {})
        if "seed" in options:
            raise SearchConfigError(
                "optuna: sampler_kwargs may not set 'seed' (the strategy's seed is used)"
            )
        optuna = _import("optuna", _HINT)
        need = _NEEDS.get(self.sampler)
        if need is not None:
            _import(*need)
        self.slow_proposals = self.sampler == "gp"  # a GP fit per proposal
        self._optuna = optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._rng = np.random.default_rng(self.seed)
        cls = getattr(optuna.samplers, SAMPLERS[self.sampler])
        if "warn_independent_sampling" in inspect.signature(cls).parameters:
            # e.g. CMA-ES samples categories at random: said once in the README, not per trial
            options.setdefault("warn_independent_sampling", False)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ExperimentalWarning of newer samplers
                made = cls(seed=self.seed, **options)
        except TypeError as exc:
            raise SearchConfigError(
                f"optuna: {SAMPLERS[self.sampler]} rejected sampler_kwargs: {exc}"
            ) from exc
        self._study = optuna.create_study(directions=["minimize"] * self.n_objectives, sampler=made)
        self._codec = Codec(space)
        self._dists = {
            space.params[i].name: self._distribution(dim.kind, dim.low, dim.high, dim.prior, dim.n)
            for i, dim in zip(self._codec.free, self._codec.specs, strict=True)
        }
        self._names = list(self._dists)
        self._running: dict[Key, Any] = {}  # pending key -> its Optuna trial

    def supports_multi_objective(self) -> bool:
        """True for the samplers in :data:`MULTI_OBJECTIVE_SAMPLERS`."""
        return self.sampler in MULTI_OBJECTIVE_SAMPLERS

    def _told_values(self, ev: Evaluation) -> float | list[float]:
        """What the study is told: every objective as minimized (one float for one)."""
        assert ev.values is not None
        if self.n_objectives == 1:
            return self.objective(ev.values[0])
        return self.objectives(ev.values)

    # -- the mapping ------------------------------------------------------------------------
    def _distribution(self, kind: str, low: float, high: float, prior: str, n: int) -> Any:
        dists = self._optuna.distributions
        if kind == "real":
            return dists.FloatDistribution(low, high, log=prior == "log-uniform")
        if kind == "integer":
            return dists.IntDistribution(int(low), int(high), log=prior == "log-uniform")
        return dists.CategoricalDistribution(list(range(n)))

    def _params(self, key: Key) -> dict[str, Any]:
        return dict(zip(self._names, self._codec.encode(key), strict=True))

    def _key(self, params: Mapping[str, Any]) -> Key:
        return self._codec.decode([params[name] for name in self._names])

    def _ask_trial(self, key: Key | None = None) -> Any:
        if key is not None:
            self._study.enqueue_trial(self._params(key), skip_if_exists=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._study.ask(self._dists)

    def _add(self, key: Key, ev: Evaluation) -> None:
        """A result of a point the study never asked for (a resumed or restored one)."""
        state = self._optuna.trial.TrialState
        done = ev.values is not None
        told = self._told_values(ev) if done else None
        self._study.add_trial(
            self._optuna.trial.create_trial(
                state=state.COMPLETE if done else state.FAIL,
                value=told if not isinstance(told, list) else None,
                values=told if isinstance(told, list) else None,
                params=self._params(key),
                distributions=self._dists,
            )
        )

    # -- strategy hooks ---------------------------------------------------------------------
    def _propose(self, n: int) -> list[Key]:
        out: list[Key] = []
        fail = self._optuna.trial.TrialState.FAIL
        size = self.space.size
        for _ in range(n):
            if size is not None and len(self._seen) + len(self._pending) + len(out) >= size:
                break
            if not self._dists:  # every parameter fixed: one point
                key = self._random_free_key(self._rng, out, "optuna")
                if key is None:
                    break
                out.append(key)
                continue
            for _attempt in range(_MAX_REPEATS):
                trial = self._ask_trial()
                key = self._key(trial.params)
                if not self._taken(key) and key not in out:
                    break
                self._study.tell(trial, state=fail)  # a repeat: dropped, asked again
            else:
                free = self._random_free_key(self._rng, out, "optuna")
                if free is None:
                    break
                key, trial = free, self._ask_trial(free)
            self._running[key] = trial
            out.append(key)
        return out

    def _exhausted(self) -> bool:
        size = self.space.size
        return size is not None and len(self._seen) + len(self._pending) >= size

    def _observe(self, items: list[tuple[Key, Evaluation]]) -> None:
        fail = self._optuna.trial.TrialState.FAIL
        for key, ev in items:
            trial = self._running.pop(key, None)
            if trial is None:
                self._add(key, ev)
            elif ev.values is None:
                self._study.tell(trial, state=fail)
            else:
                self._study.tell(trial, self._told_values(ev))

    def _resume(self, items: list[tuple[Key, Evaluation]]) -> None:
        for key, ev in items:
            self._add(key, ev)

    def restore_pending(self, proposals: Iterable[Mapping[str, Any]]) -> None:
        """As :meth:`Strategy.restore_pending`; each point also becomes a running trial of
        the study, so that the sampler sees it as pending."""
        super().restore_pending(proposals)
        for key in self._pending:
            if key not in self._running and self._dists:
                self._running[key] = self._ask_trial(key)
