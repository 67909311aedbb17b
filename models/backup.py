"""Backups through SQLite's online backup API, verified, rotated, and restore.

Every backup is written to a temporary name, checked (``integrity_check`` and record counts equal
to the source's) and only then renamed to its final name, so a backup that exists is whole.
File names: ``<库名>_<YYYYmmdd-HHMMSS-mmm>_<kind>.sqlite`` where kind is 自动/手动/升级前/恢复前/导入前.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from models import faults, filelock, sqlconnect
from models.entities import SUBJECTS
from models.errors import (
    DatabaseDamaged,
    DatabaseTooNew,
    FileProblem,
    PasswordNeeded,
    WrongPassword,
)
from models.sqlitefile import (
    SCHEMA_VERSION,
    checkpoint,
    describe_os_error,
    inspect_file,
    upgrade_file,
)
from models.subjects import SUBJECT_LABELS

if TYPE_CHECKING:
    from models.db import Database

#: sentence when the window has the database open
WINDOW_OPEN = ("数据库“{name}”正在关工台账窗口中打开，不能恢复。请先关闭窗口，"
               "或在窗口的“数据管理”页里恢复。")
#: sentence when another program (an import, a backup) is using it
IN_USE = ("数据库“{name}”正在被另一个关工台账程序使用（例如正在导入），不能恢复。"
          "请等它完成后再试。")

#: the problem shown for a backup whose password is not the one in use
ENCRYPTED = "已加密（密码与现在的不同或未知，恢复时需要输入这个备份的密码）"
#: told after a plain backup replaced an encrypted database
UNPROTECTED = ("注意：恢复的备份是设置密码以前做的，没有加密。现在的数据没有密码保护，"
               "请马上重新设置密码（“设置”页，或 password 命令）。")
AUTO = "自动"
KINDS_KEEP_OTHER = 10
_NAME_RE = re.compile(r"^(?P<stem>.+)_(?P<stamp>\d{8}-\d{6}-\d{3})_(?P<kind>[^_.]+)\.sqlite$")


@dataclass
class BackupInfo:
    """A backup file as listed to the clerk."""

    path: Path
    created: dt.datetime
    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    ok: bool = True
    problem: str = ""


def default_backup_dir(db_path: Path) -> Path:
    """``backups/`` beside the database file."""
    return Path(db_path).parent / "backups"


def backup_dir_of(db: Database) -> Path:
    """The folder chosen in 设置, or the default one."""
    chosen = db.setting("backup_dir")
    return Path(chosen) if chosen else default_backup_dir(db.path)


def record_counts(con: sqlite3.Connection) -> dict[str, int]:
    """Live (not deleted) records per subject, by Chinese label."""
    counts = {}
    for key, model in SUBJECTS.items():
        table = model.__table__.name  # type: ignore[attr-defined]
        try:
            n = con.execute(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL").fetchone()[0]
        except sqlconnect.OperationalError:
            n = 0
        counts[SUBJECT_LABELS[key]] = n
    return counts


def _copy(src_path: Path, dest: Path) -> dict[str, int]:
    """Online-backup ``src_path`` into ``dest`` (a new file); return the source's counts.

    The copy of an encrypted file is encrypted with the same key and salt (so the same
    password opens it); the copy of a plain file is plain."""
    key = sqlconnect.key_of(src_path) if sqlconnect.is_encrypted(src_path) else None
    sqlconnect.remember(dest, key)
    src = sqlconnect.connect(src_path, readonly=True)
    try:
        out = sqlconnect.connect(dest, key=key)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
        return record_counts(src)
    finally:
        src.close()


def _verify(path: Path, expected: dict[str, int] | None = None) -> dict[str, int]:
    """Integrity check and, when given, the expected counts. Raises DatabaseDamaged."""
    _version, problems = inspect_file(path)
    if problems:
        raise DatabaseDamaged(f"备份文件“{path.name}”检查未通过：{problems[0]}")
    con = sqlconnect.connect(path, readonly=True)
    try:
        counts = record_counts(con)
    finally:
        con.close()
    if expected is not None and counts != expected:
        raise DatabaseDamaged(f"备份文件“{path.name}”的记录数与原库不一致，备份未完成。")
    return counts


PHOTOS = "photos"
_PHOTO_NAME = re.compile(r"^[0-9A-Za-z_-]{1,100}\.(jpg|jpeg|png|bmp|gif)$", re.IGNORECASE)


def photo_names(db_file: Path) -> list[str]:
    """File names of the activity photos a database refers to (only plain, safe names)."""
    con = sqlconnect.connect(db_file, readonly=True)
    try:
        names = [r[0] for r in con.execute("SELECT DISTINCT file_name FROM activity_photos")]
    except sqlconnect.OperationalError:
        names = []
    finally:
        con.close()
    return [n for n in names if isinstance(n, str) and _PHOTO_NAME.match(n)]


def copy_photos(db_file: Path, src_dir: Path, dest_dir: Path) -> tuple[int, int]:
    """Copy the photos ``db_file`` refers to from ``src_dir`` into ``dest_dir`` (a photo store
    or a data folder's ``photos/``). Names are unique (uuid), so a photo already there with
    the same size is not copied again and none is ever overwritten. Returns (copied, missing).
    Raises OSError."""
    copied = missing = 0
    for name in photo_names(db_file):
        src, dest = src_dir / name, dest_dir / name
        if not src.is_file():
            missing += 1 if not dest.is_file() else 0
            continue
        if dest.is_file() and dest.stat().st_size == src.stat().st_size:
            continue
        dest_dir.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(name + ".part")
        shutil.copyfile(src, part)
        os.replace(part, dest)
        copied += 1
    return copied, missing


def write_verified_copy(src_path: Path, dest: Path) -> Path:
    """Copy a database to ``dest`` through a temporary name, verified, then renamed.

    The photos it refers to go with it: from ``photos/`` beside the source into ``photos/``
    beside ``dest`` (a photo store shared by the backups of that folder, new photos only).
    So a backup folder or a USB stick holds the database and its photos, and a restore
    (which copies the backup the same way) brings them back. Raises FileProblem when the
    folder cannot be written (full disk, read-only); no partial database is left behind.
    """
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        counts = _copy(src_path, tmp)
        _verify(tmp, counts)
        copy_photos(tmp, Path(src_path).parent / PHOTOS, dest.parent / PHOTOS)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        faults.point("backup.rename")
        os.replace(tmp, dest)
        sqlconnect.remember(dest, sqlconnect.key_of(tmp))
        sqlconnect.remember(tmp, None)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise FileProblem(describe_os_error(err, dest)) from err
    except sqlconnect.Error as err:
        tmp.unlink(missing_ok=True)
        if "full" in str(err).lower():
            raise FileProblem(f"磁盘空间不足，无法写入“{dest}”。请清理磁盘或换一个位置后再试。") from err
        raise FileProblem(f"无法写入备份“{dest}”（{err}）。请换一个位置再试。") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def make_backup_of_file(db_path: Path, folder: Path, kind: str = AUTO, keep: int = 30) -> Path:
    """A named, verified backup of ``db_path`` in ``folder``; old ones rotated away."""
    while True:
        now = dt.datetime.now()
        stamp = f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"
        dest = Path(folder) / f"{Path(db_path).stem}_{stamp}_{kind}.sqlite"
        if not dest.exists():
            break
        time.sleep(0.002)
    write_verified_copy(Path(db_path), dest)
    rotate(Path(folder), Path(db_path).stem, keep)
    return dest


def make_backup(db: Database, kind: str = AUTO) -> Path:
    """Back up the open database to its backup folder."""
    keep = int(db.setting("backup_keep", "30") or 30)
    return make_backup_of_file(db.path, backup_dir_of(db), kind, keep)


def list_backups(folder: Path, stem: str | None = None, with_counts: bool = False
                 ) -> list[BackupInfo]:
    """Backups in ``folder`` (of the database named ``stem``), newest first."""
    found: list[BackupInfo] = []
    if not Path(folder).is_dir():
        return found
    for p in Path(folder).iterdir():
        m = _NAME_RE.match(p.name)
        if not m or (stem is not None and m["stem"] != stem):
            continue
        info = BackupInfo(p, dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S-%f"), m["kind"])
        if with_counts:
            info.counts, info.ok, info.problem = _checked(p)
        found.append(info)
    found.sort(key=lambda b: (b.created, b.path.name), reverse=True)
    return found


#: (path, size, mtime_ns) -> (counts, ok, problem): a backup is checked once per version
_CHECKED: dict[tuple[str, int, int, bytes], tuple[dict[str, int], bool, str]] = {}


def _checked(path: Path) -> tuple[dict[str, int], bool, str]:
    """The verification of a backup file, cached by name, size and modification time."""
    try:
        st = path.stat()
    except OSError as err:
        return {}, False, describe_os_error(err, path)
    known = sqlconnect.key_of(path)
    key = (str(path), st.st_size, st.st_mtime_ns, known.salt if known else b"")
    if key not in _CHECKED:
        try:
            _CHECKED[key] = (_verify(path), True, "")
        except (PasswordNeeded, WrongPassword):
            _CHECKED[key] = ({}, False, ENCRYPTED)
        except (DatabaseDamaged, FileProblem) as err:
            _CHECKED[key] = ({}, False, str(err))
    counts, ok, problem = _CHECKED[key]
    return dict(counts), ok, problem


def rotate(folder: Path, stem: str, keep: int) -> list[Path]:
    """Keep the newest ``keep`` automatic backups and 10 of each other kind; return removed."""
    removed: list[Path] = []
    by_kind: dict[str, list[BackupInfo]] = {}
    for b in list_backups(folder, stem):
        by_kind.setdefault(b.kind, []).append(b)
    for kind, items in by_kind.items():
        limit = max(1, keep) if kind == AUTO else KINDS_KEEP_OTHER
        for b in items[limit:]:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    return removed


def auto_backup_due(db: Database, max_age: dt.timedelta = dt.timedelta(days=1)) -> bool:
    """True when there is no automatic backup younger than ``max_age``."""
    autos = [b for b in list_backups(backup_dir_of(db), db.path.stem) if b.kind == AUTO]
    return not autos or dt.datetime.now() - autos[0].created >= max_age


def last_backup_time(db: Database) -> dt.datetime | None:
    items = list_backups(backup_dir_of(db), db.path.stem)
    return items[0].created if items else None


def restore(backup_file: Path, db_path: Path, keep_dir: Path | None = None,
            window_locked: bool = False,
            close_connections: Callable[[], None] | None = None) -> Path | None:
    """Replace the database at ``db_path`` by ``backup_file``.

    The backup is verified first (whole, exactly one of our schema versions, not newer than
    this program). Refused while the database is open in a window (``window_locked``: the
    caller *is* that window and holds the lock; it passes ``close_connections``, which is
    called once this process can open no new connection to the file, e.g. ``db.dispose``:
    nothing stays open, so the file can be replaced even on Windows) or while any
    other process has it open (the exclusive use lock, held through the swap so nothing can
    write into the file being replaced). The current file, if any, is kept: a verified backup
    of kind 恢复前, or a raw copy named ``…_损坏.sqlite.keep`` when it is damaged. The swap is
    an atomic rename, so a crash leaves either the old or the restored database. Returns the
    path of the kept copy. Raises DatabaseDamaged, DatabaseTooNew or FileProblem, changing
    nothing.
    """
    backup_file, db_path = Path(backup_file), Path(db_path).resolve()
    if not backup_file.is_file():
        raise FileProblem(f"找不到备份文件“{backup_file}”。请检查路径。")
    version, problems = inspect_file(backup_file)
    if problems:
        raise DatabaseDamaged(f"备份文件“{backup_file.name}”已损坏（{problems[0]}），不能用来恢复。")
    if version > SCHEMA_VERSION:
        raise DatabaseTooNew(f"备份文件“{backup_file.name}”由更新版本的程序建立，请先升级程序。")
    window = None
    if not window_locked:
        window = filelock.window_lock(db_path)
        if window is None:
            raise FileProblem(WINDOW_OPEN.format(name=db_path.name))
    try:
        with filelock.closed_in_process(db_path):
            if close_connections is not None:
                close_connections()
            filelock.wait_own_closed(db_path, timeout=30.0)
            use = filelock.use_lock(db_path, exclusive=True, timeout=2.0)
            if use is None:
                raise FileProblem(IN_USE.format(name=db_path.name))
            with use:
                kept = _swap(backup_file, db_path, keep_dir or default_backup_dir(db_path))
                if version < SCHEMA_VERSION:
                    make_backup_of_file(db_path, keep_dir or default_backup_dir(db_path),
                                        kind="升级前")
                    upgrade_file(db_path, version)
    finally:
        if window is not None:
            window.unlock()
    return kept


_DAMAGED: tuple[type[Exception], ...] = (DatabaseDamaged, *sqlconnect.DatabaseError)


def _swap(backup_file: Path, db_path: Path, keep_dir: Path) -> Path | None:
    """Keep the current file, then atomically rename a verified copy of the backup over it
    (the caller holds the exclusive use lock: no connection is open)."""
    kept: Path | None = None
    tmp = db_path.with_name(db_path.name + ".restoring")
    try:
        if db_path.exists():
            try:
                _v, damage = inspect_file(db_path)
                if damage:
                    raise DatabaseDamaged(damage[0])
                checkpoint(db_path)
                kept = make_backup_of_file(db_path, keep_dir, kind="恢复前")
            except _DAMAGED:
                keep_dir.mkdir(parents=True, exist_ok=True)
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                kept = keep_dir / f"{db_path.stem}_{stamp}_损坏.sqlite.keep"
                shutil.copy2(db_path, kept)
        write_verified_copy(backup_file, tmp)
        faults.point("restore.swap")
        try:
            for suffix in ("-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
            os.replace(tmp, db_path)
            sqlconnect.remember(db_path, sqlconnect.key_of(backup_file)
                                if sqlconnect.is_encrypted(db_path) else None)
        except PermissionError as err:  # Windows: another program still has the file open
            tmp.unlink(missing_ok=True)
            raise FileProblem(IN_USE.format(name=db_path.name)) from err
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise FileProblem(describe_os_error(err, db_path)) from err
    return kept
