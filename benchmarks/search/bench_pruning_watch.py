"""The driver's cost per pruning decision with 500 running jobs (issue 11), end to end on the
driver's side: each driver step, ``PruneWatcher.step`` stats every running job's journal,
reads the new bytes (``JournalFollower``), decides (``ASHAPruner`` / ``MedianPruner``),
journals the decisions to ``pruning.jsonl`` and cancels the stopped jobs as ``pruned`` through
a ``Queue`` (a JSONL store on disk; an in-memory backend whose cancel only marks the jobs: a
real backend's cancel is one ``kill`` / ``scancel`` / ``qdel`` call per step for all the jobs
pruned in it, counted here, not timed).

500 slots stay full: simulated jobs each append one row per tick (an epoch) to their own
journal in the logger's format (as ``Logger.update(..., save=True)`` does); a job pruned, or
done after its last epoch, is replaced by a new one. Only the watcher's step is timed.
Also timed: an idle step (nothing appended: one ``stat`` per job). Run:
``python benchmarks/search/bench_pruning_watch.py [running] [epochs] [ticks]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from mle_cli._pruning import PruneWatcher, make_pruner
from mle_logger import journal_path, log_path
from mle_scheduler import JobSpec, JobState, Queue
from mle_scheduler.testing import FakeBackend


class QuietBackend(FakeBackend):
    """FakeBackend without status files; a cancel marks the jobs ended and is counted."""

    def __init__(self) -> None:
        super().__init__(write_status=False)
        self.cancel_calls = 0

    def _cancel(self, ids: list[str]) -> None:
        self.cancel_calls += 1
        for job_id in ids:
            fake = self.jobs[job_id]
            fake.state, fake.exit_code = JobState.CANCELLED, 143
            self._running.discard(job_id)


class Job:
    """One simulated training run: it appends a row per tick to its journal (fd kept open)."""

    def __init__(self, key: str, folder: Path, quality: float) -> None:
        self.key, self.quality, self.epoch = key, quality, 0
        self.path = journal_path(log_path(folder / key, 0))
        self.path.parent.mkdir(parents=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def tick(self, noise: float) -> None:
        self.epoch += 1
        loss = self.quality + 1.0 / self.epoch + noise
        rec = {
            "i": self.epoch - 1,
            "n": 1,
            "time": {"epoch": [self.epoch]},
            "stats": {"loss": [loss]},
        }
        os.write(self.fd, json.dumps(rec, separators=(",", ":")).encode() + b"\n")


def run(kind: str, running: int, epochs: int, ticks: int, root: Path) -> None:
    """``running`` slots, always full: a job pruned or done after ``epochs`` is replaced."""
    section = (
        {"type": "asha", "min_resource": 1, "max_resource": epochs, "reduction_factor": 3}
        if kind == "asha"
        else {"type": "median", "n_startup_trials": 5, "n_warmup_steps": 0}
    )
    folder = root / kind
    backend = QuietBackend()
    queue = Queue(backend, state_file=folder / "queue.jsonl")
    rng = np.random.default_rng(0)
    jobs: dict[str, Job] = {}

    def start(n: int) -> None:
        new = [Job(f"j{len(jobs) + i:05d}", folder, float(rng.uniform())) for i in range(n)]
        specs = [JobSpec(["true"], stdout=folder / j.key / "out") for j in new]
        queue.submit_many(specs, keys=[j.key for j in new])
        jobs.update((j.key, j) for j in new)

    start(running)
    alive = list(jobs)
    watcher = PruneWatcher(
        queue,
        make_pruner(section, maximize=False),
        metric="loss",
        time_key="epoch",
        journal_of=lambda key: jobs[key].path,
        decisions=folder / "pruning.jsonl",
    )
    step_s = idle_s = cpu_s = 0.0
    rows = idles = 0
    for _ in range(ticks):
        for key in alive:
            jobs[key].tick(float(rng.normal(0, 0.01)))
        t0, c0 = time.perf_counter(), time.process_time()
        watcher.step(alive)
        step_s += time.perf_counter() - t0
        cpu_s += time.process_time() - c0
        rows += len(alive)
        t0 = time.perf_counter()
        watcher.step(alive)  # nothing new: the idle cost
        idle_s += time.perf_counter() - t0
        idles += len(alive)
        for key in alive:
            if jobs[key].epoch >= epochs and queue.job(key).state is JobState.RUNNING:
                backend.finish(queue.job(key))
        for job in queue.step():  # cancels confirmed, full runs done: refill the slots
            watcher.finish(job.key)
            os.close(jobs[job.key].fd)
        alive = [k for k in alive if not queue.job(k).final]
        start(running - len(alive))
        alive = [k for k in jobs if not queue.job(k).final]
    counts = queue.status(refresh=False)
    watcher.close()
    queue.close()
    print(
        f"{kind:6s} {running} running jobs, {ticks} ticks (one row per job per tick, runs of "
        f"{epochs} epochs): {rows} rows followed+decided; {counts[JobState.PRUNED]} pruned in "
        f"{backend.cancel_calls} backend cancel calls, {counts[JobState.DONE]} done; "
        f"{step_s / rows * 1e6:.1f} us wall ({cpu_s / rows * 1e6:.1f} us CPU) per decision "
        "(follow + decide + journal + cancel), "
        f"{step_s / ticks * 1e3:.1f} ms per driver step; "
        f"idle step {idle_s / idles * 1e6:.1f} us per running job"
    )


def main() -> None:
    running = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 27
    ticks = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        for kind in ("asha", "median"):
            run(kind, running, epochs, ticks, Path(tmp))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
