"""The driver's own cost per job, and whether its memory stays flat as jobs finish.

Two measurements, both in one run:

1. ``fake``: the real driver (queue, store, events, job table, results) in this process on
   mle-scheduler's FakeBackend, whose jobs end at their first poll, so no process runs: the time
   per job is the driver's own. Runs N1 and N2 jobs; the slope (t(N2) - t(N1)) / (N2 - N1)
   removes the fixed cost (imports, results at the end). Peak traced memory of each run tells
   whether memory grows with the number of finished jobs.
2. ``local``: ``mle run`` of M trivial jobs (a script that checks its arguments and exits) on the
   local backend, 2 at a time, against the same M processes started directly, 2 at a time
   (a bare process pool), in the same run. The difference includes the CLI start, the job
   wrapper (bash) and the results at the end; ``driver cpu`` is the mle process's own CPU time
   (its children excluded).

    python benchmarks/cli/bench_driver.py [N1 N2 M]     (default 500 2000 100)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

TRIVIAL = "import sys\nassert '-exp_dir' in sys.argv\n"
YAML = (
    "meta_job_args:\n  job_type: multiple-experiments\n  base_train_fname: train.py\n"
    "  base_train_config: c.json\n  max_running_jobs: {par}\n"
    "multi_experiment_args:\n  num_seeds: {n}\n"
)


def _project(root: Path, n: int, par: int) -> None:
    (root / "train.py").write_text(TRIVIAL)
    (root / "c.json").write_text('{"train_config": {}, "log_config": {}}')
    (root / "exp.yaml").write_text(YAML.format(n=n, par=par))


def fake_run(n: int, trace: bool = False) -> tuple[float, float, int]:
    """(wall s, cpu s, and with ``trace`` the growth of traced memory from the first to the
    last finished job) of the driver running n jobs on the FakeBackend (job table and configs
    are written before the clock starts)."""
    from mle_cli import _driver
    from mle_cli._setup import marker_for, write_job_configs
    from mle_config import ExperimentFolder as ExperimentDir
    from mle_config import load_experiment_spec as load_spec
    from mle_config import plan_static_jobs, write_json
    from mle_scheduler.testing import FakeBackend

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _project(root, n, 2)
        spec = load_spec(root / "exp.yaml", cwd=root)
        exp = ExperimentDir(root / "exp")
        exp.root.mkdir()
        write_job_configs(exp, spec, plan_static_jobs(spec))
        write_json(exp.marker, marker_for(spec, sys.executable, root, ["mle", "run"]))

        class Forgetful(FakeBackend):  # a backend that drops ended jobs (Backend.forget)
            def forget(self, ids: list[str]) -> None:
                for job_id in ids:
                    self.jobs.pop(job_id, None)
                    self._specs.pop(job_id, None)

        _driver.make_backend = lambda name: Forgetful(auto_finish=0)  # type: ignore[assignment]
        driver = _driver.Driver(exp, quiet=True)
        held: list[int] = []
        if trace:  # memory held when the first and the last job finish
            tracemalloc.start()
            seen = driver._finished

            def finished(qj: Any) -> None:
                seen(qj)
                if len(held) < 2:
                    held.append(tracemalloc.get_traced_memory()[0])
                else:
                    held[1] = tracemalloc.get_traced_memory()[0]

            driver._finished = finished  # type: ignore[method-assign]
        t0, c0 = time.perf_counter(), time.process_time()
        driver.run()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        tracemalloc.stop()
    return dt, dc, (held[1] - held[0]) if trace else 0


def bare_pool(root: Path, n: int, par: int) -> float:
    t0 = time.perf_counter()
    running: list[subprocess.Popen[bytes]] = []
    for i in range(n):
        while len(running) >= par:
            os.wait()
            running = [p for p in running if p.poll() is None]
        argv = [sys.executable, str(root / "train.py"), "-config", "c.json", "-seed", str(i)]
        running.append(subprocess.Popen([*argv, "-exp_dir", str(root / f"bare/{i}")]))
    for p in running:
        p.wait()
    return time.perf_counter() - t0


def mle_run(root: Path) -> tuple[float, float]:
    """(wall seconds, the mle process's own CPU seconds)."""
    code = "from mle_cli.main import main\nmain(['run', 'exp.yaml', '--quiet'])\n"
    wrap = (
        "import atexit, json, resource\n"
        "def _r():\n    u = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    open('cpu.json', 'w').write(json.dumps(u.ru_utime + u.ru_stime))\n"
        "atexit.register(_r)\n" + code
    )
    env = {**os.environ, "MLE_USER_CONFIG": "/nonexistent"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", wrap], cwd=root, check=False, env=env)
    wall = time.perf_counter() - t0
    return wall, float(json.loads((root / "cpu.json").read_text()))


def main() -> None:
    n1, n2, m = (int(a) for a in (sys.argv[1:4] if len(sys.argv) > 3 else (500, 2000, 100)))
    load0 = os.getloadavg()[0]
    fake_run(50)  # imports and caches: not the driver's cost per job
    (t1, c1, _), (t2, c2, _) = fake_run(n1), fake_run(n2)
    per_wall, per_cpu = ((t2 - t1) / (n2 - n1) * 1000, (c2 - c1) / (n2 - n1) * 1000)
    print(f"fake backend: {n1} jobs {t1:.2f} s, {n2} jobs {t2:.2f} s (cpu {c1:.2f} / {c2:.2f} s)")
    print(f"  driver cost per job: {per_wall:.2f} ms wall, {per_cpu:.2f} ms cpu")
    p1, p2 = fake_run(n1, trace=True)[2], fake_run(n2, trace=True)[2]
    print(
        f"  memory growth from first to last finished job: {p1 / 1e3:.0f} kB ({n1} jobs), "
        f"{p2 / 1e3:.0f} kB ({n2} jobs)"
    )
    bare, mle, cpus = [], [], []
    for _ in range(2):  # alternated, best of two: the machine is shared
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            _project(root, m, 2)
            bare.append(bare_pool(root, m, 2))
            wall, cpu = mle_run(root)
            mle.append(wall)
            cpus.append(cpu)
    t_bare, t_mle = min(bare), min(mle)
    print(f"local, {m} trivial jobs, 2 at a time: bare pool {t_bare:.2f} s, mle run {t_mle:.2f} s")
    print(
        f"  difference {(t_mle - t_bare) / m * 1000:.1f} ms/job; "
        f"mle process cpu {min(cpus):.2f} s ({min(cpus) / m * 1000:.1f} ms/job, with start-up)"
    )
    print(f"CPUs {os.cpu_count()}, load {load0:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
