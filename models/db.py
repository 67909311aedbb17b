"""Opening the database file safely, schema versions and the transaction helper.

``Database.open(path)`` refuses what it must not touch (not a database, damaged, written by a
newer program) *before* writing anything, backs the file up before any schema upgrade, and runs
each upgrade step in its own transaction. ``db.session()`` is the one-transaction-per-user-action
helper: it commits when the block ends normally and rolls back on any exception.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from models import backup, codes, filelock, opening, sqlconnect, yearlock
from models.entities import CodeEntry, Setting
from models.errors import IN_USE, DatabaseDamaged, DatabaseTooNew, FileProblem, describe_os_error
from models.sqlitefile import (  # noqa: F401 - re-exported for callers of models.db
    APPLICATION_ID,
    SCHEMA_VERSION,
    SQLITE_MAGIC,
    UPGRADES,
    checkpoint,
    create_schema,
    inspect_file,
    read_header_problem,
    upgrade_file,
)

#: seconds a new connection waits while a restore replaces the file
USE_LOCK_WAIT = 30.0

#: run inside every write transaction just before it commits (see :func:`on_commit`)
_ON_COMMIT: list[Callable[[Session], object]] = []


def on_commit(hook: Callable[[Session], object]) -> None:
    """Have ``hook(session)`` run inside every write transaction of this process just before
    it commits (``Database.session``, a new file's first one): the layer above storage keeps
    what it derives from the data current (the first screen's figures:
    models.first_screen_store.install), so storage imports no statistics."""
    if hook not in _ON_COMMIT:
        _ON_COMMIT.append(hook)


def _before_commit(s: Session) -> None:
    for hook in _ON_COMMIT:
        hook(s)


class UseLockMixin:
    """Holds the shared use lock of its file until the connection is closed, so a restore
    can never swap the file under an open connection (models.filelock)."""

    use_lock: filelock.FileLock | None = None

    def close(self) -> None:
        try:
            super().close()  # type: ignore[misc]
        finally:
            if self.use_lock is not None:
                self.use_lock.unlock()


class LockedConnection(UseLockMixin, sqlite3.Connection):
    """A SQLite connection with the use lock (sqlconnect gives an encrypted file the same
    mixin on SQLCipher's connection class)."""


def connect_locked(path: Path) -> sqlite3.Connection:
    """Open ``path`` after taking its shared use lock (waits while a restore runs)."""
    lock = filelock.use_lock(path, timeout=USE_LOCK_WAIT)
    if lock is None:
        raise FileProblem(f"数据库“{path.name}”正在被恢复，请稍后再试。")
    con = sqlconnect.connect(path, check_same_thread=False, factory=LockedConnection)
    con.use_lock = lock  # type: ignore[attr-defined]
    return con

def _configure(engine: Engine, immediate: bool = True) -> None:
    """Pragmas on every connection and real BEGIN/COMMIT around each transaction.

    The writing engine takes the write lock up front (``BEGIN IMMEDIATE``: no failed upgrade
    from read to write); the reading engine uses deferred transactions that never block."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con, _record) -> None:
        dbapi_con.isolation_level = None  # we emit BEGIN ourselves (see below)
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An open 关工台账 database file."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self._generation = 0
        self._held: list[filelock.FileLock] = []
        self._bind(engine)

    def keep(self, lock: filelock.FileLock) -> None:
        """Hold ``lock`` (e.g. a shared use lock taken before the file was first looked at)
        until :meth:`close`."""
        self._held.append(lock)

    def _bind(self, engine: Engine) -> None:
        self.engine = engine
        self.read_engine = self._engine(self.path, immediate=False)
        self._factory = sessionmaker(engine, expire_on_commit=False)
        yearlock.install(self._factory)  # contract §7: an accepted year's figures stay as sent
        self._read_factory = sessionmaker(self.read_engine, expire_on_commit=False)
        for eng in (self.engine, self.read_engine):
            event.listen(eng, "connect", self._stamp)
            event.listen(eng, "checkin", self._retire_stale)

    def reconnect(self) -> None:
        """After the file was replaced (restore) or re-encrypted (password): close every
        connection and, when the file changed between plain and encrypted, open new engines
        with the right DB-API module."""
        self.dispose()
        if self.engine.dialect.dbapi is not sqlconnect.module_for(self.path):
            self._bind(self._engine(self.path))

    def _stamp(self, _dbapi_con: Any, record: Any) -> None:
        record.info["generation"] = self._generation

    def _retire_stale(self, dbapi_con: Any, record: Any) -> None:
        """A connection that was in use during dispose() is closed when it comes back, so
        none outlives a dispose (a restore can then replace the file)."""
        if dbapi_con is not None and record.info.get("generation") != self._generation:
            dbapi_con.close()

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, create: bool = True, check: bool | None = False,
             upgrade_backup_dir: Path | None = None) -> Database:
        """Open (or create) the database at ``path``.

        ``check``: False (the default) runs SQLite's ``quick_check``, True the full
        ``integrity_check`` (the ``check`` command, backups and restores run it themselves),
        None neither (the window verifies in the background).

        Raises FileProblem when the file is missing (``create=False``) or its folder cannot be
        written, DatabaseDamaged when it is not a readable 关工台账 database, DatabaseTooNew when
        a newer program wrote it. In all those cases the file is left untouched. Older files are
        backed up (to ``upgrade_backup_dir`` or the default backup folder) and then upgraded.
        """
        path = Path(path).expanduser().resolve()
        if not path.exists():
            if not create:
                raise FileProblem(f"找不到数据库文件“{path}”。请检查路径，或先用 init 命令建立。")
            made = cls._create(path)
            if made is not None:
                return made
        opening.remove_leftovers(path)
        version, problems = inspect_file(path, full=check)
        if problems:
            raise DatabaseDamaged(
                f"数据库文件“{path.name}”检查出错误（{problems[0]}），可能已损坏。请从备份恢复。")
        if version > SCHEMA_VERSION:
            raise DatabaseTooNew(
                f"这个数据库由更新版本的关工台账建立（数据版本 {version}，本程序只支持到 "
                f"{SCHEMA_VERSION}）。请安装新版本的程序后再打开，文件没有被改动。")
        if version < SCHEMA_VERSION:
            cls._upgrade(path, version, upgrade_backup_dir)
        return cls(path, cls._engine(path))

    @staticmethod
    def _engine(path: Path, immediate: bool = True) -> Engine:
        engine = create_engine(f"sqlite:///{path}", creator=lambda: connect_locked(path),
                               module=sqlconnect.module_for(path))
        _configure(engine, immediate)
        return engine

    @classmethod
    def _create(cls, path: Path) -> Database | None:
        """A new database at ``path``, built under a temporary name and renamed when whole,
        while this process holds the file's exclusive use lock: two processes creating the
        same file take turns, and the second opens what the first made (None: open it)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + USE_LOCK_WAIT
            while True:
                turn = filelock.use_lock(path, exclusive=True)
                if turn is not None or path.exists():
                    break
                if time.monotonic() > deadline:
                    raise FileProblem(IN_USE.format(name=path.name))
                time.sleep(0.05)
            if turn is None:
                return None
            with turn:
                if path.exists():  # another process made it while this one waited
                    return None
                cls._build(path)
        except OSError as err:
            raise FileProblem(describe_os_error(err, path)) from err
        except sqlconnect.OperationalError as err:  # pragma: no cover - disk errors via SQLite
            raise FileProblem(f"无法建立数据库“{path}”：{err}。请换一个文件夹再试。") from err
        return cls(path, cls._engine(path))

    @classmethod
    def _build(cls, path: Path) -> None:
        """Write the new file (the caller holds the turn)."""
        tmp = path.with_name(path.name + ".creating")
        if tmp.exists():
            tmp.unlink()
        engine = cls._engine(tmp)
        create_schema(engine)
        with Session(engine) as s, s.begin():
            seed_defaults(s)
            _before_commit(s)
            s.connection().exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
            s.connection().exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")
        engine.dispose()
        checkpoint(tmp)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        os.replace(tmp, path)
        filelock.use_lock_path(tmp).unlink(missing_ok=True)

    @classmethod
    def _upgrade(cls, path: Path, version: int, backup_dir: Path | None) -> None:
        backup.make_backup_of_file(path, backup.default_backup_dir(path) if backup_dir is None
                                   else backup_dir, kind="升级前")
        upgrade_file(path, version)

    # -- use ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits at the end of the block, rolls back on any exception.

        Before the commit, the :func:`on_commit` hooks run in the same transaction (the first
        screen's figures are recomputed when the block's writes marked them stale)."""
        s = self._factory()
        try:
            with s.begin():
                yield s
                _before_commit(s)
        finally:
            s.close()

    def reader(self) -> Session:
        """A session for reading only (the caller closes it); never blocks a writer."""
        return self._read_factory()

    def setting(self, key: str, default: str = "") -> str:
        with self.reader() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def close(self) -> None:
        """Checkpoint the WAL into the main file and release the file."""
        self.dispose()
        try:
            if not sqlconnect.read_only_place(self.path):
                checkpoint(self.path)
        except sqlconnect.Error:  # closing must not fail because of a checkpoint
            pass
        finally:
            while self._held:
                self._held.pop().unlock()

    def dispose(self) -> None:
        """Close every pooled connection, and each one in use as soon as it is given back
        (before the file is replaced by a restore)."""
        self._generation += 1
        self.engine.dispose()
        self.read_engine.dispose()

    def schema_version(self) -> int:
        with self.engine.connect() as con:
            return con.exec_driver_sql("PRAGMA user_version").scalar_one()


DEFAULT_SETTINGS = {
    "committee_name": "",
    "region": "",
    "director": "",
    "deputy_director": "",
    "backup_keep": "30",
    "mask_ids": "1",
}


def seed_defaults(s: Session) -> None:
    """Code tables from domain.md §3 and the default settings (only what is missing)."""
    have = {(t, v) for t, v in s.execute(select(CodeEntry.table_name, CodeEntry.value))}
    for table, values in codes.DEFAULT_TABLES.items():
        for order, value in enumerate(values):
            if (table, value) not in have:
                s.add(CodeEntry(table_name=table, value=value, sort_order=order, builtin=True))
    for key, value in DEFAULT_SETTINGS.items():
        if s.get(Setting, key) is None:
            s.add(Setting(key=key, value=value))
