"""Logistic regression trained for a budget of epochs, continuing a checkpoint (numpy only).

A training script in the original mle-toolbox's style for its iterative searches: the search
writes the budget into ``train_config.extra`` (``sh_num_add_iters`` for successive halving and
Hyperband, ``pbt_num_add_iters`` for PBT) and, when the job continues an earlier one, the
path of that job's checkpoint (``sh_ckpt`` / ``pbt_ckpt``), which ``MLExperiment`` loads into
``mle.model_ckpt``. The searched values are in ``train_config.params``. Run alone
(``python train_logreg.py -config logreg_config.yaml``) it trains ``num_epochs`` from scratch.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from mle_toolbox import MLExperiment


def make_data(n_train: int = 300, n_val: int = 200, dim: int = 8) -> tuple[np.ndarray, ...]:
    """A fixed, noisy two-class problem (the same for every run)."""
    rng = np.random.default_rng(0)
    w_true = rng.normal(size=dim)
    x = rng.normal(size=(n_train + n_val, dim))
    y = (rng.random(n_train + n_val) < 1.0 / (1.0 + np.exp(-x @ w_true))).astype(float)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def evaluate(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy."""
    z = x @ w
    return float(np.mean(np.logaddexp(0.0, z) - y * z)), float(np.mean((z > 0) == (y > 0.5)))


def train(
    w: np.ndarray, lrate: float, epochs: int, seed: int, epochs_before: int
) -> Iterator[tuple[np.ndarray, float, float]]:
    """Mini-batch gradient descent: yields the weights, validation loss and accuracy after
    each epoch. The batch order depends on the seed and the epochs already trained, so a run
    continued from a checkpoint trains as one run would."""
    x_tr, y_tr, x_va, y_va = make_data()
    for epoch in range(epochs_before, epochs_before + epochs):
        rng = np.random.default_rng([seed, epoch])
        for batch in np.array_split(rng.permutation(len(x_tr)), 6):
            xb, yb = x_tr[batch], y_tr[batch]
            grad = xb.T @ (1.0 / (1.0 + np.exp(-xb @ w)) - yb) / len(batch)
            w = w - lrate * grad
        yield (w, *evaluate(w, x_va, y_va))


def budget(mle: MLExperiment) -> tuple[int, int]:
    """(epochs to train now, epochs the checkpoint has already trained)."""
    extra = mle.train_config.get("extra") or {}
    for prefix in ("sh", "pbt"):  # successive halving / Hyperband, PBT
        if f"{prefix}_num_add_iters" in extra:
            add = int(extra[f"{prefix}_num_add_iters"])
            return add, int(extra[f"{prefix}_num_total_iters"]) - add
    return int(mle.train_config.num_epochs), 0


def main(mle: MLExperiment) -> None:
    epochs, before = budget(mle)
    hyper = mle.train_config.get("params") or mle.train_config
    start = np.zeros(make_data()[0].shape[1]) if mle.model_ckpt is None else mle.model_ckpt
    steps = train(np.asarray(start, dtype=float), float(hyper.lrate), epochs, mle.seed_id, before)
    for i, (w, val_loss, val_acc) in enumerate(steps):
        mle.update_log(
            {"num_epochs": before + i + 1},
            {"val_loss": val_loss, "val_acc": val_acc},
            model=w,  # the checkpoint a promoted / copying job continues
            save=True,
        )


if __name__ == "__main__":
    main(MLExperiment(config_fname="logreg_config.yaml"))
