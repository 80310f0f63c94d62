"""On a real cluster, through the driver: `mle run` is killed inside sbatch/qsub after the
scheduler accepted the job and before its id was recorded; the resumed driver moves the run
folder aside as for any attempt, finds the job by its (experiment-unique) name and follows it:
the training script runs once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, multi_yaml
from mle_cli import _driver
from mle_cli._driver import Driver
from mle_cli._setup import marker_for, write_job_configs
from mle_config import ExperimentFolder, load_experiment_spec, plan_static_jobs, write_json
from mle_scheduler.backends.cluster import ClusterBackend
from mle_scheduler.errors import BackendUnavailableError


class _Killed(BaseException):
    """Stands for the SIGKILL that ends the driver right after the scheduler accepted."""


def _double_run_check(
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
    make: Any,
    hold: str,
    release: list[str],
) -> None:
    project.config("base.json", steps=1, sleep=0.0)
    path = project.yaml("exp.yaml", multi_yaml(num_seeds=1))
    spec = load_experiment_spec(path, cwd=project.root)
    exp = ExperimentFolder(project.root / "exp")
    exp.root.mkdir()
    write_job_configs(exp, spec, plan_static_jobs(spec))
    write_json(exp.marker, marker_for(spec, sys.executable, project.root, ["mle", "run"]))
    accepted: list[str] = []

    def dying_backend(name: str) -> ClusterBackend:
        backend = make()
        submit_job, job_flags = backend.submit_job, backend.job_flags

        def accept_then_die(script: Path, job: Any) -> str:
            accepted.append(submit_job(script, job))
            raise _Killed

        backend.submit_job = accept_then_die  # type: ignore[method-assign]
        # submitted held: still queued when the driver resumes (not yet started, so only the
        # scheduler knows it was accepted)
        backend.job_flags = lambda res, spec: [*job_flags(res, spec), hold]  # type: ignore[method-assign]
        return backend

    monkeypatch.setattr(_driver, "make_backend", dying_backend)
    with pytest.raises(_Killed):
        Driver(exp, quiet=True).run()
    assert len(accepted) == 1
    monkeypatch.setattr(_driver, "make_backend", lambda name: make())

    def release_when_followed() -> None:  # (or after a minute: then it ran twice, and fails)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = exp.queue_state.read_text() if exp.queue_state.exists() else ""
            if f'"job_id":"{accepted[0]}"' in text:  # followed under its id
                break
            time.sleep(0.2)
        subprocess.run([*release, accepted[0]], capture_output=True)

    releaser = threading.Thread(target=release_when_followed, daemon=True)
    releaser.start()
    try:
        assert Driver(exp, quiet=True).run() == 0
    finally:
        releaser.join()
    live = make()
    try:  # the accepted job has ended: had it been submitted again, it would run now
        deadline = time.monotonic() + 120
        while any(accepted[0] in ids for ids in live.live_jobs().values()):
            assert time.monotonic() < deadline, f"job {accepted[0]} still queued"
            time.sleep(0.5)
    finally:
        live.close()
    assert project.counter() == [str(exp.run_dir("c000-s0"))], exp.queue_state.read_text()
    assert f'"job_id":"{accepted[0]}"' in exp.queue_state.read_text()  # found by its name


@pytest.mark.slurm
def test_slurm_driver_killed_inside_sbatch_runs_the_job_once(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mle_scheduler.backends.slurm import SlurmBackend

    _double_run_check(project, monkeypatch, SlurmBackend, "--hold", ["scontrol", "release"])


@pytest.mark.sge
@pytest.mark.parametrize("transport", ["drmaa", "qsub"])
def test_grid_engine_driver_killed_inside_qsub_runs_the_job_once(
    project: Project, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    from mle_scheduler.backends.sge import SGEBackend

    def make() -> SGEBackend:
        try:
            return SGEBackend(use_drmaa=transport == "drmaa")
        except BackendUnavailableError as exc:
            if os.environ.get("MLE_REQUIRE_CLUSTER") == "1":
                pytest.fail(f"DRMAA is required in CI: {exc}", pytrace=False)
            pytest.skip(f"DRMAA not loadable here: {exc}")

    _double_run_check(project, monkeypatch, make, "-h", ["qrls"])
