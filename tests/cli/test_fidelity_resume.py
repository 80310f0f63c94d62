"""SIGKILL `mle run` in the middle of a successive-halving or PBT search; `mle resume`
finishes it with the trials, budgets, checkpoints and scores of an uninterrupted run, and no
finished job runs again."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fidelity_helpers import FidelityProject, hyper_log, job_config

HALVING = {"num_arms": 4, "min_budget": 1}
PBT = {"num_workers": 2, "steps_until_ready": 1, "resources": {"num_search_batches": 3}}


def _run(project: FidelityProject, name: str, options: dict[str, Any]) -> Path:
    project.mle("run", project.shrink(name, **dict(options)), "--quiet")
    return project.experiment()


def _kill_after(proc: subprocess.Popen[bytes], project: FidelityProject, told: int) -> None:
    """SIGKILL the driver once ``told`` trials are in the hyper log."""
    deadline = time.monotonic() + 120
    while True:
        logs = list((project.root / "experiments").rglob("hyper_log.jsonl"))
        if logs and len(logs[0].read_text().splitlines()) >= told:
            break
        assert proc.poll() is None, "mle run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _outcome(exp: Path, slot: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Every trial by its place in the schedule (not its id, which a crash between proposing
    and recording may shift): point, budget, score, the place of the trial it continues and
    the checkpoint its job got."""
    log = hyper_log(exp)

    def place(tid: int | None) -> tuple[Any, ...] | None:
        return None if tid is None else tuple(log[tid][k] for k in slot)

    out = []
    for tid, rec in log.items():
        extra = job_config(exp, tid)["train_config"]["extra"]
        ckpt = extra.get("sh_ckpt") or extra.get("pbt_ckpt")
        parent = rec.get("parent")
        if ckpt is not None:  # the parent's own run folder, whatever its id
            assert Path(ckpt).parts[-4] == f"p{parent:04d}-s0"
        out.append(
            (place(tid), rec["params"], rec["budget"], rec["score"], place(parent), ckpt is None)
        )
    return sorted(out, key=repr)


def _nothing_ran_twice(exp: Path) -> None:
    assert not (exp / "attempts").exists(), "a job was started again after it had run"
    starts: dict[str, int] = {}
    for line in (exp / "events.jsonl").read_text().splitlines():
        ev = json.loads(line)
        if ev.get("state") == "submitted":  # a start (a resumed driver adopts, never resubmits)
            starts[ev["job_id"]] = starts.get(ev["job_id"], 0) + 1
    assert starts and max(starts.values()) == 1, f"a job was submitted twice: {starts}"


@pytest.fixture(scope="module")
def halving_reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    exp = _run(FidelityProject(tmp_path_factory.mktemp("ref")), "logreg_halving.yaml", HALVING)
    return _outcome(exp, ("rung", "arm"))


@pytest.mark.parametrize("told", [2, 5])
def test_halving_resumes_after_sigkill(
    tmp_path: Path, halving_reference: list[tuple[Any, ...]], told: int
) -> None:
    project = FidelityProject(tmp_path)
    yaml_path = project.shrink("logreg_halving.yaml", **HALVING)
    _kill_after(project.start("run", yaml_path, "--quiet"), project, told)
    exp = project.experiment()
    project.mle("resume", str(exp), "--quiet")
    assert _outcome(exp, ("rung", "arm")) == halving_reference
    _nothing_ran_twice(exp)


def test_pbt_resumes_after_sigkill(tmp_path_factory: pytest.TempPathFactory) -> None:
    reference = _outcome(
        _run(FidelityProject(tmp_path_factory.mktemp("ref")), "logreg_pbt.yaml", PBT),
        ("generation", "worker"),
    )
    project = FidelityProject(tmp_path_factory.mktemp("killed"))
    yaml_path = project.shrink("logreg_pbt.yaml", **PBT)
    _kill_after(project.start("run", yaml_path, "--quiet"), project, 3)
    exp = project.experiment()
    project.mle("resume", str(exp), "--quiet")
    assert _outcome(exp, ("generation", "worker")) == reference
    _nothing_ran_twice(exp)
    lineage = {r["id"]: r["lineage"] for r in hyper_log(exp).values()}
    assert all(chain[-1] == tid for tid, chain in lineage.items())
