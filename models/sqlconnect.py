"""The one place that opens a SQLite connection to a 关工台账 file.

Every part of the program that reads or writes a database file with the DB-API (inspection,
checkpoint, upgrades, backups, ``check``, the SQLAlchemy engines and the first screen) calls
:func:`connect`, so that whatever must be applied to every connection of a file (today: nothing
beyond opening it; a key once the file is encrypted) is applied in exactly one place.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

#: what callers catch: errors of the module that made the connection
Error = sqlite3.Error
DatabaseError = sqlite3.DatabaseError
OperationalError = sqlite3.OperationalError
Connection = sqlite3.Connection


def _uri_path(path: Path | str) -> str:
    """``path`` for a ``file:`` URI: a folder named like ``关工#1`` or ``50%`` must not end the
    path early or be read as an escape."""
    text = str(Path(path))
    for char, escaped in (("%", "%25"), ("?", "%3f"), ("#", "%23")):
        text = text.replace(char, escaped)
    return text


def connect(path: Path | str, *, readonly: bool = False, autocommit: bool = False,
            factory: type[sqlite3.Connection] | None = None,
            check_same_thread: bool = True) -> sqlite3.Connection:
    """Open the database file at ``path``.

    ``readonly`` opens it with ``mode=ro`` (never creates or writes the file); ``autocommit``
    leaves transactions to the caller (``isolation_level=None``). Raises sqlite3.Error."""
    kwargs: dict[str, Any] = {"check_same_thread": check_same_thread}
    if factory is not None:
        kwargs["factory"] = factory
    if autocommit:
        kwargs["isolation_level"] = None
    if readonly:
        return sqlite3.connect(f"file:{_uri_path(path)}?mode=ro", uri=True, **kwargs)
    return sqlite3.connect(str(path), **kwargs)
