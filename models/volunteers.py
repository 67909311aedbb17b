"""五老 services. Each function runs in the caller's transaction and returns Changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import audit, codetables, people, rules
from models.changes import Changes
from models.codes import join_multi, split_multi
from models.entities import Volunteer
from models.errors import ValidationError
from models.idcard import normalize_phone


@dataclass
class VolunteerInput:
    """What the 五老 dialog returns."""

    name: str
    category: str
    sex: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""
    political_status: str = ""
    former_post: str = ""
    specialty: str = ""
    roles: list[str] = field(default_factory=list)
    is_backbone: bool = False
    group_id: int | None = None
    phone: str = ""
    joined_on: dt.date | None = None
    left_on: dt.date | None = None
    leave_reason: str = ""
    note: str = ""


def values_of(s: Session, data: VolunteerInput) -> dict[str, Any]:
    """Validated column values. Raises ValidationError naming the field."""
    values = people.person_values(data.name, data.id_number, data.birth_date, data.sex, data.note)
    values["category"] = codetables.require(s, "volunteer_category", data.category, "五老类别")
    if data.political_status:
        codetables.require(s, "political_status", data.political_status, "政治面貌")
    known_roles = set(codetables.values(s, "volunteer_role"))
    for role in data.roles:
        if role not in known_roles:
            raise ValidationError("担任角色", f"“{role}”不是可选的角色")
    values.update(
        political_status=data.political_status, former_post=data.former_post.strip(),
        specialty=data.specialty.strip(), roles=join_multi(data.roles),
        is_backbone=bool(data.is_backbone), group_id=data.group_id,
        phone=normalize_phone(data.phone), joined_on=data.joined_on, left_on=data.left_on,
        leave_reason=data.leave_reason.strip() if data.left_on else "",
    )
    rules.require("volunteers", values)
    return values


def create(s: Session, data: VolunteerInput) -> tuple[Volunteer, Changes]:
    """Add a 五老. Raises ValidationError or DataError (duplicate)."""
    obj = people.save(s, Volunteer, "volunteers", values_of(s, data))
    return obj, Changes.of("volunteers")


def update(s: Session, vid: int, data: VolunteerInput) -> Changes:
    """Change a 五老. Raises ValidationError or DataError."""
    people.save(s, Volunteer, "volunteers", values_of(s, data), vid)
    return Changes.of("volunteers", "pairings")


def to_input(v: Volunteer) -> VolunteerInput:
    """The dialog value of a stored 五老 (for editing)."""
    return VolunteerInput(
        name=v.name, category=v.category, sex=v.sex, birth_date=v.birth_date,
        id_number=v.id_number or "", political_status=v.political_status,
        former_post=v.former_post, specialty=v.specialty, roles=split_multi(v.roles),
        is_backbone=v.is_backbone, group_id=v.group_id, phone=v.phone, joined_on=v.joined_on,
        left_on=v.left_on, leave_reason=v.leave_reason, note=v.note)


def query(text: str = "", category: str = "", group_id: int | None = None,
          active_only: bool = False) -> Select[Volunteer]:
    """Live 五老 matching a search box and filters (sorting is the caller's)."""
    q = select(Volunteer).where(Volunteer.deleted_at.is_(None))
    clause = people.search_clause(text, Volunteer.name, Volunteer.name_initials,
                                  Volunteer.id_number, Volunteer.phone)
    if clause is not None:
        q = q.where(clause)
    if category:
        q = q.where(Volunteer.category == category)
    if group_id is not None:
        q = q.where(Volunteer.group_id == group_id)
    if active_only:
        q = q.where(Volunteer.left_on.is_(None))
    return q


def search(s: Session, text: str, limit: int = 50) -> list[Volunteer]:
    return list(s.scalars(query(text).order_by(Volunteer.name).limit(limit)))


def newest_id(s: Session) -> int:
    """The highest 五老 id so far (0 when none): what an import adds comes after it."""
    return int(s.scalar(select(func.max(Volunteer.id))) or 0)


def without_joined(s: Session, after_id: int = 0) -> list[int]:
    """Live 五老 after ``after_id`` without a 加入时间 (they never count as 本年新增)."""
    return list(s.scalars(select(Volunteer.id).where(
        Volunteer.id > after_id, Volunteer.deleted_at.is_(None), Volunteer.joined_on.is_(None))
        .order_by(Volunteer.id)))


def fill_joined(s: Session, ids: list[int], day: dt.date) -> Changes:
    """Give the 五老 ``ids`` that still have no 加入时间 the date ``day`` (one audit line), in
    the caller's transaction. Raises ValidationError for a date outside 1900–2100."""
    if not dt.date(1900, 1, 1) <= day <= dt.date(2100, 12, 31):
        raise ValidationError("加入时间", "日期应在 1900 年到 2100 年之间")
    filled = 0
    for v in s.scalars(select(Volunteer).where(Volunteer.id.in_(ids),
                                               Volunteer.joined_on.is_(None))):
        v.joined_on = day
        filled += 1
    audit.log(s, "补填加入时间", "volunteers", None, f"{filled} 人，{day:%Y.%m.%d}")
    return Changes.of("volunteers")
