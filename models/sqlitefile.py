"""The database *file*: header, read-only inspection, checkpoint, schema fingerprints, upgrades.

Nothing here opens a SQLAlchemy engine, so both ``models.db`` and ``models.backup`` use it
without importing each other.

Schema check: a file is ours only when its ``sqlite_master`` is exactly the fingerprint of one
of this program's schema versions — the same tables with the same columns, the same indexes,
the same triggers (from schema 4: the first screen's, models.first_screen) and no views or
extra tables. :func:`schema_problem` names what differs.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from models import faults, first_screen, sqlconnect
from models.errors import (
    DatabaseDamaged,
    FileProblem,
    PasswordNeeded,
    WrongPassword,
    describe_os_error,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

#: identifies our files in the SQLite header ("GGTZ")
APPLICATION_ID = 0x4747545A
SCHEMA_VERSION = 8
SQLITE_MAGIC = sqlconnect.SQLITE_MAGIC

#: a fingerprint: (type, name, normalised CREATE statement) of every schema object
Fingerprint = frozenset[tuple[str, str, str]]


def needs_password_message(name: str) -> str:
    return (f"数据库“{name}”设置了密码（已加密），需要输入密码才能打开。命令行请用环境变量 "
            "GGTZ_PASSWORD 给出密码。如果从没设置过密码，这个文件可能已损坏，请从备份恢复。")


def wrong_password_message(name: str) -> str:
    return (f"密码不对，打不开数据库“{name}”。请输入设置的密码再试（注意大小写和输入法）；"
            "如果确定密码没错，文件可能已损坏，请从备份恢复。")


def read_header_problem(path: Path, key: sqlconnect.Key | None = None) -> str | None:
    """Why the file at ``path`` cannot be one of our databases, judged from its first bytes.

    An encrypted file has no SQLite header: it passes when a ``key`` is given (the key then
    decides), otherwise the sentence says a password is needed."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as err:
        return describe_os_error(err, path)
    if size == 0:
        return f"数据库文件“{path.name}”是空的（0 字节），可能在写入时中断。请从备份恢复。"
    if not head.startswith(SQLITE_MAGIC):
        if not sqlconnect.is_encrypted(path):
            return f"“{path.name}”不是关工台账的数据库文件，或文件已损坏。请从备份恢复。"
        if key is not None:
            return None
        return needs_password_message(path.name)
    if len(head) < 100:
        return f"数据库文件“{path.name}”不完整（可能被截断）。请从备份恢复。"
    app_id = int.from_bytes(head[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        return f"“{path.name}”是其他程序的数据库，不是关工台账的数据文件。"
    return None


# -- schema fingerprints ---------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_PUNCT_SPACE = re.compile(r"\s*([(),])\s*")


def _table_parts(text: str) -> tuple[str, list[str]]:
    """``CREATE TABLE x (a, b, c)`` -> ("CREATE TABLE x", [a, b, c]) split at top-level commas."""
    head, _sep, body = text.partition("(")
    body = body[:body.rfind(")")]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return head, [p.strip() for p in parts]


def _normal_sql(sql: str | None) -> str:
    """Whitespace, quotes and, for tables, the order of columns and constraints do not count
    (``ALTER TABLE ADD COLUMN`` appends after the constraints)."""
    text = _SPACE.sub(" ", sql or "").strip()
    text = _PUNCT_SPACE.sub(r"\1", text)
    text = text.replace('"', "").replace("IF NOT EXISTS ", "")
    if text.startswith("CREATE TABLE "):
        head, parts = _table_parts(text)
        text = f"{head}({','.join(sorted(parts))})"
    return text


def fingerprint(con: sqlite3.Connection) -> Fingerprint:
    """Every schema object of an open database except SQLite's own (``sqlite_*``)."""
    rows = con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    return frozenset((t, n, _normal_sql(s)) for t, n, s in rows
                     if not n.startswith("sqlite_"))


#: tables whose records carry a ``uuid`` from schema 3 on (frozen: the 2 -> 3 step uses it)
UUID_TABLES = ("groups", "volunteers", "students", "pairings", "aid_records", "activities",
               "donations", "honors", "volunteer_cares")
_UUID_COLUMN = "uuid VARCHAR(36)"
_ROLLUP_TABLES = ("rollup_units", "rollup_packages", "rollup_records")

# -- frozen DDL of earlier steps (written out as those versions created it) -----------------

#: the roll-up tables as schema 3 created them
_V3_ROLLUP_DDL = (
    "CREATE TABLE rollup_units (code VARCHAR(40) NOT NULL, name VARCHAR(100) NOT NULL, "
    "level VARCHAR(10) NOT NULL, first_seen DATETIME NOT NULL, PRIMARY KEY (code))",
    "CREATE TABLE rollup_packages (id INTEGER NOT NULL, unit_code VARCHAR(40) NOT NULL, "
    "year INTEGER NOT NULL, sequence INTEGER NOT NULL, format INTEGER NOT NULL, "
    "file_name VARCHAR(255) NOT NULL, sha256 VARCHAR(64) NOT NULL, "
    "exported_at VARCHAR(40) NOT NULL, taken_at DATETIME NOT NULL, figures_json TEXT NOT NULL, "
    "PRIMARY KEY (id), UNIQUE (unit_code, year), "
    "FOREIGN KEY(unit_code) REFERENCES rollup_units (code))",
    "CREATE TABLE rollup_records (id INTEGER NOT NULL, package_id INTEGER NOT NULL, "
    "subject VARCHAR(20) NOT NULL, uuid VARCHAR(36) NOT NULL, name VARCHAR(40) NOT NULL, "
    "birth_date VARCHAR(10) NOT NULL, PRIMARY KEY (id), "
    "FOREIGN KEY(package_id) REFERENCES rollup_packages (id) ON DELETE CASCADE)",
    "CREATE INDEX ix_rollup_packages_year ON rollup_packages (year)",
    "CREATE INDEX ix_rollup_records_person ON rollup_records (name, birth_date)",
    "CREATE INDEX ix_rollup_records_package_id ON rollup_records (package_id)",
)
#: the first screen's table and the tables it watched in schema 4
_V4_FIRST_SCREEN_TABLE = ("CREATE TABLE first_screen (id INTEGER PRIMARY KEY CHECK (id = 1), "
                          "fresh INTEGER NOT NULL DEFAULT 0, year INTEGER NOT NULL, "
                          "payload TEXT NOT NULL)")
_V4_WATCHED_TABLES = ("settings", "code_entries", "groups", "wuhao_assessments", "volunteers",
                      "students", "pairings", "aid_records", "activities", "activity_photos",
                      "donations", "honors", "volunteer_cares", "rollup_units",
                      "rollup_packages", "rollup_records")
_V4_EVENTS = ("insert", "update", "delete")
#: the stale-marking trigger of schema 4, by (table, event)
_V4_TRIGGER = ("CREATE TRIGGER first_screen_stale_{table}_{event} AFTER {EVENT} ON {table} "
               "WHEN (SELECT fresh FROM first_screen WHERE id = 1) "
               "BEGIN UPDATE first_screen SET fresh = 0 WHERE id = 1; END")
_V4_TRIGGER_NAMES = tuple(f"first_screen_stale_{table}_{event}"
                          for table in _V4_WATCHED_TABLES for event in _V4_EVENTS)


#: indexes added by each upgrade step (version n -> n + 1)
_ADDED_INDEXES: dict[int, tuple[str, ...]] = {
    1: ("ix_aid_records_year", "ix_activities_year"),
    2: (*(f"ix_{t}_uuid" for t in UUID_TABLES), "ix_rollup_packages_year",
        "ix_rollup_records_package_id", "ix_rollup_records_person"),
    # step chain
    5: ("ix_chain_reviews_unit_year", "ix_chain_sent_year", "ix_chain_receipts_year"),
}
#: tables added by each upgrade step
_ADDED_TABLES: dict[int, tuple[str, ...]] = {
    2: _ROLLUP_TABLES,
    3: ("first_screen", *_V4_TRIGGER_NAMES),
    4: ("aliases",),  # step aliases
    # step chain
    5: ("chain_keys", "chain_reviews", "chain_sent", "chain_receipts", "chain_years"),
}
#: (table, column definition) added by each upgrade step
_ADDED_COLUMNS: dict[int, tuple[tuple[str, str], ...]] = {
    2: tuple((t, _UUID_COLUMN) for t in UUID_TABLES),
    # step chain
    5: (("rollup_packages", "quality_json TEXT"), ("rollup_packages", "months_json TEXT")),
}

# step records: the 民政 登记表's fields of a 帮扶对象, 志愿服务时长 of activities and 帮扶记录,
# the scored 五好 rubric (domain.md §8). Frozen: written out as the step adds them.
_RECORDS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("students", "ethnicity VARCHAR(20) DEFAULT '' NOT NULL"),
    ("students", "hukou_place VARCHAR(200) DEFAULT '' NOT NULL"),
    ("students", "residence VARCHAR(200) DEFAULT '' NOT NULL"),
    ("students", "boarding VARCHAR(2) DEFAULT '' NOT NULL"),
    ("students", "schooling VARCHAR(10) DEFAULT '' NOT NULL"),
    ("students", "health VARCHAR(10) DEFAULT '' NOT NULL"),
    ("students", "disability_type VARCHAR(10) DEFAULT '' NOT NULL"),
    ("students", "disability_grade VARCHAR(4) DEFAULT '' NOT NULL"),
    ("students", "father_name VARCHAR(40) DEFAULT '' NOT NULL"),
    ("students", "father_id_number VARCHAR(18) DEFAULT '' NOT NULL"),
    ("students", "father_phone VARCHAR(40) DEFAULT '' NOT NULL"),
    ("students", "father_status VARCHAR(10) DEFAULT '' NOT NULL"),
    ("students", "father_work_place VARCHAR(60) DEFAULT '' NOT NULL"),
    ("students", "mother_name VARCHAR(40) DEFAULT '' NOT NULL"),
    ("students", "mother_id_number VARCHAR(18) DEFAULT '' NOT NULL"),
    ("students", "mother_phone VARCHAR(40) DEFAULT '' NOT NULL"),
    ("students", "mother_status VARCHAR(10) DEFAULT '' NOT NULL"),
    ("students", "mother_work_place VARCHAR(60) DEFAULT '' NOT NULL"),
    ("students", "guardianship VARCHAR(20) DEFAULT '' NOT NULL"),
    ("students", "guardian_id_number VARCHAR(18) DEFAULT '' NOT NULL"),
    ("students", "guardian_address VARCHAR(200) DEFAULT '' NOT NULL"),
    ("students", "guardianship_rating VARCHAR(4) DEFAULT '' NOT NULL"),
    ("students", "family_income VARCHAR(200) DEFAULT '' NOT NULL"),
    ("students", "relief VARCHAR(100) DEFAULT '' NOT NULL"),
    ("students", "checked_on DATE"),
    ("activity_participants", "service_minutes INTEGER DEFAULT 0 NOT NULL"),
    ("aid_records", "service_minutes INTEGER DEFAULT 0 NOT NULL"),
    ("wuhao_assessments", "scores TEXT DEFAULT '' NOT NULL"),
    ("rollup_packages", "data_json TEXT DEFAULT '' NOT NULL"),
)
_ADDED_COLUMNS[6] = _RECORDS_COLUMNS  # step records

# step venues: the 阵地 (domain.md §8) and the first screen's triggers on them. Frozen DDL.
_VENUES_DDL = (
    "CREATE TABLE venues (name VARCHAR(100) NOT NULL, name_initials VARCHAR(100) NOT NULL, "
    "type VARCHAR(20) NOT NULL, group_id INTEGER, address VARCHAR(200) NOT NULL, opened_on DATE, "
    "funds_year INTEGER, funds_fen INTEGER NOT NULL, note TEXT NOT NULL, id INTEGER NOT NULL, "
    "created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, deleted_at DATETIME, "
    "uuid VARCHAR(36), PRIMARY KEY (id), "
    "FOREIGN KEY(group_id) REFERENCES groups (id) ON DELETE SET NULL)",
    "CREATE INDEX ix_venues_group_id ON venues (group_id)",
    "CREATE UNIQUE INDEX ix_venues_uuid ON venues (uuid)",
    "CREATE INDEX ix_venues_name ON venues (name)",
)
_VENUES_TRIGGERS = tuple(
    f"CREATE TRIGGER first_screen_stale_venues_{event} AFTER {event.upper()} ON venues "
    "WHEN (SELECT fresh FROM first_screen WHERE id = 1) "
    "BEGIN UPDATE first_screen SET fresh = 0 WHERE id = 1; END"
    for event in ("insert", "update", "delete"))
_ADDED_TABLES[7] = ("venues", "first_screen_stale_venues_insert",  # step venues
                    "first_screen_stale_venues_update", "first_screen_stale_venues_delete")
_ADDED_INDEXES[7] = ("ix_venues_group_id", "ix_venues_uuid", "ix_venues_name")  # step venues


def _without_columns(obj: tuple[str, str, str], columns: set[tuple[str, str]]) -> tuple[str, str, str]:
    kind, name, sql = obj
    drop = {_PUNCT_SPACE.sub(r"\1", _SPACE.sub(" ", c)) for t, c in columns if t == name}
    if kind != "table" or not drop:
        return obj
    head, parts = _table_parts(sql)
    return kind, name, f"{head}({','.join(p for p in parts if p not in drop)})"


def create_schema(engine: Engine) -> None:
    """The newest schema, as a new file gets it: the models' tables (models.entities), then
    the first screen's table and its triggers (models.first_screen)."""
    # SQLAlchemy and the models are heavy: only a new file and the first schema check load them
    from models.entities import Base

    Base.metadata.create_all(engine)
    with engine.begin() as con:
        for statement in first_screen.schema_statements():
            con.exec_driver_sql(statement)


@cache
def expected_fingerprints() -> dict[int, Fingerprint]:
    """Schema version -> fingerprint; the newest is :func:`create_schema`'s."""
    from sqlalchemy import create_engine  # heavy: not needed to read a file's header

    engine = create_engine("sqlite://")
    create_schema(engine)
    raw = engine.raw_connection()
    try:
        newest = fingerprint(raw.driver_connection)  # type: ignore[arg-type]
    finally:
        raw.close()
        engine.dispose()
    prints = {SCHEMA_VERSION: newest}
    for version in range(SCHEMA_VERSION - 1, 0, -1):
        dropped = set(_ADDED_INDEXES.get(version, ())) | set(_ADDED_TABLES.get(version, ()))
        columns = set(_ADDED_COLUMNS.get(version, ()))
        prints[version] = frozenset(_without_columns(o, columns) for o in prints[version + 1]
                                    if o[1] not in dropped)
    return prints


def schema_problem(con: sqlite3.Connection, version: int, name: str) -> str | None:
    """Why the schema of ``con`` is not exactly schema ``version`` of this program, or None."""
    want = expected_fingerprints().get(version)
    if want is None:
        return None  # newer or unknown versions are judged by the caller
    have = fingerprint(con)
    if have == want:
        return None
    extra = sorted(have - want)
    missing = sorted(want - have)
    kinds = {"trigger": "触发器", "view": "视图", "table": "表", "index": "索引"}
    if extra:
        t, n, _sql = extra[0]
        if not any(m[1] == n for m in missing):
            detail = f"多出了{kinds.get(t, t)}“{n}”"
        else:
            detail = f"{kinds.get(t, t)}“{n}”的结构不同"
    else:
        t, n, _sql = missing[0]
        detail = f"缺少{kinds.get(t, t)}“{n}”"
    return (f"“{name}”的结构与关工台账的数据库不一致（{detail}），可能是其他程序的文件或被改动过，"
            "不能使用。文件没有被改动。")


#: files whose full integrity_check passed in this process, by identity -> schema version
_VERIFIED: dict[tuple[object, ...], int] = {}
_VERIFIED_LOCK = threading.Lock()


def file_identity(path: Path) -> tuple[object, ...] | None:
    """What changes whenever the file's content may have: path, device, inode, size and
    modification time of the file and of its write-ahead log when that holds anything. None
    when the file cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    try:
        wal = os.stat(f"{path}-wal")
        wal_id: tuple[int, ...] = (wal.st_ino, wal.st_size, wal.st_mtime_ns) if wal.st_size else ()
    except OSError:  # no log (an empty one, as a reader leaves it, is the same)
        wal_id = ()
    return (os.path.abspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, wal_id)


def inspect_file(path: Path, full: bool | None = True, key: sqlconnect.Key | None = None
                 ) -> tuple[int, list[str]]:
    """Open ``path`` read-only (with ``key`` when encrypted) and return (schema version,
    integrity problems).

    ``full``: True runs the full ``integrity_check`` (``check``, backups before they are
    trusted, restores, the window's background verification); a pass is remembered for the
    file's identity (:func:`file_identity`), so an unchanged file is not checked twice in one
    process. False runs the much faster ``quick_check`` (opening: ``Database.open``), None only
    reads the header and schema (the window runs the full check in the background afterwards).
    Raises DatabaseDamaged when SQLite cannot read it at all or its schema is not exactly one
    of this program's versions (see :func:`schema_problem`). Writes nothing.
    """
    if full is False and key is None:
        early = _early_result(path)
        if early is not None:
            return early
    identity = file_identity(path) if full else None
    if identity is not None:
        with _VERIFIED_LOCK:
            version = _VERIFIED.get(identity)
        if version is not None and read_header_problem(path, key) is None:
            return version, []
    version, problems = _inspect(path, full, key)
    if identity is not None and not problems and file_identity(path) == identity:
        with _VERIFIED_LOCK:
            if len(_VERIFIED) > 64:
                _VERIFIED.clear()
            _VERIFIED[identity] = version
    return version, problems


class _EarlyCheck:
    """A quick check of a plain file running on a thread of its own (:func:`check_early`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = file_identity(path)
        self.done = threading.Event()
        self.result: tuple[int, list[str]] | None = None

    def run(self) -> None:
        try:
            self.result = _inspect(self.path, False, None)
        except BaseException:  # (said by the check made again where the file is opened)
            self.result = None
        finally:
            self.done.set()


_EARLY: dict[str, _EarlyCheck] = {}


def check_early(path: Path) -> None:
    """Start the ``quick_check`` of the plain file at ``path`` on a thread of its own: SQLite
    runs it without holding the interpreter, so a command's imports run beside it (on a
    135 MB file the check takes 0.19 s). The next :func:`inspect_file` of ``path`` with
    ``full=False`` takes its result when the file has not changed since it began (else
    checks again). Nothing for an encrypted, missing or damaged file (the check needs the
    key, or the sentence of a check made where the file is opened). Writes nothing."""
    if sqlconnect.detect(path) is not sqlconnect.Kind.PLAIN:
        return
    early = _EarlyCheck(path)
    if early.identity is None:
        return
    with _VERIFIED_LOCK:
        _EARLY[os.path.abspath(path)] = early
    threading.Thread(target=early.run, daemon=True, name="ggtz-early-check").start()


def finish_early() -> None:
    """Wait for the early checks still running (a command that ends before it opened its
    file leaves none behind at the interpreter's end)."""
    with _VERIFIED_LOCK:
        pending = list(_EARLY.values())
        _EARLY.clear()
    for early in pending:
        early.done.wait()


def _early_result(path: Path) -> tuple[int, list[str]] | None:
    """The result of the early check of ``path`` (waited for), if one ran and the file is
    unchanged since it began; it is used once."""
    with _VERIFIED_LOCK:
        early = _EARLY.pop(os.path.abspath(path), None)
    if early is None:
        return None
    early.done.wait()
    if early.result is None or file_identity(path) != early.identity:
        return None
    return early.result


def _inspect(path: Path, full: bool | None, key: sqlconnect.Key | None
             ) -> tuple[int, list[str]]:
    problem = read_header_problem(path, key)
    if problem:
        raise (PasswordNeeded if problem == needs_password_message(path.name)
               else DatabaseDamaged)(problem)
    encrypted = sqlconnect.is_encrypted(path)
    opened = False  # the key opened the first page: a later failure is damage, not the key
    try:
        con = sqlconnect.connect(path, readonly=True, key=key)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            opened = True
            version = con.execute("PRAGMA user_version").fetchone()[0]
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            if full is None:
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()
                rows = ["ok"]
            else:
                pragma = "integrity_check" if full else "quick_check"
                rows = [r[0] for r in con.execute(f"PRAGMA {pragma}(20)")]
            if app_id == 0 and version == 0:
                raise DatabaseDamaged(
                    f"“{path.name}”不是关工台账的数据文件（可能是其他程序的数据库或空白文件），"
                    "不能使用。文件没有被改动。")
            wrong = schema_problem(con, version, path.name)
            if wrong:
                raise DatabaseDamaged(wrong)
        finally:
            con.close()
    except sqlconnect.DatabaseError as err:
        if encrypted and not opened and "not a database" in str(err):
            raise WrongPassword(wrong_password_message(path.name)) from err
        if not opened and sqlconnect.read_only_place(path):
            raise FileProblem(
                f"数据库“{path.name}”在只读的位置（例如U盘打开了写保护），而且上次没有正常关闭，"
                f"在这里读不出来（{err}）。文件没有损坏：请把整个文件夹复制到电脑上可写的地方再打开。"
            ) from err
        raise DatabaseDamaged(
            f"数据库文件“{path.name}”已损坏，无法读取（{err}）。请从备份恢复。") from err
    problems = [] if rows == ["ok"] else rows
    return version, problems


def checkpoint(path: Path, key: sqlconnect.Key | None = None) -> None:
    """Move everything in the WAL into the main file so the file alone is the whole database."""
    con = sqlconnect.connect(path, autocommit=True, key=key)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


# -- upgrades ----------------------------------------------------------------------------------

def _v1_to_v2(con: sqlite3.Connection) -> None:
    """Covering indexes so that the year's figures and the 首页 read no table rows."""
    con.execute("CREATE INDEX IF NOT EXISTS ix_aid_records_year "
                "ON aid_records (date, deleted_at, student_id, money_fen)")
    con.execute("CREATE INDEX IF NOT EXISTS ix_activities_year "
                "ON activities (date, deleted_at, theme, volunteer_count, youth_count)")


def _v2_to_v3(con: sqlite3.Connection) -> None:
    """A stable ``uuid`` on every record (filled for existing rows, unique per table) and the
    roll-up tables (contract §6), written out as schema 3 created them (frozen)."""
    import uuid  # (only this frozen step: the window's start does without it)

    for table in UUID_TABLES:
        con.execute(f"ALTER TABLE {table} ADD COLUMN {_UUID_COLUMN}")
        ids = [r[0] for r in con.execute(f"SELECT id FROM {table}")]
        con.executemany(f"UPDATE {table} SET uuid = ? WHERE id = ?",
                        [(str(uuid.uuid4()), i) for i in ids])
        con.execute(f"CREATE UNIQUE INDEX ix_{table}_uuid ON {table} (uuid)")
    for statement in _V3_ROLLUP_DDL:
        con.execute(statement)


def _v3_to_v4(con: sqlite3.Connection) -> None:
    """The first screen's figures (models.first_screen): its table and the triggers that mark
    it stale, on the tables schema 4 had (frozen). The row is computed after the last step by
    the layer above (:func:`after_upgrade`); until then the window does not use it."""
    con.execute(_V4_FIRST_SCREEN_TABLE)
    for table in _V4_WATCHED_TABLES:
        for event in _V4_EVENTS:
            con.execute(_V4_TRIGGER.format(table=table, event=event, EVENT=event.upper()))


def _step_aliases(con: sqlite3.Connection) -> None:
    """The values the clerk taught the import (contract.md §2.13), frozen as written for
    schema 5."""
    con.execute("CREATE TABLE aliases (id INTEGER NOT NULL, table_name VARCHAR(40) NOT NULL, "
                "value VARCHAR(100) NOT NULL, code VARCHAR(100) NOT NULL, "
                "created_at DATETIME NOT NULL, PRIMARY KEY (id), UNIQUE (table_name, value))")


def _step_chain(con: sqlite3.Connection) -> None:
    """The chain of trust and answers (contract §6 "Trust", §7): pinned keys, the receiver's
    reviews, the packages a unit sent, the 回执 it took, its accepted (locked) years, and the
    quality findings a taken package carried. Frozen DDL."""
    for column in ("quality_json", "months_json"):
        con.execute(f"ALTER TABLE rollup_packages ADD COLUMN {column} TEXT")
    statements = (
        "CREATE TABLE chain_keys (code VARCHAR(40) NOT NULL, name VARCHAR(100) NOT NULL, "
        "public_key VARCHAR(64) NOT NULL, pinned_at DATETIME NOT NULL, PRIMARY KEY (code))",
        "CREATE TABLE chain_reviews (id INTEGER NOT NULL, unit_code VARCHAR(40) NOT NULL, "
        "year INTEGER NOT NULL, sequence INTEGER NOT NULL, manifest_sha256 VARCHAR(64) NOT NULL, "
        "status VARCHAR(10) NOT NULL, comment TEXT NOT NULL, decided_at DATETIME NOT NULL, "
        "PRIMARY KEY (id))",
        "CREATE INDEX ix_chain_reviews_unit_year ON chain_reviews (unit_code, year)",
        "CREATE TABLE chain_sent (id INTEGER NOT NULL, year INTEGER NOT NULL, "
        "sequence INTEGER NOT NULL, manifest_sha256 VARCHAR(64) NOT NULL, "
        "file_name VARCHAR(255) NOT NULL, made_at DATETIME NOT NULL, PRIMARY KEY (id))",
        "CREATE INDEX ix_chain_sent_year ON chain_sent (year, sequence)",
        "CREATE TABLE chain_receipts (id INTEGER NOT NULL, year INTEGER NOT NULL, "
        "sequence INTEGER NOT NULL, manifest_sha256 VARCHAR(64) NOT NULL, "
        "status VARCHAR(10) NOT NULL, comment TEXT NOT NULL, receiver_code VARCHAR(40) NOT NULL, "
        "receiver_name VARCHAR(100) NOT NULL, receiver_level VARCHAR(10) NOT NULL, "
        "decided_at VARCHAR(40) NOT NULL, received_at DATETIME NOT NULL, "
        "superseded BOOLEAN NOT NULL, receipt_sha256 VARCHAR(64) NOT NULL, PRIMARY KEY (id), "
        "UNIQUE (receipt_sha256))",
        "CREATE INDEX ix_chain_receipts_year ON chain_receipts (year)",
        "CREATE TABLE chain_years (year INTEGER NOT NULL, locked BOOLEAN NOT NULL, "
        "needs_resend BOOLEAN NOT NULL, reason TEXT NOT NULL, changed_at DATETIME NOT NULL, "
        "PRIMARY KEY (year))",
    )
    for statement in statements:
        con.execute(statement)


def _step_records(con: sqlite3.Connection) -> None:
    """The deeper records of domain.md §8: the 民政 fields of a 帮扶对象 (empty for every
    existing student), 志愿服务时长 of activity participants and 帮扶记录 (0: not recorded) and
    the scored 五好 rubric of an assessment ("" keeps an old five-√/× assessment as full or
    zero marks per dimension) and the units' records kept by a roll-up database. Existing
    values are not touched. A column already there is left alone."""
    for table, column in _RECORDS_COLUMNS:
        have = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        if column.split()[0] not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _step_venues(con: sqlite3.Connection) -> None:
    """The 阵地 of domain.md §8 (校外辅导站、留守儿童之家 …, with the year's 经费): their table,
    empty, and the triggers that mark the first screen's figures stale when one changes. The
    stored figures are marked stale too: they gain the 阵地 section."""
    for statement in (*_VENUES_DDL, *_VENUES_TRIGGERS):
        con.execute(statement)
    con.execute("UPDATE first_screen SET fresh = 0")


#: version n -> step that upgrades a connection from n to n + 1 (run inside a transaction)
UPGRADES: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3,
                                                             3: _v3_to_v4,
                                                             4: _step_aliases,  # step aliases
                                                             5: _step_chain,  # step chain
                                                             6: _step_records,  # step records
                                                             7: _step_venues}  # step venues


#: called with the file's path after an upgrade (see :func:`after_upgrade`)
_AFTER_UPGRADE: list[Callable[[Path, sqlconnect.Key | None], None]] = []


def after_upgrade(hook: Callable[[Path, sqlconnect.Key | None], None]) -> None:
    """Have ``hook(path, key)`` run after every upgrade of a file in this process, once its steps
    are committed (the caller may hold the file's use lock: the hook opens its own plain
    connection). The layer above storage registers what it derives from the data (the first
    screen's figures: models.first_screen_store.install), so this file computes nothing."""
    if hook not in _AFTER_UPGRADE:
        _AFTER_UPGRADE.append(hook)


def upgrade_file(path: Path, version: int, key: sqlconnect.Key | None = None) -> None:
    """Run every upgrade step from ``version`` to the newest, each in its own transaction
    (the caller has backed the file up), then mark the stored first screen stale (an older
    program made it) and run the :func:`after_upgrade` hooks (the figures are recomputed
    there, in their own transaction). A kill inside a step leaves the previous version; a kill
    before the figures are stored leaves them stale (the window then computes them)."""
    upgraded = version < SCHEMA_VERSION
    con = sqlconnect.connect(path, autocommit=True, key=key)
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        while version < SCHEMA_VERSION:
            con.execute("BEGIN IMMEDIATE")
            try:
                UPGRADES[version](con)
                faults.point(f"upgrade.v{version}")
                con.execute(f"PRAGMA user_version={version + 1}")
                con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            version += 1
        if upgraded:
            con.execute(first_screen.MARK_STALE)
    finally:
        con.close()
    if upgraded:
        for hook in _AFTER_UPGRADE:
            hook(path, key)
