"""The first screen's figures, kept inside the database so the window can show them before
SQLAlchemy and the pages are imported (issue 14). Standard library only: nothing here may
import SQLAlchemy, the ORM models or Qt.

Design (schema 4):

- ``first_screen`` holds one row: the 首页's figures for one ``year`` (the §3 figures of
  ``stats.year_figures``, the activities per month, the committee's name and the demo mark) as
  JSON, and ``fresh``.
- A trigger on every table the 首页 could depend on (all but ``audit_log``) clears ``fresh`` on
  any insert, update or delete, whoever writes: the window, a command-line import, an upgrade
  step, a hand-made edit. So a payload is never taken for current after its data moved on.
- The one session helper (``Database.session``) recomputes the row at the end of each
  transaction that cleared it (models.first_screen_store), inside that same transaction: a
  crashed or rolled-back write leaves the old row *and* the old data; a backup carries the row
  with its data; a restore brings back the backup's own row (an older schema is upgraded and
  computed then).
- The figures depend on the date only through the year: :func:`read` gives them only when they
  were computed for ``today``'s year. Reminders (which depend on the day) are never stored.

:func:`read` returns None whenever it cannot vouch for the figures (no row, not fresh, another
year, an older schema, unreadable); the window then loads as before and shows the figures
computed by the full program.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import sqlconnect

#: the schema version that holds ``first_screen`` (models.sqlitefile.SCHEMA_VERSION from 4 on)
SINCE_VERSION = 4

TABLE = "first_screen"
CREATE_TABLE = ("CREATE TABLE first_screen (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "fresh INTEGER NOT NULL DEFAULT 0, year INTEGER NOT NULL, payload TEXT NOT NULL)")

#: tables whose writes can change what the 首页 shows (every table of the program but the
#: audit log): a write to any of them marks the stored figures stale
WATCHED_TABLES = ("settings", "code_entries", "groups", "wuhao_assessments", "volunteers",
                  "students", "pairings", "aid_records", "activities", "activity_photos",
                  "donations", "honors", "volunteer_cares", "rollup_units", "rollup_packages",
                  "rollup_records", "venues")
EVENTS = ("insert", "update", "delete")


def trigger_name(table: str, event: str) -> str:
    return f"first_screen_stale_{table}_{event}"


def trigger_sql(table: str, event: str) -> str:
    return (f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event.upper()} ON {table} "
            "WHEN (SELECT fresh FROM first_screen WHERE id = 1) "
            "BEGIN UPDATE first_screen SET fresh = 0 WHERE id = 1; END")


def schema_statements() -> list[str]:
    """The table and its triggers, as a new database creates them (upgrade steps keep their own
    frozen copies in models.sqlitefile)."""
    return [CREATE_TABLE] + [trigger_sql(t, e) for t in WATCHED_TABLES for e in EVENTS]


def trigger_names(tables: tuple[str, ...]) -> tuple[str, ...]:
    """Names of the stale-marking triggers on ``tables``."""
    return tuple(trigger_name(t, e) for t in tables for e in EVENTS)


def schema_names() -> tuple[str, ...]:
    """Names of every schema object :func:`schema_statements` creates."""
    return (TABLE, *trigger_names(WATCHED_TABLES))


@dataclass(frozen=True)
class FirstScreen:
    """What the 首页 shows at start: ``figures`` is contract §3's object for ``year``;
    ``months`` the activities held in each month of it."""

    year: int
    committee: str
    demo: bool
    figures: dict[str, Any]
    months: list[int]


@dataclass(frozen=True)
class Peek:
    """The outcome of :func:`read`: ``screen`` (None: load the full program first) and
    ``locked`` (a password must be given before anything of the file is shown)."""

    screen: FirstScreen | None
    locked: bool = False


PASSWORD_KEY = "password_hash"  # models.security.KEY


def payload(screen: FirstScreen) -> str:
    """The stored JSON text (deterministic: the same data gives the same text)."""
    return json.dumps({"year": screen.year, "committee": screen.committee, "demo": screen.demo,
                       "figures": screen.figures, "months": screen.months}, ensure_ascii=False)


def parse(text: str) -> FirstScreen | None:
    """The screen stored as ``text`` (None when it is not what :func:`payload` writes)."""
    try:
        data = json.loads(text)
        return FirstScreen(year=int(data["year"]), committee=str(data["committee"]),
                           demo=bool(data["demo"]), figures=dict(data["figures"]),
                           months=[int(n) for n in data["months"]])
    except (ValueError, KeyError, TypeError):
        return None


def read(path: Path | str, today: dt.date | None = None) -> Peek:
    """The first screen of the database at ``path`` when its stored figures are current for
    ``today``'s year; never writes, never raises (any doubt gives ``Peek(None)``)."""
    from models.sqlitefile import SCHEMA_VERSION  # light; imported late (it imports us)

    today = today or dt.date.today()
    try:
        con = sqlconnect.connect(path, readonly=True)
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
