"""A driver that prunes running jobs is SIGKILLed at each point of a prune (issue 11): after
the decision is journaled but before the queue heard of it, and right after the job was
signalled. Whatever the point, `mle resume` (a queue attached to what the dead driver left on
disk, a watcher restored from pruning.jsonl) ends the decided job as ``pruned`` at the step of
its decision, leaves the job never decided alone, and submits nothing twice. The kills are
simulated deterministically: at the chosen point the files are copied as they are on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mle_cli._pruning import DECISIONS, PruneWatcher, make_pruner
from mle_config.pruning import check_pruner
from mle_scheduler import JobSpec, JobState, Queue
from mle_scheduler.testing import FakeBackend

SECTION = {"type": "asha", "metric": "loss", "time_key": "epoch", "rungs": [2, 4, 8]}
LOSS = {"good": 0.1, "bad": 0.9}


class Killed(BaseException):
    """The driver's SIGKILL (nothing after it runs)."""


class Cluster(FakeBackend):
    """Keeps the jobs across drivers; a signalled job ends with exit 143, reported ``failed``
    (as SGE does, and as a new local backend reads the wrapper's record)."""

    def _cancel(self, ids: list[str]) -> None:
        for job_id in ids:
            if self.jobs[job_id].state is JobState.RUNNING:
                self.finish(job_id, exit_code=143, state=JobState.FAILED)


def _crash_copy(run: Path, left: Path) -> None:
    """What a SIGKILL leaves: the files as on disk now (buffered lines are lost)."""
    left.mkdir()
    for name in ("queue.jsonl", DECISIONS):
        if (run / name).exists():
            shutil.copyfile(run / name, left / name)


def _watcher(queue: Queue, folder: Path) -> PruneWatcher:
    section, problems = check_pruner(SECTION, eval_score_type="loss")
    assert problems == []
    return PruneWatcher(
        queue,
        make_pruner(section, maximize=False),
        metric="loss",
        time_key="epoch",
        journal_of=lambda key: folder / f"{key}.journal",
        decisions=folder / DECISIONS,
    )


@pytest.mark.parametrize("point", ["decided", "signalled"])
def test_a_driver_killed_during_a_prune_leaves_it_pruned_after_resume(
    tmp_path: Path, point: str
) -> None:
    run, left = tmp_path / "run", tmp_path / "left"
    run.mkdir()
    for key, loss in LOSS.items():  # three epochs each: both reached rung 0 (epoch 2)
        rows = [{"i": e, "n": 1, "time": {"epoch": [e + 1]}, "stats": {"loss": [loss]}}
                for e in range(3)]  # fmt: skip
        (run / f"{key}.journal").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cluster = Cluster()
    queue = Queue(cluster, state_file=run / "queue.jsonl")
    queue.submit_many(
        [JobSpec(["true"], stdout=run / key / "out") for key in LOSS], keys=list(LOSS)
    )
    watcher = _watcher(queue, run)
    if point == "decided":  # decision journaled, the queue never told

        def cancel(*args: object, **kw: object) -> list[str]:
            _crash_copy(run, left)
            raise Killed

        queue.cancel = cancel  # type: ignore[method-assign]
    else:  # the job signalled (it ends 143 by itself), then the driver dies
        signal = cluster._cancel

        def cancel_then_die(ids: list[str]) -> None:
            signal(ids)
            _crash_copy(run, left)
            raise Killed

        cluster._cancel = cancel_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        watcher.step(["good", "bad"])
    decided = [json.loads(x) for x in (left / DECISIONS).read_text().splitlines()]
    assert [(d["trial"], d["action"]) for d in decided] == [("good", "continue"), ("bad", "stop")]
    vars(cluster).pop("_cancel", None)  # the next driver's cancels are plain ones
    for key in LOSS:
        (left / f"{key}.journal").write_bytes((run / f"{key}.journal").read_bytes())

    # `mle resume`: attach to what was left, restore the decisions, go on
    again = Queue.attach(left / "queue.jsonl", cluster)
    resumed = _watcher(again, left)
    ended: dict[str, JobState] = {}
    for _ in range(20):
        for job in again.step():
            resumed.finish(job.key)
            ended[job.key] = job.state
        running = [j.key for j in again.jobs if j.state is JobState.RUNNING]
        resumed.step(running)
        if "bad" in ended and "good" in running:
            cluster.finish(again.job("good"))
        if not again.unfinished:
            break
    assert ended == {"bad": JobState.PRUNED, "good": JobState.DONE}
    bad = again.job("bad").result
    assert bad is not None and bad.message == "pruned at epoch 2 (loss=0.9)"
    assert resumed.outcome("bad") == (2.0, 0.9) and resumed.outcome("good") is None
    assert cluster.submit_calls == [2]  # nothing submitted twice
    resumed.close()
