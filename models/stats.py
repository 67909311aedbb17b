"""The year's figures, exactly as contract.md §3 defines them. Read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, case, distinct, func, select
from sqlalchemy.orm import Session

from models import rollup
from models.aliases import learned
from models.codes import VOLUNTEER_CATEGORIES, split_multi
from models.entities import (
    Activity,
    AidRecord,
    Donation,
    Group,
    Pairing,
    Student,
    Venue,
    Volunteer,
    WuhaoAssessment,
)
from models.in_year import (
    PARTY,
    bounds,
    groups_at_end,
    pairings_in_year,
    students_in_year,
    venues_at_end,
    volunteers_at_end,
)
from models.money import to_yuan


def _live_pairings() -> Any:
    return (select(Pairing).join(Volunteer, Pairing.volunteer_id == Volunteer.id)
            .join(Student, Pairing.student_id == Student.id))


def year_figures(s: Session, year: int) -> dict[str, Any]:
    """All figures of contract.md §3 for ``year``; in a roll-up database (one that has taken
    packages, contract §6) the sum of its own records' figures and its units' latest packages
    for ``year``."""
    own = own_figures(s, year)
    if not rollup.has_packages(s):
        return own
    taught = learned(s)
    parts = [own] + [rollup.fold_codes(rollup.package_figures(p), taught)
                     for p in rollup.latest_packages(s, year)]
    return rollup.add_figures(parts, year)


def own_figures(s: Session, year: int) -> dict[str, Any]:
    """The §3 figures of this database's own records for ``year``."""
    start, end = bounds(year)
    return {
        "year": year,
        "groups": _groups(s, year),
        "volunteers": _volunteers(s, year, start, end),
        **_students_and_pairings(s, year),
        "aid": _aid(s, start, end),
        "activities": _activities(s, start, end),
        "donations": _donations(s, start, end),
        "venues": _venues(s, year),
    }


def _groups(s: Session, year: int) -> dict[str, Any]:
    where = groups_at_end(year)
    by_type = dict(s.execute(select(Group.type, func.count()).where(where)
                             .group_by(Group.type).order_by(func.count().desc())).all())
    total = sum(by_type.values())
    wuhao = s.scalar(select(func.count()).select_from(Group)
                     .join(WuhaoAssessment, WuhaoAssessment.group_id == Group.id)
                     .where(where, WuhaoAssessment.year == year,
                            WuhaoAssessment.passed.is_(True))) or 0
    return {"total": total, "by_type": {k: v for k, v in by_type.items() if v},
            "wuhao": wuhao, "wuhao_rate": round(wuhao / total, 3) if total else 0}


def _volunteers(s: Session, year: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    at_end = volunteers_at_end(year)
    live = Volunteer.deleted_at.is_(None)

    def total(condition: Any, value: Any = 1) -> Any:
        """The sum of ``value`` over the live 五老 that meet ``condition`` (one scan for all)."""
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    counted: Any = s.execute(select(
        total(at_end), total(at_end, Volunteer.is_backbone.cast(Integer)),
        total(at_end, Volunteer.political_status.in_(PARTY).cast(Integer)),
        total(Volunteer.joined_on.between(start, end)),
        total(Volunteer.left_on.between(start, end)),
    ).where(live)).one()
    count, backbone, party, joined, left = counted
    counts = dict(s.execute(select(Volunteer.category, func.count()).where(at_end)
                            .group_by(Volunteer.category)).all())
    by_category = {c: counts.pop(c, 0) for c in VOLUNTEER_CATEGORIES}
    by_category.update({k: v for k, v in counts.items() if v})
    return {"total": int(count), "backbone": int(backbone), "party_members": int(party),
            "by_category": by_category, "joined": int(joined), "left": int(left)}


def _students_and_pairings(s: Session, year: int) -> dict[str, Any]:
    """``students`` (assisted in ``year``, by category, how many paired) and ``pairings``
    (live pairings of ``year``): a student is paired when one of those pairings is theirs."""
    where = students_in_year(year)
    by_category: dict[str, int] = {}
    total = 0
    for cats in s.scalars(select(Student.categories).where(where)):
        total += 1
        for cat in split_multi(cats):
            by_category[cat] = by_category.get(cat, 0) + 1
    active, paired = s.execute(
        _live_pairings().where(pairings_in_year(year)).with_only_columns(
            func.count(Pairing.id),
            func.count(distinct(case((where, Pairing.student_id)))))).one()
    ordered = dict(sorted(by_category.items(), key=lambda kv: -kv[1]))
    return {"students": {"total": total, "paired": paired, "by_category": ordered},
            "pairings": {"active": active}}


def _aid(s: Session, start: dt.date, end: dt.date) -> dict[str, Any]:
    n, money = s.execute(select(func.count(), func.coalesce(func.sum(AidRecord.money_fen), 0))
                         .join(Student, AidRecord.student_id == Student.id)
                         .where(AidRecord.deleted_at.is_(None), Student.deleted_at.is_(None),
                                AidRecord.date.between(start, end))).one()
    return {"records": n, "money_yuan": to_yuan(money)}


def _activities(s: Session, start: dt.date, end: dt.date) -> dict[str, Any]:
    where = Activity.deleted_at.is_(None) & Activity.date.between(start, end)
    by_theme = dict(s.execute(select(Activity.theme, func.count()).where(where)
                              .group_by(Activity.theme).order_by(func.count().desc())).all())
    vol, youth = s.execute(select(func.coalesce(func.sum(Activity.volunteer_count), 0),
                                  func.coalesce(func.sum(Activity.youth_count), 0))
                           .where(where)).one()
    return {"total": sum(by_theme.values()), "by_theme": {k: v for k, v in by_theme.items() if v},
            "volunteer_participations": int(vol), "youth_participations": int(youth)}


def _donations(s: Session, start: dt.date, end: dt.date) -> dict[str, Any]:
    n, money, goods = s.execute(select(
        func.count(), func.coalesce(func.sum(Donation.money_fen), 0),
        func.coalesce(func.sum(Donation.goods_value_fen), 0))
        .where(Donation.deleted_at.is_(None), Donation.date.between(start, end))).one()
    return {"count": n, "money_yuan": to_yuan(money), "goods_value_yuan": to_yuan(goods)}


def _venues(s: Session, year: int) -> dict[str, Any]:
    """阵地 at the end of ``year`` by type, and the 经费 recorded for ``year`` among them."""
    where = venues_at_end(year)
    by_type = dict(s.execute(select(Venue.type, func.count()).where(where)
                             .group_by(Venue.type).order_by(func.count().desc())).all())
    funds = s.scalar(select(func.coalesce(func.sum(Venue.funds_fen), 0))
                     .where(where, Venue.funds_year == year)) or 0
    return {"total": sum(by_type.values()), "by_type": {k: v for k, v in by_type.items() if v},
            "funds_yuan": to_yuan(funds)}
