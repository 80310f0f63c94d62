"""The driver behind ``mle run`` and ``mle resume``: planned jobs (or a search's trials) go into
an :class:`mle_scheduler.Queue`; finished jobs come back from :meth:`Queue.step` and, in a
search, are reported to the :class:`mle_search.SearchLoop` by trial id and seed.

What survives a SIGKILL of the driver, and is all ``mle resume`` needs: the job table
(``jobs.jsonl``, each trial's rows written before its jobs are submitted), the queue's
append-only store (``queue-state.jsonl``), the status file each job's wrapper writes in its
run folder, and the hyper log. Nothing finished runs twice; nothing is lost.
"""

from __future__ import annotations

import difflib
import shutil
import signal
import sys
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._layout import ExperimentDir, write_json
from ._lock import driver_lock, driver_pid, stop_driver
from ._plan import PlannedJob, plan_proposal_jobs
from ._progress import Progress
from ._setup import SpecFactory, make_backend, spec_from_marker, write_job_configs
from ._state import events_path, read_jobs, status_path
from .errors import JobsFailedError, MleCliError, UsageError

if TYPE_CHECKING:
    from mle_scheduler import Queue, QueuedJob, QueueEvent
    from mle_search import Evaluation, SearchLoop

__all__ = ["Driver", "cancel_experiment", "driver_pid", "spawn_detached"]

EXIT_INTERRUPTED = 130
_STEP_WAIT = 1.0  # seconds a step may wait for a change (the stop flag is checked in between)


def _fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k.split('.')[-1]}={v:.4g}" if isinstance(v, float) else f"{k.split('.')[-1]}={v}"
        for k, v in params.items()
    )


class Driver:
    """Runs (or resumes) every job of one experiment folder until all are final."""

    def __init__(
        self,
        exp: ExperimentDir,
        quiet: bool = False,
        retry_failed: bool = False,
        stream: TextIO | None = None,
    ) -> None:
        from mle_scheduler import JsonlWriter

        self.exp = exp
        self.marker = exp.read_marker()
        self.spec = spec_from_marker(self.marker)
        self.search: dict[str, Any] = dict(self.spec.search or {})
        self.quiet = quiet
        self.retry_failed = retry_failed
        self.stream = stream or sys.stdout
        self.backend = make_backend(self.spec.backend)
        self.make_spec = SpecFactory(exp, self.marker)
        self.events = JsonlWriter(events_path(exp))
        self.queue: Queue | None = None
        self.loop: SearchLoop | None = None
        self.todo: deque[PlannedJob] = deque()  # planned, not yet handed to the queue
        self.open: dict[str, PlannedJob] = {}  # in the queue, not final
        self.running: set[str] = set()
        self.progress = Progress(0, self.spec.project_name, quiet=quiet, stream=self.stream)
        self.stop_requested = False
        self._in_strategy = False
        self._metric_seen = False

    # ------------------------------------------------------------------ entry point
    def run(self) -> int:
        with driver_lock(self.exp):
            old_int = signal.signal(signal.SIGINT, self._on_signal)
            old_term = signal.signal(signal.SIGTERM, self._on_signal)
            try:
                self.queue = self._open_queue()
                if self.spec.is_search:
                    self._start_search()
                else:
                    self._start_static()
                self._loop()
            except (KeyboardInterrupt, MleCliError) as exc:
                n = self.queue.unfinished if self.queue is not None else 0
                if self.queue is not None:
                    self.queue.cancel_all()
                self.progress.close()
                if not isinstance(exc, KeyboardInterrupt):
                    raise
                print(
                    f"mle: interrupted; cancelled {n} unfinished job(s). "
                    f"Resume with: mle resume {self.exp.root}",
                    file=sys.stderr,
                )
                return EXIT_INTERRUPTED
            finally:
                signal.signal(signal.SIGINT, old_int)
                signal.signal(signal.SIGTERM, old_term)
                self.progress.close()
                if self.queue is not None:
                    self.queue.close()
                self.events.close()
                close = getattr(self.backend, "close", None)
                if close is not None:
                    close()
        return self._finish()

    def _on_signal(self, signum: int, frame: Any) -> None:
        """Ctrl-C / SIGTERM set a flag the loop checks between steps (a job is never
        half-submitted); inside the search strategy, which may take long, they interrupt at
        once. A second Ctrl-C always interrupts at once."""
        self.stop_requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
        hooks: dict[str, Any] = {
            "on_event": self._on_event,
            "prepare": self._prepare,
            "keep_finished": False,
        }
        if path.is_file() and path.stat().st_size:
            try:
                return Queue.attach(JsonlStore(path), self.backend, **hooks)
            except StateFileError:
                first = next(iter(read_jsonl(path)), {})
                if "job_id" not in first:
                    raise
                # the job index of mle-cli 0.1: its jobs are judged by their status files
                path.rename(path.with_name("queue-state.v0.jsonl"))
        return Queue(
            self.backend,
            max_running=self.spec.max_running,
            max_retries=self.spec.max_retries,
            store=JsonlStore(path),
            **hooks,
        )

    def _on_event(self, ev: QueueEvent) -> None:
        rec = ev.to_dict()
        rec["job_id"] = rec.pop("key")
        self.events.append(rec)
        if ev.state == "running":
            self.running.add(ev.key)
        elif ev.state != "submitted":
            self.running.discard(ev.key)

    def _prepare(self, qj: QueuedJob) -> None:
        """Before each attempt: an earlier attempt's run folder is kept aside, the new one is
        empty."""
        run_dir = self.exp.run_dir(qj.key)
        if run_dir.exists() and any(run_dir.iterdir()):
            dest = self.exp.root / "attempts" / f"{qj.key}.{int(time.time() * 1000)}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(run_dir), str(dest))
        run_dir.mkdir(parents=True, exist_ok=True)

    def _verdict(self, job: PlannedJob) -> str:
        """What is known of a planned job: ``done``, ``failed`` (final, not to be retried),
        ``open`` (the queue follows it) or ``run`` (it must be handed to the queue)."""
        from mle_scheduler import JobState, read_status

        assert self.queue is not None
        key = job.job_id
        if key in self.queue:
            state = self.queue.final_state(key)
            if state is None:
                return "open"
            if state is JobState.DONE:
                return "done"
            if state in (JobState.FAILED, JobState.TIMEOUT) and not self.retry_failed:
                return "failed"
            return "run"
        rec = read_status(status_path(self.exp, key))  # a folder of mle-cli 0.1
        if rec is not None and rec.exit_code is not None:
            if rec.exit_code == 0:
                return "done"
            if not self.retry_failed:
                return "failed"
        return "run"

    def _enqueue(self, jobs: list[PlannedJob]) -> None:
        """Hand jobs to the queue (a final one as a new attempt)."""
        assert self.queue is not None
        fresh = []
        for job in jobs:
            self.open[job.job_id] = job
            if job.job_id in self.queue:
                self.queue.requeue(job.job_id, spec=self.make_spec(job))
            else:
                fresh.append(job)
        if fresh:
            self.queue.submit_many(
                [self.make_spec(j) for j in fresh], keys=[j.job_id for j in fresh]
            )

    # ---------------------------------------------------------------------- the loop
    def _loop(self) -> None:
        assert self.queue is not None
        queue = self.queue
        while True:
            self._check_stop()
            self._feed()
            if not queue.unfinished and not self.todo:
                last = queue.step()  # anything final not yet returned
                for qj in last:
                    self._finished(qj)
                if not last:
                    break
                continue
            for qj in queue.step(timeout=_STEP_WAIT):
                self._finished(qj)
            self.events.flush()
            self.progress.update(
                len(self.running), queue.unfinished - len(self.running) + len(self.todo)
            )
        if self.loop is not None:
            self._end_search()

    def _free_slots(self) -> int | None:
        assert self.queue is not None
        if self.spec.max_running:
            return max(0, self.spec.max_running - self.queue.unfinished)
        return None

    def _feed(self) -> None:
        """Static jobs: as many as can run now. Searches: trials for the free slots."""
        if self.todo:
            free = self._free_slots()
            n = len(self.todo) if free is None else free
            if n:
                self._enqueue([self.todo.popleft() for _ in range(min(n, len(self.todo)))])
        if self.loop is None:
            return
        free = self._free_slots()
        if free == 0:
            return
        self._in_strategy = True
        try:
            trials = self.loop.propose(free)
        finally:
            self._in_strategy = False
        self._check_stop()
        for trial in trials:
            jobs = plan_proposal_jobs(self.spec, trial.id, trial.params, trial.seeds)
            write_job_configs(self.exp, self.spec, jobs)  # recorded before they run
            self._enqueue(jobs)
        if self.loop.exhausted:
            self.progress.total = self.loop.n_proposed * len(self.loop.seeds)

    def _finished(self, qj: QueuedJob) -> None:
        from mle_scheduler import JobState

        job = self.open.pop(qj.key)
        res = qj.result
        ok = qj.state is JobState.DONE
        why = None
        if not ok:
            why = f"{qj.state.value}, exit code {res.exit_code if res else None}"
            if res is not None and res.message:
                why += f": {res.message}"
        if self.loop is not None and job.proposal is not None:
            score, reason = self._score(job) if ok else (None, why)
            if ok and score is None:
                ok, why = False, reason
                self._record_failed(job, str(reason))
            self._report(job, score, reason)
        if ok:
            dur = ""
            if res is not None and res.start_time and res.end_time:
                dur = f"({res.end_time - res.start_time:.1f}s)"
            self.progress.job_finished(job.job_id, True, dur)
            return
        stderr = qj.spec.stderr_path
        self.progress.job_finished(job.job_id, False, f"({why}); stderr: {stderr}")
        tail = qj.stderr_tail(12) if res is not None and res.exit_code else ""
        if tail:
            self.progress.line("    " + tail.replace("\n", "\n    "), force=True)

    def _record_failed(self, job: PlannedJob, reason: str) -> None:
        """The driver's verdict on a job that exited 0 (e.g. its log lacks the score)."""
        self.events.append(
            {
                "job_id": job.job_id,
                "state": "failed",
                "verdict": True,
                "exit_code": 0,
                "message": reason,
                "time": time.time(),
            }
        )

    # -------------------------------------------------------------------- static
    def _start_static(self) -> None:
        jobs = read_jobs(self.exp)
        self.progress.total = len(jobs)
        for job in jobs:
            verdict = self._verdict(job)
            if verdict == "done":
                self.progress.done += 1
            elif verdict == "failed":
                self.progress.failed += 1
            elif verdict == "open":
                self.open[job.job_id] = job
            else:
                self.todo.append(job)

    # -------------------------------------------------------------------- search
    def _start_search(self) -> None:
        """Restore the search loop from the hyper log and the job table, report what finished
        while no driver ran, and follow (or run) the rest of the open trials' jobs."""
        from mle_search import Trial

        from ._search import hyper_log_path, read_hyper_log, search_loop

        loop = self.loop = search_loop(self.exp, self.spec)
        records = read_hyper_log(hyper_log_path(self.exp, self.search))
        told = {r["id"]: r for r in records if isinstance(r.get("id"), int)}
        by_trial: dict[int, list[PlannedJob]] = {}
        for job in read_jobs(self.exp):
            if job.proposal is not None:
                by_trial.setdefault(job.proposal, []).append(job)
        verdicts = {j.job_id: self._verdict(j) for js in by_trial.values() for j in js}
        if self.retry_failed:  # a told trial with failed seeds is evaluated again
            for tid, jobs in by_trial.items():
                if tid in told and any(verdicts[j.job_id] == "run" for j in jobs):
                    del told[tid]
        self.progress.total = (self.spec.budget or 0) * len(loop.seeds)
        open_trials = []
        for tid, jobs in sorted(by_trial.items()):
            if tid in told:
                for j in jobs:
                    if verdicts[j.job_id] == "done":
                        self.progress.done += 1
                    else:
                        self.progress.failed += 1
                continue
            have = {j.job_id for j in jobs}
            missing = [  # a crash cut the trial's rows short
                j
                for j in plan_proposal_jobs(self.spec, tid, jobs[0].params, loop.seeds)
                if j.job_id not in have
            ]
            if missing:
                write_job_configs(self.exp, self.spec, missing)
                jobs.extend(missing)
                verdicts.update({j.job_id: "run" for j in missing})
            open_trials.append(Trial(tid, jobs[0].params, tid // loop.batch_size, loop.seeds))
        earlier = self.search.get("reload_from")
        loop.restore(
            [r for r in records if r.get("id") in told],
            open_trials,
            earlier=read_hyper_log(Path(earlier)) if earlier else [],
        )
        self._show_best()
        to_run: list[PlannedJob] = []
        for trial in open_trials:
            for job in by_trial[trial.id]:
                verdict = verdicts[job.job_id]
                if verdict == "open":
                    self.open[job.job_id] = job
                elif verdict == "run":
                    to_run.append(job)
                else:
                    self._resumed_final(job, verdict)
        self.todo.extend(to_run)

    def _resumed_final(self, job: PlannedJob, verdict: str) -> None:
        """A job of an open trial that finished while no driver ran: report it now."""
        assert job.proposal is not None
        if verdict == "done":
            score, reason = self._score(job)
            if score is None:
                self._record_failed(job, str(reason))
        else:
            score, reason = None, "failed"
        if score is None:
            self.progress.failed += 1
        else:
            self.progress.done += 1
        self._report(job, score, reason)

    def _report(self, job: PlannedJob, score: float | None, reason: str | None) -> None:
        assert self.loop is not None and job.proposal is not None
        if self.loop.report(job.proposal, job.seed, score, reason=reason) is not None:
            self._show_best()

    def _score(self, job: PlannedJob) -> tuple[float | None, str | None]:
        """A finished run's score, or None and why. A metric that the first run with a log
        does not log is a mistake in the YAML: UsageError, with the logged names."""
        from mle_logger import score_with_reason

        from ._logs import read_run

        metric = str(self.search.get("eval_score_type"))
        run_dir = self.exp.run_dir(job.job_id)
        log = read_run(run_dir)
        if log is None or not log.stats:
            return None, f"exited 0 without a log of {metric!r} in {run_dir}"
        if metric not in log.stats:
            names = list(log.stats)
            if not self._metric_seen:
                close = difflib.get_close_matches(metric, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise UsageError(
                    f"{self.exp.yaml_copy}: param_search_args.eval_score_type: expected a stat "
                    f"the runs log, found {metric!r}{hint}; {job.job_id} logged: "
                    f"{', '.join(names)}"
                )
            return None, f"its log has no {metric!r} (logged: {', '.join(names)})"
        self._metric_seen = True
        return score_with_reason(
            log.stats[metric],
            str(self.search.get("problem_type") or "final"),
            bool(self.search.get("maximize_objective", False)),
        )

    def _show_best(self) -> None:
        assert self.loop is not None
        best = self.loop.best(1)
        if best:
            self.progress.set_best(_best_text(best[0]))

    def _end_search(self) -> None:
        """Record (and say, unless the budget was simply spent) why the search ended."""
        assert self.loop is not None
        reason = self.loop.end_reason or "no trial left to run"
        if self.loop.strategy.exhausted and not reason.startswith("budget"):
            stype = self.search.get("search_type")
            reason = f"{stype} exhausted after {self.loop.n_told} trials"
        self.events.append({"search": "ended", "reason": reason, "trials": self.loop.n_told})
        if not reason.startswith("budget"):
            self.progress.line(f"search ended: {reason}", force=True)

    # -------------------------------------------------------------------- the end
    def _finish(self) -> int:
        from ._results import compute_results

        doc = compute_results(self.exp)
        write_json(self.exp.results, doc)
        failed = [j for j in doc["jobs"] if j["state"] != "done"]
        out = self.stream
        if not self.quiet:
            print(f"experiment folder: {self.exp.root}", file=out)
            if doc.get("best"):
                b = doc["best"]
                print(
                    f"best: {b['config_id']} {_fmt_params(b['params'])} "
                    f"{doc.get('metric')}={b['score_mean']:.6g}",
                    file=out,
                )
        if failed:
            raise JobsFailedError(
                f"{len(failed)} of {len(doc['jobs'])} jobs did not finish well "
                f"({', '.join(j['job_id'] + ':' + j['state'] for j in failed[:5])}"
                f"{', ...' if len(failed) > 5 else ''}); details: mle status {self.exp.root}"
            )
        return 0


def _best_text(ev: Evaluation) -> str:
    score = ev.score
    s = f"{score:.6g}" if isinstance(score, float) else str(score)
    return f"{s} ({_fmt_params(dict(ev.params))})"


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
    """``mle cancel``: stop the driver (if one runs; it cancels its jobs), then cancel every
    job still unfinished in the experiment's queue. Returns what was done, in one line."""
    from mle_scheduler import JsonlStore, JsonlWriter, Queue

    from ._lock import running_driver

    driver = running_driver(exp)
    still = stop_driver(exp) if driver is not None else None
    n = 0
    if exp.queue_state.is_file() and exp.queue_state.stat().st_size:
        marker = exp.read_marker()
        with JsonlWriter(events_path(exp)) as events:

            def on_event(ev: QueueEvent) -> None:
                rec = ev.to_dict()
                rec["job_id"] = rec.pop("key")
                events.append(rec)

            queue = Queue.attach(
                JsonlStore(exp.queue_state),
                make_backend(str(marker["backend"])),
                on_event=on_event,
                keep_finished=False,
            )
            n = queue.unfinished
            queue.cancel_all()
            queue.close()
    text = f"cancelled {n} unfinished job(s) of {exp.root}"
    if driver is not None and still is None:
        text += f"; stopped the driver (pid {driver.pid})"
    elif still is not None:
        text += f"; the driver (pid {still.pid}) did not stop: end it with kill -9 {still.pid}"
    return text
