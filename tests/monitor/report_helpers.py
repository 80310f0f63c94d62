"""A finished search folder as `mle run` writes it (marker, job table, queue events, status
files, mle-logger logs), built in-process so report tests need no driver; and a small numpy
logistic-regression search (the issue's "dozen configs x 5 seeds")."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def make_search(
    root: Path,
    series: Mapping[str, Sequence[Sequence[float] | None]],
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    maximize: bool = False,
    metric: str = "val_loss",
    aggregate_seeds: str | None = None,
) -> Path:
    """``series``: config id -> one logged series per seed (None: the seed failed, exit 1).
    Proposals are numbered in the order given; params default to ``{"train_config.i": i}``."""
    from mle_logger import Logger

    root.mkdir(parents=True)
    seeds = max(len(v) for v in series.values())
    search: dict[str, Any] = {
        "search_type": "grid",
        "maximize_objective": maximize,
        "problem_type": "final",
        "eval_score_type": metric,
    }
    if aggregate_seeds:
        search["aggregate_seeds"] = aggregate_seeds
    marker = {
        "job_type": "hyperparameter-search",
        "project_name": "logreg",
        "backend": "local",
        "num_seeds": seeds,
        "budget": len(series),
        "job_args": {"log_file": "log", "err_file": "err"},
        "search": search,
    }
    (root / "mle-experiment.json").write_text(json.dumps(marker), encoding="utf-8")
    rows, events = [], []
    t = 1_796_187_714.0
    for i, (cid, per_seed) in enumerate(series.items()):
        p = dict(params[cid]) if params else {"train_config.i": i}
        for seed, values in enumerate(per_seed):
            jid = f"{cid}-s{seed}"
            rows.append(
                {"job_id": jid, "config_id": cid, "seed": seed, "config_key": cid,
                 "params": p, "proposal": i}
            )  # fmt: skip
            run = root / "runs" / jid
            run.mkdir(parents=True)
            code = 0 if values is not None else 1
            if values is not None:
                log = Logger(run, seed_id=seed, time_keys=["step"], stats_keys=[metric])
                for step, v in enumerate(values):
                    log.update({"step": step + 1}, {metric: float(v)})
                log.close()
            status = {"start": t, "host": "vm", "pid": 9_999_999, "pid_start": 1}
            status.update(end=t + 1.0, exit_code=code)
            (run / "job-status.json").write_text(json.dumps(status), encoding="utf-8")
            for state, dt in (("submitted", 0.0), ("running", 0.1)):
                events.append({"state": state, "attempt": 0, "time": t + dt, "job_id": jid})
            state = "done" if code == 0 else "failed"
            events.append(
                {"state": state, "attempt": 0, "exit_code": code, "time": t + 1, "job_id": jid}
            )
            t += 1.0
    with (root / "jobs.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    events.append({"search": "ended", "reason": "budget spent", "trials": len(series)})
    with (root / "events.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(e) + "\n" for e in events)
    return root


LRS = (0.02, 0.3, 1.0, 3.0)
L2S = (0.0, 0.03, 0.3)


def logistic_regression(lr: float, l2: float, seed: int, steps: int = 30) -> list[float]:
    """Validation log-loss per step of full-batch gradient descent on a noisy linear problem
    (the data, 150 train / 50 validation points, is drawn from ``seed``)."""
    rng = np.random.default_rng(seed)
    w_true = np.array([1.5, -2.0, 1.0, 0.5])
    x = rng.normal(size=(200, 4))
    y = (x @ w_true + rng.normal(scale=1.0, size=200) > 0).astype(float)
    xtr, ytr, xva, yva = x[:150], y[:150], x[150:], y[150:]
    w = np.zeros(4)
    out = []
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xtr @ w)))
        w -= lr * (xtr.T @ (p - ytr) / len(ytr) + l2 * w)
        pv = np.clip(1 / (1 + np.exp(-(xva @ w))), 1e-9, 1 - 1e-9)
        out.append(float(-np.mean(yva * np.log(pv) + (1 - yva) * np.log(1 - pv))))
    return out


def logistic_search(root: Path, seeds: int = 5) -> Path:
    """A 4 x 3 grid over learning rate and L2 penalty, ``seeds`` seeds each, val_loss minimized."""
    series: dict[str, list[Sequence[float] | None]] = {}
    params: dict[str, dict[str, Any]] = {}
    for i, (lr, l2) in enumerate((lr, l2) for lr in LRS for l2 in L2S):
        cid = f"p{i:04d}"
        params[cid] = {"train_config.lr": lr, "train_config.l2": l2}
        series[cid] = [logistic_regression(lr, l2, s) for s in range(seeds)]
    return make_search(root, series, params=params)
