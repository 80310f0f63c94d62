"""How long do the registry's list and rescan take at 20 and 2,000 experiments?

Builds N synthetic experiment folders in the formats `mle run` writes (8 jobs each: the
marker, reproducibility record, job table, events, status files; a search's hyper log and
results for every other one), then times, median of 5 runs:

- ``rescan``: find and read every folder, write every row (one transaction), fresh database;
- ``list``: every row, newest first; ``list --project``: one project's rows;
- ``list(refresh=True)`` with 10 experiments running (their folders are read again);
- ``get(prefix)``; ``update(folder)``: one experiment read and written (what `mle run` does).

    python benchmarks/monitor/bench_registry.py [N ...]     (default: 20 2000)
"""

from __future__ import annotations

import fcntl
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mle_monitor import Registry


def make_folder(root: Path, i: int) -> Path:
    exp = root / f"project{i % 7}" / f"20261202-{i:06d}_exp"
    (exp / "runs").mkdir(parents=True)
    search = i % 2 == 0
    marker: dict[str, Any] = {
        "job_type": "hyperparameter-search" if search else "multiple-configs",
        "project_name": f"project{i % 7}",
        "backend": "local",
        "num_seeds": 2,
        "job_args": {"err_file": "err"},
        "created": "2026-12-02T05:01:54",
    }
    if search:
        marker["search"] = {"hyperlog_fname": "hyper_log.jsonl", "maximize_objective": True}
        marker["budget"] = 4
    (exp / "mle-experiment.json").write_text(json.dumps(marker))
    (exp / "reproducibility.json").write_text(
        json.dumps(
            {
                "created": f"2026-12-02T05:{i % 60:02d}:00+00:00",
                "host": "vm",
                "git": {"commit": "abc", "dirty": False},
            }
        )
    )
    jobs, events, hyper = [], [], []
    t = 1.8e9 + i
    for j in range(8):
        jid = f"p{j // 2:04d}-s{j % 2}"
        jobs.append({"job_id": jid, "config_id": jid[:5], "seed": j % 2, "params": {"x": j}})
        for state in ("submitted", "running", "done"):
            events.append(
                {
                    "state": state,
                    "attempt": 0,
                    "time": t,
                    "job_id": jid,
                    **({"exit_code": 0} if state == "done" else {}),
                }
            )
            t += 0.1
        run = exp / "runs" / jid
        run.mkdir()
        (run / "job-status.json").write_text(json.dumps({"start": t, "end": t, "exit_code": 0}))
    for c in range(4):
        hyper.append({"id": c, "params": {"x": c}, "score": float(c), "config_id": f"p{c:04d}"})
    (exp / "jobs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in jobs))
    (exp / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in events))
    if search:
        (exp / "hyper_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in hyper))
    (exp / "results.json").write_text(
        json.dumps({"metric": "score", "best": {"params": {"x": 3}, "score_mean": 3.0}})
    )
    return exp


def median(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "exps"
        folders = [make_folder(root, i) for i in range(n)]
        dbs = iter(range(10_000))
        out = {"rescan": median(lambda: Registry(Path(tmp) / f"r{next(dbs)}.db").rescan(root))}
        reg = Registry(Path(tmp) / "main.db")
        reg.rescan(root)
        assert len(reg.list()) == n
        out["list"] = median(reg.list)
        out["list --project"] = median(lambda: reg.list(project="project3"))
        probe = (
            "import json, sys\nfrom mle_monitor import Registry\n"
            "print(json.dumps([r.to_dict() for r in Registry(sys.argv[1]).list()]))"
        )
        out["list as JSON, new process (start-up included)"] = median(
            lambda: subprocess.run(
                [sys.executable, "-c", probe, str(reg.path)], check=True, capture_output=True
            )
        )
        locks = []
        for f in folders[:10]:  # 10 running experiments: their drivers hold the lock
            fh = open(f / "driver.lock", "a+")  # noqa: SIM115 - closed below
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            locks.append(fh)
        out["update(folder)"] = median(lambda: [reg.update(f) for f in folders[:10]]) / 10
        out["list(refresh=True), 10 running"] = median(lambda: reg.list(refresh=True))
        out["get(prefix)"] = median(lambda: reg.get(reg.list(limit=1)[0].id[:6]))
        for fh in locks:
            fh.close()
        return out


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [20, 2000]
    results = {n: bench(n) for n in sizes}
    print("| operation | " + " | ".join(f"{n} experiments" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for op in results[sizes[0]]:
        cells = " | ".join(f"{results[n][op] * 1000:.1f} ms" for n in sizes)
        print(f"| {op} | {cells} |")


if __name__ == "__main__":
    main()
