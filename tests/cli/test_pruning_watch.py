"""Pruning real running jobs from outside (issue 11): an unchanged numpy training script logs
its loss each epoch with mle-logger; the watcher follows each running job's journal, an ASHA
pruner judges it at its rungs, and slow bad trials are cancelled as ``pruned`` (not failed)
with the step they reached, on local processes, Grid Engine and Slurm. The decisions are
journaled, so a restarted driver knows every pruned job's step and last value."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from mle_cli._pruning import DECISIONS, PruneWatcher, make_pruner
from mle_config.pruning import check_pruner
from mle_logger import JournalFollower, journal_path, log_path
from mle_scheduler import JobSpec, JobState, Queue

TRAIN = """\
import sys, time
import numpy as np
from mle_logger import Logger

lr, pause, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
target = np.linspace(-1.0, 1.0, 8)
w = np.zeros(8)
log = Logger(out, seed_id=0, time_keys=["epoch"], stats_keys=["loss"])
for epoch in range(1, 13):
    time.sleep(pause)
    w -= lr * 2 * (w - target)
    log.update({"epoch": epoch}, {"loss": float(np.mean((w - target) ** 2))}, save=True)
log.close()
"""
#: learning rate -> seconds per epoch: the good trials are fast, the bad ones slow
TRIALS = {"lr0.3": (0.3, 0.05), "lr0.25": (0.25, 0.05)} | {
    f"lr{lr}": (lr, 0.3) for lr in (0.02, 0.01, 0.005, 0.002)
}
BAD = [key for key, (_, pause) in TRIALS.items() if pause > 0.1]
SECTION = {"type": "asha", "metric": "loss", "time_key": "epoch", "rungs": [2, 4, 8]}


def _prune_real_jobs(tmp_path: Path, backend: str, timeout: float) -> None:
    section, problems = check_pruner(SECTION, eval_score_type="loss")
    assert problems == []
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    queue = Queue(backend, max_running=2, state_file=tmp_path / "queue.jsonl")
    specs = [
        JobSpec(
            [sys.executable, str(script), str(lr), str(pause), str(tmp_path / key)],
            stdout=tmp_path / key / "out.txt",
        )
        for key, (lr, pause) in TRIALS.items()
    ]
    queue.submit_many(specs, keys=list(TRIALS))  # the good trials first: they start first

    def journal_of(key: str) -> Path:
        return journal_path(log_path(tmp_path / key, 0))

    watcher = PruneWatcher(
        queue,
        make_pruner(section, maximize=False),
        metric="loss",
        time_key="epoch",
        journal_of=journal_of,
        decisions=tmp_path / DECISIONS,
    )
    deadline = time.monotonic() + timeout
    while queue.unfinished:
        assert time.monotonic() < deadline, [(j.key, j.state) for j in queue.jobs]
        for job in queue.step(timeout=0.2):
            watcher.finish(job.key)
        watcher.step(j.key for j in queue.jobs if j.state is JobState.RUNNING)
    watcher.close()
    queue.close()

    states = {j.key: j.state for j in queue.jobs}
    assert states["lr0.3"] is JobState.DONE, states
    assert all(states[key] is JobState.PRUNED for key in BAD), states
    for key in BAD:
        job = queue.job(key)
        step, value = watcher.outcome(key) or (None, None)
        assert step in (2.0, 4.0, 8.0) and value is not None  # judged at a rung it reached
        assert job.result is not None and job.result.message is not None
        assert job.result.message.startswith(f"pruned at epoch {step:g} (loss=")
        rows = JournalFollower(journal_of(key), "loss", "epoch").poll(final=True)
        assert rows and rows[-1][0] < 12  # really stopped: it never reached its last epoch

    again = Queue.attach(tmp_path / "queue.jsonl", read_only=True)
    pruned = [key for key, state in states.items() if state is JobState.PRUNED]
    assert again.status(refresh=False)[JobState.PRUNED] == len(pruned)  # lr0.25: maybe too
    assert again.status(refresh=False)[JobState.FAILED] == 0
    lines = [json.loads(x) for x in (tmp_path / DECISIONS).read_text().splitlines()]
    assert {d["trial"] for d in lines if d.get("action") == "stop"} >= set(BAD)
    restarted = PruneWatcher(  # `mle resume`: a fresh pruner restored from the decisions
        again,
        make_pruner(section, maximize=False),
        metric="loss",
        time_key="epoch",
        journal_of=journal_of,
        decisions=tmp_path / DECISIONS,
    )
    assert {key: restarted.outcome(key) for key in BAD} == {
        key: watcher.outcome(key) for key in BAD
    }
    restarted.close()


def test_slow_bad_trials_are_pruned_on_local_processes(tmp_path: Path) -> None:
    _prune_real_jobs(tmp_path, "local", timeout=60)


@pytest.mark.sge
def test_slow_bad_trials_are_pruned_on_grid_engine(tmp_path: Path) -> None:
    _prune_real_jobs(tmp_path, "sge", timeout=240)


@pytest.mark.slurm
def test_slow_bad_trials_are_pruned_on_slurm(tmp_path: Path) -> None:
    _prune_real_jobs(tmp_path, "slurm", timeout=240)


@pytest.mark.parametrize(
    ("metric", "time_key", "message"),
    [
        ("los", "epoch", "pruner.metric: expected a stats name the runs log, found 'los' "),
        ("loss", "epochs", "pruner.time_key: expected a time name the runs log, found 'epochs' "),
    ],
)
def test_a_misspelt_metric_or_time_key_is_one_clear_error(
    tmp_path: Path, metric: str, time_key: str, message: str
) -> None:
    from mle_cli.errors import UsageError
    from mle_scheduler.testing import FakeBackend

    journal = tmp_path / "seed_0.journal"
    rec = {"i": 0, "n": 1, "time": {"epoch": [1]}, "stats": {"loss": [0.5], "acc": [0.1]}}
    journal.write_text(json.dumps(rec) + "\n")
    queue = Queue(FakeBackend())
    queue.submit(JobSpec(["true"], stdout=tmp_path / "out"), key="p0000-s0")
    watcher = PruneWatcher(
        queue,
        make_pruner(check_pruner(SECTION, eval_score_type="loss")[0], maximize=False),
        metric=metric,
        time_key=time_key,
        journal_of=lambda key: journal,
        decisions=tmp_path / DECISIONS,
    )
    with pytest.raises(UsageError) as err:
        watcher.step(["p0000-s0"])
    assert message in str(err.value) and "did you mean" in str(err.value)
    assert str(err.value).endswith(("logged: acc, loss", "logged: epoch"))


def test_a_restarted_median_watcher_knows_the_curves_of_runs_that_ended(tmp_path: Path) -> None:
    from mle_scheduler.testing import FakeBackend

    def row(i: int, loss: float) -> str:
        rec = {"i": i, "n": 1, "time": {"epoch": [i + 1]}, "stats": {"loss": [loss]}}
        return json.dumps(rec) + "\n"

    backend = FakeBackend()
    queue = Queue(backend)
    keys = [f"t{i}" for i in range(5)]
    queue.submit_many([JobSpec(["true"], stdout=tmp_path / k / "out") for k in keys], keys=keys)
    for i, key in enumerate(keys):  # t0 best ... t4 worst, 6 epochs each
        (tmp_path / f"{key}.journal").write_text("".join(row(e, i + 1 / (e + 1)) for e in range(6)))
    median = {"type": "median", "n_startup_trials": 2, "n_warmup_steps": 0}

    def watcher() -> PruneWatcher:
        section, _ = check_pruner(median, eval_score_type="loss")
        return PruneWatcher(
            queue,
            make_pruner(section, maximize=False),
            metric="loss",
            time_key="epoch",
            journal_of=lambda key: tmp_path / f"{key}.journal",
            decisions=tmp_path / DECISIONS,
        )

    first = watcher()
    assert set(first.step(keys)) == {"t2", "t3", "t4"}  # worse than the others' median
    for job in queue.step():
        first.finish(job.key)
    for key in ("t0", "t1"):
        backend.finish(queue.job(key))
    for job in queue.step():
        first.finish(job.key)
    first.close()
    again = watcher()  # `mle resume`: nothing runs any more; the curves come from the journal
    decide = [
        [p.decide(f"new{k}", e + 1, v) for e in range(6)]
        for k, v in enumerate((0.5, 1.7, 2.5))
        for p in (first.pruner, again.pruner)
    ]
    assert decide[0] == decide[1] and decide[2] == decide[3] and decide[4] == decide[5]
    assert "stop" in decide[4] and "stop" not in decide[0]  # the curves are really there
    again.close()


def test_a_damaged_pruning_journal_is_one_clear_error(tmp_path: Path) -> None:
    from mle_cli.errors import UsageError
    from mle_scheduler.testing import FakeBackend

    (tmp_path / DECISIONS).write_text('{"trial": "p0000-s0", "step": "x", "action": "stop"}\n')
    with pytest.raises(UsageError, match=r"pruning.jsonl: a damaged pruning record \("):
        PruneWatcher(
            Queue(FakeBackend()),
            make_pruner(check_pruner(SECTION, eval_score_type="loss")[0], maximize=False),
            metric="loss",
            time_key="epoch",
            journal_of=lambda key: tmp_path / "none",
            decisions=tmp_path / DECISIONS,
        )
