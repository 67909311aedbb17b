"""The SQLAlchemy side of an open database file: its engines, sessions and a new file's build.

Only :class:`models.db.Database` makes :class:`Engines` (when it loads its file): this module
imports SQLAlchemy and the ORM models, which the window's first screen does without.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from models import codes, filelock, sqlconnect, yearlock
from models.entities import CodeEntry, Setting
from models.errors import FileProblem
from models.sqlconnect import Key
from models.sqlitefile import APPLICATION_ID, SCHEMA_VERSION, checkpoint, create_schema


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


def connect_locked(path: Path, key: Callable[[], Key | None]) -> sqlite3.Connection:
    """Open ``path`` after taking its shared use lock (waits while a restore or password
    change replaces the file), with the key ``key()`` gives once the lock is held — the file's
    key after such a swap, not the one before it. The lock is released when the connection is
    closed, or at once when opening it fails. Raises FileProblem or one of sqlconnect's
    errors."""
    lock = filelock.use_lock(path, timeout=filelock.USE_LOCK_WAIT)
    if lock is None:
        raise FileProblem(f"数据库“{path.name}”正在被恢复，请稍后再试。")
    try:
        con = sqlconnect.connect(path, check_same_thread=False, factory=LockedConnection,
                                 key=key())
    except BaseException:  # the lock must not outlive a connection that was never made
        lock.unlock()  # (its failure's traceback would hold it until a garbage collection)
        raise
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


def _engine(path: Path, key: Callable[[], Key | None], immediate: bool = True) -> Engine:
    """An engine on ``path`` whose connections are opened with the key ``key()`` gives at
    that moment (the owner's key changes when the file is re-encrypted or restored)."""
    engine = create_engine(f"sqlite:///{path}", creator=lambda: connect_locked(path, key),
                           module=sqlconnect.module_for(path, key()))
    _configure(engine, immediate)
    return engine


class Engines:
    """The writing and the reading engine on one file, with their sessions."""

    def __init__(self, path: Path, key: Callable[[], Key | None]) -> None:
        self.path = path
        self._key = key
        self._generation = 0
        self._bind()

    def _bind(self) -> None:
        self.engine = _engine(self.path, self._key)
        self.read_engine = _engine(self.path, self._key, immediate=False)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        yearlock.install(self._factory)  # contract §7: an accepted year's figures stay as sent
        self._read_factory = sessionmaker(self.read_engine, expire_on_commit=False)
        for eng in (self.engine, self.read_engine):
            event.listen(eng, "connect", self._stamp)
            event.listen(eng, "checkin", self._retire_stale)

    def reconnect(self) -> None:
        """Close every connection and, when the file changed between plain and encrypted,
        open new engines with the right DB-API module."""
        self.dispose()
        if self.engine.dialect.dbapi is not sqlconnect.module_for(self.path, self._key()):
            self._bind()

    def _stamp(self, _dbapi_con: Any, record: Any) -> None:
        record.info["generation"] = self._generation

    def _retire_stale(self, dbapi_con: Any, record: Any) -> None:
        """A connection that was in use during dispose() is closed when it comes back, so
        none outlives a dispose (a restore can then replace the file)."""
        if dbapi_con is not None and record.info.get("generation") != self._generation:
            dbapi_con.close()

    def dispose(self) -> None:
        """Close every pooled connection, and each one in use as soon as it is given back."""
        self._generation += 1
        self.engine.dispose()
        self.read_engine.dispose()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction (see models.db.Database.session)."""
        s = self._factory()
        try:
            with s.begin():
                yield s
                _before_commit(s)
        finally:
            s.close()

    def reader(self) -> Session:
        return self._read_factory()


def build_file(path: Path) -> None:
    """Write a new plain database at ``path``, under a temporary name renamed when whole
    (the caller holds the file's exclusive use lock)."""
    tmp = path.with_name(path.name + ".creating")
    if tmp.exists():
        tmp.unlink()
    engine = _engine(tmp, lambda: None)
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
