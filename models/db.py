"""Opening the database file safely, schema versions and the transaction helper.

``Database.open(path)`` refuses what it must not touch (not a database, damaged, written by a
newer program) *before* writing anything, backs the file up before any schema upgrade, and runs
each upgrade step in its own transaction. ``db.session()`` is the one-transaction-per-user-action
helper: it commits when the block ends normally and rolls back on any exception.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from models import codes
from models.entities import Base, CodeEntry, Setting
from models.errors import DatabaseDamaged, DatabaseTooNew, FileProblem

#: identifies our files in the SQLite header ("GGTZ")
APPLICATION_ID = 0x4747545A
SCHEMA_VERSION = 2
SQLITE_MAGIC = b"SQLite format 3\x00"


def _v1_to_v2(con: sqlite3.Connection) -> None:
    """Covering indexes so that the year's figures and the 首页 read no table rows."""
    con.execute("CREATE INDEX IF NOT EXISTS ix_aid_records_year "
                "ON aid_records (date, deleted_at, student_id, money_fen)")
    con.execute("CREATE INDEX IF NOT EXISTS ix_activities_year "
                "ON activities (date, deleted_at, theme, volunteer_count, youth_count)")


#: version n -> step that upgrades a connection from n to n + 1 (run inside a transaction)
UPGRADES: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2}


def describe_os_error(err: OSError, path: Path | str) -> str:
    """A plain Chinese sentence for a failed file operation."""
    if err.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入“{path}”。请清理磁盘或换一个位置后再试。"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有权限写入“{path}”（文件夹可能是只读的）。请换一个文件夹，或请管理员开通权限。"
    if err.errno == errno.ENOENT:
        return f"找不到“{path}”。请检查路径是否正确。"
    return f"无法读写“{path}”（{err.strerror or err}）。请检查文件和文件夹后再试。"


def read_header_problem(path: Path) -> str | None:
    """Why the file at ``path`` cannot be one of our databases, judged from its first bytes."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as err:
        return describe_os_error(err, path)
    if size == 0:
        return f"数据库文件“{path.name}”是空的（0 字节），可能在写入时中断。请从备份恢复。"
    if not head.startswith(SQLITE_MAGIC):
        return f"“{path.name}”不是关工台账的数据库文件，或文件已损坏。请从备份恢复。"
    if len(head) < 100:
        return f"数据库文件“{path.name}”不完整（可能被截断）。请从备份恢复。"
    app_id = int.from_bytes(head[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        return f"“{path.name}”是其他程序的数据库，不是关工台账的数据文件。"
    return None


def inspect_file(path: Path, full: bool | None = True) -> tuple[int, list[str]]:
    """Open ``path`` read-only and return (schema version, integrity problems).

    ``full``: True runs ``integrity_check``, False the faster ``quick_check``, None only reads
    the header and schema (the window runs the full check in the background afterwards).
    Raises DatabaseDamaged when SQLite cannot read it at all. Writes nothing.
    """
    problem = read_header_problem(path)
    if problem:
        raise DatabaseDamaged(problem)
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            if full is None:
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()
                rows = ["ok"]
            else:
                pragma = "integrity_check" if full else "quick_check"
                rows = [r[0] for r in con.execute(f"PRAGMA {pragma}(20)")]
            if app_id == 0 and version == 0:
                tables = con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
                if tables:
                    raise DatabaseDamaged(
                        f"“{path.name}”是其他程序的数据库，不是关工台账的数据文件。")
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        raise DatabaseDamaged(
            f"数据库文件“{path.name}”已损坏，无法读取（{err}）。请从备份恢复。") from err
    problems = [] if rows == ["ok"] else rows
    return version, problems


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
        self.engine = engine
        self.read_engine = self._engine(path, immediate=False)
        self._factory = sessionmaker(engine, expire_on_commit=False)
        self._read_factory = sessionmaker(self.read_engine, expire_on_commit=False)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, create: bool = True, check: bool | None = True,
             upgrade_backup_dir: Path | None = None) -> Database:
        """Open (or create) the database at ``path``.

        Raises FileProblem when the file is missing (``create=False``) or its folder cannot be
        written, DatabaseDamaged when it is not a readable 关工台账 database, DatabaseTooNew when
        a newer program wrote it. In all those cases the file is left untouched. Older files are
        backed up (to ``upgrade_backup_dir`` or the default backup folder) and then upgraded.
        """
        path = Path(path).expanduser().resolve()
        if not path.exists():
            if not create:
                raise FileProblem(f"找不到数据库文件“{path}”。请检查路径，或先用 demo 命令建立。")
            return cls._create(path)
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
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
        _configure(engine, immediate)
        return engine

    @classmethod
    def _create(cls, path: Path) -> Database:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".creating")
            if tmp.exists():
                tmp.unlink()
            engine = cls._engine(tmp)
            Base.metadata.create_all(engine)
            with Session(engine) as s, s.begin():
                seed_defaults(s)
                s.connection().exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
                s.connection().exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")
            engine.dispose()
            checkpoint(tmp)
            for suffix in ("-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            os.replace(tmp, path)
        except OSError as err:
            raise FileProblem(describe_os_error(err, path)) from err
        except sqlite3.OperationalError as err:  # pragma: no cover - disk errors via SQLite
            raise FileProblem(f"无法建立数据库“{path}”：{err}。请换一个文件夹再试。") from err
        return cls(path, cls._engine(path))

    @classmethod
    def _upgrade(cls, path: Path, version: int, backup_dir: Path | None) -> None:
        from models import backup  # local: backup imports this module

        backup.make_backup_of_file(path, backup.default_backup_dir(path) if backup_dir is None
                                   else backup_dir, kind="升级前")
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA foreign_keys=OFF")
            while version < SCHEMA_VERSION:
                con.execute("BEGIN IMMEDIATE")
                try:
                    UPGRADES[version](con)
                    con.execute(f"PRAGMA user_version={version + 1}")
                    con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                version += 1
        finally:
            con.close()

    # -- use ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits at the end of the block, rolls back on any exception."""
        s = self._factory()
        try:
            with s.begin():
                yield s
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
            checkpoint(self.path)
        except sqlite3.Error:  # closing must not fail because of a checkpoint
            pass

    def dispose(self) -> None:
        """Close every pooled connection (before the file is replaced by a restore)."""
        self.engine.dispose()
        self.read_engine.dispose()

    def schema_version(self) -> int:
        with self.engine.connect() as con:
            return con.exec_driver_sql("PRAGMA user_version").scalar_one()


def checkpoint(path: Path) -> None:
    """Move everything in the WAL into the main file so the file alone is the whole database."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


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
