"""Issue 9: one job-state model. `mle status`, the CLI's job views and mle-monitor's
inspect_experiment (registry, dashboard, `mle results`) read a job's state the same way; the
experiment spec and folder live in mle-config."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from cli_helpers import Project, multi_yaml
from mle_config import ExperimentFolder, ExperimentSpec, load_experiment_spec, write_json
from mle_monitor import FolderCache, inspect_experiment

#: job id -> (events, status record or None, the state every reader must show)
CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any] | None, str]] = {
    "c000-s0": ([{"state": "done", "exit_code": 0}], {"exit_code": 0}, "done"),
    "c000-s1": ([{"state": "failed", "exit_code": 3}], {"exit_code": 3}, "failed"),
    # exited 0 without its score: the driver's verdict beats the exit code
    "c000-s2": (
        [{"state": "done", "exit_code": 0}, {"state": "failed", "verdict": True, "exit_code": 0}],
        {"exit_code": 0},
        "failed",
    ),
    # the events say it ended, the run folder lost its record: nothing proves it ran
    "c000-s3": ([{"state": "done", "exit_code": 0}], None, "lost"),
    "c000-s4": ([{"state": "cancelled"}], {}, "cancelled"),
    "c000-s5": ([], None, "pending"),
    # started on a host where nothing runs any more, no driver: `mle resume` follows it
    "c000-s6": ([{"state": "running"}], {"host": "elsewhere", "pid": 1}, "orphaned"),
    # no event at all (the event log was lost), but the status file says it finished
    "c000-s7": ([], {"exit_code": 0}, "done"),
    # stopped early by the search's pruner: its wrapper saw SIGTERM, the driver knows better
    "c000-s8": ([{"state": "pruned", "message": "pruned at step 4"}], {"exit_code": 143}, "pruned"),
}


def _folder(project: Project) -> ExperimentFolder:
    spec = load_experiment_spec(project.yaml("exp.yaml", multi_yaml(num_seeds=8)), cwd=project.root)
    exp = ExperimentFolder(project.root / "exp")
    exp.root.mkdir()
    write_json(exp.marker, spec.to_record(sys.executable, project.root, ["mle", "run"]))
    rows, events = [], []
    t = time.time() - 100
    for seed, (job_id, (evs, status, _)) in enumerate(CASES.items()):
        rows.append({"job_id": job_id, "config_id": "c000", "seed": seed, "config_key": "c000"})
        events += [{"job_id": job_id, "attempt": 0, "time": t, **ev} for ev in evs]
        if status is not None:
            end = {"end": t + 1} if "exit_code" in status else {}
            write_json(exp.run_dir(job_id) / "job-status.json", {"start": t, **end, **status})
    exp.jobs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    exp.events.write_text("".join(json.dumps(e) + "\n" for e in events))
    return exp


def test_status_and_monitor_agree_on_every_state(project: Project) -> None:
    exp = _folder(project)
    want = {job_id: case[2] for job_id, case in CASES.items()}
    detail = inspect_experiment(exp.root)
    assert {j.job_id: j.state for j in detail.jobs} == want
    out = project.mle("status", str(exp.root)).stdout
    shown = {line.split()[0]: line.split()[3] for line in out.splitlines() if line[:2] == "c0"}
    assert shown == want, out
    assert "pruned at step 4" in out  # why a job did not end as done is shown
    assert detail.record.state == "interrupted"  # a job is unfinished, no driver runs
    assert detail.record.jobs_failed == 3  # the exit code, the verdict and the lost job


def test_a_job_table_row_keeps_its_fold_trial_and_run_folder(project: Project) -> None:
    exp = _folder(project)
    with exp.jobs.open("a") as fh:
        row = {"job_id": "p0003-s1", "config_id": "p0003", "seed": 1, "config_key": "p0003"}
        fh.write(json.dumps({**row, "proposal": 3, "fold": 2, "params": {"a": 1}}) + "\n")
    info = inspect_experiment(exp.root).jobs[-1]
    assert (info.proposal, info.fold, info.params) == (3, 2, {"a": 1})
    assert info.run_dir == exp.run_dir("p0003-s1")


def test_the_cache_reads_a_finished_jobs_record_again_after_a_new_attempt(
    project: Project,
) -> None:
    exp = _folder(project)
    cache = FolderCache()
    assert inspect_experiment(exp.root, cache=cache).jobs[1].state == "failed"
    # retried: a new attempt's events, and its run folder now says it succeeded
    write_json(
        exp.run_dir("c000-s1") / "job-status.json", {"start": 1.0, "end": 2.0, "exit_code": 0}
    )
    with exp.events.open("a") as fh:
        for state in ("retrying", "done"):
            fh.write(json.dumps({"job_id": "c000-s1", "state": state, "time": time.time()}) + "\n")
    assert inspect_experiment(exp.root, cache=cache).jobs[1].state == "done"


def test_the_experiment_record_rebuilds_the_spec(project: Project) -> None:
    spec = load_experiment_spec(project.yaml("exp.yaml", multi_yaml(num_seeds=3)), cwd=project.root)
    record = json.loads(json.dumps(spec.to_record("python3", project.root, ["mle", "run"])))
    again = ExperimentSpec.from_record(record)
    assert again == ExperimentSpec(**{**again.__dict__, "raw": {}}) and "raw" not in record
    assert (again.train_script, again.config_paths) == (spec.train_script, spec.config_paths)
    assert (again.num_seeds, again.backend, record["budget"]) == (3, "local", 0)


def test_a_folder_that_is_no_experiment_is_one_line(project: Project, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    res = project.mle("status", str(tmp_path / "plain"), check=2)
    assert res.stderr.count("\n") == 1 and "not an mle experiment folder" in res.stderr
