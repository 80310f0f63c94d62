"""SMBO's Gaussian process, in numpy/scipy: a Matern-5/2 GP whose kernel hyperparameters are
warm-started from the last fit, and an acquisition optimizer (random candidates plus local
L-BFGS-B on the real axes). It replaces scikit-optimize's GP for ``base_estimator="GP"``:
scikit-optimize refits from scratch with restarts and optimizes the acquisition over 10,000
points at every step (about 10 s per proposal at 500 observations).

Points come and go in the encoding of :class:`~mle_search._smbo._Codec` (a real value, an
integer, a category index per free parameter); inside, each axis is mapped onto [0, 1]
(categories one-hot).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._imports import require

__all__ = ["Dim", "GPOptimizer"]

_SQRT5 = math.sqrt(5.0)
#: log bounds of the kernel hyperparameters (inputs in [0, 1], outputs standardized)
_LOG_AMP = (math.log(0.05), math.log(20.0))
_LOG_LS = (math.log(0.01), math.log(20.0))
_LOG_NOISE = (math.log(1e-6), math.log(1.0))
_JITTER = 1e-8
_ACQS = ("LCB", "EI", "PI")


@dataclass(frozen=True)
class Dim:
    """One free parameter as the codec encodes it: ``real`` (low, high, prior),
    ``integer`` (low, high, prior) or ``categorical`` (``n`` categories, encoded 0..n-1)."""

    kind: str
    low: float = 0.0
    high: float = 1.0
    prior: str = "uniform"
    n: int = 0

    @property
    def width(self) -> int:
        return self.n if self.kind == "categorical" else 1


class _Unit:
    """Maps encoded points to the unit cube and back."""

    def __init__(self, dims: Sequence[Dim]) -> None:
        self.dims = list(dims)
        self.cols: list[slice] = []
        start = 0
        for dim in self.dims:
            self.cols.append(slice(start, start + dim.width))
            start += dim.width
        self.width = start
        #: the columns of real axes (the ones refined by L-BFGS-B)
        self.real_cols = np.array(
            [c.start for d, c in zip(self.dims, self.cols, strict=True) if d.kind == "real"],
            dtype=int,
        )

    def encode(self, xs: Sequence[Sequence[Any]]) -> np.ndarray:
        out = np.zeros((len(xs), self.width))
        for j, (dim, col) in enumerate(zip(self.dims, self.cols, strict=True)):
            vals = np.array([x[j] for x in xs], dtype=float)
            if dim.kind == "categorical":
                out[np.arange(len(xs)), col.start + vals.astype(int)] = 1.0
                continue
            if dim.prior == "log-uniform":
                lo, hi, vals = math.log(dim.low), math.log(dim.high), np.log(vals)
            else:
                lo, hi = dim.low, dim.high
            if dim.kind == "integer" and dim.prior != "log-uniform":
                out[:, col.start] = (vals - lo + 0.5) / (hi - lo + 1.0)
            else:
                out[:, col.start] = (vals - lo) / (hi - lo) if hi > lo else 0.5
        return out

    def snap(self, u: np.ndarray) -> np.ndarray:
        """Round the discrete axes of unit points to the values they decode to."""
        return self.encode(self.decode(u))

    def decode(self, u: np.ndarray) -> list[list[Any]]:
        u = np.clip(u, 0.0, 1.0)
        columns: list[list[Any]] = []
        for dim, col in zip(self.dims, self.cols, strict=True):
            if dim.kind == "categorical":
                columns.append([int(i) for i in np.argmax(u[:, col], axis=1)])
                continue
            v = u[:, col.start]
            if dim.kind == "integer":
                if dim.prior == "log-uniform":
                    lo, hi = math.log(dim.low), math.log(dim.high)
                    raw = np.rint(np.exp(lo + v * (hi - lo)))
                else:
                    raw = np.floor(dim.low + v * (dim.high - dim.low + 1.0))
                columns.append([int(i) for i in np.clip(raw, dim.low, dim.high)])
            elif dim.prior == "log-uniform":
                lo, hi = math.log(dim.low), math.log(dim.high)
                vals = np.clip(np.exp(lo + v * (hi - lo)), dim.low, dim.high)
                columns.append([float(x) for x in vals])
            else:
                vals = np.clip(dim.low + v * (dim.high - dim.low), dim.low, dim.high)
                columns.append([float(x) for x in vals])
        return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _scaled_sqdist(a: np.ndarray, b: np.ndarray, ls: np.ndarray) -> np.ndarray:
    a, b = a / ls, b / ls
    d: np.ndarray = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.asarray(np.maximum(d, 0.0))


def _matern(sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matern-5/2 of squared scaled distances, and the factor of its log-lengthscale
    derivative: dK/dlog ls_i = amp * g * (d_i / ls_i)^2."""
    r = np.sqrt(sq)
    e = np.exp(-_SQRT5 * r)
    m = (1.0 + _SQRT5 * r + (5.0 / 3.0) * sq) * e
    g = (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e
    return m, g


class _Model:
    """A fitted GP on unit inputs ``X`` and standardized outputs."""

    def __init__(self, X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> None:
        linalg = require("scipy.linalg")
        self.X, self.theta = X, theta
        self.ymean = float(y.mean())
        std = float(y.std())
        self.ystd = std if std > 0 else 1.0
        yn = (y - self.ymean) / self.ystd
        self.amp, self.ls, noise = _split(theta)
        m, _ = _matern(_scaled_sqdist(X, X, self.ls))
        K = self.amp * m
        K[np.diag_indices_from(K)] += noise + _JITTER
        self.L = linalg.cholesky(K, lower=True)
        self.alpha = linalg.cho_solve((self.L, True), yn)
        self.Kinv = _chol_inverse(self.L)

    def predict(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (in the told units) at unit points ``U``."""
        ks = self.amp * _matern(_scaled_sqdist(U, self.X, self.ls))[0]
        mean = ks @ self.alpha
        var = np.maximum(self.amp - np.einsum("ij,ij->i", ks @ self.Kinv, ks), 1e-12)
        return mean * self.ystd + self.ymean, np.sqrt(var) * self.ystd


def _chol_inverse(L: np.ndarray) -> np.ndarray:
    """K^-1 from K's lower Cholesky factor (LAPACK potri: a third of a solve's work)."""
    lapack = require("scipy.linalg.lapack")
    inv, info = lapack.dpotri(L, lower=True)
    if info != 0:
        linalg = require("scipy.linalg")
        return np.asarray(linalg.cho_solve((L, True), np.eye(len(L))))
    inv = np.tril(inv)
    return np.asarray(inv + np.tril(inv, -1).T)


def _split(theta: np.ndarray) -> tuple[float, np.ndarray, float]:
    return float(np.exp(theta[0])), np.exp(theta[1:-1]), float(np.exp(theta[-1]))


def _neg_lml(theta: np.ndarray, X: np.ndarray, yn: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood and its gradient in the log hyperparameters."""
    linalg = require("scipy.linalg")
    amp, ls, noise = _split(theta)
    m, g = _matern(_scaled_sqdist(X, X, ls))
    K = amp * m
    K[np.diag_indices_from(K)] += noise + _JITTER
    try:
        L = linalg.cholesky(K, lower=True)
    except linalg.LinAlgError:
        return 1e25, np.zeros_like(theta)
    alpha = linalg.cho_solve((L, True), yn)
    nll = 0.5 * float(yn @ alpha) + float(np.log(np.diag(L)).sum())
    W = np.outer(alpha, alpha) - _chol_inverse(L)
    grad = np.empty_like(theta)
    grad[0] = 0.5 * float((W * K).sum() - (noise + _JITTER) * np.trace(W))
    A = W * (amp * g)
    Xs = X / ls
    grad[1:-1] = (Xs * Xs).T @ A.sum(1) - np.einsum("ij,ij->j", Xs, A @ Xs)
    grad[-1] = 0.5 * noise * float(np.trace(W))
    return nll, -grad


class GPOptimizer:
    """Ask/tell over a GP: the interface SMBOSearch uses (``Xi``, ``yi``, ``tell``, ``ask``,
    ``refit``, ``with_lies``, ``models``), minimizing the told values.

    ``n_points`` random candidates (plus perturbations of the best points) rank the
    acquisition; with ``acq_optimizer`` "lbfgs"/"auto" the best ``n_restarts_optimizer`` of
    them are refined by L-BFGS-B on the real axes. Kernel hyperparameters are fitted by
    maximum likelihood, warm-started from the previous fit, with fewer random restarts and
    iterations as the data grows.
    """

    def __init__(
        self,
        dims: Sequence[Dim],
        *,
        acq_func: str = "gp_hedge",
        acq_optimizer: str = "auto",
        random_state: int | None = None,
        n_points: int = 1000,
        n_restarts_optimizer: int = 3,
        xi: float = 0.01,
        kappa: float = 1.96,
    ) -> None:
        self._unit = _Unit(dims)
        self.dims = list(dims)
        self.acq_func = acq_func
        self.acq_optimizer = acq_optimizer
        self.n_points = int(n_points)
        self.n_restarts_optimizer = int(n_restarts_optimizer)
        self.xi, self.kappa = float(xi), float(kappa)
        self._rng = np.random.default_rng(random_state)
        self.Xi: list[list[Any]] = []
        self.yi: list[float] = []
        self.models: list[_Model] = []
        self._theta: np.ndarray | None = None
        self._tuned_at = 0  # observations at the last tuning of the hyperparameters
        self._next: list[Any] | None = None
        self.gains = np.zeros(len(_ACQS))
        self._hedge_points: np.ndarray | None = None

    # -- the interface ----------------------------------------------------------------------
    def tell(self, xs: Sequence[Sequence[Any]], ys: Sequence[float], *, fit: bool = True) -> None:
        self.Xi.extend(list(x) for x in xs)
        self.yi.extend(float(y) for y in ys)
        if fit:
            self.refit()

    def refit(self, *, tune: bool = True) -> None:
        """Fit the GP on every observation (``tune``: re-fit the kernel hyperparameters)."""
        X = self._unit.encode(self.Xi)
        y = np.asarray(self.yi, dtype=float)
        # tuning costs O(n^3) per likelihood evaluation: past 100 observations it is redone
        # once the data has grown by 2 % (every 10th tell at 500), the fit itself every time
        n = len(y)
        if self._theta is None or (tune and (n < 100 or n >= 1.02 * self._tuned_at)):
            self._theta = self._tune(X, y)
            self._tuned_at = n
        model = _Model(X, y, self._theta)
        if self._hedge_points is not None:  # gp_hedge: reward each acquisition's last pick
            self.gains -= model.predict(self._hedge_points)[0]
            self._hedge_points = None
        self.models = [model]
        self._next = None

    def ask(self) -> list[Any]:
        """The point the acquisition prefers under the current fit (cached until a tell)."""
        if self._next is None:
            if not self.models:
                self.refit()
            self._next = self._unit.decode(self._propose(self.models[-1]))[0]
        return list(self._next)

    def with_lies(self, xs: Sequence[Sequence[Any]], y: float, random_state: int) -> GPOptimizer:
        """A copy that also holds ``y`` at each of ``xs`` (a constant liar), fitted with the
        current kernel hyperparameters (no re-tuning: the lies carry no information)."""
        twin = GPOptimizer(
            self.dims,
            acq_func=self.acq_func,
            acq_optimizer=self.acq_optimizer,
            random_state=random_state,
            n_points=self.n_points,
            n_restarts_optimizer=self.n_restarts_optimizer,
            xi=self.xi,
            kappa=self.kappa,
        )
        twin.Xi, twin.yi = [list(x) for x in self.Xi], list(self.yi)
        twin._theta, twin.gains = self._theta, self.gains.copy()
        twin._tuned_at = self._tuned_at
        twin.tell(xs, [y] * len(xs), fit=False)
        twin.refit(tune=self._theta is None)
        return twin

    # -- internals --------------------------------------------------------------------------
    def _tune(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        optimize = require("scipy.optimize")
        n, d = X.shape
        std = float(y.std())
        yn = (y - y.mean()) / (std if std > 0 else 1.0)
        bounds = [_LOG_AMP] + [_LOG_LS] * d + [_LOG_NOISE]
        starts = []
        if self._theta is not None and len(self._theta) == d + 2:
            starts.append(self._theta)
        else:
            starts.append(np.array([0.0] + [math.log(0.5)] * d + [math.log(1e-3)]))
        restarts = 2 if n < 30 else 1 if n < 100 else 0
        lows, highs = np.array(bounds).T
        starts += [self._rng.uniform(lows, highs) for _ in range(restarts)]
        maxiter = 100 if n < 100 else 50 if n < 300 else 25
        best_theta, best = starts[0], math.inf
        for theta0 in starts:
            res = optimize.minimize(
                _neg_lml,
                theta0,
                args=(X, yn),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": maxiter},
            )
            if np.isfinite(res.fun) and res.fun < best:
                best_theta, best = np.asarray(res.x, dtype=float), float(res.fun)
        return best_theta

    def _acq(self, name: str, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        """The acquisition to minimize, from the predictions at some points."""
        special = require("scipy.special")
        if name == "LCB":
            return mean - self.kappa * std
        imp = min(self.yi) - mean - self.xi
        z = imp / std
        if name == "PI":
            return -np.asarray(special.ndtr(z), dtype=float)
        cdf = np.asarray(special.ndtr(z), dtype=float)
        pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return np.asarray(-(imp * cdf + std * pdf))

    def _candidates(self, model: _Model) -> np.ndarray:
        width = self._unit.width
        rand = self._rng.uniform(size=(self.n_points, width))
        best = np.argsort(self.yi)[: min(5, len(self.yi))]
        local = np.repeat(model.X[best], 20, axis=0)
        local = local + self._rng.normal(scale=0.05, size=local.shape)
        return self._unit.snap(np.clip(np.vstack([rand, local]), 0.0, 1.0))

    def _propose(self, model: _Model) -> np.ndarray:
        cands = self._candidates(model)
        predicted = model.predict(cands)
        names = _ACQS if self.acq_func == "gp_hedge" else (self.acq_func,)
        picks = np.vstack([self._optimum(name, model, cands, predicted) for name in names])
        if len(picks) == 1:
            return picks
        self._hedge_points = picks
        logits = self.gains - self.gains.max()
        probs = np.exp(logits) / np.exp(logits).sum()
        return picks[[int(self._rng.choice(len(picks), p=probs))]]

    def _optimum(
        self,
        name: str,
        model: _Model,
        cands: np.ndarray,
        predicted: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        values = self._acq(name, *predicted)
        order = np.argsort(values, kind="stable")
        best_u: np.ndarray = np.array(cands[order[0]])
        best_v = float(values[order[0]])
        cols = self._unit.real_cols
        if self.acq_optimizer == "sampling" or not len(cols):
            return best_u
        optimize = require("scipy.optimize")
        step = 1e-6 * np.eye(len(cols))
        for i in order[: self.n_restarts_optimizer]:
            base = cands[i].copy()

            def f(v: np.ndarray, base: np.ndarray = base) -> tuple[float, np.ndarray]:
                # the value and a forward-difference gradient from one batched prediction
                u = np.repeat(base[None, :], len(cols) + 1, axis=0)
                u[:, cols] = v
                u[1:, cols] += step
                vals = self._acq(name, *model.predict(u))
                return float(vals[0]), (vals[1:] - vals[0]) / 1e-6

            res = optimize.minimize(
                f,
                base[cols],
                jac=True,
                method="L-BFGS-B",
                bounds=[(0.0, 1.0)] * len(cols),
                options={"maxiter": 20},
            )
            if res.fun < best_v:
                best_u = base.copy()
                best_u[cols] = np.clip(res.x, 0.0, 1.0)
                best_v = float(res.fun)
        return best_u
