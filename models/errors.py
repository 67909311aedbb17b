"""Exceptions whose message is a plain Chinese sentence for the clerk, and the one translator
of the foreseeable failures that are not (yet) such an exception.

Every error that can reach a user derives from :class:`UserError`. ``exit_code`` follows
contract.md §1: 1 = refused because of the data, 2 = usage or file problem.
:func:`user_message` is what the command line (main.py) and the window (gui.ops) say about any
exception that reached them; None means unexpected (logged, and the unexpected-error sentence).
"""

from __future__ import annotations

import errno
from pathlib import Path


class UserError(Exception):
    """An error shown to the user as it is; ``str(err)`` is the Chinese sentence."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DataError(UserError):
    """Refused because of the data (row errors, failed check, duplicate records)."""

    exit_code = 1


class ValidationError(DataError):
    """A field of a record is not acceptable; ``field`` names it (Chinese label)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}：{message}")
        self.field = field
        self.reason = message


class FileProblem(UserError):
    """A file cannot be read, written or is not what it claims to be."""

    exit_code = 2


class DatabaseTooNew(FileProblem):
    """The database was written by a newer version of the program."""


class DatabaseDamaged(FileProblem):
    """The database file fails SQLite's integrity check or is not a database."""


class Cancelled(Exception):
    """Raised by ``on_progress`` callbacks to stop long work; nothing is committed."""


class PasswordNeeded(DatabaseDamaged):
    """The file is not a plain SQLite file and no key is known for it: an encrypted database
    (or junk: only a key can tell them apart)."""


class WrongPassword(DatabaseDamaged):
    """The key given for an encrypted file does not open it."""


# -- the translator -------------------------------------------------------------------------

#: a database in a place that cannot be written (refused before a write, or SQLite's refusal)
READ_ONLY = ("数据库“{name}”所在的位置是只读的（例如U盘打开了写保护，或文件、文件夹被设为只读），"
             "只能查看、统计、导出和备份，不能修改。请把它复制到电脑上可写的文件夹，"
             "或去掉只读后再试。")
#: another program of ours holds the database's write lock
IN_USE = ("数据库“{name}”正在被另一个关工台账程序使用（例如正在导入、汇总或修改密码），这一次没有写入。"
          "请等它完成后再试。")
#: SQLite found no room to write
DISK_FULL = ("磁盘空间不足，操作没有完成。请清理磁盘（或换一个有空间的位置）后再试，"
             "然后可以用 check 命令检查数据库。")


def read_only_message(path: Path | str) -> str:
    return READ_ONLY.format(name=Path(path).name)


def describe_os_error(err: OSError, path: Path | str) -> str:
    """A plain Chinese sentence for a failed file operation on ``path``."""
    if err.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入“{path}”。请清理磁盘或换一个位置后再试。"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有权限写入“{path}”（文件夹可能是只读的）。请换一个文件夹，或请管理员开通权限。"
    if err.errno == errno.ENOENT:
        return f"找不到“{path}”。请检查路径是否正确。"
    return f"无法读写“{path}”（{err.strerror or err}）。请检查文件和文件夹后再试。"


def user_message(err: BaseException, db_path: Path | str | None = None) -> str | None:
    """The plain Chinese sentence that says what to do about ``err``, when it was foreseeable:
    a :class:`UserError`'s own sentence; SQLite refusing a read-only file or place; a database
    another program is writing; a full disk (the database is named when ``db_path`` is known).
    None for anything else: the caller logs it and says the unexpected-error sentence."""
    if isinstance(err, UserError):
        return err.message
    text = str(err).lower()
    name = Path(db_path).name if db_path else None
    if "readonly database" in text or "read-only" in text:
        return READ_ONLY.format(name=name) if name else READ_ONLY.replace("“{name}”", "")
    if "database is locked" in text or "database table is locked" in text:
        return IN_USE.format(name=name) if name else IN_USE.replace("“{name}”", "")
    if "full" in text and "database" in text:  # "database or disk is full"
        return DISK_FULL
    return None
