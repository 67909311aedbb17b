"""志愿服务时长 of the 五老 (domain.md §8; 民政部令第67号《志愿服务记录与证明出具办法》).

Hours are kept exactly as whole minutes: ``activity_participants.service_minutes`` for each
named participant of an activity, ``aid_records.service_minutes`` for a 帮扶记录 given by a 五老.
0 means "not recorded". Read-only here; the activity and aid services write them.

参加五老(人) of an activity (``activities.volunteer_count``, summed by ``stats`` as
``volunteer_participations``) is never fewer than the 五老 named as participants: the service
stores max(the number entered, the people named); an old activity with only a number keeps it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import idcard, people
from models.entities import Activity, AidRecord, Group, Volunteer, activity_participants
from models.errors import ValidationError


def hours(minutes: int | None) -> Decimal:
    """Minutes as hours with two decimals (exact for display and cells)."""
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def hours_text(minutes: int | None) -> str:
    """``1.5`` for 90 minutes; "" for none."""
    if not minutes:
        return ""
    return f"{hours(minutes).normalize():f}"


@dataclass
class ServiceEntry:
    date: dt.date
    what: str
    minutes: int


@dataclass
class ServiceRecord:
    """One 五老's service in a period: what a 志愿服务记录证明 states."""

    volunteer_id: int
    name: str
    id_number: str | None
    category: str
    group: str
    start: dt.date | None
    end: dt.date | None
    activities: list[ServiceEntry] = field(default_factory=list)
    aid: list[ServiceEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(e.minutes for e in self.activities) + sum(e.minutes for e in self.aid)

    def entries(self) -> list[ServiceEntry]:
        return sorted(self.activities + self.aid, key=lambda e: e.date)


def _between(column: Any, start: dt.date | None, end: dt.date | None) -> list[Any]:
    out = []
    if start is not None:
        out.append(column >= start)
    if end is not None:
        out.append(column <= end)
    return out


def year_bounds(year: int | None) -> tuple[dt.date | None, dt.date | None]:
    return (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else (None, None)


def totals(s: Session, start: dt.date | None, end: dt.date | None
           ) -> dict[int, tuple[int, int, int]]:
    """五老 id -> (activities taken part in, 帮扶记录 given, minutes) in the period."""
    out: dict[int, list[int]] = {}
    acts = (select(activity_participants.c.volunteer_id, func.count(),
                   func.coalesce(func.sum(activity_participants.c.service_minutes), 0))
            .join(Activity, Activity.id == activity_participants.c.activity_id)
            .where(Activity.deleted_at.is_(None), *_between(Activity.date, start, end))
            .group_by(activity_participants.c.volunteer_id))
    for vid, n, minutes in s.execute(acts):
        out.setdefault(vid, [0, 0, 0])
        out[vid][0] += n
        out[vid][2] += minutes
    aid = (select(AidRecord.volunteer_id, func.count(),
                  func.coalesce(func.sum(AidRecord.service_minutes), 0))
           .where(AidRecord.deleted_at.is_(None), AidRecord.volunteer_id.is_not(None),
                  *_between(AidRecord.date, start, end))
           .group_by(AidRecord.volunteer_id))
    for vid, n, minutes in s.execute(aid):
        if vid is None:
            continue
        out.setdefault(vid, [0, 0, 0])
        out[vid][1] += n
        out[vid][2] += minutes
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def find_volunteer(s: Session, person: str) -> Volunteer:
    """The one live 五老 named by ``person`` (a name or an ID number). Raises ValidationError
    saying what to do when there is none or several."""
    text = people.clean_name(person)
    number = idcard.normalize(person)
    q = select(Volunteer).where(Volunteer.deleted_at.is_(None),
                                or_(Volunteer.name == text, Volunteer.id_number == number))
    found = list(s.scalars(q.limit(3)))
    if not found:
        raise ValidationError("五老", f"没有找到五老“{person}”，请核对姓名或身份证号")
    if len(found) > 1:
        raise ValidationError("五老", f"有 {len(found)} 位五老叫“{person}”，请改用身份证号指定")
    return found[0]


def record_of(s: Session, v: Volunteer, start: dt.date | None, end: dt.date | None
              ) -> ServiceRecord:
    """The 五老's activities and 帮扶记录 in the period (no names of the children helped)."""
    group = s.scalar(select(Group.name).where(Group.id == v.group_id)) if v.group_id else ""
    rec = ServiceRecord(v.id, v.name, v.id_number, v.category, group or "", start, end)
    acts = (select(Activity.date, Activity.title, activity_participants.c.service_minutes)
            .join(activity_participants, Activity.id == activity_participants.c.activity_id)
            .where(activity_participants.c.volunteer_id == v.id, Activity.deleted_at.is_(None),
                   *_between(Activity.date, start, end)).order_by(Activity.date, Activity.id))
    rec.activities = [ServiceEntry(d, f"参加活动：{t}", m or 0) for d, t, m in s.execute(acts)]
    aid = (select(AidRecord.date, AidRecord.kind, AidRecord.service_minutes)
           .where(AidRecord.volunteer_id == v.id, AidRecord.deleted_at.is_(None),
                  *_between(AidRecord.date, start, end)).order_by(AidRecord.date, AidRecord.id))
    rec.aid = [ServiceEntry(d, f"结对帮扶：{k}", m or 0) for d, k, m in s.execute(aid)]
    if start is None:
        dates = [e.date for e in rec.entries()]
        rec.start = min(dates) if dates else None
        rec.end = end or (max(dates) if dates else None)
    return rec


def records(s: Session, year: int | None, person: str | int | None = None
            ) -> list[ServiceRecord]:
    """The records for a 志愿服务记录证明: of ``person`` (a name, an ID number or, from the
    window, the record's id; even without service), or of every 五老 with service in the
    period (the year, or all time), in roster order."""
    start, end = year_bounds(year)
    if isinstance(person, int):
        v = s.get(Volunteer, person)
        if v is None or v.deleted_at is not None:
            raise ValidationError("五老", "找不到这位五老（可能已被删除）")
        return [record_of(s, v, start, end)]
    if person:
        return [record_of(s, find_volunteer(s, person), start, end)]
    served = totals(s, start, end)
    people = s.scalars(select(Volunteer).where(Volunteer.deleted_at.is_(None),
                                               Volunteer.id.in_(list(served)))
                       .order_by(Volunteer.group_id.is_(None), Volunteer.group_id, Volunteer.id))
    return [record_of(s, v, start, end) for v in people]
