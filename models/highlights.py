"""What a year-end report names besides the §3 figures: the year's notable activities, its
commendations and, in a roll-up database, each unit's figures. Read-only, no Qt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import rollup
from models.codes import HONOR_LEVELS
from models.entities import Activity, Honor
from models.in_year import bounds
from models.stats import own_figures


@dataclass(frozen=True)
class Notable:
    """The largest activity of one theme in the year (most young people, then most 五老)."""

    date: dt.date
    title: str
    theme: str
    youth_count: int
    volunteer_count: int


@dataclass(frozen=True)
class Commendation:
    """One 表彰 of the year."""

    date: dt.date | None
    title: str
    level: str
    recipient: str


@dataclass(frozen=True)
class UnitPart:
    """One unit's §3 figures as its latest package for the year carried them."""

    code: str
    name: str
    figures: dict[str, Any]


def notable_activities(s: Session, year: int) -> list[Notable]:
    """One activity per theme dated in ``year``: the one with most young people (then most 五老,
    then the earliest); themes in the order of their number of activities (most first)."""
    start, end = bounds(year)
    rows = s.execute(select(Activity.date, Activity.title, Activity.theme, Activity.youth_count,
                            Activity.volunteer_count)
                     .where(Activity.deleted_at.is_(None), Activity.date.between(start, end))
                     .order_by(Activity.youth_count.desc(), Activity.volunteer_count.desc(),
                               Activity.date, Activity.id)).all()
    best: dict[str, Notable] = {}
    counts: dict[str, int] = {}
    for date, title, theme, youth, vol in rows:
        counts[theme] = counts.get(theme, 0) + 1
        best.setdefault(theme, Notable(date, title, theme, youth or 0, vol or 0))
    return sorted(best.values(), key=lambda n: (-counts[n.theme], n.date))


def commendations(s: Session, year: int) -> list[Commendation]:
    """The year's 表彰 (by their 年度), highest level first, then by date."""
    rank = {level: i for i, level in enumerate(HONOR_LEVELS)}
    rows = s.scalars(select(Honor).where(Honor.deleted_at.is_(None), Honor.year == year))
    found = [Commendation(h.date, h.title, h.level, h.recipient_name) for h in rows]
    return sorted(found, key=lambda c: (rank.get(c.level, len(rank)), c.date or dt.date.max,
                                        c.recipient))


def unit_parts(s: Session, year: int, own_name: str) -> list[UnitPart]:
    """In a roll-up database: each unit's figures for ``year`` (latest package, unit-code order),
    and the database's own records as ``own_name`` when they hold anything. Empty otherwise."""
    if not rollup.has_packages(s):
        return []
    names = rollup.unit_names(s)
    parts = [UnitPart(p.unit_code, names.get(p.unit_code) or p.unit_code,
                      rollup.package_figures(p)) for p in rollup.latest_packages(s, year)]
    own = own_figures(s, year)
    if any(_nonzero(v) for k, v in own.items() if k != "year"):
        parts.append(UnitPart("", own_name, own))
    return parts


def _nonzero(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_nonzero(v) for k, v in value.items() if k != "wuhao_rate")
    return bool(value)
