"""SMBO search with a constant liar for pending points: our own GP (``_gp``) for
``base_estimator="GP"``, scikit-optimize's ``Optimizer`` for the tree estimators."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._codec import Codec
from ._gp import GPOptimizer
from ._imports import require
from ._refine import RefiningStrategy
from ._results import Evaluation
from ._space import Key, Space
from .errors import SearchConfigError

__all__ = ["ACQ_FUNCTIONS", "BASE_ESTIMATORS", "SMBOSearch"]

BASE_ESTIMATORS = ("GP", "RF", "ET", "GBRT")
ACQ_FUNCTIONS = ("LCB", "EI", "PI", "gp_hedge")
LIARS = ("min", "mean", "max")
_OWN_KWARGS = (
    "dimensions",
    "base_estimator",
    "n_initial_points",
    "acq_func",
    "acq_optimizer",
    "random_state",
    "initial_point_generator",  # initial points are drawn by mle-search from the priors
)
#: optimizer_kwargs the own GP understands (the rest is scikit-optimize's, for RF/ET/GBRT)
_GP_KWARGS = {
    "acq_optimizer_kwargs": ("n_points", "n_restarts_optimizer"),
    "acq_func_kwargs": ("xi", "kappa"),
}


def _gp_options(extra: Mapping[str, Any], acq_optimizer: str) -> dict[str, Any]:
    """The own GP's settings from ``optimizer_kwargs`` (SearchConfigError for the rest)."""
    if acq_optimizer not in ("auto", "sampling", "lbfgs"):
        raise SearchConfigError(
            f"smbo: expected acq_optimizer to be one of auto, sampling, lbfgs, found "
            f"{acq_optimizer!r}"
        )
    out: dict[str, Any] = {}
    allowed = ", ".join(f"{k} ({'/'.join(v)})" for k, v in _GP_KWARGS.items())
    for key, value in extra.items():
        subkeys = _GP_KWARGS.get(key)
        bad = (
            key
            if subkeys is None or not isinstance(value, Mapping)
            else next((k for k in value if k not in subkeys), None)
        )
        if bad is not None:
            raise SearchConfigError(
                f"smbo: optimizer_kwargs {bad!r} is not used by base_estimator GP (mle-search's "
                f"own GP takes {allowed}; other keys are scikit-optimize's, for RF/ET/GBRT)"
            )
        for sub, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise SearchConfigError(
                    f"smbo: expected optimizer_kwargs {key}.{sub} to be a number >= 0, found {v!r}"
                )
            out[sub] = v
    return out


class SMBOSearch(RefiningStrategy):
    """Sequential model-based optimization (scikit-optimize, the ``smbo`` extra).

    ``base_estimator`` GP / RF / ET / GBRT, ``acq_function`` LCB / EI / PI / gp_hedge; the first
    ``n_initial_points`` proposals are random. Proposals asked while others are pending come
    from a copy of the model told a constant lie (``liar``: the min / mean / max objective seen)
    at every pending point, so a pending point is never proposed again. ``optimizer_kwargs``
    go to ``skopt.Optimizer`` as is (e.g. ``{"acq_optimizer_kwargs": {"n_points": 1000}}``).

    ``refine_after`` / ``refine_top_k`` narrow the space as the original mle-hyperopt did
    (see :class:`RandomSearch`); the model is then refitted on the results inside the
    refined space and proposes there.
    """

    search_type = "smbo"
    slow_proposals = True

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        base_estimator: str = "GP",
        acq_function: str = "gp_hedge",
        n_initial_points: int = 10,
        acq_optimizer: str = "auto",
        liar: str = "min",
        optimizer_kwargs: Mapping[str, Any] | None = None,
        refine_after: int | list[int] | None = None,
        refine_top_k: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        self._setup_refine(refine_after, refine_top_k)
        estimator = str(base_estimator).upper()
        if estimator not in BASE_ESTIMATORS:
            raise SearchConfigError(
                f"smbo: expected base_estimator to be one of {', '.join(BASE_ESTIMATORS)}, "
                f"found {base_estimator!r}"
            )
        acq = {a.lower(): a for a in ACQ_FUNCTIONS}.get(str(acq_function).lower())
        if acq is None:
            raise SearchConfigError(
                f"smbo: expected acq_function to be one of {', '.join(ACQ_FUNCTIONS)}, "
                f"found {acq_function!r}"
            )
        if (
            isinstance(n_initial_points, bool)
            or not isinstance(n_initial_points, int)
            or n_initial_points < 1
        ):
            raise SearchConfigError(
                f"smbo: expected n_initial_points to be an integer >= 1, found {n_initial_points!r}"
            )
        if liar not in LIARS:
            raise SearchConfigError(
                f"smbo: expected liar to be one of {', '.join(LIARS)}, found {liar!r}"
            )
        extra = dict(optimizer_kwargs or {})
        clash = [k for k in extra if k in _OWN_KWARGS]
        if clash:
            raise SearchConfigError(
                f"smbo: optimizer_kwargs may not set {clash[0]!r} (set by SMBOSearch itself; "
                "initial points are drawn from the space's priors)"
            )
        self.base_estimator = estimator
        self.acq_function = acq
        self.n_initial_points = n_initial_points
        if estimator == "GBRT" and acq_optimizer == "lbfgs":
            raise SearchConfigError(
                "smbo: base_estimator GBRT has no gradients; expected acq_optimizer 'auto' or "
                "'sampling', found 'lbfgs'"
            )
        # skopt only knows its own GBRT class has no gradients: choose sampling for ours
        self.acq_optimizer = "sampling" if estimator == "GBRT" else acq_optimizer
        self.liar = liar
        self._extra = extra
        if estimator == "GP":
            self._gp_options = _gp_options(extra, self.acq_optimizer)
            require("scipy.optimize")
        else:
            self._skopt = require("skopt")
        self._codec = Codec(space)
        self._rng = np.random.default_rng(self.seed)
        self._size = space.size
        self._opt: Any = self._optimizer(self.seed) if self._codec.specs else None
        self._stale = False  # observations told without a model fit
        self._n_ok = 0

    # -- skopt plumbing -------------------------------------------------------------------
    def _optimizer(self, random_state: int | None) -> Any:
        if self.base_estimator == "GP":
            return GPOptimizer(
                self._codec.specs,
                acq_func=self.acq_function,
                acq_optimizer=self.acq_optimizer,
                random_state=random_state,
                **self._gp_options,
            )
        estimator: Any = self.base_estimator
        if estimator == "GBRT":
            from ._gbrt import QuantileGBRT

            estimator = QuantileGBRT(random_state=random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return self._skopt.Optimizer(
                    self._codec.skopt_dims(),
                    base_estimator=estimator,
                    n_initial_points=self.n_initial_points,
                    acq_func=self.acq_function,
                    acq_optimizer=self.acq_optimizer,
                    random_state=random_state,
                    **self._extra,
                )
            except (TypeError, ValueError) as exc:
                raise SearchConfigError(
                    f"smbo: scikit-optimize rejected acq_optimizer / optimizer_kwargs: {exc}"
                ) from exc

    def _lie(self) -> float:
        yi = np.asarray(self._opt.yi, dtype=float)
        if self.liar == "min":
            return float(yi.min())
        return float(yi.mean() if self.liar == "mean" else yi.max())

    def _liar_optimizer(self, lies: list[Key]) -> Any:
        """A fresh optimizer told every real observation plus a lie at each of ``lies``."""
        seed = int(self._rng.integers(2**31 - 1))
        if isinstance(self._opt, GPOptimizer):
            if self._stale:  # fit (and re-tune on schedule) on the real observations first:
                self._opt.refit()  # with results always pending, nothing else would
                self._stale = False
            # the copy keeps those kernel hyperparameters: the lies carry no information
            return self._opt.with_lies([self._codec.encode(k) for k in lies], self._lie(), seed)
        opt = self._optimizer(seed)
        xs = list(self._opt.Xi) + [self._codec.encode(k) for k in lies]
        ys = list(self._opt.yi) + [self._lie()] * len(lies)
        opt.tell(xs, ys)
        return opt

    # -- strategy hooks -------------------------------------------------------------------
    def _random_key(self, out: list[Key]) -> Key | None:
        return self._free_active_key(self._rng, out, "smbo")

    def _taken_count(self) -> int:
        """Points of the active space that are evaluated or pending."""
        if not self._steps:
            return len(self._seen) + len(self._pending)
        return self._count_active(self._seen) + self._count_active(self._pending)

    def _refined(self) -> None:
        """A new model over the refined space, told every result inside it."""
        self._codec = Codec(self.active_space)
        self._size = self.active_space.size
        self._stale = False
        self._opt = self._optimizer(self.seed) if self._codec.specs else None
        if self._opt is None:
            return
        keys = [self.space.key(ev.params) for ev in self._history]
        good = [
            (k, ev)
            for k, ev in zip(keys, self._history, strict=True)
            if ev.score is not None and self._in_active(k)
        ]
        if good:
            fit = not self._pending
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                xs = [self._codec.encode(k) for k, _ in good]
                ys = [self.objective(ev.score) for _, ev in good]  # type: ignore[arg-type]
                self._opt.tell(xs, ys, fit=fit)
            self._stale = not fit

    def _propose(self, n: int) -> list[Key]:
        out: list[Key] = []
        liar: Any = None
        unlied: list[Key] = []
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The objective has been evaluated")
            for _ in range(n):
                taken = self._taken_count() + len(out)
                if self._size is not None and taken >= self._size:
                    break
                modelled = (
                    self._opt is not None
                    and self._n_ok > 0
                    and self._n_ok + len(self._pending) + len(out) >= self.n_initial_points
                )
                if not modelled:
                    key = self._random_key(out)
                else:
                    if liar is None and not self._pending and not out and not self._stale:
                        x = self._opt.ask()  # the point the last fit chose (cached by skopt)
                    else:
                        if liar is None:  # one fit: real observations + a lie per pending point
                            liar = self._liar_optimizer(list(self._pending) + out)
                        elif unlied:
                            lies = [self._lie()] * len(unlied)
                            xs = [self._codec.encode(k) for k in unlied]
                            if isinstance(liar, GPOptimizer):
                                liar.tell(xs, lies, fit=False)
                                liar.refit(tune=False)
                            else:
                                liar.tell(xs, lies)
                            unlied = []
                        x = liar.ask()
                    key = self._codec.decode(x)
                    if self._taken(key) or key in out:
                        key = self._random_key(out)
                if key is None:
                    break
                out.append(key)
                if liar is not None:
                    unlied.append(key)
        return out

    def _exhausted(self) -> bool:
        return self._size is not None and self._taken_count() >= self._size

    def _tell_model(self, items: list[tuple[Key, Evaluation]]) -> None:
        good = [(k, ev) for k, ev in items if ev.score is not None]
        self._n_ok += len(good)
        if self._refine_due():  # the new model was told every result in the refined space
            return
        good = [(k, ev) for k, ev in good if self._in_active(k)]
        if self._opt is None:
            return
        fit = not self._pending
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if good:
                xs = [self._codec.encode(k) for k, _ in good]
                ys = [self.objective(ev.score) for _, ev in good]  # type: ignore[arg-type]
                self._opt.tell(xs, ys, fit=fit)
                self._stale = not fit
            elif fit and self._stale:
                # nothing new, but the last observations were told unfitted: refit on a copy
                if isinstance(self._opt, GPOptimizer):
                    self._opt.refit()
                else:
                    seed = int(self._rng.integers(2**31 - 1))
                    self._opt = self._opt.copy(random_state=seed)
                self._stale = False

    def _observe(self, items: list[tuple[Key, Evaluation]]) -> None:
        self._tell_model(items)

    def _resume(self, items: list[tuple[Key, Evaluation]]) -> None:
        self._tell_model(items)
