"""五老 services. Each function runs in the caller's transaction and returns Changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import codetables, people, rules
from models.changes import Changes
from models.codes import join_multi
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
    from models.codes import split_multi

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

