"""The driver on mle-scheduler's FakeBackend: no processes, so searches, resumes and the
failure paths run in milliseconds. Logs are faked by replacing the CLI's one log reader."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from cli_helpers import Project, grid_yaml, multi_yaml
from mle_cli import _driver, _logs
from mle_cli._driver import Driver, cancel_experiment
from mle_cli._setup import marker_for, write_job_configs
from mle_cli._state import experiment_status, running_driver, stop_driver
from mle_cli.errors import JobsFailedError, UsageError
from mle_config import ExperimentFolder as ExperimentDir
from mle_config import load_experiment_spec as load_spec
from mle_config import plan_static_jobs, write_json
from mle_monitor import JobInfo, inspect_experiment
from mle_scheduler import JobSpec, ProcessRef
from mle_scheduler.testing import FakeBackend


def _experiment(project: Project, data: dict[str, Any]) -> ExperimentDir:
    path = project.yaml("exp.yaml", data)
    spec = load_spec(path, cwd=project.root)
    exp = ExperimentDir(project.root / "exp")
    exp.root.mkdir()
    (exp.yaml_copy).write_text(path.read_text())
    if not spec.is_search:
        write_job_configs(exp, spec, plan_static_jobs(spec))
    write_json(exp.marker, marker_for(spec, sys.executable, project.root, ["mle", "run"]))
    return exp


def job_views(exp: ExperimentDir, driver_runs: bool | None = None) -> list[JobInfo]:
    return inspect_experiment(exp.root, driver_runs=driver_runs).jobs


def _x_seed(spec: JobSpec) -> tuple[float, int]:
    cfg = json.loads(Path(spec.argv[spec.argv.index("-config") + 1]).read_text())
    return float(cfg["train_config"]["x"]), int(spec.argv[spec.argv.index("-seed") + 1])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Jobs end at their first poll with ``exit(x, seed)``; their log holds ``stats(x, seed)``
    (None: no log)."""
    ctl: dict[str, Any] = {
        "exit": lambda x, seed: 0,
        "stats": lambda x, seed: {"score": np.array([3 * x + seed])},
        "backends": [],
    }
    runs: dict[str, tuple[float, int]] = {}

    def auto(spec: JobSpec) -> int:
        x, seed = _x_seed(spec)
        runs[str(spec.argv[spec.argv.index("-exp_dir") + 1])] = (x, seed)
        return int(ctl["exit"](x, seed))

    def backend(name: str) -> FakeBackend:
        b = FakeBackend(auto_finish=auto)
        ctl["backends"].append(b)
        return b

    def read_run(run_dir: Path) -> Any:
        if str(run_dir) not in runs:
            return None
        stats = ctl["stats"](*runs[str(run_dir)])
        return None if stats is None else SimpleNamespace(stats=stats)

    monkeypatch.setattr(_driver, "make_backend", backend)
    monkeypatch.setattr(_logs, "read_run", read_run)
    return ctl


def _hyper(exp: ExperimentDir) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (exp.root / "hyper_log.jsonl").read_text().splitlines()]


def _submitted(ctl: dict[str, Any]) -> int:
    return sum(sum(b.submit_calls) for b in ctl["backends"])


def test_search_keys_results_by_trial_id(project: Project, fake: dict[str, Any]) -> None:
    exp = _experiment(project, grid_yaml(bins=4, seeds=2, batches=2, per_batch=2))
    assert Driver(exp, quiet=True).run() == 0
    lines = _hyper(exp)
    assert sorted(x["id"] for x in lines) == [0, 1, 2, 3]
    assert all(
        x["scores"] == [3 * x["params"]["train_config.x"] + s for s in (0, 1)] for x in lines
    )
    assert _submitted(fake) == 8
    # a finished search resumes to nothing: no job runs twice
    assert Driver(exp, quiet=True).run() == 0
    assert _submitted(fake) == 8 and len(_hyper(exp)) == 4


def test_misspelt_metric_ends_the_run_at_the_first_finished_job(
    project: Project, fake: dict[str, Any]
) -> None:
    data = grid_yaml(bins=4, seeds=1, batches=2, per_batch=2)
    data["param_search_args"]["eval_score_type"] = "scroe"
    exp = _experiment(project, data)
    with pytest.raises(UsageError, match=r"'scroe'.*did you mean 'score'.*logged: score"):
        Driver(exp, quiet=True).run()
    assert _submitted(fake) <= 2  # the first proposals only; nothing more was started


def test_run_without_its_score_fails_with_the_reason(
    project: Project, fake: dict[str, Any]
) -> None:
    fake["stats"] = lambda x, seed: None if seed == 1 else {"score": np.array([x])}
    exp = _experiment(project, grid_yaml(bins=2, seeds=2, batches=1, per_batch=2))
    with pytest.raises(JobsFailedError):
        Driver(exp, quiet=True).run()
    views = {v.job_id: v for v in job_views(exp)}
    assert views["p0000-s1"].state == "failed" and views["p0000-s0"].state == "done"
    assert "without a log of 'score'" in str(views["p0000-s1"].message)
    assert all(x["scores"][1] is None and "score" in x["reasons"]["1"] for x in _hyper(exp))


def test_retry_failed_reruns_a_searchs_failed_jobs(project: Project, fake: dict[str, Any]) -> None:
    fake["exit"] = lambda x, seed: 3 if seed == 1 else 0
    exp = _experiment(project, grid_yaml(bins=2, seeds=2, batches=1, per_batch=2))
    with pytest.raises(JobsFailedError):
        Driver(exp, quiet=True).run()
    assert _submitted(fake) == 4
    with pytest.raises(JobsFailedError):  # without the flag, failed jobs stay failed
        Driver(exp, quiet=True).run()
    assert _submitted(fake) == 4
    fake["exit"] = lambda x, seed: 0
    assert Driver(exp, quiet=True, retry_failed=True).run() == 0
    assert _submitted(fake) == 6  # the two failed seeds, once each
    assert all(v.state == "done" for v in job_views(exp))
    latest = {x["id"]: x for x in _hyper(exp)}
    assert all(None not in x["scores"] for x in latest.values())


def test_sigterm_stops_a_driver_whose_strategy_is_stuck(
    project: Project, fake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mle_search

    def stuck(self: Any, n: Any = None) -> list[Any]:
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(mle_search.SearchLoop, "propose", stuck)
    exp = _experiment(project, grid_yaml(bins=2, seeds=1, batches=1, per_batch=2))
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    t0 = time.monotonic()
    assert Driver(exp, quiet=True).run() == 130
    assert time.monotonic() - t0 < 30
    timer.join()


def test_a_strategy_that_cannot_propose_ends_the_search_with_a_message(
    project: Project, fake: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from mle_search import GridSearch

    monkeypatch.setattr(GridSearch, "ask", lambda self, n=1: [])
    exp = _experiment(project, grid_yaml(bins=2, seeds=1, batches=1, per_batch=2))
    Driver(exp, quiet=True).run()
    out = capsys.readouterr()
    assert "search ended" in out.out + out.err
    assert experiment_status(exp).search_end is not None


def test_status_of_an_exhausted_grid_says_so(project: Project, fake: dict[str, Any]) -> None:
    exp = _experiment(project, grid_yaml(bins=2, seeds=1, batches=3, per_batch=2))
    Driver(exp, quiet=True).run()
    status = experiment_status(exp)
    assert status.summary() == "2 done (grid exhausted after 2 trials)"


def test_status_does_not_call_a_job_of_a_dead_driver_running(
    project: Project, fake: dict[str, Any]
) -> None:
    exp = _experiment(project, multi_yaml(num_seeds=1))
    [job] = plan_static_jobs(load_spec(project.root / "exp.yaml", cwd=project.root))
    (exp.run_dir(job.job_id)).mkdir(parents=True)
    # started on a host where it does not run any more, its driver gone
    (exp.run_dir(job.job_id) / "job-status.json").write_text(
        json.dumps({"start": time.time(), "host": "elsewhere", "pid": 1})
    )
    (exp.root / "events.jsonl").write_text(json.dumps({"job_id": job.job_id, "state": "running"}))
    [view] = job_views(exp)
    assert view.state == "orphaned"
    assert [v.state for v in job_views(exp, driver_runs=True)] == ["running"]


def test_a_stale_driver_pid_is_never_signalled(project: Project, tmp_path: Path) -> None:
    exp = _experiment(project, multi_yaml(num_seeds=1))
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with open(exp.root / "driver.lock", "w") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # held, but the pid in it was reused
            stale = ProcessRef(other.pid, start_time=1, boot_id=None)
            fh.write(json.dumps(stale.to_dict()))
            fh.flush()
            ref = running_driver(exp)
            assert ref is not None and ref.pid == -1
            assert stop_driver(exp, timeout=0.3) is not None
        assert other.poll() is None  # the unrelated process was left alone
        assert running_driver(exp) is None  # released: nobody runs
    finally:
        other.kill()
        other.wait()


def test_cancel_attaches_to_the_queue_and_cancels_what_is_left(
    project: Project, fake: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mle_scheduler import JsonlStore, Queue

    exp = _experiment(project, multi_yaml(num_seeds=2))
    backend = FakeBackend()
    monkeypatch.setattr(_driver, "make_backend", lambda name: backend)
    queue = Queue(backend, store=JsonlStore(exp.queue_state))
    for job in plan_static_jobs(load_spec(project.root / "exp.yaml", cwd=project.root)):
        exp.run_dir(job.job_id).mkdir(parents=True)
        run_dir = exp.run_dir(job.job_id)
        spec = JobSpec(["true"], stdout=run_dir / "out", status_file=run_dir / "job-status.json")
        queue.submit(spec, key=job.job_id)
    queue.close()  # the driver died here
    assert "cancelled 2 unfinished job(s)" in cancel_experiment(exp)
    assert [v.state for v in job_views(exp)] == ["cancelled", "cancelled"]


def test_a_folder_written_by_mle_cli_0_1_resumes(project: Project, fake: dict[str, Any]) -> None:
    """Its job index (no queue header) is moved aside; finished jobs are judged by their status
    files, the others are followed or run."""
    from mle_cli._setup import SpecFactory

    exp = _experiment(project, multi_yaml(num_seeds=3))
    done, failed, _ = jobs = plan_static_jobs(load_spec(exp.yaml_copy, cwd=project.root))
    for job, code in ((done, 0), (failed, 3)):
        exp.run_dir(job.job_id).mkdir(parents=True)
        record = {"start": 1.0, "end": 2.0, "exit_code": code}
        (exp.run_dir(job.job_id) / "job-status.json").write_text(json.dumps(record))
    make = SpecFactory(exp, exp.read_marker())
    rows = [{"job_id": j.job_id, "attempt": 0, "spec": make(j).to_dict()} for j in jobs]
    exp.queue_state.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (exp.root / "driver.lock").write_text("12345")  # a bare pid; nobody holds the lock
    with pytest.raises(JobsFailedError):
        Driver(exp, quiet=True).run()
    assert _submitted(fake) == 1  # only the job that never ran
    assert [v.state for v in job_views(exp)] == ["done", "failed", "done"]
    assert (exp.root / "queue-state.v0.jsonl").is_file()
