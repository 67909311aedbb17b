"""The one guard in front of every file the program writes for the clerk (contract §1: "No
command destroys what it was not asked to change").

:func:`guard_output` is called by every command with ``--out`` and every save dialog of the
window *before anything is written*; :func:`exports.atomic.atomic_path` calls it again as a
backstop, so a writer that forgets it is still guarded. It refuses:

- the database itself (also through a symlink or hard link), its ``-wal``/``-journal``/``-shm``
  and the lock, tries and temporary files of ours beside it;
- a backup (a file in a ``backups`` folder or named like one) and any SQLite file, judged from
  its first bytes; an encrypted (SQLCipher) file has no header, so a file of whole 512-byte
  pages with our suffixes or in a backup folder counts as one too;
- an existing file of another kind than the one being written (an .xlsx is a zip holding
  ``xl/``, a .docx one holding ``word/``, a package one holding ``manifest.json``, a PDF starts
  with ``%PDF``), a folder, and any other existing file whose kind is not known.

An existing file of the same kind, or an empty one, may be replaced (the window asks first).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from models.errors import FileProblem
from models.paths import default_db_path

#: what a writer may write: xlsx, pdf, docx, zip (an upward package), sqlite (a backup)
KINDS = ("xlsx", "pdf", "docx", "zip", "sqlite")
_KIND_WORDS = {"xlsx": "Excel 文件", "pdf": "PDF 文件", "docx": "Word 文件", "zip": "压缩包",
               "sqlite": "数据库文件", "folder": "文件夹", "other": "文件"}
#: suffixes of our database files and of the files SQLite and this program keep beside them
DB_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".keep", ".rekey", ".restoring", ".creating")
SIDE_SUFFIXES = ("-wal", "-shm", "-journal", ".lock", ".inuse", ".tries", ".tries.lock")
_BACKUP_NAME = re.compile(r"_\d{8}-\d{6}-\d{3}_[^_.]+\.sqlite$")
WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
JOURNAL_MAGIC = b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7"
SQLITE_MAGIC = b"SQLite format 3\x00"


def kind_of_suffix(path: Path | str) -> str | None:
    """The kind a file name promises (``.xlsx`` → xlsx …), None for an unknown suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"sqlite3": "sqlite", "db": "sqlite"}.get(suffix, suffix if suffix in KINDS else None)


def sniff(path: Path) -> str:
    """The kind of the existing file at ``path`` from its content: one of :data:`KINDS`,
    "journal" (a SQLite WAL or rollback journal), "folder", "empty" or "other"."""
    if path.is_dir():
        return "folder"
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return "other"
    if size == 0:
        return "empty"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head[:4] in WAL_MAGIC or head.startswith(JOURNAL_MAGIC):
        return "journal"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (OSError, zipfile.BadZipFile, ValueError):
            return "other"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "docx"
        return "zip"
    if _looks_encrypted(path, size):
        return "sqlite"
    return "other"


def _looks_encrypted(path: Path, size: int) -> bool:
    """A SQLCipher file has no header: whole pages of 512 bytes or more, and (to tell it from
    any binary file) one of our suffixes or a place in a backup folder."""
    if size < 1024 or size % 512:
        return False
    name = path.name.lower()
    return (name.endswith(DB_SUFFIXES) or bool(_BACKUP_NAME.search(path.name))
            or path.parent.name.lower() == "backups")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _databases(db_path: Path | str | None) -> list[Path]:
    """The database in use and the default one (an --out may name either)."""
    found = [Path(db_path)] if db_path else []
    try:
        found.append(default_db_path())
    except OSError:  # pragma: no cover - no per-user folder
        pass
    return found


def guard_output(path: Path | str, kind: str, db_path: Path | str | None = None) -> Path:
    """Check that writing a ``kind`` file (one of :data:`KINDS`) at ``path`` destroys nothing,
    before anything is written; returns the path.

    Raises FileProblem (exit 2) with a sentence naming what ``path`` is when it is the database
    ``db_path`` (or the default one), a file SQLite or this program keeps beside a database
    (WAL, journal, -shm, locks), a backup or any other SQLite file (plain or encrypted), a
    folder, or an existing file of another kind. An existing file of the same kind or an empty
    file passes (the window asks before replacing it; the command line replaces it)."""
    target = Path(path).expanduser()
    name = target.name
    word = _KIND_WORDS.get(kind, "文件")
    for db in _databases(db_path):
        if _same_file(target, db):
            raise FileProblem(f"不能把{word}保存为“{name}”：这是数据库文件本身，保存会毁掉数据库。"
                              "请另选一个文件名（例如 花名册.xlsx）。")
        for side in SIDE_SUFFIXES:
            if _same_file(target, db.with_name(db.name + side)):
                raise FileProblem(f"不能把{word}保存为“{name}”：这是数据库旁边的工作文件，"
                                  "改动它会损坏数据库。请另选一个文件名。")
    lower = name.lower()
    if lower.endswith(SIDE_SUFFIXES) and target.with_name(_strip_side(name)).exists():
        raise FileProblem(f"不能把{word}保存为“{name}”：这是数据库旁边的工作文件，"
                          "改动它会损坏数据库。请另选一个文件名。")
    if not target.exists() and not target.is_symlink():
        return target
    have = sniff(target)
    if have in ("empty", kind):
        if have == "sqlite":  # a backup or a database is never replaced
            raise FileProblem(_sqlite_sentence(name, word))
        return target
    if have in ("sqlite", "journal"):
        raise FileProblem(_sqlite_sentence(name, word))
    if have == "folder":
        raise FileProblem(f"“{target}”是一个文件夹，不能保存为{word}。请在文件夹里另起一个文件名。")
    raise FileProblem(f"“{name}”已经存在，是{_KIND_WORDS.get(have, '其他')}，不是{word}，"
                      f"不能覆盖。请另选一个文件名，文件没有被改动。")


def _sqlite_sentence(name: str, word: str) -> str:
    return (f"不能把{word}保存为“{name}”：它是数据库或备份文件，覆盖会丢失其中的数据。"
            "请另选一个文件名，文件没有被改动。")


def _strip_side(name: str) -> str:
    for side in sorted(SIDE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(side):
            return name[: -len(side)]
    return name


def guard_folder(path: Path | str) -> Path:
    """An output folder (``package --out DIR``): refused when it names an existing file.
    Returns the path."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise FileProblem(f"“{folder.name}”是一个文件，不是文件夹。请给出保存上报包的文件夹"
                          "（例如 U盘 E:/），文件没有被改动。")
    return folder


#: prefixes of the folders this program makes in the system's temporary folder (print
#: previews; packages and roll-up dry runs of older versions)
TEMP_PREFIXES = ("ggtz-print-", "ggtz-package-", "ggtz-dry-")
#: a folder older than this is left over from a killed program (a preview may stay open long)
TEMP_MAX_AGE = 12 * 3600.0


def remove_stale_temp(max_age: float = TEMP_MAX_AGE) -> int:
    """Remove folders of ours in the system's temporary folder that a killed program left
    (older than ``max_age`` seconds); returns how many. Never fails."""
    removed = 0
    try:
        base = Path(tempfile.gettempdir())
        old = time.time() - max_age
        for entry in os.scandir(base):
            if entry.name.startswith(TEMP_PREFIXES) and entry.is_dir(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < old:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
    except OSError:
        pass
    return removed
