"""The one object that owns a database file, and the transaction helper.

A :class:`Database` holds everything about one 关工台账 file: its path, what the file is
(:attr:`Database.kind`, judged once), its SQLCipher key, its locks (the window's, the shared use
lock of a command), its engines, and every operation that replaces the file — restore and
password change — through one lock-and-swap (:meth:`Database._alone`, :meth:`Database._put`).
No key lives anywhere else: the lower helpers (models.sqlconnect, models.sqlitefile,
models.backup, models.security) are handed the key they need.

``Database.open(path)`` refuses what it must not touch (not a database, damaged, written by a
newer program) *before* writing anything, backs the file up before any schema upgrade, and runs
each upgrade step in its own transaction. ``db.session()`` is the one-transaction-per-user-action
helper: it commits when the block ends normally and rolls back on any exception.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from models import faults, filelock, security, sqlconnect
from models.errors import (
    IN_USE,
    DatabaseDamaged,
    DatabaseTooNew,
    FileProblem,
    PasswordNeeded,
    WrongPassword,
    describe_os_error,
)
from models.sqlconnect import Key
from models.sqlitefile import (  # noqa: F401 - re-exported for callers of models.db
    APPLICATION_ID,
    SCHEMA_VERSION,
    SQLITE_MAGIC,
    UPGRADES,
    checkpoint,
    inspect_file,
    needs_password_message,
    read_header_problem,
    upgrade_file,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from models.engines import Engines

#: files of ours beside a database that only a killed re-encryption, restore or creation
#: leaves behind (the re-encryption's may be a plain copy of an encrypted database)
LEFTOVERS = tuple(f"{stem}{side}" for stem in (".rekey", ".restoring", ".creating")
                  for side in ("", "-wal", "-shm", "-journal"))
#: a command's shared use lock could not be had
BEING_REPLACED = "数据库“{name}”正在被修改密码或恢复，请稍后再试。"
#: a restore refused: the window has the database open
RESTORE_WINDOW_OPEN = ("数据库“{name}”正在关工台账窗口中打开，不能恢复。请先关闭窗口，"
                       "或在窗口的“数据管理”页里恢复。")
#: a restore refused: another program (an import, a backup) is using it
RESTORE_IN_USE = ("数据库“{name}”正在被另一个关工台账程序使用（例如正在导入），不能恢复。"
                  "请等它完成后再试。")
#: told after a plain backup replaced an encrypted database
UNPROTECTED = ("注意：恢复的备份是设置密码以前做的，没有加密。现在的数据没有密码保护，"
               "请马上重新设置密码（“设置”页，或 password 命令）。")



class FileKind(enum.Enum):
    """What a database file is, as far as opening it is concerned."""

    MISSING = "missing"  #: not there yet (or empty): created plain
    PLAIN = "plain"  #: an unencrypted file
    ENCRYPTED = "encrypted"  #: a SQLCipher file: its password gives the key
    LEGACY = "legacy"  #: a plain file of a version ≤ 3 that holds a password hash: its
    #: password encrypts it before anything else opens it


@dataclass(frozen=True)
class Refusal:
    """The sentences of an operation that replaces the file when it cannot have it alone."""

    window_open: str  #: another window has the file open (``{name}``)
    in_use: str  #: another program has it open (``{name}``)


RESTORE = Refusal(RESTORE_WINDOW_OPEN, RESTORE_IN_USE)
PASSWORD = Refusal(security.WINDOW_OPEN, security.IN_USE)


class Database:
    """One 关工台账 database file and everything that owns it.

    ``Database(path)`` is a closed handle: nothing is read or locked. :attr:`kind` says once
    what the file is; :meth:`unlock` takes its password (an older file's password encrypts it
    first); :meth:`load` opens the engines (``Database.open(path)`` makes a handle and loads
    it). The window holds the file with :meth:`claim_window`, a command with :meth:`hold`;
    :meth:`close` releases all of it. :meth:`restore` and :meth:`change_password` replace the
    file while this object has it alone, closing its own connections first (Windows cannot
    replace an open file), and reopen its engines afterwards when it was loaded.
    """

    def __init__(self, path: Path | str, key: Key | None = None) -> None:
        self.path = Path(path).expanduser().resolve()
        self.key = key
        self._kind: FileKind | None = None
        self._held: list[filelock.FileLock] = []
        self._window: filelock.FileLock | None = None
        self._engines: Engines | None = None

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- what the file is, and its password ------------------------------------------------
    @property
    def kind(self) -> FileKind:
        """What the file is: judged once (its header, and for a plain file whether it holds
        an older version's password hash), again only after this object replaced it."""
        if self._kind is None:
            found = sqlconnect.detect(self.path)
            if found is sqlconnect.Kind.MISSING:
                self._kind = FileKind.MISSING
            elif found is sqlconnect.Kind.ENCRYPTED:
                self._kind = FileKind.ENCRYPTED
            else:
                self._kind = (FileKind.LEGACY if security.legacy_password_set(self.path)
                              else FileKind.PLAIN)
        return self._kind

    @property
    def encrypted(self) -> bool:
        """True when the file has a password (is encrypted)."""
        return self.kind is FileKind.ENCRYPTED

    @property
    def locked(self) -> bool:
        """True while a password must be given before the file can be opened."""
        return self.kind is FileKind.LEGACY or (self.kind is FileKind.ENCRYPTED
                                                 and self.key is None)

    def unlock(self, password: str) -> None:
        """Take the file's password (the guessing brake counts every try, models.security).

        An encrypted file: the key is derived and checked. An older plain file with a
        password hash: the password is checked against it and the file is encrypted with it
        now (it must not stay unprotected). Nothing for a plain file. Raises WrongPassword,
        DatabaseDamaged, FileProblem."""
        if self.kind is FileKind.ENCRYPTED:
            self.key = security.unlock(self.path, password)
        elif self.kind is FileKind.LEGACY:
            security.verify_legacy(self.path, password)
            self.change_password(password, existing=True)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is this encrypted file's (the idle lock); True for a plain
        file. Failures are counted like :meth:`unlock`'s."""
        if self.kind is not FileKind.ENCRYPTED:
            return True
        try:
            return security.unlock(self.path, password) is not None
        except WrongPassword:
            return False

    def borrow(self, key: Key | None) -> bool:
        """Take ``key`` when it fits this encrypted file (a backup made with the same password
        keeps the salt of its source). True when the file can now be opened."""
        if self.key is None and key is not None and self.kind is FileKind.ENCRYPTED \
                and key.fits(self.path):
            self.key = key
        return not self.locked

    def needs_password(self) -> PasswordNeeded:
        """The refusal to raise when the file's password was not given."""
        return PasswordNeeded(needs_password_message(self.path.name))

    # -- locks -----------------------------------------------------------------------------
    def claim_window(self, timeout: float = 0.2) -> bool:
        """Hold the window's lock on the file until :meth:`close` (its folder made first);
        False while another window holds it. Raises FileProblem when the folder cannot be
        made."""
        if self._window is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise FileProblem(describe_os_error(err, self.path.parent)) from err
        self._window = filelock.window_lock(self.path, timeout=timeout)
        return self._window is not None

    def hold(self) -> None:
        """A shared use lock on the file from before it is first opened until :meth:`close`:
        a password change or restore started meanwhile is told the file is in use, and one
        already running is waited for. Nothing for a file that does not exist yet. Raises
        FileProblem."""
        if not self.path.exists():
            return
        lock = filelock.use_lock(self.path, timeout=filelock.USE_LOCK_WAIT)
        if lock is None:
            raise FileProblem(BEING_REPLACED.format(name=self.path.name))
        self._held.append(lock)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, create: bool = True, check: bool | None = False,
             upgrade_backup_dir: Path | None = None, key: Key | None = None) -> Database:
        """A handle on ``path`` (with ``key``), loaded: see :meth:`load`."""
        return cls(path, key).load(create, check, upgrade_backup_dir)

    def load(self, create: bool = True, check: bool | None = False,
             upgrade_backup_dir: Path | None = None) -> Database:
        """Open (or create) the file and its engines; returns self.

        ``check``: False (the default) runs SQLite's ``quick_check``, True the full
        ``integrity_check`` (the ``check`` command, backups and restores run it themselves),
        None neither (the window verifies in the background).

        Raises FileProblem when the file is missing (``create=False``) or its folder cannot be
        written, PasswordNeeded when a password was not given (:meth:`unlock`),
        DatabaseDamaged when it is not a readable 关工台账 database, DatabaseTooNew when a newer
        program wrote it. In all those cases the file is left untouched. Older files are backed
        up (to ``upgrade_backup_dir`` or the default backup folder) and then upgraded.
        """
        path = self.path
        if not path.exists():
            if not create:
                raise FileProblem(f"找不到数据库文件“{path}”。请检查路径，或先用 init 命令建立。")
            made = self._create()
            self._kind = None  # judged again: made here, or by another process meanwhile
            if made:
                return self._bind()
        if self.kind is FileKind.LEGACY:
            raise self.needs_password()
        self.remove_leftovers()
        version, problems = inspect_file(path, full=check, key=self.key)
        if problems:
            raise DatabaseDamaged(
                f"数据库文件“{path.name}”检查出错误（{problems[0]}），可能已损坏。请从备份恢复。")
        if version > SCHEMA_VERSION:
            raise DatabaseTooNew(
                f"这个数据库由更新版本的关工台账建立（数据版本 {version}，本程序只支持到 "
                f"{SCHEMA_VERSION}）。请安装新版本的程序后再打开，文件没有被改动。")
        if version < SCHEMA_VERSION:
            self._upgrade(version, upgrade_backup_dir)
        return self._bind()

    def _bind(self) -> Database:
        from models.engines import Engines  # SQLAlchemy and the ORM: only once loaded

        self._engines = Engines(self.path, lambda: self.key)
        return self

    def _loaded(self) -> Engines:
        if self._engines is None:
            raise RuntimeError("the database is not loaded (Database.load)")
        return self._engines

    @property
    def engine(self) -> Engine:
        return self._loaded().engine

    @property
    def read_engine(self) -> Engine:
        return self._loaded().read_engine

    def reconnect(self) -> None:
        """After the file was replaced (restore) or re-encrypted (password): close every
        connection and, when the file changed between plain and encrypted, open new engines
        with the right DB-API module."""
        if self._engines is not None:
            self._engines.reconnect()

    def dispose(self) -> None:
        """Close every pooled connection, and each one in use as soon as it is given back
        (before the file is replaced by a restore)."""
        if self._engines is not None:
            self._engines.dispose()

    def _create(self) -> bool:
        """A new database at the path, built under a temporary name and renamed when whole,
        while this process holds the file's exclusive use lock: two processes creating the
        same file take turns, and the second opens what the first made (False: open it)."""
        from models.engines import build_file

        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + filelock.USE_LOCK_WAIT
            while True:
                turn = filelock.use_lock(path, exclusive=True)
                if turn is not None or path.exists():
                    break
                if time.monotonic() > deadline:
                    raise FileProblem(IN_USE.format(name=path.name))
                time.sleep(0.05)
            if turn is None:
                return False
            with turn:
                if path.exists():  # another process made it while this one waited
                    return False
                build_file(path)
        except OSError as err:
            raise FileProblem(describe_os_error(err, path)) from err
        except sqlconnect.OperationalError as err:  # pragma: no cover - disk errors via SQLite
            raise FileProblem(f"无法建立数据库“{path}”：{err}。请换一个文件夹再试。") from err
        self.key = None
        return True

    def remove_leftovers(self) -> list[Path]:
        """Remove what a killed ``password``, restore or creation left beside the file (and
        unfinished backup copies ``*.part`` in its backup folder), when no program has the
        file open (the exclusive use lock is free: nothing is being written by them). Returns
        what was removed; removes nothing in a read-only place or while the file is in use
        (the next open tries again)."""
        path = self.path
        found = [p for p in (path.with_name(path.name + s) for s in LEFTOVERS) if p.exists()]
        backups = path.parent / "backups"
        if backups.is_dir():
            old = time.time() - 120  # younger ones may be a backup being written right now
            found += [p for p in backups.glob(f"{path.stem}_*.sqlite.part")
                      if p.stat().st_mtime < old]
        if not found or not os.access(path.parent, os.W_OK):
            return []
        try:
            lock = filelock.use_lock(path, exclusive=True)
        except OSError:
            return []
        if lock is None:
            return []
        removed = []
        with lock:
            for p in found:
                try:
                    p.unlink()
                except OSError:
                    continue
                removed.append(p)
        return removed

    def _upgrade(self, version: int, backup_dir: Path | None) -> None:
        from models import backup

        backup.make_backup_of_file(self.path, backup.default_backup_dir(self.path)
                                   if backup_dir is None else backup_dir, kind="升级前",
                                   key=self.key)
        upgrade_file(self.path, version, self.key)

    # -- use ---------------------------------------------------------------------------------
    def session(self) -> contextlib.AbstractContextManager[Session]:
        """One transaction: commits at the end of the block, rolls back on any exception.

        Before the commit, the first screen's figures are recomputed in the same transaction
        when the block's writes marked them stale (models.first_screen)."""
        return self._loaded().session()

    def reader(self) -> Session:
        """A session for reading only (the caller closes it); never blocks a writer."""
        return self._loaded().reader()

    def setting(self, key: str, default: str = "") -> str:
        from models.entities import Setting

        with self.reader() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def close(self) -> None:
        """Checkpoint the WAL into the main file and release the file and every lock held."""
        try:
            if self._engines is not None:  # (a later use opens new connections)
                self._engines.dispose()
                if not sqlconnect.read_only_place(self.path):
                    checkpoint(self.path, self.key)
        except sqlconnect.Error:  # closing must not fail because of a checkpoint
            pass
        finally:
            while self._held:
                self._held.pop().unlock()
            if self._window is not None:
                self._window.unlock()
                self._window = None

    def integrity_problems(self) -> list[str]:
        """SQLite's full integrity check of the file (the window runs it in the background):
        the problems found, none when whole. Raises DatabaseDamaged, PasswordNeeded."""
        return inspect_file(self.path, full=True, key=self.key)[1]

    def schema_version(self) -> int:
        with self.engine.connect() as con:
            return con.exec_driver_sql("PRAGMA user_version").scalar_one()

    # -- copies ------------------------------------------------------------------------------
    def copy_to(self, dest: Path) -> Path:
        """A verified copy of the file at ``dest`` (models.backup.write_verified_copy)."""
        from models import backup

        return backup.write_verified_copy(self.path, dest, self.key)

    def backup_of(self, path: Path | str) -> Database:
        """A handle on a backup file of this database: it already holds this database's key
        when it was made with it (the same salt); otherwise :meth:`unlock` it."""
        other = Database(path)
        other.borrow(self.key)
        return other

    # -- replacing the file: one lock-and-swap -----------------------------------------------
    @contextlib.contextmanager
    def _alone(self, refusal: Refusal) -> Iterator[None]:
        """Have the file alone for the block: the window's lock (this object's own, or taken
        for the block: refused while another window holds it), no new connection of this
        process, this object's connections closed and waited for, then the exclusive use lock
        (refused while another program has the file open). Designed for Windows, where an open
        file cannot be replaced: nothing of this process keeps it open. Afterwards the engines
        (when loaded) are reopened for whatever the file has become. Raises FileProblem."""
        name = self.path.name
        window = None
        if self._window is None:
            window = filelock.window_lock(self.path)
            if window is None:
                raise FileProblem(refusal.window_open.format(name=name))
        try:
            with filelock.closed_in_process(self.path):
                self.dispose()
                filelock.wait_own_closed(self.path, timeout=30.0)
                use = filelock.use_lock(self.path, exclusive=True, timeout=2.0)
                if use is None:
                    raise FileProblem(refusal.in_use.format(name=name))
                with use:
                    yield
        finally:
            if window is not None:
                window.unlock()
            self.reconnect()

    def _put(self, new_file: Path, key: Key | None, refusal: Refusal) -> None:
        """Inside :meth:`_alone`: rename the verified ``new_file`` over the file in one atomic
        step (a kill leaves the old or the new file) and take ``key`` for it when it is
        encrypted. Raises FileProblem when the system refuses (Windows: another program still
        has the file open)."""
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        try:
            os.replace(new_file, self.path)
        except PermissionError as err:
            raise FileProblem(refusal.in_use.format(name=self.path.name)) from err
        except OSError as err:
            raise FileProblem(describe_os_error(err, self.path)) from err
        self._kind = None
        self.key = key if self.kind is FileKind.ENCRYPTED else None

    def restore(self, source: Database, keep_dir: Path | None = None) -> Path | None:
        """Replace the file by the backup ``source`` (its key given: :meth:`backup_of`).

        The backup is verified first (whole, exactly one of our schema versions, not newer than
        this program). Refused while another window or program has the file open (see
        :meth:`_alone`). The current file, if any, is kept: a verified backup of kind 恢复前 in
        ``keep_dir`` (default: the backup folder beside it), or a raw copy named
        ``…_损坏.sqlite.keep`` when it is damaged. The swap is an atomic rename, so a crash
        leaves either the old or the restored database; an older backup is then upgraded.
        Returns the path of the kept copy. Raises DatabaseDamaged, DatabaseTooNew,
        PasswordNeeded or FileProblem, changing nothing."""
        from models import backup

        name = source.path.name
        if not source.path.is_file():
            raise FileProblem(f"找不到备份文件“{source.path}”。请检查路径。")
        version, problems = inspect_file(source.path, key=source.key)
        if problems:
            raise DatabaseDamaged(f"备份文件“{name}”已损坏（{problems[0]}），不能用来恢复。")
        if version > SCHEMA_VERSION:
            raise DatabaseTooNew(f"备份文件“{name}”由更新版本的程序建立，请先升级程序。")
        keep_dir = keep_dir or backup.default_backup_dir(self.path)
        with self._alone(RESTORE):
            kept = self._keep_current(keep_dir)
            tmp = self.path.with_name(self.path.name + ".restoring")
            try:
                backup.write_verified_copy(source.path, tmp, source.key)
                faults.point("restore.swap")
                self._put(tmp, source.key, RESTORE)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            if version < SCHEMA_VERSION:
                backup.make_backup_of_file(self.path, keep_dir, kind="升级前", key=self.key)
                upgrade_file(self.path, version, self.key)
        return kept

    def _keep_current(self, keep_dir: Path) -> Path | None:
        """Before a restore: the current file kept in ``keep_dir`` (a verified 恢复前 backup,
        or a raw ``…_损坏.sqlite.keep`` copy of a damaged or unreadable one)."""
        from models import backup

        if not self.path.exists():
            return None
        try:
            try:
                _v, damage = inspect_file(self.path, key=self.key)
                if damage:
                    raise DatabaseDamaged(damage[0])
                checkpoint(self.path, self.key)
                return backup.make_backup_of_file(self.path, keep_dir, kind="恢复前",
                                                  key=self.key)
            except (DatabaseDamaged, *sqlconnect.DatabaseError):  # type: ignore[misc]
                keep_dir.mkdir(parents=True, exist_ok=True)
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                kept = keep_dir / f"{self.path.stem}_{stamp}_损坏.sqlite.keep"
                shutil.copy2(self.path, kept)
                return kept
        except OSError as err:
            raise FileProblem(describe_os_error(err, self.path)) from err

    def change_password(self, new_password: str | None, *, existing: bool = False) -> None:
        """Re-encrypt the file with ``new_password`` (None removes the password: the file
        becomes plain; an empty or short one is refused, never taken as a removal). The
        current key must be held (:meth:`unlock`). ``existing``: the password is the one an
        older file already has (:meth:`unlock` of a LEGACY file), so its length is not judged.

        The re-encrypted copy is written beside the file, verified and swapped in while this
        object has the file alone (:meth:`_alone`); a kill at any point leaves one readable
        database with the old or the new password. Then the plain backups in the backup
        folders are encrypted too. Raises ValidationError, PasswordNeeded or FileProblem,
        changing nothing."""
        if new_password is not None and not existing:  # an older file's password is not new
            security.check_length(new_password)
        if not sqlconnect.cipher_available():  # pragma: no cover - sqlcipher3 is a requirement
            raise FileProblem("本程序缺少 SQLCipher 加密组件，不能设置密码。请重新安装关工台账。")
        if self.kind is FileKind.ENCRYPTED and self.key is None:
            raise self.needs_password()
        new_key = sqlconnect.new_key(new_password) if new_password else None
        with self._alone(PASSWORD), security.rekeyed(self.path, self.key, new_key) as tmp:
            faults.point("password.swap")
            self._put(tmp, new_key, PASSWORD)
            faults.point("password.done")
        if new_key is not None:
            security.encrypt_plain_backups(self.path, new_key)
