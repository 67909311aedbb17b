"""The first screen's figures, kept inside the database so the window can show them before
SQLAlchemy and the pages are imported (issue 14): their table, the triggers that mark them
stale and the stored text. Standard library only, and no module of the program: nothing here
may import SQLAlchemy, the ORM models or Qt.

Design (schema 4):

- ``first_screen`` holds one row: the 首页's figures for one ``year`` (the §3 figures of
  ``stats.year_figures``, the activities per month, the committee's name and the demo mark) as
  JSON, and ``fresh``.
- A trigger on every table the 首页 could depend on (all but ``audit_log``) clears ``fresh`` on
  any insert, update or delete, whoever writes: the window, a command-line import, an upgrade
  step, a hand-made edit. So a payload is never taken for current after its data moved on.
  An upgrade clears it too (the figures were made by an older program).
- The layer above storage (models.first_screen_store) recomputes the row at the end of each
  transaction that cleared it, inside that same transaction, through the session helper's
  hook (``models.engines.on_commit``); after an upgrade through ``models.sqlitefile.after_upgrade``.
  A crashed or rolled-back write leaves the old row *and* the old data; a backup carries the
  row with its data; a restore brings back the backup's own row (an older schema is upgraded
  and computed then).
- The figures depend on the date only through the year: ``models.peek.read`` gives them only
  when they were computed for ``today``'s year. Reminders (which depend on the day) are never
  stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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
#: what a trigger, an upgrade and a forced recomputation do: the stored figures are not current
MARK_STALE = "UPDATE first_screen SET fresh = 0 WHERE id = 1"


def trigger_name(table: str, event: str) -> str:
    return f"first_screen_stale_{table}_{event}"


def trigger_sql(table: str, event: str) -> str:
    return (f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event.upper()} ON {table} "
            "WHEN (SELECT fresh FROM first_screen WHERE id = 1) "
            f"BEGIN {MARK_STALE}; END")


def schema_statements() -> list[str]:
    """The table and its triggers, as a new database creates them (upgrade steps keep their own
    frozen copies in models.sqlitefile)."""
    return [CREATE_TABLE] + [trigger_sql(t, e) for t in WATCHED_TABLES for e in EVENTS]


@dataclass(frozen=True)
class FirstScreen:
    """What the 首页 shows at start: ``figures`` is contract §3's object for ``year``;
    ``months`` the activities held in each month of it."""

    year: int
    committee: str
    demo: bool
    figures: dict[str, Any]
    months: list[int]


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
