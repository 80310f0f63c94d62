"""The experiment registry: rows read from experiment folders, several writers at once, a
rescan that gives back the rows written live, and a registry that cannot be written."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from mle_monitor import (
    AmbiguousExperimentError,
    ExperimentNotFoundError,
    Registry,
    RegistryError,
    RegistryWarning,
    default_registry_path,
    inspect_experiment,
    read_experiment,
)
from monitor_helpers import driver_holding, make_experiment


def test_folder_record_has_what_the_folder_says(tmp_path: Path) -> None:
    root = make_experiment(
        tmp_path,
        "20261202-050154_ode",
        [("p0000-s0", "done"), ("p0000-s1", "done"), ("p0001-s0", "done"), ("p0001-s1", "failed")],
        search=True,
        scores={"p0000": 1.0, "p0001": 3.0},
    )
    rec = read_experiment(root)
    assert rec.folder == str(root) and rec.name == "20261202-050154_ode"
    assert (rec.project, rec.purpose, rec.host, rec.backend) == (
        "ode",
        "trying grid",
        "vm",
        "local",
    )
    assert (rec.git_commit, rec.git_dirty, rec.job_type) == (
        "abc123",
        True,
        "hyperparameter-search",
    )
    assert rec.state == "failed"
    assert (rec.jobs_total, rec.jobs_done, rec.jobs_failed, rec.jobs_running) == (4, 3, 1, 0)
    assert rec.best_score == 3.0 and rec.best_params == {"train_config.x_0": 9.0}
    assert rec.metric == "integral"
    assert rec.started == pytest.approx(1_796_187_714.0, abs=1e5)
    assert rec.finished is not None and rec.finished >= 1_796_187_714.0


@pytest.mark.parametrize(
    ("jobs", "told", "state"),
    [
        ([("a-s0", "done"), ("a-s1", "done")], None, "done"),
        ([("a-s0", "done"), ("a-s1", "timeout")], None, "failed"),
        ([("a-s0", "done"), ("a-s1", "cancelled")], None, "cancelled"),
        ([("a-s0", "done"), ("a-s1", "running")], None, "interrupted"),  # driver killed
        ([("a-s0", "done"), ("a-s1", "pending")], None, "interrupted"),
        ([("a-s0", "done"), ("a-s1", "cancelled")], "interrupted", "interrupted"),  # Ctrl-C
    ],
)
def test_experiment_state_from_the_folder(
    tmp_path: Path, jobs: list[tuple[str, str]], told: str | None, state: str
) -> None:
    root = make_experiment(tmp_path, "exp", jobs, told=told)
    assert read_experiment(root).state == state


def test_a_held_driver_lock_means_running_and_counts_come_from_events(tmp_path: Path) -> None:
    root = make_experiment(
        tmp_path,
        "exp",
        [("a-s0", "done"), ("a-s1", "running"), ("b-s0", "queued"), ("b-s1", "pending")],
    )
    with driver_holding(root):
        detail = inspect_experiment(root)
    assert detail.record.state == "running" and detail.record.finished is None
    assert detail.counts == {"done": 1, "running": 1, "queued": 1, "pending": 1}
    assert detail.record.jobs_running == 1
    assert read_experiment(root).state == "interrupted"  # the lock is gone


def test_a_search_plans_budget_times_seeds_and_reports_best_so_far(tmp_path: Path) -> None:
    root = make_experiment(
        tmp_path,
        "exp",
        [("p0000-s0", "done"), ("p0000-s1", "done"), ("p0001-s0", "running")],
        search=True,
        budget=5,
        scores={"p0000": 2.5},
        search_ended=False,
    )
    with driver_holding(root):
        rec = read_experiment(root)
    assert (rec.state, rec.jobs_total, rec.jobs_done) == ("running", 10, 2)
    assert rec.best_score == 2.5 and rec.best_params == {"train_config.x_0": 1.0}


def test_registry_round_trip_and_lookup(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg" / "registry.db")
    assert reg.list() == []  # no file yet: nothing, and nothing created
    assert not reg.path.exists()
    a = make_experiment(tmp_path / "exps", "20261202-050154_ode", project="ode")
    b = make_experiment(tmp_path / "exps", "20261202-060000_mnist", project="mnist", t0=2e9)
    ra, rb = reg.update(a), reg.update(b)
    assert ra is not None and rb is not None
    assert reg.list() == [rb, ra] or reg.list() == [ra, rb]
    assert reg.list(project="ode") == [ra]
    assert reg.list(state="done") and reg.list(state="running") == []
    assert reg.get(ra.id) == ra
    assert reg.get(ra.id[:6]) == ra
    assert reg.get("20261202-050154_ode") == ra
    assert reg.get(str(a)) == ra
    with pytest.raises(ExperimentNotFoundError, match="nothing-like-it"):
        reg.get("nothing-like-it")
    with pytest.raises(AmbiguousExperimentError, match="2 experiments"):
        reg.get("")
    con = sqlite3.connect(reg.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_default_path_follows_xdg_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLE_REGISTRY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_registry_path() == tmp_path / "data" / "mle" / "registry.db"
    monkeypatch.setenv("MLE_REGISTRY", str(tmp_path / "x.db"))
    assert Registry().path == tmp_path / "x.db"


def test_rescan_gives_back_the_rows_written_live(tmp_path: Path) -> None:
    exps = tmp_path / "exps"
    folders = [
        make_experiment(exps, "e1", [("a-s0", "done"), ("a-s1", "done")]),
        make_experiment(exps, "e2", [("a-s0", "done"), ("a-s1", "running")]),
        make_experiment(exps / "sub", "e3", [("a-s0", "cancelled")], project="other"),
        make_experiment(
            exps,
            "e4",
            [("p0000-s0", "done"), ("p0000-s1", "failed")],
            search=True,
            scores={"p0000": 1.5},
        ),
    ]
    (exps / "e1" / "runs" / "a-s0" / "mle-experiment.json").write_text("{}")  # never looked at
    live = Registry(tmp_path / "live.db")
    for f in folders:
        live.update(f)
    rebuilt = Registry(tmp_path / "rebuilt.db")
    got = rebuilt.rescan(exps)
    assert len(got) == 4
    assert rebuilt.list() == live.list()
    assert {r.state for r in rebuilt.list()} == {"done", "interrupted", "cancelled", "failed"}
    shutil.rmtree(exps / "e2")
    live.rescan(exps, prune=True)
    assert sorted(r.name for r in live.list()) == ["e1", "e3", "e4"]


def test_refresh_running_catches_a_killed_driver(tmp_path: Path) -> None:
    root = make_experiment(tmp_path, "exp", [("a-s0", "running")])
    reg = Registry(tmp_path / "r.db")
    with driver_holding(root):
        assert reg.update(root).state == "running"  # type: ignore[union-attr]
    assert reg.get("exp").state == "running"
    assert [r.state for r in reg.list(refresh=True)] == ["interrupted"]


_WRITER = """
import sys
from mle_monitor import ExperimentRecord, Registry
reg = Registry(sys.argv[1])
for i in range(int(sys.argv[3])):
    rec = ExperimentRecord.for_folder(f"/exps/w{sys.argv[2]}-{i}", project=f"p{sys.argv[2]}", jobs_done=i)
    assert reg.upsert(rec), "write failed"
    reg.list(project=f"p{sys.argv[2]}")
"""


def test_concurrent_writers_from_several_processes(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    n_proc, n_rows = 4, 40
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-W",
                "error::UserWarning",
                "-c",
                _WRITER,
                str(db),
                str(p),
                str(n_rows),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(n_proc)
    ]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    reg = Registry(db)
    rows = reg.list()
    assert len(rows) == n_proc * n_rows
    for p in range(n_proc):
        assert sorted(r.jobs_done for r in reg.list(project=f"p{p}")) == list(range(n_rows))


def test_a_registry_that_cannot_be_written_warns_once_and_returns(tmp_path: Path) -> None:
    root = make_experiment(tmp_path, "exp")
    reg = Registry("/dev/null/mle/registry.db")  # a file where a folder should be
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert reg.update(root) is None
        assert reg.upsert(read_experiment(root)) is False
    msgs = [str(w.message) for w in caught if issubclass(w.category, RegistryWarning)]
    assert len(msgs) == 1 and "cannot be written" in msgs[0] and "--rescan" in msgs[0]
    assert reg.list() == []


def test_a_locked_registry_warns_instead_of_waiting_forever(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    Registry(db).upsert(read_experiment(make_experiment(tmp_path, "a")))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.warns(RegistryWarning, match="cannot be written.*locked"):
            assert Registry(db, timeout=0.2).update(make_experiment(tmp_path, "b")) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [r.name for r in Registry(db).list()] == ["a"]


def test_a_file_that_is_no_database(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    db.write_text("not a database, " * 100)
    reg = Registry(db)
    with pytest.warns(RegistryWarning):
        assert reg.update(make_experiment(tmp_path, "a")) is None
    with pytest.raises(RegistryError, match="expected an mle experiment registry"):
        reg.list()
    assert db.read_text().startswith("not a database")  # nothing of the user's is overwritten


def test_file_names_agree_with_mle_config_layout() -> None:
    layout = pytest.importorskip("mle_config.layout")
    from mle_monitor import _folder

    for name in (
        "EXPERIMENT_MARKER",
        "RESOLVED_CONFIG",
        "JOBS_TABLE",
        "EVENTS_LOG",
        "HYPER_LOG",
        "REPRO_RECORD",
        "RESULTS",
        "RUNS_DIR",
        "DRIVER_LOCK",
        "RUN_STATUS_FILE",
    ):
        assert getattr(_folder, name) == getattr(layout, name), name
    for fname in ("hyper_log.pkl", "a/b/log.jsonl", "x"):
        assert _folder.hyper_log_name(fname) == layout.hyper_log_name(fname)


def test_a_folder_cache_reads_only_what_was_appended_and_agrees_with_a_fresh_read(
    tmp_path: Path,
) -> None:
    from mle_monitor import FolderCache

    root = make_experiment(tmp_path, "exp", [("a-s0", "done"), ("a-s1", "running")])
    cache = FolderCache()
    with driver_holding(root):
        assert inspect_experiment(root, cache=cache).counts == {"done": 1, "running": 1}
        with (root / "events.jsonl").open("a") as fh:
            fh.write('{"state": "done", "exit_code": 0, "time": 1.9e9, "job_id": "a-s1"')  # torn
        assert inspect_experiment(root, cache=cache).counts == {"done": 1, "running": 1}
        with (root / "events.jsonl").open("a") as fh:
            fh.write("}\n")
        cached = inspect_experiment(root, cache=cache)
        assert cached.counts == {"done": 2}
        assert cached == inspect_experiment(root)
    text = (root / "events.jsonl").read_text().splitlines()
    (root / "events.jsonl").write_text("\n".join(text[:2]) + "\n")  # replaced by a shorter file
    assert inspect_experiment(root, cache=cache) == inspect_experiment(root)


def test_on_a_network_file_system_the_registry_uses_a_rollback_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mle_monitor import _registry

    assert _registry.filesystem_type("/proc/self") == "proc"
    monkeypatch.setattr(_registry, "filesystem_type", lambda path: "nfs4")
    reg = Registry(tmp_path / "nfs" / "r.db")
    assert reg.update(make_experiment(tmp_path, "a")) is not None
    con = sqlite3.connect(reg.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()
    assert [r.name for r in reg.list()] == ["a"]
