"""The optional program password: it is the SQLCipher key of the database file (issue 15).

With a password set, the database file, its WAL and every backup are encrypted at rest
(SQLCipher 4, see models.sqlconnect); the password itself is stored nowhere. Without the
password nothing of the data can be read, by the window, the command line or another program.

- :func:`unlock` checks a password against an encrypted file and gives the derived key to the
  object that owns the file (models.db.Database); failures are slowed down
  (:func:`brake_seconds`), and the count of failures is kept in a small file beside the
  database (``<库名>.sqlite.tries``: a count and a time, nothing else) so that a restart does not reset it.
- :func:`rekeyed` writes the re-encrypted file beside the old one (``sqlcipher_export``) and
  verifies it (integrity check and record counts equal to the old file's);
  ``Database.change_password`` swaps it in with one atomic rename while nothing has the file
  open. A kill at any point leaves one readable database with either the old or the new
  password (kill points ``password.export``, ``password.swap``, ``password.done``). Then the
  plain backups in the database's backup folders are encrypted the same way
  (:func:`encrypt_plain_backups`); a copy elsewhere (a USB stick) stays as it was made.
- Files of version ≤ 3 programs may hold only a salted scrypt hash (settings ``password_hash``)
  and no encryption: :func:`legacy_password_set` finds them (``Database.kind``); the window and
  the command line then ask for that password and ``Database.unlock`` encrypts the file with it. The row is
  deleted in the encrypted file: clearing a settings row no longer removes any protection.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from models import faults, filelock, sqlconnect
from models.errors import (
    DatabaseDamaged,
    FileProblem,
    UserError,
    ValidationError,
    WrongPassword,
    describe_os_error,
)
from models.sqlitefile import (
    APPLICATION_ID,
    checkpoint,
    inspect_file,
    wrong_password_message,
)

if TYPE_CHECKING:  # the password dialog at start needs no SQLAlchemy (issue 14)
    from sqlalchemy.orm import Session

KEY = "password_hash"  # the settings row of older versions (scrypt hash, no encryption)
#: a copied file can be guessed offline at the KDF's speed (~600 tries a minute per core):
#: 8 characters are the least that a brute force does not get through in days
MIN_LENGTH = 8
#: failures allowed before each further try waits BRAKE_FIRST seconds, doubling up to BRAKE_MAX
FREE_TRIES = 3
BRAKE_FIRST = 5.0
BRAKE_MAX = 60.0

WINDOW_OPEN = ("数据库“{name}”正在关工台账窗口中打开，不能修改密码。请先关闭窗口，"
               "或在窗口的“设置”页里修改。")
IN_USE = "数据库“{name}”正在被另一个关工台账程序使用，不能修改密码。请等它完成后再试。"


def check_length(password: str) -> None:
    """Refuse a new password shorter than :data:`MIN_LENGTH` (ValidationError, saying why)."""
    if len(password) < MIN_LENGTH:
        raise ValidationError("密码", f"新密码至少要 {MIN_LENGTH} 位（可以是字母、数字和汉字的组合）。"
                              "复制走的数据库文件可以在别的电脑上不停地试密码，短密码几分钟就会被试出来，"
                              "密码没有改动")


# -- the guessing brake ----------------------------------------------------------------------

def _tries_path(path: Path) -> Path:
    return path.with_name(path.name + ".tries")


def _read_tries(path: Path) -> tuple[int, float]:
    """(failures, start time of the latest try); a file that cannot be read as a count keeps
    the brake on rather than resetting it."""
    target = _tries_path(path)
    try:
        text = target.read_text("utf-8")
    except FileNotFoundError:
        return 0, 0.0
    except OSError:
        return FREE_TRIES, time.time()
    try:
        data = json.loads(text)
        return int(data.get("failures", 0)), float(data.get("last", 0.0))
    except (ValueError, TypeError, AttributeError):
        return FREE_TRIES, time.time()


def _write_tries(path: Path, failures: int, last: float | None = None) -> None:
    """Store the count (atomically: a kill mid-write never resets it)."""
    target = _tries_path(path)
    try:
        if failures == 0:
            target.unlink(missing_ok=True)
        else:
            tmp = target.with_name(target.name + ".part")
            tmp.write_text(json.dumps({"failures": failures,
                                       "last": time.time() if last is None else last}), "utf-8")
            os.replace(tmp, target)
    except OSError:  # a read-only folder: the KDF alone slows guessing
        pass


def _gap(failures: int) -> float:
    """Seconds between the start of the latest try and the next one, after ``failures``."""
    if failures < FREE_TRIES:
        return 0.0
    return min(BRAKE_MAX, BRAKE_FIRST * 2.0 ** min(failures - FREE_TRIES, 8))


def brake_seconds(path: Path | str) -> float:
    """Seconds to wait before the next password try of ``path`` (0 when none is due)."""
    failures, last = _read_tries(Path(path).resolve())
    wait = _gap(failures)
    return 0.0 if wait == 0 else max(0.0, min(last + wait - time.time(), BRAKE_MAX * 16))


def _try_key(path: Path, key: sqlconnect.Key) -> bool:
    try:
        con = sqlconnect.connect(path, readonly=True, key=key)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlconnect.DatabaseError:
        return False
    return True


#: threads of this process take turns here before the OS lock (a flock taken twice by one
#: process through two descriptors blocks itself: the hang of the first attempt)
_COUNTER_TURN = threading.Lock()
#: seconds a try waits for another process's count update (held for microseconds)
COUNTER_WAIT = 10.0
BUSY = "另一个程序正在核对数据库“{name}”的密码，请稍后再试。"


@contextlib.contextmanager
def _counter(path: Path) -> Iterator[None]:
    """Hold the count of ``path`` (``<库名>.sqlite.tries.lock``, an OS lock) for one
    read-and-write of the ``.tries`` file. Held for no more than that: never while sleeping,
    deriving a key or waiting for any other lock. A folder that cannot hold the lock file (a
    read-only place) gives no lock: the count cannot be written there either. Raises
    FileProblem when another process keeps it longer than :data:`COUNTER_WAIT`."""
    with _COUNTER_TURN:
        try:
            lock = filelock.acquire(path.with_name(path.name + ".tries.lock"),
                                    timeout=COUNTER_WAIT)
        except OSError:
            yield
            return
        if lock is None:
            raise FileProblem(BUSY.format(name=path.name))
        try:
            yield
        finally:
            lock.unlock()


def _reserve(path: Path) -> float:
    """Count this try before it is made (a try killed while it waits or derives still counts)
    and give it its start time: ``gap`` after the start of the latest try, so tries run side
    by side in several processes line up one after the other. Returns the seconds to wait."""
    with _counter(path):
        failures, last = _read_tries(path)
        now = time.time()
        start = max(now, last + _gap(failures)) if _gap(failures) else now
        _write_tries(path, failures + 1, start)
    return max(0.0, start - now)


def _settle(path: Path) -> None:
    """The right password: the count starts again."""
    with _counter(path):
        _write_tries(path, 0)


def unlock(path: Path | str, password: str,
           sleep: Callable[[float], None] = time.sleep) -> sqlconnect.Key | None:
    """Open the encrypted file at ``path`` with ``password`` and return its key (None for a
    plain file: nothing to unlock; the caller holds the key, see models.db.Database). Every
    try is counted before it is made, under an OS lock, also when tries run in parallel
    processes (:func:`_reserve`), and waits first when the failures before it are due a
    brake. Raises WrongPassword (counted), DatabaseDamaged (the key is right — it
    authenticates other pages — but the first page is damaged), FileProblem (another process
    holds the count for long)."""
    path = Path(path).resolve()
    if not sqlconnect.is_encrypted(path):
        return None
    wait = _reserve(path)
    if wait > 0:
        sleep(wait)
    key = sqlconnect.key_for_file(path, password)
    if key is None or not _try_key(path, key):
        if key is not None and sqlconnect.damaged_not_wrong(path, key):
            _settle(path)  # the password was right
            raise DatabaseDamaged(f"密码是对的，但数据库文件“{path.name}”的开头已损坏，无法读取。"
                                  "请从备份恢复。")
        raise WrongPassword(wrong_password_message(path.name))
    _settle(path)
    return key


# -- older files: a scrypt hash in the settings, no encryption ---------------------------------

def legacy_password_set(path: Path | str) -> bool:
    """True for a plain file that holds the scrypt hash of an older version's password (an
    encrypted one cannot be read without its key: False)."""
    if not Path(path).is_file():
        return False
    try:
        con = sqlconnect.connect(path, readonly=True, key=None)
        try:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (KEY,)).fetchone()
        finally:
            con.close()
    except sqlconnect.Error:
        return False
    return bool(row and row[0])


def _legacy_matches(path: Path, password: str) -> bool:
    con = sqlconnect.connect(path, readonly=True, key=None)
    try:
        row = con.execute("SELECT value FROM settings WHERE key = ?", (KEY,)).fetchone()
    finally:
        con.close()
    try:
        _algo, n, r, p, salt, digest = (row[0] if row else "").split("$")
        import hashlib
        import hmac

        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n),
                             r=int(r), p=int(p), dklen=32)
        return hmac.compare_digest(bytes.fromhex(digest), got)
    except ValueError:
        return False


def verify_legacy(path: Path | str, password: str) -> None:
    """Check ``password`` against the scrypt hash of an older plain file. Raises
    WrongPassword (counted by the brake) when it is not that one."""
    path = Path(path).resolve()
    wait = _reserve(path)
    if wait > 0:
        time.sleep(wait)
    if not _legacy_matches(path, password):
        raise WrongPassword(wrong_password_message(path.name))
    _settle(path)


# -- set, change, remove: the re-encrypted copy (Database.change_password swaps it in) -------

def _export(src: Path, key: sqlconnect.Key | None, dest: Path, new_key: sqlconnect.Key | None
            ) -> dict[str, int]:
    """Write ``src`` (opened with ``key``, or plain) into the new file ``dest`` encrypted with
    ``new_key`` (plain when None) by ``sqlcipher_export``; returns the source's counts. The
    scrypt row of older versions is not carried over."""
    from models.backup import record_counts

    con = sqlconnect.connect(src, autocommit=True, cipher=True, key=key)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        counts = record_counts(con)
        target = new_key.pragma_value() if new_key else "''"
        con.execute(f"ATTACH DATABASE ? AS rekey KEY {target}", (str(dest),))
        con.execute("SELECT sqlcipher_export('rekey')")
        faults.point("password.export")
        con.execute(f"PRAGMA rekey.user_version = {int(version)}")
        con.execute(f"PRAGMA rekey.application_id = {APPLICATION_ID}")
        con.execute("DELETE FROM rekey.settings WHERE key = ?", (KEY,))
        con.execute("DETACH DATABASE rekey")
    finally:
        con.close()
    _verify(dest, counts, new_key)
    with dest.open("rb+") as fh:
        os.fsync(fh.fileno())
    return counts


@contextlib.contextmanager
def rekeyed(path: Path, key: sqlconnect.Key | None, new_key: sqlconnect.Key | None
            ) -> Iterator[Path]:
    """The file at ``path`` (opened with ``key``) written beside it as ``<库>.rekey``,
    encrypted with ``new_key`` (plain when None) and verified; the block swaps it in (the
    caller has the file alone). Whatever is left of it is removed afterwards (kill points
    ``password.export``). Raises FileProblem, the file unchanged."""
    tmp = path.with_name(path.name + ".rekey")
    sides = [Path(str(tmp) + s) for s in ("", "-wal", "-shm", "-journal")]
    try:
        for p in sides:
            p.unlink(missing_ok=True)
        checkpoint(path, key)
        _export(path, key, tmp, new_key)
        yield tmp
    except OSError as err:
        raise FileProblem(describe_os_error(err, path)) from err
    except sqlconnect.Error as err:
        raise FileProblem(f"修改密码没有完成（{err}），数据库保持原样。请检查磁盘空间后再试。") from err
    finally:
        for p in sides:
            p.unlink(missing_ok=True)


def encrypt_plain_backups(db_path: Path | str, key: sqlconnect.Key) -> tuple[int, int]:
    """Encrypt, with the database's ``key``, the plain backups of ``db_path`` in its backup folders
    (the default one and the one chosen in 设置): backups made before the password was set
    must not stay readable beside it. Each is rewritten beside itself, verified and renamed
    over (a kill leaves the plain or the encrypted backup). Returns (encrypted, left plain)."""
    from models import backup

    db_path = Path(db_path).resolve()
    if not sqlconnect.is_encrypted(db_path):
        return 0, 0
    folders = {backup.default_backup_dir(db_path)}
    try:
        con = sqlconnect.connect(db_path, readonly=True, key=key)
        try:
            row = con.execute("SELECT value FROM settings WHERE key = 'backup_dir'").fetchone()
        finally:
            con.close()
        if row and row[0]:
            folders.add(Path(row[0]))
    except sqlconnect.Error:
        pass
    done = left = 0
    for folder in folders:
        for info in backup.list_backups(folder, db_path.stem):
            if sqlconnect.is_encrypted(info.path) or not info.path.is_file():
                continue
            part = info.path.with_name(info.path.name + ".part")
            try:
                part.unlink(missing_ok=True)
                _export(info.path, None, part, key)
                os.replace(part, info.path)
                done += 1
            except (OSError, UserError, *sqlconnect.Error):  # type: ignore[misc]
                left += 1
            finally:
                part.unlink(missing_ok=True)
    return done, left


def _verify(path: Path, counts: dict[str, int], key: sqlconnect.Key | None) -> None:
    from models.backup import record_counts
    from models.errors import DatabaseDamaged

    _version, problems = inspect_file(path, key=key)
    if problems:
        raise DatabaseDamaged(f"重新加密后的文件检查未通过（{problems[0]}），数据库保持原样。")
    con = sqlconnect.connect(path, readonly=True, key=key)
    try:
        if record_counts(con) != counts:
            raise DatabaseDamaged("重新加密后的记录数与原库不一致，数据库保持原样。")
    finally:
        con.close()


def lock_minutes(s: Session) -> int:
    """Minutes of no use after which the window locks (0 = never)."""
    from models import settings

    try:
        return max(0, int(settings.get(s, "lock_minutes", "10") or 10))
    except ValueError:
        return 10
