"""The queries behind the window's lists: one function per list page, each returning a sorted
``Select`` whose rows the page shows as they come (a page adds only a column's sort order).

Each function says the shape of its rows; ``r[0]`` is always the record itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import asc_op, desc_op

from models import activities as _activities
from models import donations as _donations
from models import groups as _groups
from models import pairings as _pairings
from models import students as _students
from models import venues as _venues
from models import volunteers as _volunteers
from models.entities import (
    Activity,
    ActivityPhoto,
    AidRecord,
    Donation,
    Group,
    Honor,
    Pairing,
    Student,
    Venue,
    Volunteer,
    VolunteerCare,
)
from models.pinyin import name_matches


def groups(text: str = "", type_: str = "") -> Select[Group, int]:
    """Rows ``(Group, live 五老 still in the group: int)``, by id."""
    count = (select(func.count(Volunteer.id)).where(
        Volunteer.group_id == Group.id, Volunteer.deleted_at.is_(None),
        Volunteer.left_on.is_(None)).scalar_subquery())
    return _groups.query(text, type_).add_columns(count).order_by(Group.id)


def volunteers(text: str = "", category: str = "", group_id: int | None = None,
               active_only: bool = False) -> Select[Volunteer, str | None]:
    """Rows ``(Volunteer, name of the live group or None)``, by id."""
    q = _volunteers.query(text, category, group_id, active_only)
    live_group = (Volunteer.group_id == Group.id) & Group.deleted_at.is_(None)
    return q.outerjoin(Group, live_group).add_columns(Group.name).order_by(Volunteer.id)


def students(text: str = "", category: str = "", status: str = "") -> Select[Student, int]:
    """Rows ``(Student, id)``, by id."""
    q = _students.query(text, category, status)
    return q.add_columns(Student.id).order_by(Student.id)


def pairings(text: str = "", active_on: dt.date | None = None
             ) -> Select[Pairing, str, str, dt.date | None]:
    """Rows ``(Pairing, 五老 name, student name, date of the student's latest 帮扶记录 or None)``,
    newest pairing first."""
    last = (select(func.max(AidRecord.date)).where(
        AidRecord.student_id == Pairing.student_id, AidRecord.deleted_at.is_(None))
        .scalar_subquery())
    q = _pairings.query(text, active_on)
    return q.add_columns(Volunteer.name, Student.name, last).order_by(Pairing.id.desc())


def activities(text: str = "", theme: str = "", year: int | None = None
               ) -> Select[Activity, int]:
    """Rows ``(Activity, number of photos)``, newest first."""
    photos = (select(func.count(ActivityPhoto.id))
              .where(ActivityPhoto.activity_id == Activity.id).scalar_subquery())
    q = _activities.query(text, theme, year)
    return q.add_columns(photos).order_by(Activity.date.desc(), Activity.id.desc())


def donations(text: str = "", donor_type: str = "", year: int | None = None
              ) -> Select[Donation, int]:
    """Rows ``(Donation, id)``, newest first."""
    q = _donations.query(text, donor_type, year)
    return q.add_columns(Donation.id).order_by(Donation.date.desc(), Donation.id.desc())


def honors(text: str = "") -> Select[Honor, int]:
    """Rows ``(Honor, id)`` whose recipient or title contains ``text``, newest year first."""
    q = select(Honor).where(Honor.deleted_at.is_(None))
    text = text.strip()
    if text:
        q = q.where(Honor.recipient_name.like(f"%{text}%") | Honor.title.like(f"%{text}%"))
    return q.add_columns(Honor.id).order_by(Honor.year.desc(), Honor.id.desc())


def cares(text: str = "") -> Select[VolunteerCare, str]:
    """Rows ``(VolunteerCare, 五老 name)`` of live 五老 matching ``text`` (name or initials),
    newest first."""
    q = (select(VolunteerCare, Volunteer.name)
         .join(Volunteer, VolunteerCare.volunteer_id == Volunteer.id)
         .where(VolunteerCare.deleted_at.is_(None), Volunteer.deleted_at.is_(None)))
    text = text.strip()
    if text:
        q = q.where(name_matches(text, Volunteer.name, Volunteer.name_initials))
    return q.order_by(VolunteerCare.date.desc())


# -- what the window's list model does with a page's query ---------------------------------------
def sorted_by(q: Select[Any], sort: Any, descending: bool) -> Select[Any]:
    """``q`` ordered by one list column's ``sort`` expression alone (its own order replaced); a
    column that sorts by ``x.desc()`` (年龄 by birth date) is flipped, not stacked."""
    if isinstance(sort, UnaryExpression) and sort.modifier in (desc_op, asc_op):
        descending ^= sort.modifier is desc_op
        sort = sort.element
    return q.order_by(None).order_by(sort.desc() if descending else sort.asc())


def row_count(s: Session, q: Select[Any]) -> int:
    """How many rows ``q`` gives."""
    return s.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0


def batch(s: Session, q: Select[Any], offset: int = 0, limit: int | None = None) -> Sequence[Row[Any]]:
    """The rows of ``q`` from ``offset`` (at most ``limit`` of them; all with None)."""
    if offset or limit is not None:
        q = q.offset(offset).limit(limit)
    return s.execute(q).all()


def venues(text: str = "", type_: str = "") -> Select[Venue, str | None]:
    """Rows ``(Venue, name of its live group or None)``, by id."""
    live_group = (Venue.group_id == Group.id) & Group.deleted_at.is_(None)
    q = _venues.query(text, type_)
    return q.outerjoin(Group, live_group).add_columns(Group.name).order_by(Venue.id)
