"""The cluster-backend template, proven by a plug-in: a PBS-style backend of ~60 lines
(``pbs_plugin.py``) registered under the entry-point group, run against fake PBS commands that
really run the jobs. Arrays, exit codes, cancel, dry run and discovery all come from the
template and the registry."""

from __future__ import annotations

import time
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from mle_scheduler import (
    BackendNotFoundError,
    JobSpec,
    JobState,
    MissingDependencyError,
    Resources,
    available_backends,
    get_backend,
)
from mle_scheduler.backends.base import Backend
from pbs_plugin import PBSBackend

_QSUB = r"""#!/bin/bash
state=%(state)s
script="${@: -1}"
n=$(( $(cat "$state/counter" 2>/dev/null || echo 0) + 1 )); echo $n > "$state/counter"
out=$(sed -n 's/^#PBS -o //p' "$script" | head -1)
err=$(sed -n 's/^#PBS -e //p' "$script" | head -1)
range=$(sed -n 's/^#PBS -J 1-//p' "$script")
if [ -n "$range" ]; then
    for i in $(seq 1 "$range"); do
        PBS_ARRAY_INDEX=$i setsid bash "$script" </dev/null >/dev/null 2>&1 &
        echo $! > "$state/jobs/$n[$i]"
    done
    echo "$n[].fake"
else
    if [ -n "$err" ]; then
        setsid bash "$script" </dev/null >"$out" 2>"$err" &
    else
        setsid bash "$script" </dev/null >"$out" 2>&1 &
    fi
    echo $! > "$state/jobs/$n"; echo "$n.fake"
fi
"""
_QSTAT = r"""#!/bin/bash
for f in %(state)s/jobs/*; do
    [ -e "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f") R"; fi
done
"""
_QDEL = r"""#!/bin/bash
for id in "$@"; do kill -- -"$(cat "%(state)s/jobs/$id")" 2>/dev/null; done
exit 0
"""


@pytest.fixture
def fake_pbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "pbs"
    (state / "jobs").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("qsub", _QSUB), ("qstat", _QSTAT), ("qdel", _QDEL)):
        (bin_dir / name).write_text(text % {"state": state})
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return state


def _until_final(backend: Backend, ids: list[str], timeout: float = 120.0) -> dict[str, JobState]:
    deadline = time.monotonic() + timeout
    while True:
        states = {i: r.state for i, r in backend.poll(ids).items()}
        if all(s.finished for s in states.values()):
            return states
        assert time.monotonic() < deadline, states
        backend.wait_for_change(1.0)


def test_a_plugin_registered_as_an_entry_point_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint("pbs", "pbs_plugin:PBSBackend", "mle_scheduler.backends")
    original = __import__("mle_scheduler._registry", fromlist=["entry_points"]).entry_points

    def entry_points(*, group: str) -> list[EntryPoint]:
        return [*original(group=group), ep] if group == "mle_scheduler.backends" else []

    monkeypatch.setattr("mle_scheduler._registry.entry_points", entry_points)
    assert {"local", "pbs", "sge", "slurm"} <= set(available_backends())
    backend = get_backend("pbs", array_throttle=2)
    assert isinstance(backend, PBSBackend) and backend.options()["array_throttle"] == 2


def test_a_plugin_that_cannot_be_imported_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ep = EntryPoint("broken", "no_such_module_xyz:Backend", "mle_scheduler.backends")
    monkeypatch.setattr("mle_scheduler._registry.entry_points", lambda *, group: [ep])
    assert "broken" in available_backends()
    with pytest.raises(MissingDependencyError, match=r"^backend 'broken' \(no_such_module_xyz"):
        get_backend("broken")
    with pytest.raises(BackendNotFoundError, match=r"unknown backend 'nope'.*broken"):
        get_backend("nope")


def test_template_runs_arrays_and_single_jobs_with_their_exit_codes(
    fake_pbs: Path, tmp_path: Path
) -> None:
    backend = PBSBackend()
    specs = [JobSpec(["echo", f"task {i}"], stdout=tmp_path / f"a{i}.out") for i in range(3)]
    bad = Resources(num_logical_cores=2)
    specs.append(JobSpec(["sh", "-c", "echo oops >&2; exit 3"], stdout=tmp_path / "b.out",
                         stderr=tmp_path / "b.err", resources=bad))  # fmt: skip
    ids = backend.submit(specs)
    assert ids == ["1[1]", "1[2]", "1[3]", "2"]  # one array, one single job
    assert backend.calls["qsub"] == 2
    states = _until_final(backend, ids)
    assert [states[i] for i in ids] == [JobState.DONE] * 3 + [JobState.FAILED]
    assert backend.poll(["2"])["2"].exit_code == 3
    assert [(tmp_path / f"a{i}.out").read_text() for i in range(3)] == [
        f"task {i}\n" for i in range(3)
    ]
    assert (tmp_path / "b.err").read_text() == "oops\n"
    backend.forget(ids)  # nothing about ended jobs is kept (long runs stay flat in memory)
    assert not (backend._specs or backend._finished or backend._last or backend._missing_since)


def test_template_cancels_and_shows_a_dry_run(fake_pbs: Path, tmp_path: Path) -> None:
    backend = PBSBackend()
    [job_id] = backend.submit([JobSpec(["sleep", "60"], stdout=tmp_path / "s.out")])
    backend.cancel([job_id])
    assert _until_final(backend, [job_id]) == {job_id: JobState.CANCELLED}
    specs = [JobSpec(["true"], stdout=tmp_path / f"d{i}.out") for i in range(2)]
    text = backend.dry_run(specs)
    assert "#PBS -J 1-2" in text and text.count("# $ qsub") == 1
    assert not (tmp_path / "d0.out").exists()
