"""Keeping the first screen's figures (models.first_screen) current: computed with the full
program inside the transaction that changed the data. A layer above storage: storage calls it
only through the hooks :func:`install` registers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from models import engines, first_screen, reminders, rollup, settings, sqlconnect, sqlitefile, stats


def install() -> None:
    """From now on in this process, keep the stored figures current: recomputed inside every
    write transaction that made them stale (models.engines.on_commit) and after an upgrade
    (models.sqlitefile.after_upgrade). The program's entry points call it before they open a
    file (main.py, gui/app.py; the tests' conftest.py). Calling it again changes nothing."""
    engines.on_commit(refresh_if_stale)
    sqlitefile.after_upgrade(refresh_file)


def compute_screen(s: Session, year: int) -> first_screen.FirstScreen:
    """What the 首页 shows for ``year``, computed now."""
    return first_screen.FirstScreen(
        year=year, committee=settings.committee(s).display_name,
        demo=settings.get(s, "is_demo") == "1", figures=stats.year_figures(s, year),
        months=reminders.month_counts(s, year))


def compute(s: Session, year: int) -> str:
    """The stored text for ``year``: exactly what the 首页 computes."""
    return first_screen.payload(compute_screen(s, year))


def stored(s: Session, year: int) -> first_screen.FirstScreen | None:
    """The stored figures when they are current and for ``year`` (else None)."""
    row = s.execute(text("SELECT fresh, year, payload FROM first_screen WHERE id = 1")).first()
    if row is None or not row[0] or row[1] != year:
        return None
    return first_screen.parse(row[2])


def screen_year(s: Session, today: dt.date | None = None) -> int:
    """The year the 首页 opens on: the current one; in a roll-up database that has no package
    for it yet, the newest year its units reported (a county in January looks at last year)."""
    year = (today or dt.date.today()).year
    if rollup.has_packages(s):
        years = rollup.years_with_packages(s)
        if years and year not in years:
            return years[0]
    return year


def mark_stale(s: Session) -> None:
    """Have the stored figures recomputed at the end of ``s``'s transaction (the caller found
    them untrue: a file edited by another program)."""
    s.execute(text(first_screen.MARK_STALE))


def refresh_if_stale(s: Session, today: dt.date | None = None) -> bool:
    """Recompute the row in the caller's transaction when a write marked it stale (or it was
    made for another year, or is missing); True when it was rewritten. The writes of ``s``
    are flushed first, so the figures include them."""
    s.flush()
    year = screen_year(s, today)
    row = s.execute(text("SELECT fresh, year FROM first_screen WHERE id = 1")).first()
    if row is not None and row[0] and row[1] == year:
        return False
    s.execute(text("INSERT OR REPLACE INTO first_screen (id, fresh, year, payload) "
                   "VALUES (1, 1, :year, :payload)"), {"year": year, "payload": compute(s, year)})
    return True


def refresh_file(path: Path, key: sqlconnect.Key | None = None) -> None:
    """Recompute the row of the file at ``path`` in one transaction, when stale (after an
    upgrade; the caller may hold the file's use lock, so this opens a plain connection)."""
    engine = create_engine("sqlite://",
                           creator=lambda: sqlconnect.connect(path, autocommit=True, key=key))
    try:
        with Session(engine) as s, s.begin():
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")  # no writer between read and write
            refresh_if_stale(s)
    finally:
        engine.dispose()
