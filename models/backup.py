"""Backups through SQLite's online backup API, verified and rotated (a restore: models.db).

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from models import faults, sqlconnect
from models.entities import SUBJECTS
from models.errors import (
    DatabaseDamaged,
    FileProblem,
    PasswordNeeded,
    WrongPassword,
    describe_os_error,
)
from models.sqlconnect import Key
from models.sqlitefile import inspect_file
from models.subjects import SUBJECT_LABELS


class OpenDatabase(Protocol):
    """What the backups need of the open database (models.db.Database)."""

    path: Path
    key: Key | None

    def setting(self, key: str, default: str = "") -> str: ...


#: the problem shown for a backup whose password is not the one in use
ENCRYPTED = "已加密（密码与现在的不同或未知，恢复时需要输入这个备份的密码）"
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


def backup_dir_of(db: OpenDatabase) -> Path:
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


def _copy(src_path: Path, dest: Path, key: Key | None) -> dict[str, int]:
    """Online-backup ``src_path`` (opened with ``key``) into ``dest`` (a new file); return the
    source's counts.

    The copy of an encrypted file is encrypted with the same key and salt (so the same
    password opens it); the copy of a plain file is plain."""
    key = key if sqlconnect.is_encrypted(src_path) else None
    src = sqlconnect.connect(src_path, readonly=True, key=key)
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


def _verify(path: Path, expected: dict[str, int] | None = None, key: Key | None = None
            ) -> dict[str, int]:
    """Integrity check and, when given, the expected counts. Raises DatabaseDamaged."""
    _version, problems = inspect_file(path, key=key)
    if problems:
        raise DatabaseDamaged(f"备份文件“{path.name}”检查未通过：{problems[0]}")
    con = sqlconnect.connect(path, readonly=True, key=key)
    try:
        counts = record_counts(con)
    finally:
        con.close()
    if expected is not None and counts != expected:
        raise DatabaseDamaged(f"备份文件“{path.name}”的记录数与原库不一致，备份未完成。")
    return counts


PHOTOS = "photos"
_PHOTO_NAME = re.compile(r"^[0-9A-Za-z_-]{1,100}\.(jpg|jpeg|png|bmp|gif)$", re.IGNORECASE)


def photo_names(db_file: Path, key: Key | None) -> list[str]:
    """File names of the activity photos a database refers to (only plain, safe names)."""
    con = sqlconnect.connect(db_file, readonly=True, key=key)
    try:
        names = [r[0] for r in con.execute("SELECT DISTINCT file_name FROM activity_photos")]
    except sqlconnect.OperationalError:
        names = []
    finally:
        con.close()
    return [n for n in names if isinstance(n, str) and _PHOTO_NAME.match(n)]


def copy_photos(db_file: Path, key: Key | None, src_dir: Path, dest_dir: Path
                ) -> tuple[int, int]:
    """Copy the photos ``db_file`` refers to from ``src_dir`` into ``dest_dir`` (a photo store
    or a data folder's ``photos/``). Names are unique (uuid), so a photo already there with
    the same size is not copied again and none is ever overwritten. Returns (copied, missing).
    Raises OSError."""
    copied = missing = 0
    for name in photo_names(db_file, key):
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


def write_verified_copy(src_path: Path, dest: Path, key: Key | None = None) -> Path:
    """Copy a database (opened with ``key``) to ``dest`` through a temporary name, verified,
    then renamed.

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
        counts = _copy(src_path, tmp, key)
        _verify(tmp, counts, key)
        copy_photos(tmp, key, Path(src_path).parent / PHOTOS, dest.parent / PHOTOS)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        faults.point("backup.rename")
        os.replace(tmp, dest)
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


def make_backup_of_file(db_path: Path, folder: Path, kind: str = AUTO, keep: int = 30,
                        key: Key | None = None) -> Path:
    """A named, verified backup of ``db_path`` (opened with ``key``) in ``folder``; old ones
    rotated away."""
    while True:
        now = dt.datetime.now()
        stamp = f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"
        dest = Path(folder) / f"{Path(db_path).stem}_{stamp}_{kind}.sqlite"
        if not dest.exists():
            break
        time.sleep(0.002)
    write_verified_copy(Path(db_path), dest, key)
    rotate(Path(folder), Path(db_path).stem, keep)
    return dest


def make_backup(db: OpenDatabase, kind: str = AUTO) -> Path:
    """Back up the open database to its backup folder."""
    keep = int(db.setting("backup_keep", "30") or 30)
    return make_backup_of_file(db.path, backup_dir_of(db), kind, keep, db.key)


def list_backups(folder: Path, stem: str | None = None, with_counts: bool = False,
                 key: Key | None = None) -> list[BackupInfo]:
    """Backups in ``folder`` (of the database named ``stem``), newest first; ``with_counts``
    checks each one (an encrypted one with ``key``, the database's, when it was made with
    it)."""
    found: list[BackupInfo] = []
    if not Path(folder).is_dir():
        return found
    for p in Path(folder).iterdir():
        m = _NAME_RE.match(p.name)
        if not m or (stem is not None and m["stem"] != stem):
            continue
        info = BackupInfo(p, dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S-%f"), m["kind"])
        if with_counts:
            info.counts, info.ok, info.problem = _checked(p, key)
        found.append(info)
    found.sort(key=lambda b: (b.created, b.path.name), reverse=True)
    return found


#: (path, size, mtime_ns) -> (counts, ok, problem): a backup is checked once per version
_CHECKED: dict[tuple[str, int, int, bytes], tuple[dict[str, int], bool, str]] = {}


def _checked(path: Path, key: Key | None) -> tuple[dict[str, int], bool, str]:
    """The verification of a backup file, cached by name, size and modification time."""
    try:
        st = path.stat()
    except OSError as err:
        return {}, False, describe_os_error(err, path)
    known = key if key is not None and key.fits(path) else None
    seen = (str(path), st.st_size, st.st_mtime_ns, known.salt if known else b"")
    if seen not in _CHECKED:
        try:
            _CHECKED[seen] = (_verify(path, key=known), True, "")
        except (PasswordNeeded, WrongPassword):
            _CHECKED[seen] = ({}, False, ENCRYPTED)
        except (DatabaseDamaged, FileProblem) as err:
            _CHECKED[seen] = ({}, False, str(err))
    counts, ok, problem = _CHECKED[seen]
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


def auto_backup_due(db: OpenDatabase, max_age: dt.timedelta = dt.timedelta(days=1)) -> bool:
    """True when there is no automatic backup younger than ``max_age``."""
    autos = [b for b in list_backups(backup_dir_of(db), db.path.stem) if b.kind == AUTO]
    return not autos or dt.datetime.now() - autos[0].created >= max_age


def last_backup_time(db: OpenDatabase) -> dt.datetime | None:
    items = list_backups(backup_dir_of(db), db.path.stem)
    return items[0].created if items else None
