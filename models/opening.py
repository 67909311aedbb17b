"""The one rule for opening a database by its path (contract §1).

- Only ``init``, ``demo``, ``rollup`` and the window's first run may create a database; only
  ``init`` and ``demo`` may create its folder. A ``--db`` whose folder does not exist is
  "找不到文件夹…" for every other command, and a missing file is refused (``import`` says to
  run ``init`` or open the window first): a mistyped path never starts an empty database.
- A folder or file that cannot be written is named read-only ("只读"), never damaged. Reading
  (check, stats, export, backup to elsewhere) works from a read-only place: every connection
  to a file there is opened read-only (``models.sqlconnect``), and the locks are skipped
  (nothing can replace a file in a read-only folder). Commands that write are refused before
  they begin.

:func:`check_place` is called by the command line before any command opens its ``--db``
(``main.run``); the window's first run is the window's own (it creates through
``Database.open(create=True)``).
"""

from __future__ import annotations

import os
from pathlib import Path

from models.db import Database
from models.errors import FileProblem, read_only_message

#: commands that may give an existing folder a new database
CREATORS = frozenset({"init", "demo", "rollup"})
#: commands that may also create the folder itself
FOLDER_MAKERS = frozenset({"init", "demo"})
#: commands that need to write the database (refused up front in a read-only place)
WRITERS = frozenset({"import", "demo", "init", "package", "password", "restore", "rollup",
                     "review", "receipt", "reopen"})
#: commands that may name a database that does not exist yet for a reason of their own
#: (restore writes a whole backup there, e.g. on a new PC)
MAY_BE_MISSING = frozenset({"restore"})

NO_DATABASE_FOR_IMPORT = ("数据库文件“{path}”不存在，没有导入任何记录。如果这是新的单位，请先建立数据库："
                          "python main.py init --db 文件 --committee 关工委名称 --code 区划代码，"
                          "或打开关工台账窗口建立；如果数据库已经有了，请检查 --db 的路径。")
NO_DATABASE = ("找不到数据库文件“{path}”。请检查 --db 的路径；新的数据库请用 init 命令建立，"
               "或打开关工台账窗口建立。")
NO_FOLDER = ("找不到文件夹“{folder}”。请检查 --db 的路径（盘符、文件夹名）是否写对，"
             "数据库没有被建立，什么也没有改动。")
READ_ONLY_FOLDER = ("文件夹“{folder}”是只读的（例如U盘打开了写保护），不能在这里建立数据库。"
                    "请换一个可写的文件夹。")


def folder_writable(path: Path | str) -> bool:
    """Whether new files can be made in the folder of ``path`` (an existing folder)."""
    return os.access(Path(path).parent, os.W_OK)


def writable(path: Path | str) -> bool:
    """Whether the database at ``path`` can be written: its folder (SQLite keeps its WAL and
    -shm beside it) and, when it exists, the file itself."""
    path = Path(path)
    if not folder_writable(path):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def check_place(path: Path | str, command: str, write: bool | None = None) -> Path:
    """Apply the rule to the ``--db`` of ``command`` before anything opens it; returns the
    path. ``write`` (default: whether ``command`` is one of :data:`WRITERS`) refuses a
    read-only place up front. Raises FileProblem (exit 2) with the sentence for a missing
    folder, a missing file or a read-only place; creates and changes nothing."""
    path = Path(path).expanduser()
    write = command in WRITERS if write is None else write
    folder = path.parent
    if not folder.is_dir():
        if command in FOLDER_MAKERS:
            return path
        raise FileProblem(NO_FOLDER.format(folder=folder))
    if not path.exists():
        if command == "import":
            raise FileProblem(NO_DATABASE_FOR_IMPORT.format(path=path))
        if command not in CREATORS and command not in MAY_BE_MISSING:
            raise FileProblem(NO_DATABASE.format(path=path))
        if write and not folder_writable(path):
            raise FileProblem(READ_ONLY_FOLDER.format(folder=folder))
        return path
    if path.is_dir():
        raise FileProblem(f"“{path}”是一个文件夹，不是数据库文件。请在 --db 里写上数据库文件名。")
    if write and not writable(path):
        raise FileProblem(read_only_message(path))
    return path




def init_database(path: Path | str, committee: str, code: str, level: str | None = None) -> Path:
    """A new, empty database for one unit (``init``; the window's first run may call it too):
    the committee's name, its 行政区划代码 and level (default: 县 for 6 digits, else 乡镇) are
    stored in one transaction. An existing file is refused, and everything is checked before
    the file is made. Raises FileProblem or ValidationError; returns the path."""
    from models import settings
    from models.errors import ValidationError

    path = Path(path).expanduser()
    if path.exists() or path.is_symlink():
        raise FileProblem(f"“{path}”已经存在，init 不会覆盖已有的文件。要使用这个数据库，"
                          "直接在其他命令里用 --db 给出它；要新建，请换一个文件名。")
    name = " ".join(committee.split())
    if not name:
        raise ValidationError("关工委名称", "不能为空，例如 青山镇关工委")
    code = "".join(code.split())
    level = level or ("县" if len(code) == 6 else "乡镇")
    code = settings.check_unit(code, level)
    db = Database.open(path, create=True)
    try:
        with db.session() as s:
            settings.save_committee(s, settings.Committee(committee_name=name))
            settings.save_unit(s, code, level)
    finally:
        db.close()
    return path
