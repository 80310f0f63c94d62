"""`mle results --json` and `mle report` against the floor: reading the same logs with h5py
alone (issue 13's speed targets: within 1.2x of the floor at 2,000 runs, also with logs of
20,000 rows and for 8,000 configurations).

Builds a finished search folder as `mle run` writes it (marker, job table, queue events,
status files, one mle-logger HDF5 log per run: a template log written by mle_logger.Logger,
copied and given each run's own values with h5py), then times, each in a fresh process and
alternated ``--repeat`` times (best of each kept; the machine is shared):

- floor: ``python -c`` that imports h5py and reads every dataset and the meta of every log;
- ``python -m mle_cli results EXP --json`` (stdout to /dev/null);
- ``python -m mle_cli report EXP -d OUT``.

Peak memory (max RSS) of each process is reported too.

    python benchmarks/cli/bench_results.py CASE [--repeat 3] [--keep DIR]
    CASE: runs2000 (400 configs x 5 seeds, 100 rows) | rows20000 (2,000 runs of 20,000 rows)
          | configs8000 (8,000 configs x 2 seeds, 10 rows) | small (20 runs, 100 rows)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CASES = {
    "small": (4, 5, 100),
    "runs2000": (400, 5, 100),
    "rows20000": (400, 5, 20_000),
    "configs8000": (8_000, 2, 10),
}

FLOOR = r"""
import os, sys, h5py
root = sys.argv[1]
n = 0
for run in sorted(os.scandir(os.path.join(root, "runs")), key=lambda e: e.name):
    logs = os.path.join(run.path, "logs")
    for name in sorted(os.listdir(logs)):
        with h5py.File(os.path.join(logs, name), "r") as f:
            meta = dict(f["meta"].attrs)
            for part in ("time", "stats"):
                for k in f[part]:
                    f[part][k][()]
        n += 1
print(n)
"""

RSS = r"""
import resource, subprocess, sys
res = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if res.returncode:
    sys.exit(res.stderr)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(ru.ru_maxrss, ru.ru_utime + ru.ru_stime)
"""


def _template(tmp: Path, rows: int) -> Path:
    """One finished mle-logger log of ``rows`` rows (step, loss)."""
    import numpy as np
    from mle_logger import Logger

    folder = tmp / "template"
    log = Logger(folder, seed_id=0, time_keys=["step"], stats_keys=["loss"])
    values = np.linspace(1.0, 0.1, rows)
    for i in range(rows):
        log.update({"step": i + 1}, {"loss": float(values[i])})
        if (i + 1) % 5000 == 0:
            log.save()
    log.close()
    [path] = (folder / "logs").glob("seed_*.hdf5")
    return path


def build(root: Path, configs: int, seeds: int, rows: int) -> Path:
    """A finished grid-search folder: ``configs`` x ``seeds`` runs of ``rows`` rows each."""
    import h5py
    import numpy as np

    exp = root / "20261202-080000_bench"
    exp.mkdir(parents=True)
    template = _template(root, rows)
    side = max(1, int(configs**0.5))
    marker: dict[str, Any] = {
        "job_type": "hyperparameter-search",
        "project_name": "bench",
        "backend": "local",
        "num_seeds": seeds,
        "budget": configs,
        "job_args": {"log_file": "log", "err_file": "err"},
        "search": {
            "search_type": "grid",
            "maximize_objective": False,
            "problem_type": "final",
            "eval_score_type": "loss",
        },
    }
    (exp / "mle-experiment.json").write_text(json.dumps(marker))
    rng = np.random.default_rng(0)
    shape = np.linspace(1.0, 0.0, rows)
    t = 1_796_187_714.0
    with (exp / "jobs.jsonl").open("w") as jobs, (exp / "events.jsonl").open("w") as events:
        for c in range(configs):
            cid = f"p{c:05d}"
            params = {"train_config.a": float(c % side), "train_config.b": float(c // side)}
            level = 0.1 + (c % 97) / 97.0
            for s in range(seeds):
                jid = f"{cid}-s{s}"
                row = {"job_id": jid, "config_id": cid, "seed": s, "config_key": cid}
                jobs.write(json.dumps({**row, "params": params, "proposal": c}) + "\n")
                run = exp / "runs" / jid
                (run / "logs").mkdir(parents=True)
                dst = run / "logs" / f"seed_{s}.hdf5"
                shutil.copyfile(template, dst)
                with h5py.File(dst, "r+") as f:
                    noise = rng.normal(scale=0.05)
                    f["stats/loss"][...] = level + shape * 0.5 + noise
                    f["meta"].attrs["seed_id"] = s
                status = {"start": t, "host": "vm", "pid": 1, "pid_start": 1, "end": t + 1}
                (run / "job-status.json").write_text(json.dumps({**status, "exit_code": 0}))
                for state in ("submitted", "running", "done"):
                    ev = {"state": state, "attempt": 0, "time": t, "job_id": jid}
                    events.write(json.dumps({**ev, "exit_code": 0} if state == "done" else ev))
                    events.write("\n")
                t += 1.0
        events.write(json.dumps({"search": "ended", "reason": "budget spent"}) + "\n")
    return exp


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall s, CPU s, max RSS kB) of one fresh process."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", RSS, *argv], capture_output=True, text=True, env=env, check=True
    )
    rss, cpu = out.stdout.split()
    return time.perf_counter() - t0, float(cpu), int(rss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", choices=list(CASES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="build (or reuse) the folder here instead of a temp dir")
    ap.add_argument("--only", default="floor,results,report")
    args = ap.parse_args()
    configs, seeds, rows = CASES[args.case]
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mle-bench-"))
    found = sorted(tmp.glob("*_bench"))
    t0 = time.perf_counter()
    exp = found[0] if found else build(tmp, configs, seeds, rows)
    how = "reused" if found else f"built in {time.perf_counter() - t0:.0f} s"
    print(f"case {args.case}: {configs} configs x {seeds} seeds, {rows} rows per log; folder {how}")
    env = {**os.environ, "MLE_USER_CONFIG": str(tmp / "none.yaml")}
    env["MLE_REGISTRY"] = str(tmp / "registry.db")
    commands = {
        "floor": [sys.executable, "-c", FLOOR, str(exp)],
        "results": [sys.executable, "-m", "mle_cli", "results", str(exp), "--json"],
        "report": [sys.executable, "-m", "mle_cli", "report", str(exp), "-d", str(tmp / "rep")],
    }
    wanted = args.only.split(",")
    best: dict[str, tuple[float, float, int]] = {}
    loads = []
    for _ in range(args.repeat):
        for name in wanted:
            wall, cpu, rss = _timed(commands[name], env)
            loads.append(os.getloadavg()[0])
            old = best.get(name, (wall, cpu, rss))
            best[name] = (min(wall, old[0]), min(cpu, old[1]), max(rss, old[2]))
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{min(loads):.1f}-{max(loads):.1f} (best of {args.repeat}, alternated)"
    )
    fw, fc, _ = best.get("floor", (float("nan"), float("nan"), 0))
    for name in wanted:
        wall, cpu, rss = best[name]
        print(
            f"{name:8s} wall {wall:7.2f} s ({wall / fw:4.2f}x floor)  "
            f"CPU {cpu:7.2f} s ({cpu / fc:4.2f}x floor)  max RSS {rss / 1024:5.0f} MB"
        )
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
