"""The one place that opens a SQLite connection to a 关工台账 file.

Every part of the program that reads or writes a database file with the DB-API (inspection,
checkpoint, upgrades, backups, ``check``, the SQLAlchemy engines and the first screen) calls
:func:`connect`, so that whatever must be applied to every connection of a file is applied in
exactly one place: today the SQLCipher key of an encrypted file.

Encryption (issue 15). A file protected by a password is a SQLCipher 4 database (its first 16
bytes are the random KDF salt instead of ``SQLite format 3``). The key is never stored: a
:class:`Key` is derived from the password once per process, exactly as SQLCipher 4 derives it
(PBKDF2-HMAC-SHA512, 256 000 iterations, 32 bytes, salted with the file's first 16 bytes), and
the one object that owns the file (``models.db.Database``) holds it. Nothing here remembers a
key: every caller passes the key it holds. Every connection of an encrypted file is opened with
the raw key (``PRAGMA key = "x'<key><salt>'"``), which skips SQLCipher's per-connection KDF: the
guessing brake is the one derivation per attempt, not one per connection. A plain file (SQLite
magic) is opened with :mod:`sqlite3` whatever key is given, so restoring a plain backup over an
encrypted file gives a plain file, never an unreadable one.

:func:`detect` is the one place that tells what a file is (missing, plain, encrypted).
"""

from __future__ import annotations

import enum
import os
import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, cast

SQLITE_MAGIC = b"SQLite format 3\x00"
KDF_ITERATIONS = 256_000
SALT_BYTES = 16
#: page cache of an encrypted connection (KiB); SQLite's default is 2000
CIPHER_CACHE_KIB = 65536

Connection = sqlite3.Connection
#: what callers catch (``except sqlconnect.Error``), see :func:`__getattr__`
_ERRORS = ("Error", "DatabaseError", "OperationalError")


@cache
def _cipher() -> Any:
    """The SQLCipher binding (sqlcipher3 wheels: SQLCipher 4, OpenSSL linked in), imported
    when first needed — loading it and OpenSSL costs ≈4 ms that the window's first screen of
    a plain file does without; None when it is missing."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:  # pragma: no cover - the binding is in requirements.txt
        return None
    return dbapi2


def __getattr__(name: str) -> tuple[type[Exception], ...]:
    """``Error``, ``DatabaseError``, ``OperationalError``: the errors of either module
    (sqlite3's and sqlcipher3's are distinct classes), for ``except sqlconnect.Error:`` — an
    except clause is evaluated only when an exception reaches it, so naming them imports
    nothing beforehand."""
    if name not in _ERRORS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    cipher = _cipher()
    return tuple(getattr(m, name) for m in ((sqlite3,) if cipher is None else (sqlite3, cipher)))


@dataclass(frozen=True)
class Key:
    """A SQLCipher raw key and the salt it was derived with (the file's first 16 bytes)."""

    raw: bytes
    salt: bytes

    def pragma_value(self) -> str:
        """The value for ``PRAGMA key``/``ATTACH … KEY``: raw key and salt, no KDF."""
        return f"\"x'{self.raw.hex()}{self.salt.hex()}'\""

    def __repr__(self) -> str:  # never print a key
        return "Key(…)"

    def fits(self, path: Path | str) -> bool:
        """Whether the encrypted file at ``path`` has this key's salt (a backup or copy made
        with the same password keeps the salt of its source, so this key may open it)."""
        return file_salt(path) == self.salt


def cipher_available() -> bool:
    return _cipher() is not None


def derive(password: str, salt: bytes) -> Key:
    """SQLCipher 4's own key derivation (PBKDF2-HMAC-SHA512, 256 000 rounds)."""
    import hashlib  # (OpenSSL's loading: not before the window's first screen)

    raw = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, KDF_ITERATIONS, 32)
    return Key(raw, salt)


def new_key(password: str) -> Key:
    """A key for a new encrypted file (fresh random salt)."""
    return derive(password, os.urandom(SALT_BYTES))


class Kind(enum.Enum):
    """What a database file is, judged from its first bytes."""

    MISSING = "missing"  #: no file, or an empty one (it is created)
    PLAIN = "plain"  #: SQLite's magic (or a file too short or ragged to be encrypted: damaged)
    ENCRYPTED = "encrypted"  #: whole pages without the magic: SQLCipher (or junk; a key tells)


def _judge(path: Path | str) -> tuple[Kind, bytes | None]:
    """What the file is, and the salt of an encrypted one (its first 16 bytes, read once). A
    file whose size is not whole pages of 512 bytes or more cannot be a SQLCipher file: it is
    judged plain (a truncated or foreign file: damaged, said by the header check)."""
    head = _head(path)
    if not head:
        return Kind.MISSING, None
    if head.startswith(SQLITE_MAGIC) or len(head) < SALT_BYTES:
        return Kind.PLAIN, None
    try:
        size = os.stat(path).st_size
    except OSError:
        return Kind.PLAIN, None
    if size < 1024 or size % 512:
        return Kind.PLAIN, None
    return Kind.ENCRYPTED, head[:SALT_BYTES]


def file_salt(path: Path | str) -> bytes | None:
    """The first 16 bytes of an encrypted file; None for a plain, empty, missing or damaged
    one (see :func:`_judge`)."""
    return _judge(path)[1]


def detect(path: Path | str) -> Kind:
    """The one judgement of what the file at ``path`` is (its first 16 bytes read once)."""
    return _judge(path)[0]


def is_encrypted(path: Path | str) -> bool:
    """True when the file exists, is not empty and does not start with the SQLite magic
    (an encrypted file — or junk: only trying a key can tell them apart)."""
    return detect(path) is Kind.ENCRYPTED


def _head(path: Path | str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC))
    except OSError:
        return b""


def key_for_file(path: Path | str, password: str) -> Key | None:
    """The key ``password`` gives for the encrypted file at ``path`` (None when it is plain).
    Whether it is the right one is only known by opening the file with it."""
    salt = file_salt(path)
    return None if salt is None else derive(password, salt)


def _encrypted_target(path: Path | str, key: Key | None) -> bool:
    """Whether ``path`` is to be opened with SQLCipher: a key is known and the file is not a
    plain SQLite file (a missing or empty file is created encrypted)."""
    if key is None or _cipher() is None:
        return False
    head = _head(path)
    return not head.startswith(SQLITE_MAGIC)


def module_for(path: Path | str, key: Key | None) -> ModuleType:
    """The DB-API module for ``path`` opened with ``key`` (sqlite3, or sqlcipher3's); the
    SQLAlchemy engines are created with it so they wrap the right exceptions."""
    if _encrypted_target(path, key):
        return cast(ModuleType, _cipher())
    return sqlite3


_CIPHER_FACTORIES: dict[type, type] = {}


def _cipher_factory(factory: type) -> type:
    """The SQLCipher counterpart of a ``sqlite3.Connection`` subclass: the same mixins on
    sqlcipher3's Connection class (a factory adds behaviour through mixins, see
    models.engines.UseLockMixin, and no method of its own body)."""
    if factory not in _CIPHER_FACTORIES:
        bases = tuple(b for b in factory.__bases__ if b is not sqlite3.Connection)
        cipher = _cipher()
        assert cipher is not None
        _CIPHER_FACTORIES[factory] = type(f"Cipher{factory.__name__}",
                                          (*bases, cipher.Connection), {})
    return _CIPHER_FACTORIES[factory]


def connect(path: Path | str, *, readonly: bool = False, autocommit: bool = False,
            factory: type[sqlite3.Connection] | None = None,
            check_same_thread: bool = True, key: Key | None = None,
            cipher: bool = False) -> sqlite3.Connection:
    """Open the database file at ``path``.

    ``readonly`` opens it with ``mode=ro`` (never creates or writes the file; always so for a
    file in a read-only place, see :func:`read_only_place`); ``autocommit``
    leaves transactions to the caller (``isolation_level=None``). ``key`` opens an encrypted
    file; without it, or with a wrong one, the first read fails with "file is not a database".
    ``cipher`` opens even a plain file with SQLCipher (for
    ``ATTACH … KEY`` and ``sqlcipher_export``). Raises one of :data:`Error`."""
    kwargs: dict[str, Any] = {"check_same_thread": check_same_thread}
    if autocommit:
        kwargs["isolation_level"] = None
    encrypted = _encrypted_target(path, key)
    module: Any = _cipher() if encrypted or (cipher and _cipher() is not None) else sqlite3
    if factory is not None:
        kwargs["factory"] = factory if module is sqlite3 else _cipher_factory(factory)
    place_read_only = read_only_place(path)
    if readonly or place_read_only:
        con = module.connect(f"file:{_uri_path(path)}?mode=ro{_immutable(path, place_read_only)}",
                             uri=True, **kwargs)
    else:
        con = module.connect(str(path), **kwargs)
    if encrypted:
        assert key is not None
        try:
            con.execute("PRAGMA cipher_log_level = NONE")
            con.execute(f"PRAGMA key = {key.pragma_value()}")
            # a page read again from the OS cache must be decrypted and authenticated again:
            # a larger page cache keeps the whole-file checks and the year's figures close to
            # the plain file's time (it grows only as pages are read; a township's file is small)
            con.execute(f"PRAGMA cache_size = -{CIPHER_CACHE_KIB}")
        except BaseException:
            con.close()
            raise
    return cast(sqlite3.Connection, con)


def read_only_place(path: Path | str) -> bool:
    """True when ``path`` is an existing file that cannot be written, or lies in a folder that
    cannot be written (a write-protected USB stick): every connection to it is then opened
    read-only, so reading works and writing fails with SQLite's "readonly database"."""
    folder = Path(path).parent
    if not folder.is_dir():
        return False
    if not os.access(folder, os.W_OK):
        return True
    return os.path.exists(path) and not os.access(path, os.W_OK)


def _immutable(path: Path | str, place_read_only: bool) -> str:
    """``&immutable=1`` for a file in a read-only folder (SQLite cannot make its -shm there)
    unless a WAL with content lies beside it (it must then be read through the -shm that
    exists, or not at all)."""
    if not place_read_only or os.access(Path(path).parent, os.W_OK):
        return ""
    try:
        if os.path.getsize(f"{path}-wal") > 0:
            return ""
    except OSError:
        pass
    return "&immutable=1"


def damaged_not_wrong(path: Path | str, key: Key) -> bool:
    """For a key that does not open the first page of the encrypted file at ``path``: True
    when it authenticates other pages (SQLCipher's ``cipher_integrity_check``: with a wrong key
    every page fails, with the right one only the damaged ones), i.e. the key is right and the
    file is damaged. False when it cannot tell."""
    cipher = _cipher()
    if cipher is None:  # pragma: no cover - the binding is in requirements.txt
        return False
    try:
        pages = os.path.getsize(path) // 4096  # SQLCipher 4's page size
        con = cipher.connect(f"file:{_uri_path(path)}?mode=ro", uri=True)
        try:
            con.execute("PRAGMA cipher_log_level = NONE")
            con.execute(f"PRAGMA key = {key.pragma_value()}")
            failed = len(con.execute("PRAGMA cipher_integrity_check").fetchall())
        finally:
            con.close()
    except (OSError, *__getattr__("Error")):  # type: ignore[misc]
        return False
    return pages > 1 and 0 < failed < pages


def _uri_path(path: Path | str) -> str:
    """``path`` for a ``file:`` URI: a folder named like ``关工#1`` or ``50%`` must not end the
    path early or be read as an escape."""
    text = str(Path(path))
    for char, escaped in (("%", "%25"), ("?", "%3f"), ("#", "%23")):
        text = text.replace(char, escaped)
    return text
