"""The experiment registry: one SQLite file per user, one row per experiment folder.

The database runs in WAL mode with a busy timeout, so several ``mle`` processes may write at
once (each write is one short ``BEGIN IMMEDIATE`` transaction) while monitors read. On a network
file system (an NFS home on a cluster), where WAL is unsafe, it uses a rollback journal. The
experiment folder stays the truth: :meth:`Registry.rescan` rebuilds every row from the folders.
A registry that cannot be written (read-only home, a lock held too long, a file that is no
database) never stops an experiment: the write warns once (:class:`RegistryWarning`) and
returns ``False``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from ._folder import find_experiment_folders, read_experiment
from ._record import ExperimentRecord
from .errors import (
    AmbiguousExperimentError,
    ExperimentFolderError,
    ExperimentNotFoundError,
    RegistryError,
    RegistryWarning,
)

__all__ = [
    "NETWORK_FILESYSTEMS",
    "REGISTRY_ENV",
    "Registry",
    "default_registry_path",
    "filesystem_type",
]

#: environment variable naming the registry file (wins over the default location)
REGISTRY_ENV = "MLE_REGISTRY"
SCHEMA_VERSION = 1
_COLUMNS = [f.name for f in fields(ExperimentRecord)]
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS experiments (
        id TEXT PRIMARY KEY,
        folder TEXT NOT NULL UNIQUE,
        name TEXT, project TEXT, purpose TEXT, host TEXT, backend TEXT,
        git_commit TEXT, git_dirty INTEGER, job_type TEXT, state TEXT,
        jobs_total INTEGER, jobs_done INTEGER, jobs_failed INTEGER, jobs_running INTEGER,
        started REAL, finished REAL, metric TEXT, best_score REAL, best_params TEXT,
        updated REAL
    )""",
    "CREATE INDEX IF NOT EXISTS experiments_project ON experiments (project)",
    "CREATE INDEX IF NOT EXISTS experiments_state ON experiments (state)",
    "CREATE INDEX IF NOT EXISTS experiments_started ON experiments (started)",
)
# column names come from the dataclass; values are always bound
_UPSERT = (
    f"INSERT INTO experiments ({', '.join(_COLUMNS)}, updated) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))}) "
    f"ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in [*_COLUMNS[1:], "updated"])
)


#: file systems where SQLite's WAL mode is unsafe (its index lives in shared memory, which
#: other hosts do not see): the registry uses a rollback journal there
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "beegfs", "ceph",
        "glusterfs", "fuse.glusterfs", "fuse.sshfs", "afs", "9p",
    }
)  # fmt: skip


def filesystem_type(path: str | os.PathLike[str]) -> str | None:
    """The type of the file system holding ``path`` (from ``/proc/mounts``; None: unknown)."""
    try:
        text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    target = os.path.realpath(path)
    best, kind = "", None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, parts[2]
    return kind


def default_registry_path() -> Path:
    """``$MLE_REGISTRY`` if set, else ``$XDG_DATA_HOME/mle/registry.db``
    (``~/.local/share/mle/registry.db``)."""
    env = os.environ.get(REGISTRY_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mle" / "registry.db"


def _to_row(rec: ExperimentRecord) -> tuple[Any, ...]:
    values: list[Any] = []
    for name in _COLUMNS:
        v = getattr(rec, name)
        if name == "best_params":
            v = None if v is None else json.dumps(v, sort_keys=True, default=str)
        elif name == "git_dirty":
            v = None if v is None else int(v)
        values.append(v)
    return (*values, time.time())


def _from_row(row: sqlite3.Row) -> ExperimentRecord:
    data = {name: row[name] for name in _COLUMNS}
    if data["best_params"] is not None:
        try:
            data["best_params"] = json.loads(data["best_params"])
        except ValueError:
            data["best_params"] = None
    if data["git_dirty"] is not None:
        data["git_dirty"] = bool(data["git_dirty"])
    for name in ("jobs_total", "jobs_done", "jobs_failed", "jobs_running"):
        data[name] = int(data[name] or 0)
    data["name"] = data["name"] or ""
    data["project"] = data["project"] or ""
    data["state"] = data["state"] or "running"
    return ExperimentRecord(**data)


class Registry:
    """The experiment registry at ``path`` (default: :func:`default_registry_path`).

    >>> reg = Registry(tmp / "registry.db")            # doctest: +SKIP
    >>> reg.update("experiments/20261202-050154_ode")  # read the folder, write its row
    >>> [r.state for r in reg.list(project="ode")]
    ['done']
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 10.0):
        self.path = Path(path).expanduser() if path is not None else default_registry_path()
        self.timeout = timeout
        self._warned = False
        self._ready = False
        self._journal: str | None = None  # "wal", or "delete" on a network file system

    def __repr__(self) -> str:
        return f"Registry({str(self.path)!r})"

    # ------------------------------------------------------------------ connections
    def _open(self, uri: str | None = None) -> sqlite3.Connection:
        target = uri or str(self.path)
        con = sqlite3.connect(
            target, timeout=self.timeout, isolation_level=None, uri=uri is not None
        )
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        return con

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._journal is None:
            network = filesystem_type(self.path.parent) in NETWORK_FILESYSTEMS
            self._journal = "delete" if network else "wal"
        con = self._open()
        try:
            if (
                not self._ready
                and con.execute("PRAGMA journal_mode").fetchone()[0] != self._journal
            ):
                con.execute(f"PRAGMA journal_mode = {self._journal.upper()}")
            # per connection; WAL: a commit needs no fsync (a power cut loses the last rows,
            # never the file); a rollback journal needs FULL for that
            sync = "NORMAL" if self._journal == "wal" else "FULL"
            con.execute(f"PRAGMA synchronous = {sync}")
            con.execute("BEGIN IMMEDIATE")
            try:
                if not self._ready:
                    for statement in _SCHEMA:
                        con.execute(statement)
                    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            self._ready = True
        finally:
            con.close()

    def _write(self, what: str, action: Callable[[sqlite3.Connection], object]) -> bool:
        try:
            with self._writing() as con:
                action(con)
        except (sqlite3.Error, OSError) as exc:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"mle: the experiment registry {self.path} cannot be written ({what}: "
                    f"{exc}); nothing else is affected, and `mle list --rescan DIR` "
                    "rebuilds it from the experiment folders",
                    RegistryWarning,
                    stacklevel=3,
                )
            return False
        return True

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A connection for reading, or None when there is no registry (yet)."""
        if not self.path.exists():
            yield None
            return
        con: sqlite3.Connection | None = None
        try:
            try:
                con = self._open(f"{self.path.resolve().as_uri()}?mode=ro")
                con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            except sqlite3.OperationalError:  # a read-only folder without the WAL's -shm file
                if con is not None:
                    con.close()
                con = self._open(f"{self.path.resolve().as_uri()}?immutable=1")
            yield con
        except sqlite3.DatabaseError as exc:
            if "no such table" in str(exc):
                raise _NoTable() from None
            raise RegistryError(
                f"{self.path}: expected an mle experiment registry (SQLite), found a file "
                f"that cannot be read ({exc}); move it away and rebuild it with "
                "`mle list --rescan DIR`"
            ) from None
        finally:
            if con is not None:
                con.close()

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[ExperimentRecord]:
        try:
            with self._reading() as con:
                if con is None:
                    return []
                return [_from_row(r) for r in con.execute(sql, tuple(args)).fetchall()]
        except _NoTable:
            return []

    # ------------------------------------------------------------------ writing
    def upsert(self, record: ExperimentRecord) -> bool:
        """Insert or replace the row of ``record.id``. False (after one warning) when the
        registry cannot be written."""
        return self.upsert_many([record])

    def upsert_many(self, records: Iterable[ExperimentRecord]) -> bool:
        """Write several rows in one transaction (see :meth:`upsert`)."""
        rows = [_to_row(r) for r in records]
        return self._write("upsert", lambda con: con.executemany(_UPSERT, rows))

    def update(self, folder: str | os.PathLike[str]) -> ExperimentRecord | None:
        """Read ``folder`` and write its row: what ``mle run``/``resume``/``cancel`` call.
        Never raises: a folder that cannot be read or a registry that cannot be written
        warns and returns None."""
        try:
            record = read_experiment(folder)
        except (ExperimentFolderError, OSError) as exc:
            warnings.warn(f"mle: registry not updated: {exc}", RegistryWarning, stacklevel=2)
            return None
        return record if self.upsert(record) else None

    def remove(self, ids: Iterable[str]) -> bool:
        """Delete the rows of ``ids`` (see :meth:`upsert` for failures)."""
        keys = [(i,) for i in ids]
        return self._write(
            "remove", lambda con: con.executemany("DELETE FROM experiments WHERE id = ?", keys)
        )

    def rescan(
        self,
        root: str | os.PathLike[str],
        *,
        prune: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[ExperimentRecord]:
        """Rebuild the rows of every experiment folder at or below ``root`` from the folders
        (one transaction). ``prune``: also drop rows of folders below ``root`` that no longer
        exist. ``progress(i, n)`` is called after each folder. Returns the records read."""
        folders = find_experiment_folders(root)
        records: list[ExperimentRecord] = []
        for i, folder in enumerate(folders, 1):
            try:
                records.append(read_experiment(folder))
            except ExperimentFolderError as exc:
                warnings.warn(f"mle: skipped {exc}", RegistryWarning, stacklevel=2)
            if progress is not None:
                progress(i, len(folders))
        self.upsert_many(records)
        if prune:
            base = os.path.join(os.path.abspath(os.fspath(root)), "")
            gone = [
                r.id
                for r in self.list()
                if r.folder.startswith(base) and not os.path.isdir(r.folder)
            ]
            if gone:
                self.remove(gone)
        return records

    def refresh_running(
        self, reader: Callable[[str], ExperimentRecord] | None = None
    ) -> list[ExperimentRecord]:
        """Re-read the folders of rows that say ``running`` (a driver killed with -9 cannot
        say it stopped) and write what changed. Returns the records that changed.
        ``reader``: how a folder is read (default :func:`read_experiment`)."""
        read = reader if reader is not None else read_experiment
        changed: list[ExperimentRecord] = []
        for rec in self.list(state="running"):
            try:
                now = read(rec.folder)
            except (ExperimentFolderError, OSError):
                continue
            if now != rec:
                changed.append(now)
        if changed:
            self.upsert_many(changed)
        return changed

    # ------------------------------------------------------------------ reading
    def list(
        self,
        *,
        project: str | None = None,
        state: str | None = None,
        limit: int | None = None,
        refresh: bool = False,
    ) -> list[ExperimentRecord]:
        """Rows, newest first, filtered by project and state. ``refresh``: first re-read the
        folders of rows that say ``running`` (:meth:`refresh_running`)."""
        if refresh:
            self.refresh_running()
        where, args = [], []
        if project is not None:
            where.append("project = ?")
            args.append(project)
        if state is not None:
            where.append("state = ?")
            args.append(state)
        sql = "SELECT * FROM experiments"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started IS NULL, started DESC, folder"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._query(sql, args)

    def get(self, key: str) -> ExperimentRecord:
        """The experiment named by ``key``: its id, a unique id prefix, its folder name or
        its folder path. Raises ExperimentNotFoundError / AmbiguousExperimentError."""
        exact = self._query("SELECT * FROM experiments WHERE id = ?", [key])
        if exact:
            return exact[0]
        pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = self._query(
            "SELECT * FROM experiments WHERE id LIKE ? ESCAPE '\\' OR name = ? OR folder = ?",
            [pattern, key, os.path.abspath(key)],
        )
        if len(found) == 1:
            return found[0]
        if not found:
            raise ExperimentNotFoundError(
                f"{self.path}: expected an experiment id, id prefix, folder name or folder "
                f"for {key!r}, found none (see `mle list`, or `mle list --rescan DIR`)"
            )
        names = ", ".join(f"{r.id} ({r.folder})" for r in found[:5])
        raise AmbiguousExperimentError(
            f"{key!r} matches {len(found)} experiments: {names}{', ...' if len(found) > 5 else ''}"
        )


class _NoTable(Exception):
    """The database file exists but holds no experiments table yet."""
