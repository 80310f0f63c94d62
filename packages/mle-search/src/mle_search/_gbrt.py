"""A quantile gradient-boosting regressor that scikit-optimize accepts as ``base_estimator``.

skopt 0.10's own ``GradientBoostingQuantileRegressor`` lost its regressor tag on
scikit-learn >= 1.6 and calls ``np.in1d``, removed in numpy 2.4. This class replaces it for
``base_estimator="GBRT"`` without patching numpy or skopt. Import only with scikit-learn
installed (the ``smbo`` extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.utils import check_random_state

__all__ = ["QuantileGBRT"]

_QUANTILES = (0.16, 0.5, 0.84)


class QuantileGBRT(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Three quantile GBRTs (16 %, 50 %, 84 %). ``predict(X)`` is the median;
    ``predict(X, return_std=True)`` also returns (q84 - q16) / 2 as the standard deviation.

    Same defaults as skopt's "GBRT" (30 trees, quantile loss).
    """

    def __init__(
        self,
        n_estimators: int = 30,
        learning_rate: float = 0.1,
        max_depth: int = 3,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> QuantileGBRT:
        """Fit one regressor per quantile, all with the same seed (keeps quantiles ordered)."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.regressors_ = [
            GradientBoostingRegressor(
                loss="quantile",
                alpha=q,
                n_estimators=self.n_estimators,
                learning_rate=self.learning_rate,
                max_depth=self.max_depth,
                random_state=seed,
            ).fit(X, y)
            for q in _QUANTILES
        ]
        return self

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """Median prediction, and with ``return_std`` the (mean, std) pair skopt expects."""
        low, mid, high = (reg.predict(X) for reg in self.regressors_)
        if return_std:
            return mid, np.maximum(high - low, 0.0) / 2.0
        return mid
