"""A look into a database file before the full program is imported (issue 14): the first
screen's stored figures (models.first_screen), read with the standard library and SQLite
alone. Nothing here may import SQLAlchemy, the ORM models or Qt.

:func:`read` returns no screen whenever it cannot vouch for the figures (no row, not fresh,
another year, an older or newer schema, unreadable); the window then loads as before and shows
the figures computed by the full program.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from models import sqlconnect
from models.first_screen import SINCE_VERSION, FirstScreen, parse
from models.sqlitefile import SCHEMA_VERSION

PASSWORD_KEY = "password_hash"  # models.security.KEY


@dataclass(frozen=True)
class Peek:
    """The outcome of :func:`read`: ``screen`` (None: load the full program first) and
    ``locked`` (a password must be given before anything of the file is shown)."""

    screen: FirstScreen | None
    locked: bool = False


def read(path: Path | str, today: dt.date | None = None, key: sqlconnect.Key | None = None
         ) -> Peek:
    """The first screen of the database at ``path`` (opened with ``key`` when encrypted) when
    its stored figures are current for ``today``'s year; never writes, never raises (any doubt
    gives ``Peek(None)``)."""
    today = today or dt.date.today()
    try:
        con = sqlconnect.connect(path, readonly=True, key=key)
    except sqlconnect.Error:
        return Peek(None)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if not SINCE_VERSION <= version <= SCHEMA_VERSION:
            return Peek(None)
        pw = con.execute("SELECT value FROM settings WHERE key = ?", (PASSWORD_KEY,)).fetchone()
        if pw and pw[0]:
            return Peek(None, locked=True)
        row = con.execute("SELECT fresh, year, payload FROM first_screen WHERE id = 1").fetchone()
    except sqlconnect.Error:  # encrypted without its key, damaged, not ours: the full path
        return Peek(None)
    finally:
        con.close()
    if not row or not row[0] or row[1] != today.year:
        return Peek(None)
    return Peek(parse(row[2]))
