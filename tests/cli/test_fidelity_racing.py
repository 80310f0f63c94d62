"""Seed-aware racing through `mle run` (param_search_args.race_seeds): a trial runs its seeds one
at a time and stops once it cannot be the best; the skipped seeds never run, the hyper log says
which, and a SIGKILLed race resumes with nothing finished run twice."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cli_helpers import Project, grid_yaml


def _race_yaml() -> dict[str, Any]:
    # score = x * steps + seed, minimized: x = 1 is best, the others lose after a seed or two
    data = grid_yaml(bins=4, seeds=5, batches=4, per_batch=1, max_running_jobs=2)
    data["param_search_args"].update(maximize_objective=False, race_seeds=True)
    return data


def _hyper(exp: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (exp / "hyper_log.jsonl").read_text().splitlines()]


def _outcome(exp: Path) -> list[tuple[Any, ...]]:
    return sorted(
        (
            r["params"]["train_config.x"],
            r["seeds"],
            r["scores"],
            (r.get("raced") or {}).get("skipped"),
        )
        for r in _hyper(exp)
    )


def test_racing_skips_seeds_of_trials_that_cannot_win(project: Project) -> None:
    project.config("base.json", steps=3)
    project.yaml("race.yaml", _race_yaml())
    project.mle("run", "race.yaml", "--quiet")
    [exp] = project.experiments()
    records = {r["params"]["train_config.x"]: r for r in _hyper(exp)}
    assert records[1.0]["seeds"] == [0, 1, 2, 3, 4]  # the first trial runs every seed
    skipped = {x: (r.get("raced") or {}).get("skipped", []) for x, r in records.items()}
    assert sum(len(s) for s in skipped.values()) > 0, skipped
    for x, rec in records.items():  # seeds run and skipped partition the trial's seeds
        assert sorted(rec["seeds"] + skipped[x]) == [0, 1, 2, 3, 4]
    runs = collections.Counter(project.counter())
    assert len(runs) == sum(len(r["seeds"]) for r in records.values()) < 20
    assert max(runs.values()) == 1
    doc = project.results(exp)
    assert all(j["state"] == "done" for j in doc["jobs"]) and len(doc["jobs"]) == len(runs)
    assert doc["best"]["params"] == {"train_config.x": 1.0}


def test_a_killed_race_resumes_without_running_a_finished_seed_again(
    make_project: Any,
) -> None:
    reference = make_project()
    reference.config("base.json", steps=3)
    reference.yaml("race.yaml", _race_yaml())
    reference.mle("run", "race.yaml", "--quiet")
    expected = _outcome(reference.experiments()[0])

    project = make_project()
    project.config("base.json", steps=3, sleep=0.05)
    project.yaml("race.yaml", _race_yaml())
    env = {**os.environ, "MLE_USER_CONFIG": str(project.root / "none.yaml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mle_cli", "run", "race.yaml", "--quiet"], cwd=project.root,
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(project.counter()) < 7:  # the first trial's 5 seeds and the next trial's start
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    [exp] = project.experiments()
    project.mle("resume", str(exp), "--quiet")
    assert _outcome(exp) == expected
    runs = collections.Counter(project.counter())
    assert max(runs.values()) == 1, runs


def test_racing_a_multi_fidelity_search_is_refused_in_one_line(tmp_path: Path) -> None:
    import yaml
    from fidelity_helpers import FidelityProject

    project = FidelityProject(tmp_path)
    path = project.root / project.shrink("logreg_halving.yaml", num_arms=2)
    data = yaml.safe_load(path.read_text())
    data["param_search_args"]["race_seeds"] = True
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    res = project.mle("run", "fidelity/logreg_halving.yaml", "--dry-run", check=2)
    [line] = res.stderr.strip().splitlines()
    assert "param_search_args.race_seeds: expected false for a successive_halving" in line
