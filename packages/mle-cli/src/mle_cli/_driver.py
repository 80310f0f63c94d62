"""The driver loop behind ``mle run`` and ``mle resume``: feed jobs, collect results, search."""

from __future__ import annotations

import fcntl
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ._engine import Engine, stderr_tail
from ._layout import ExperimentDir, write_json
from ._logs import read_run
from ._plan import PlannedJob, plan_proposal_jobs
from ._progress import Progress
from ._setup import SpecFactory, make_backend, spec_from_marker, write_job_configs
from ._state import job_views, read_jobs
from .errors import JobsFailedError, UsageError

EXIT_INTERRUPTED = 130


@contextmanager
def driver_lock(exp: ExperimentDir) -> Iterator[None]:
    """Only one driver per experiment folder (the lock dies with its process)."""
    path = exp.root / "driver.lock"
    fh = path.open("a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            other = fh.read().strip() or "?"
            raise UsageError(
                f"{exp.root}: expected no other driver, found one running (pid {other}); "
                f"see `mle status {exp.root}` or `mle cancel {exp.root}`"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def driver_pid(exp: ExperimentDir) -> int | None:
    """The pid of the driver holding the experiment's lock, or None when none runs."""
    path = exp.root / "driver.lock"
    if not path.exists():
        return None
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            txt = fh.read().strip()
            return int(txt) if txt.isdigit() else -1
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return None


def _score(exp: ExperimentDir, job: PlannedJob, ok: bool, search: dict[str, Any]) -> float | None:
    if not ok:
        return None
    log = read_run(exp.run_dir(job.job_id))
    metric = str(search.get("eval_score_type"))
    if log is None or metric not in log.stats:
        return None
    from mle_logger import score_series

    return score_series(
        log.stats[metric],
        str(search.get("problem_type") or "final"),
        bool(search.get("maximize_objective", False)),
    )


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
        self.exp = exp
        self.marker = exp.read_marker()
        self.spec = spec_from_marker(self.marker)
        self.quiet = quiet
        self.retry_failed = retry_failed
        self.stream = stream or sys.stdout
        self.backend = make_backend(self.spec.backend)
        self.engine = Engine(
            exp,
            self.backend,
            SpecFactory(exp, self.marker),
            self.spec.max_running,
            self.spec.max_retries,
        )
        self.failed: list[str] = []
        self.progress: Progress | None = None
        self.stop_requested = False

    # ------------------------------------------------------------------ helpers
    def _already_final(self) -> dict[str, str]:
        """Jobs whose outcome is known: done, or failed (unless failed ones are retried)."""
        out: dict[str, str] = {}
        for v in job_views(self.exp):
            if v.state == "done" or (v.state in ("failed", "timeout") and not self.retry_failed):
                out[v.job.job_id] = v.state
        return out

    def _schedule(self, jobs: list[PlannedJob], final: dict[str, str]) -> None:
        """Reattach to or submit every job of ``jobs`` that has no final outcome yet."""
        to_submit = []
        self.engine.settle([j for j in jobs if j.job_id not in final])
        for job in jobs:
            if job.job_id in final:
                continue
            if not self.engine.reattach(job):
                to_submit.append(job)
        self.engine.add(to_submit)

    def _on_job(self, job: PlannedJob, res: Any) -> bool:
        ok = bool(res.ok)
        assert self.progress is not None
        if ok:
            dur = ""
            if res.start_time and res.end_time:
                dur = f"({res.end_time - res.start_time:.1f}s)"
            self.progress.job_finished(job.job_id, True, dur)
        else:
            self.failed.append(job.job_id)
            tail = stderr_tail(res.stderr)
            why = f"{res.state.value}, exit code {res.exit_code}"
            if res.message:
                why += f": {res.message}"
            self.progress.job_finished(job.job_id, False, f"({why}); stderr: {res.stderr}")
            if tail:
                self.progress.line("    " + tail.replace("\n", "\n    "), force=True)
        return ok

    def _loop(self, tick: Any = None) -> None:
        assert self.progress is not None
        while True:
            if self.stop_requested or self.exp.cancel_flag.exists():
                self.exp.cancel_flag.unlink(missing_ok=True)
                raise KeyboardInterrupt
            if tick is not None:
                tick()
            if self.engine.idle:
                return
            self.engine.step(self._on_finish)
            self.progress.update(self.engine.n_active, self.engine.n_queued)

    def _on_finish(self, job: PlannedJob, res: Any) -> None:
        self._on_job(job, res)

    # ----------------------------------------------------------------- entry point
    def run(self) -> int:
        with driver_lock(self.exp):
            # Ctrl-C / SIGTERM only set a flag that the loop checks between steps, so a job is
            # never half-submitted when we stop; a second Ctrl-C interrupts at once.
            def _stop(signum: int, frame: Any) -> None:
                self.stop_requested = True
                signal.signal(signal.SIGINT, signal.default_int_handler)

            old_int = signal.signal(signal.SIGINT, _stop)
            old_term = signal.signal(signal.SIGTERM, _stop)
            try:
                if self.spec.is_search:
                    self._run_search()
                else:
                    self._run_static()
            except KeyboardInterrupt:
                cancelled = self.engine.cancel_all()
                if self.progress is not None:
                    self.progress.close()
                print(
                    f"mle: interrupted; cancelled {len(cancelled)} running job(s). "
                    f"Resume with: mle resume {self.exp.root}",
                    file=sys.stderr,
                )
                return EXIT_INTERRUPTED
            finally:
                signal.signal(signal.SIGINT, old_int)
                signal.signal(signal.SIGTERM, old_term)
                if self.progress is not None:
                    self.progress.close()
                close = getattr(self.backend, "close", None)
                if close is not None:
                    close()
        return self._finish()

    def _finish(self) -> int:
        from ._results import compute_results

        doc = compute_results(self.exp)
        write_json(self.exp.results, doc)
        failed = [j for j in doc["jobs"] if j["state"] not in ("done",)]
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

    # -------------------------------------------------------------------- static
    def _run_static(self) -> None:
        jobs = read_jobs(self.exp)
        final = self._already_final()
        self.progress = Progress(
            len(jobs), self.spec.project_name, quiet=self.quiet, stream=self.stream
        )
        self.progress.done = sum(1 for s in final.values() if s == "done")
        self.progress.failed = sum(1 for s in final.values() if s != "done")
        self._schedule(jobs, final)
        self._loop()

    # -------------------------------------------------------------------- search
    def _run_search(self) -> None:
        from ._search import SearchSession

        search = dict(self.spec.search or {})
        session = SearchSession(self.exp, search)
        budget = self.spec.budget
        seeds = self.spec.num_seeds
        told = session.told()
        jobs = read_jobs(self.exp)
        proposals: dict[int, list[PlannedJob]] = {}
        for job in jobs:
            if job.proposal is not None:
                proposals.setdefault(job.proposal, []).append(job)
        for idx, pjobs in proposals.items():  # a crash may have cut a proposal's rows short
            have = {j.job_id for j in pjobs}
            missing = [
                j
                for j in plan_proposal_jobs(self.spec, idx, pjobs[0].params)
                if j.job_id not in have
            ]
            if missing and idx not in told:
                write_job_configs(self.exp, self.spec, missing)
                pjobs.extend(missing)
        final = self._already_final()
        self.progress = Progress(
            budget * seeds, self.spec.project_name, quiet=self.quiet, stream=self.stream
        )
        best = session.best()
        if best is not None:
            self.progress.set_best(self._best_text(best))
        # scores of seeds per open proposal: None = failed, missing = not finished
        open_props: dict[int, dict[str, float | None]] = {}
        unfinished: list[PlannedJob] = []
        for idx, pjobs in sorted(proposals.items()):
            if idx in told:
                self.progress.done += len(pjobs)
                continue
            open_props[idx] = {}
            for job in pjobs:
                state = final.get(job.job_id)
                if state is not None:
                    open_props[idx][job.job_id] = _score(self.exp, job, state == "done", search)
                    if state == "done":
                        self.progress.done += 1
                    else:
                        self.progress.failed += 1
            unfinished += pjobs
        self._schedule(unfinished, final)
        resuming = bool(open_props)

        def tick() -> None:
            nonlocal resuming
            # tell every proposal whose seeds are all in
            for idx in sorted(open_props):
                got = open_props[idx]
                if len(got) < len(proposals[idx]):
                    continue
                pjobs = sorted(proposals[idx], key=lambda j: j.seed)
                scores = [got[j.job_id] for j in pjobs]
                session.tell(
                    idx,
                    dict(pjobs[0].params),
                    scores,
                    batch=idx // max(1, int(search.get("num_iter_per_batch") or 1)),
                    config_id=pjobs[0].config_id,
                    seeds=[j.seed for j in pjobs],
                )
                del open_props[idx]
                b = session.best()
                if b is not None:
                    self.progress.set_best(self._best_text(b))  # type: ignore[union-attr]
            if open_props and resuming:
                return  # finish the proposals of the interrupted run before asking anew
            resuming = False
            while len(proposals) < budget and self._slot_free(open_props, search):
                params = session.ask()
                if params is None:
                    if session.exhausted and self.progress is not None:
                        self.progress.total = len(proposals) * seeds
                    break
                idx = len(proposals)
                new = plan_proposal_jobs(self.spec, idx, params)
                write_job_configs(self.exp, self.spec, new)
                proposals[idx] = new
                open_props[idx] = {}
                self.engine.add(new)

        def on_finish(job: PlannedJob, res: Any) -> None:
            ok = self._on_job(job, res)
            if job.proposal is not None and job.proposal in open_props:
                open_props[job.proposal][job.job_id] = _score(self.exp, job, ok, search)

        self._on_finish = on_finish  # type: ignore[method-assign]
        self._loop(tick)

    def _slot_free(self, open_props: dict[int, Any], search: dict[str, Any]) -> bool:
        """Ask for another proposal? Yes while a worker would otherwise idle: fewer jobs
        running or queued than ``max_running``; with no such cap (clusters), while fewer than
        ``num_iter_per_batch`` proposals are being evaluated."""
        if self.spec.max_running:
            return self.engine.n_active + self.engine.n_queued < self.spec.max_running
        return len(open_props) < max(1, int(search.get("num_iter_per_batch") or 1))

    @staticmethod
    def _best_text(ev: Any) -> str:
        score = getattr(ev, "score", None)
        params = dict(getattr(ev, "params", {}) or {})
        s = f"{score:.6g}" if isinstance(score, float) else str(score)
        return f"{s} ({_fmt_params(params)})"


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
