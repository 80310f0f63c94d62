"""The driver behind ``mle run`` and ``mle resume``: planned jobs, or a search's trials (one job
per seed), go into an :class:`mle_scheduler.Queue`; jobs that :meth:`Queue.step` returns final
are scored and reported to the :class:`mle_search.SearchLoop` by trial id and seed.

All ``mle resume`` needs survives a SIGKILL of the driver: the job table (a trial's rows are
written before its jobs are submitted), the queue's append-only store, the status file each
job's wrapper writes in its run folder, and the hyper log. Nothing finished runs twice.
"""

from __future__ import annotations

import difflib
import shutil
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from mle_config import ExperimentFolder as ExperimentDir
from mle_config import ExperimentSpec, PlannedJob, write_json

from ._console import console
from ._processing import run_processing
from ._progress import Progress
from ._registry import record
from ._setup import SpecFactory, make_backend, write_job_configs
from ._state import driver_pid, read_jobs, running_driver, stop_driver
from .errors import JobsFailedError, MleCliError, UsageError

if TYPE_CHECKING:
    from mle_scheduler import JsonlWriter, Queue, QueuedJob, QueueEvent
    from mle_search import SearchLoop, Trial

    from ._pruning import PruneWatcher

__all__ = ["Driver", "cancel_experiment", "driver_pid", "spawn_detached"]

EXIT_INTERRUPTED = 130
_STEP_WAIT = 1.0  # longest wait inside one step (the stop flag is checked between steps)


def _event_log(events: JsonlWriter) -> Callable[[QueueEvent], None]:
    """The queue's ``on_event`` hook that appends each event to ``events.jsonl``."""

    def on_event(ev: QueueEvent) -> None:
        rec = ev.to_dict()
        rec["job_id"] = rec.pop("key")
        events.append(rec)

    return on_event


class Driver:
    """Runs (or resumes) every job of one experiment folder until all are final."""

    def __init__(self, exp: ExperimentDir, quiet: bool = False, retry_failed: bool = False):
        from mle_scheduler import JsonlWriter

        self.exp, self.quiet, self.retry_failed = exp, quiet, retry_failed
        self.marker = exp.read_marker()
        self.spec = ExperimentSpec.from_record(self.marker)
        self.search: dict[str, Any] = dict(self.spec.search or {})
        self.backend = make_backend(self.spec.backend)
        self.make_spec = SpecFactory(exp, self.marker)
        self.events = JsonlWriter(exp.events)
        self._log_event = _event_log(self.events)
        self.queue: Queue | None = None
        self.loop: SearchLoop | None = None
        self.pruning: PruneWatcher | None = None  # stops running jobs (ASHA, median)
        self.todo: deque[PlannedJob] = deque()  # planned, not yet handed to the queue
        self.open: dict[str, PlannedJob] = {}  # in the queue, not final
        self.rows: set[str] = set()  # a search's jobs with a row in the job table
        self.running: set[str] = set()
        self.progress = Progress(self.spec.project_name, quiet=quiet)
        self.stop_requested = self._in_strategy = self._metric_seen = self._warned_ckpt = False
        self.post_failed: str | None = None
        self._v0: dict[str, str] | None = None  # states of an mle-cli 0.1 folder's jobs

    def run(self) -> int:
        from mle_scheduler import OwnerLock

        with OwnerLock(self.exp.driver_lock):
            record(self.exp.root)  # the registry: running
            old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                self.queue = self._open_queue()
                if why := run_processing(self, "pre_processing_args"):
                    raise JobsFailedError(f"{why}\nno run started")
                if self.spec.is_search:
                    self._start_search()
                else:
                    self._start_static()
                self._loop()
                self.post_failed = run_processing(self, "post_processing_args")
            except (KeyboardInterrupt, MleCliError) as exc:
                n = self.queue.unfinished if self.queue is not None else 0
                if self.queue is not None:
                    self.queue.cancel_all()
                if not isinstance(exc, KeyboardInterrupt):
                    raise
                self.progress.close()
                console.err.print(
                    f"mle: interrupted; cancelled {n} unfinished job(s). "
                    f"Resume with: mle resume {self.exp.root}"
                )
                self.events.append({"experiment": "interrupted", "time": time.time()})
                return EXIT_INTERRUPTED
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)
                self.progress.close()
                if self.loop is not None:
                    self.loop.close()  # its worker thread, if it has one
                if self.pruning is not None:
                    self.pruning.close()
                if self.queue is not None:
                    self.queue.close()
                self.events.close()
                self.backend.close()
        return self._finish()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """Ctrl-C / SIGTERM set a flag the loop checks between steps (a job is never
        half-submitted); inside the strategy, which may take long, they interrupt at once."""
        self.stop_requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C: at once
        if self._in_strategy:
            raise KeyboardInterrupt

    def _check_stop(self) -> None:
        if self.stop_requested or self.exp.cancel_flag.exists():
            self.exp.cancel_flag.unlink(missing_ok=True)
            raise KeyboardInterrupt

    # --------------------------------------------------------------------- the queue
    def _open_queue(self) -> Queue:
        """Reattach to the queue a previous driver recorded, or start a new one."""
        from mle_scheduler import JsonlStore, Queue, StateFileError, read_jsonl

        path = self.exp.queue_state
        hooks: dict[str, Any] = {"on_event": self._on_event, "prepare": self._prepare}
        if path.is_file() and path.stat().st_size:
            try:
                return Queue.attach(JsonlStore(path), self.backend, keep_finished=False, **hooks)
            except StateFileError:
                old = list(read_jsonl(path))
                if not old or "job_id" not in old[0]:
                    raise
                path.rename(path.with_name("queue-state.v0.jsonl"))
                self._migrate(old)
                return Queue.attach(JsonlStore(path), self.backend, keep_finished=False, **hooks)
        return Queue(
            self.backend,
            max_running=self.spec.max_running,
            max_retries=self.spec.max_retries,
            store=JsonlStore(path),
            keep_finished=False,
            **hooks,
        )

    def _migrate(self, old: list[dict[str, Any]]) -> None:
        """The job index of mle-cli 0.1 becomes a queue store: its unfinished jobs are followed
        (its finished ones are judged by their status files, see :meth:`_verdict`)."""
        from mle_scheduler import JobSpec, JsonlStore, Queue, QueuedJob, read_status

        index: dict[str, dict[str, Any]] = {}
        for line in old:
            index.setdefault(str(line.pop("job_id")), {}).update(line)
        store = JsonlStore(self.exp.queue_state)
        store.start()
        settings = Queue(
            self.backend, max_running=self.spec.max_running, max_retries=self.spec.max_retries
        )
        store.write_header(settings.header())
        for key, entry in index.items():
            spec = JobSpec.from_dict(entry["spec"]) if "spec" in entry else None
            rec = None if spec is None else read_status(spec.status_path)
            if spec is None or (rec is not None and rec.finished):
                continue
            bid = entry.get("backend_id")
            ids = {"job_id": bid, "job_ids": [bid]} if bid else {"submitting": 0.0}
            fields = {"spec": entry["spec"], "retries": int(entry.get("attempt") or 0), **ids}
            store.write_job(QueuedJob(key, spec), fields)
        store.close()

    def _on_event(self, ev: QueueEvent) -> None:
        self._log_event(ev)
        if ev.state == "running":
            self.running.add(ev.key)
        elif ev.state != "submitted":
            self.running.discard(ev.key)

    def _prepare(self, qj: QueuedJob) -> None:
        """Before each attempt: an earlier attempt's run folder is kept aside."""
        run_dir = self.exp.run_dir(qj.key)
        if run_dir.exists() and any(run_dir.iterdir()):
            dest = self.exp.root / "attempts" / f"{qj.key}.{int(time.time() * 1000)}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(run_dir), str(dest))
        run_dir.mkdir(parents=True, exist_ok=True)

    def _verdict(self, job: PlannedJob) -> str:
        """``done``, ``failed`` (final, not to be retried), ``open`` (the queue follows it) or
        ``run`` (to be handed to the queue)."""
        from mle_scheduler import JobState

        assert self.queue is not None
        if job.job_id in self.queue:
            state = self.queue.final_state(job.job_id)
            if state is None:
                return "open"
            if state in (JobState.PRUNED, JobState.TIMEOUT, JobState.CANCELLED):
                # only the driver's event says so (the job was killed): a SIGKILLed driver may
                # have died before that event reached events.jsonl, so it is written again
                rec = {"job_id": job.job_id, "state": state.value, "resumed": True}
                self.events.append({**rec, "time": time.time()})
            if state is JobState.PRUNED:
                return "pruned"
            done, failed = state is JobState.DONE, state in (JobState.FAILED, JobState.TIMEOUT)
        else:  # not in the queue: a job of mle-cli 0.1, judged as `mle status` judges it
            if self._v0 is None:
                from mle_monitor import inspect_experiment

                views = inspect_experiment(self.exp.root, driver_runs=False).jobs
                self._v0 = {v.job_id: v.state for v in views}
            was = self._v0.get(job.job_id)
            done, failed = was == "done", was in ("failed", "timeout")
        return "done" if done else "failed" if failed and not self.retry_failed else "run"

    def _enqueue(self, jobs: list[PlannedJob]) -> None:
        """Hand jobs to the queue (a final one runs again as a new attempt)."""
        assert self.queue is not None
        fresh = []
        for job in jobs:
            self.open[job.job_id] = job
            if job.job_id in self.queue:
                self.queue.requeue(job.job_id, spec=self.make_spec(job))
            else:
                fresh.append(job)
        if fresh:
            keys = [j.job_id for j in fresh]
            self.queue.submit_many([self.make_spec(j) for j in fresh], keys=keys)

    # ---------------------------------------------------------------------- the loop
    def _loop(self) -> None:
        queue = self.queue
        assert queue is not None
        while True:
            self._check_stop()
            self._feed()
            idle = not queue.unfinished and not self.todo
            proposing = self.loop is not None and self.loop.proposing
            finished = queue.step(timeout=0.0 if idle else 0.05 if proposing else _STEP_WAIT)
            if idle and not finished:
                break
            for qj in finished:
                self._finished(qj)
            if self.pruning is not None:
                self.pruning.step(list(self.running))
            self.events.flush()
            waiting = queue.unfinished - len(self.running) + len(self.todo)
            self.progress.update(len(self.running), waiting)
        if self.loop is not None:
            self._end_search()

    def _free_slots(self) -> int | None:
        assert self.queue is not None
        if self.spec.max_running:
            return max(0, self.spec.max_running - self.queue.unfinished)
        return None  # clusters: a static experiment submits all; a search fills its batch

    def _feed(self) -> None:
        """Static jobs: as many as may run now. A search: trials for the free slots."""
        free = self._free_slots()
        if self.todo and free != 0:
            n = len(self.todo) if free is None else min(free, len(self.todo))
            self._enqueue([self.todo.popleft() for _ in range(n)])
        if self.loop is None or self._free_slots() == 0:
            return
        self._in_strategy = True
        try:
            trials = self.loop.propose(self._free_slots())
        finally:
            self._in_strategy = False
        self._check_stop()
        if trials:
            self._start_runs()
        if self.loop.exhausted:
            self.progress.total = self.loop.n_proposed * len(self.loop.seeds)

    def _start_runs(self) -> None:
        """Start the runs the loop releases: every seed of a new trial or, racing seeds, one
        seed at a time. A run's row (and config) is written before it is submitted."""
        assert self.loop is not None
        runs = self.loop.next_runs()
        trials = {t.id: t for t in self.loop.pending_trials}
        for tid in dict.fromkeys(t for t, _ in runs):
            seeds = {s for t, s in runs if t == tid}
            jobs = [j for j in self._trial_jobs(trials[tid]) if j.seed in seeds]
            jobs = [j for j in jobs if j.job_id not in self.rows]  # resumed: rows exist
            if jobs:
                write_job_configs(self.exp, self.spec, jobs)  # recorded before they run
                self.rows.update(j.job_id for j in jobs)
                self._enqueue(jobs)

    def _trial_jobs(self, trial: Trial) -> list[PlannedJob]:
        """A trial's jobs (budget, parent's checkpoint and ``train_config.extra`` for a
        multi-fidelity search); a parent run without a checkpoint is said once."""
        from ._search import trial_jobs

        assert self.loop is not None
        jobs, warnings = trial_jobs(self.exp, self.spec, self.loop, trial)
        if warnings and not self._warned_ckpt:
            self._warned_ckpt = True
            self.progress.line(f"warning: {warnings[0]} (said once)", force=True)
        return jobs

    def _finished(self, qj: QueuedJob) -> None:
        from mle_scheduler import JobState

        if self.pruning is not None:
            self.pruning.finish(qj.key)  # reads self.open: before the pop
        if qj.state is JobState.PRUNED:
            self._pruned(self.open.pop(qj.key))
            return
        job, res = self.open.pop(qj.key), qj.result
        why = None
        if qj.state is not JobState.DONE:
            why = f"{qj.state.value}, exit code {res.exit_code if res else None}"
            why += f": {res.message}" if res is not None and res.message else ""
        why = self._judge(job, why)
        if why is None:
            took = res and res.start_time and res.end_time and res.end_time - res.start_time
            self.progress.job_finished(job.job_id, True, f"({took:.1f}s)" if took else "")
            return
        detail = f"({why}); stderr: {qj.spec.stderr_path}"
        self.progress.job_finished(job.job_id, False, detail)
        tail = qj.stderr_tail(12) if res is not None and res.exit_code else ""
        if tail:
            self.progress.line("    " + tail.replace("\n", "\n    "), force=True)

    def _pruned(self, job: PlannedJob, resumed: bool = False) -> None:
        """A pruned run counts with its last value, at the step it reached (not a failure)."""
        got = self.pruning.outcome(job.job_id) if self.pruning is not None else None
        step, value = got if got is not None else (None, None)
        if self.loop is not None and job.proposal is not None:
            if step is None:
                self.loop.report(job.proposal, job.seed, None, reason="pruned (no decision found)")
            else:
                self.loop.report(job.proposal, job.seed, value, pruned_at=step)
        if resumed:
            self.progress.done += 1
        else:
            at = f" at step {step:g}" if step is not None else ""
            self.progress.job_finished(job.job_id, True, f"(pruned{at})")

    def _judge(self, job: PlannedJob, why: str | None) -> str | None:
        """A search job's score goes to its trial; a run that exited 0 without a score fails
        (the driver's verdict, recorded in events.jsonl). Returns why the job failed, or None."""
        if self.loop is None or job.proposal is None:
            return why
        score, reason = self._score(job) if why is None else (None, why)
        if why is None and score is None:
            why = str(reason)
            rec = {"job_id": job.job_id, "state": "failed", "verdict": True, "exit_code": 0}
            self.events.append({**rec, "message": why, "time": time.time()})
        told = self.loop.report(job.proposal, job.seed, score, reason=reason)
        if self.loop.race:  # its next seed, unless the race is over
            self._start_runs()
        if told is not None:
            best = self.loop.best(1)
            if self.loop.n_objectives > 1:
                self.progress.set_best(f"Pareto front of {len(self.loop.pareto_front())} trial(s)")
            elif best:
                from mle_monitor.results import fmt_params

                score_text = f"{best[0].score:.6g}" if best[0].score is not None else "-"
                self.progress.set_best(f"{score_text} ({fmt_params(dict(best[0].params))})")
        return why

    def _score(self, job: PlannedJob) -> tuple[float | dict[str, float] | None, str | None]:
        """A finished run's score (one per objective, by name, in a multi-objective search),
        or None and why. A metric the first run with a log does not log is a mistake in the
        YAML: UsageError with the names it logged (did you mean)."""
        from mle_logger import score_objectives, score_with_reason

        from ._logs import read_run  # tests/cli/test_driver_units.py patches it there

        found = self.search.get("objectives")
        objectives: dict[str, bool] = found if isinstance(found, dict) else {}
        several = len(objectives) > 1
        metrics = list(objectives) if several else [str(self.search.get("eval_score_type"))]
        run_dir = self.exp.run_dir(job.job_id)
        log = read_run(run_dir)
        if log is None or not log.stats:
            return None, f"exited 0 without a log of {metrics[0]!r} in {run_dir}"
        names = list(log.stats)
        for metric in metrics:
            if metric in names:
                continue
            if not self._metric_seen:
                close = difflib.get_close_matches(metric, names, n=1)
                raise UsageError(
                    f"{self.spec.yaml_path}: param_search_args.eval_score_type: expected a stat "
                    f"the runs log, found {metric!r}"
                    f"{f' (did you mean {close[0]!r}?)' if close else ''}; "
                    f"{job.job_id} logged: {', '.join(names)}"
                )
            return None, f"its log has no {metric!r} (logged: {', '.join(names)})"
        self._metric_seen = True
        problem = str(self.search.get("problem_type") or "final")
        if several:
            return score_objectives(log.stats, objectives, problem)
        maximize = bool(self.search.get("maximize_objective", False))
        return score_with_reason(log.stats[metrics[0]], problem, maximize)

    # ------------------------------------------------------------------- starting
    def _start_static(self) -> None:
        jobs = read_jobs(self.exp)
        self.progress.total = len(jobs)
        for job in jobs:
            self._resume_job(job, self._verdict(job))

    def _resume_job(self, job: PlannedJob, verdict: str) -> None:
        if verdict == "open":
            self.open[job.job_id] = job
        elif verdict == "run":
            self.todo.append(job)
        elif verdict == "pruned":
            self._pruned(job, resumed=True)
        elif self._judge(job, None if verdict == "done" else verdict) is None:
            self.progress.done += 1
        else:
            self.progress.failed += 1

    def _start_search(self) -> None:
        """Restore the search from the hyper log and the job table; report the jobs of open
        trials that ended while no driver ran, follow or run the rest."""
        from mle_search import FidelityStrategy, Trial, planned_runs

        from ._search import hyper_log_path, read_hyper_log, search_loop

        loop = self.loop = search_loop(self.exp, self.spec)
        records = read_hyper_log(hyper_log_path(self.exp, self.search))
        told = {r["id"] for r in records if isinstance(r.get("id"), int)}
        trials: dict[int, list[PlannedJob]] = {}
        for job in read_jobs(self.exp):
            if job.proposal is not None:
                trials.setdefault(job.proposal, []).append(job)
                self.rows.add(job.job_id)
        verdicts = {j.job_id: self._verdict(j) for js in trials.values() for j in js}
        fidelity = isinstance(loop.strategy, FidelityStrategy)
        if self.retry_failed and not fidelity:  # a told trial's failed seeds run again
            # (not in a multi-fidelity search: its rungs were decided on those results)
            told -= {t for t, js in trials.items() if any(verdicts[j.job_id] == "run" for j in js)}
        self.progress.total = planned_runs(loop)
        open_trials = []
        for tid, jobs in sorted(trials.items()):
            if tid in told:
                self.progress.done += sum(verdicts[j.job_id] == "done" for j in jobs)
                self.progress.failed += sum(verdicts[j.job_id] != "done" for j in jobs)
                continue
            first = jobs[0]
            batch = tid // loop.batch_size
            open_trials.append(
                Trial(tid, first.params, batch, loop.seeds, first.budget, first.parent)
            )
        earlier = self.search.get("reload_from")
        loop.restore(
            [r for r in records if r.get("id") in told],
            open_trials,
            earlier=read_hyper_log(Path(earlier)) if earlier else [],
        )
        self._watch_pruning()  # before the open trials: resumed prunes find their decisions
        for trial in open_trials:
            have = {j.job_id for j in trials[trial.id]}
            missing = [j for j in self._trial_jobs(trial) if j.job_id not in have]
            if missing and not loop.race:  # a crash cut the rows short (racing: see next_runs)
                self.rows.update(j.job_id for j in missing)
                write_job_configs(self.exp, self.spec, missing)
                trials[trial.id].extend(missing)
                verdicts.update(dict.fromkeys((j.job_id for j in missing), "run"))
            for job in trials[trial.id]:
                self._resume_job(job, verdicts[job.job_id])

    def _watch_pruning(self) -> None:
        """Follow running jobs' journals when the search prunes (``pruner:`` or ASHA)."""
        from mle_logger import journal_path, log_path

        from ._pruning import prune_watcher

        assert self.queue is not None and self.loop is not None
        self.pruning = prune_watcher(
            self.exp.root,
            self.search,
            self.queue,
            self.loop,
            lambda key: journal_path(log_path(self.exp.run_dir(key), self.open[key].seed)),
        )

    def _end_search(self) -> None:
        """Record (and say, unless the budget was simply spent) why the search ended."""
        assert self.loop is not None
        from mle_search import FidelityStrategy

        reason = self.loop.end_reason or "no trial left to run"
        scheduled = isinstance(self.loop.strategy, FidelityStrategy) and self.loop.exhausted
        if scheduled:  # its rungs / generations are its budget
            reason = f"budget spent: {self.search.get('search_type')} ran its whole schedule"
        elif " exhausted: " in reason:  # the space is used up: say so in the user's words
            reason = f"{self.search.get('search_type')} exhausted after {self.loop.n_told} trials"
        self.events.append({"search": "ended", "reason": reason, "trials": self.loop.n_told})
        if not reason.startswith("budget spent"):
            self.progress.line(f"search ended: {reason}", force=True)

    def _finish(self) -> int:
        from mle_monitor.results import fmt_params

        from ._processing import results_and_report

        doc, where = results_and_report(self.exp, self.spec.report_generation)
        write_json(self.exp.results, doc)
        if where:
            self.progress.line(where)
        if not self.quiet:
            console.print(f"experiment folder: {self.exp.root}")
            from mle_monitor import format_pareto, read_pareto

            front = read_pareto(self.exp.root)
            if front is not None:
                n = f"{len(front.front)} of {len(front.points)} trials"
                console.print(f"Pareto front: {n}\n" + format_pareto(front))
            elif doc.get("best"):
                b = doc["best"]
                params, metric = fmt_params(b["params"]), doc.get("metric")
                console.print(f"best: {b['config_id']} {params} {metric}={b['score_mean']:.6g}")
        failed = [
            f"{j['job_id']}:{j['state']}"
            for j in doc["jobs"]
            if j["state"] not in ("done", "pruned")
        ]
        if self.post_failed:
            raise JobsFailedError(self.post_failed)
        if failed:
            raise JobsFailedError(
                f"{len(failed)} of {len(doc['jobs'])} jobs did not finish well "
                f"({', '.join(failed[:5])}{', ...' if len(failed) > 5 else ''}); "
                f"details: mle status {self.exp.root}"
            )
        return 0


def spawn_detached(exp: ExperimentDir) -> int:
    """Start ``mle resume EXP --quiet`` in a new session, output to driver.log; its pid."""
    import subprocess

    with exp.driver_log.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mle_cli", "resume", str(exp.root), "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=str(Path(exp.read_marker().get("cwd") or exp.root)),
        )
    return proc.pid


def cancel_experiment(exp: ExperimentDir) -> str:
    """``mle cancel``: stop the driver (it cancels its jobs), then cancel every job still
    unfinished in the experiment's queue. Returns what was done, in one line."""
    from mle_scheduler import JsonlStore, JsonlWriter, Queue

    driver = running_driver(exp)
    still = stop_driver(exp) if driver is not None else None
    n = 0
    if exp.queue_state.is_file() and exp.queue_state.stat().st_size:
        backend = make_backend(str(exp.read_marker()["backend"]))
        with JsonlWriter(exp.events) as events:
            queue = Queue.attach(JsonlStore(exp.queue_state), backend, on_event=_event_log(events))
            n = queue.unfinished
            queue.cancel_all()
            queue.close()
    text = f"{exp.root}: cancelled {n} unfinished job(s)"
    if still is not None:
        return text + f"; the driver (pid {still.pid}) did not stop: end it with kill -9"
    if driver is not None:
        return text + f" left by the driver, which stopped and cancelled its own (pid {driver.pid})"
    return text
