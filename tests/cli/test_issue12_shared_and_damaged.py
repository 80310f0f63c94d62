"""Issue 12 regression tests written by the audit: a shared experiment's files follow the
umask (item 13), job states come back from the run folders' status files when the event log
is damaged (item 15), and experiment folders made at the same moment never collide (item 16)."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Project, multi_yaml


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, Path]]:
    """A finished two-seed experiment run under a team's umask (group may read, others not)."""
    old = os.umask(0o027)
    try:
        project = Project(tmp_path_factory.mktemp("shared"))
        project.yaml("exp.yaml", multi_yaml(num_seeds=2))
        project.mle("run", "exp.yaml")
        [exp] = project.experiments()
        project.mle("results", str(exp))  # results.json and the like are written too
    finally:
        os.umask(old)
    yield project, exp


# 13. files the toolbox writes take their mode from the umask, not mkstemp's 0600 ----------
def test_every_file_of_a_shared_experiment_follows_the_umask(
    shared: tuple[Project, Path],
) -> None:
    _, exp = shared
    paths = [exp, *exp.rglob("*")]
    names = {p.name for p in paths}
    # the CLI's atomic writes, the queue store and event log, the logger's files, run status
    assert {"mle-experiment.json", "jobs.jsonl", "events.jsonl"} <= names
    assert any(n.endswith(".hdf5") for n in names), sorted(names)
    wrong = []
    for p in paths:
        mode = stat.S_IMODE(p.lstat().st_mode)
        if p.is_symlink():
            continue
        need = 0o050 if p.is_dir() else 0o040  # group may list/enter folders, read files
        if mode & need != need or mode & 0o007:  # and others get nothing (umask 027)
            wrong.append(f"{p.relative_to(exp)}: {oct(mode)}")
    assert not wrong, wrong


# 15. the event log is damaged: states are rebuilt from the run folders' status files --------
@pytest.mark.parametrize("damage", ["garbage", "missing"])
def test_job_states_come_from_the_status_files_when_the_event_log_is_damaged(
    shared: tuple[Project, Path], tmp_path: Path, damage: str
) -> None:
    project, exp = shared
    copy = tmp_path / exp.name
    shutil.copytree(exp, copy)
    before = project.results(exp)["jobs"]
    assert len(before) == 2 and all(j["state"] == "done" for j in before)
    events = copy / "events.jsonl"
    if damage == "garbage":  # not one readable line: bytes that are not UTF-8, a torn row
        events.write_bytes(b"\xff\xfe\x00 not json\n" + b'{"job_id": "c000-s0", "st')
    else:
        events.unlink()
    status = project.mle("status", str(copy))
    assert "Traceback" not in status.stderr
    for job in before:
        line = next(x for x in status.stdout.splitlines() if job["job_id"] in x)
        assert "done" in line, status.stdout
    after = project.results(copy)["jobs"]
    assert [(j["job_id"], j["state"], j["score"]) for j in after] == [
        (j["job_id"], j["state"], j["score"]) for j in before
    ]


# 16. two `mle run` in the same second: each folder is made atomically, a suffix on collision
def test_experiment_folders_made_at_the_same_moment_by_many_threads_are_distinct(
    tmp_path: Path,
) -> None:
    from mle_config import new_experiment_root

    n = 8
    start = threading.Barrier(n)
    made: list[Path] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def make() -> None:
        start.wait(timeout=60)
        try:
            root = new_experiment_root(tmp_path / "experiments", "same", create=True)
        except BaseException as exc:  # collected for the assertion below
            with lock:
                errors.append(exc)
            return
        with lock:
            made.append(root)

    threads = [threading.Thread(target=make) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(made) == n and len(set(made)) == n and all(p.is_dir() for p in made)
    assert sorted(made) == sorted((tmp_path / "experiments").iterdir())
