"""The reminders on the 首页 (issue: dashboard). Read-only; each returns plain sentences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from models.codes import RECHECK_DAYS
from models.entities import Activity, Group, Student, Volunteer, WuhaoAssessment
from models.in_year import during, groups_at_end, students_in_year, volunteers_at_end
from models.pairings import stale_pairings
from models.rollup import units_months

AGE_OUT = 18


@dataclass
class Reminder:
    kind: str
    text: str


def month_counts(s: Session, year: int) -> list[int]:
    """Activities held in each month of ``year`` (in a roll-up database, its units' too)."""
    counts = dict(s.execute(
        select(extract("month", Activity.date), func.count())
        .where(Activity.deleted_at.is_(None),
               during(Activity.date, year))
        .group_by(extract("month", Activity.date))).all())
    own = [int(counts.get(m, 0)) for m in range(1, 13)]
    return [a + b for a, b in zip(own, units_months(s, year))]


def unchecked_students(s: Session, today: dt.date) -> list[str]:
    """Names of the 在帮 students whose last 动态核查 (or, never checked, their 建档) is more
    than RECHECK_DAYS ago (domain.md §8); a student without either date counts as unchecked."""
    due = today - dt.timedelta(days=RECHECK_DAYS)
    last = func.coalesce(Student.checked_on, Student.registered_on)
    return list(s.scalars(select(Student.name).where(
        students_in_year(today.year), Student.status == "在帮",
        last.is_(None) | (last < due)).order_by(Student.id)))


def reminders(s: Session, today: dt.date, last_backup: dt.datetime | None,
              limit: int = 8) -> list[Reminder]:
    """Pairings without a visit for 90 days, students ageing out this year, groups without a
    五好 assessment this year, 五老 turning 80 or 90 this year, a backup older than 7 days."""
    out: list[Reminder] = []
    if last_backup is None or (dt.datetime.now() - last_backup).days >= 7:
        when = f"上次备份是 {last_backup:%Y-%m-%d}" if last_backup else "还没有备份过"
        out.append(Reminder("备份", f"{when}，请到“数据管理”立即备份，并复制一份到U盘。"))
    total, stale = stale_pairings(s, today, limit=limit)
    if total:
        names = "、".join(f"{v}—{st}" for v, st in stale)
        more = f"等 {total} 对" if total > limit else ""
        out.append(Reminder("结对", f"超过 90 天没有帮扶记录的结对：{names}{more}。"))
    year = today.year
    aging = list(s.scalars(select(Student.name).where(
        students_in_year(year), Student.status == "在帮",
        extract("year", Student.birth_date) == year - AGE_OUT)))
    if aging:
        out.append(Reminder("学生", f"今年年满 {AGE_OUT} 周岁的帮扶对象 {len(aging)} 名："
                                  f"{'、'.join(aging[:limit])}{'等' if len(aging) > limit else ''}，"
                                  "请考虑结束帮扶或转介。"))
    unchecked = unchecked_students(s, today)
    if unchecked:
        out.append(Reminder("核查", f"超过半年没有动态核查的帮扶对象 {len(unchecked)} 名："
                                  f"{'、'.join(unchecked[:limit])}"
                                  f"{'等' if len(unchecked) > limit else ''}，"
                                  "请入户核实情况后更新“最近核查日期”。"))
    assessed = select(WuhaoAssessment.group_id).where(WuhaoAssessment.year == year)
    missing = list(s.scalars(select(Group.name).where(groups_at_end(year),
                                                      Group.id.not_in(assessed))))
    if missing:
        out.append(Reminder("五好", f"今年还没有五好评定的关工组织 {len(missing)} 个："
                                  f"{'、'.join(missing[:limit])}{'等' if len(missing) > limit else ''}。"))
    for age in (80, 90):
        turning = list(s.scalars(select(Volunteer.name).where(
            volunteers_at_end(year), extract("year", Volunteer.birth_date) == year - age)))
        if turning:
            out.append(Reminder("慰问", f"今年满 {age} 岁的五老 {len(turning)} 位："
                                      f"{'、'.join(turning[:limit])}{'等' if len(turning) > limit else ''}，"
                                      "可安排祝寿慰问。"))
    return out
