"""关工组织 and their yearly 五好 assessments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import audit, codetables, records, rules
from models.changes import Changes
from models.entities import Group, WuhaoAssessment
from models.errors import DataError, ValidationError
from models.idcard import normalize_phone
from models.people import clean_name
from models.pinyin import initials, name_matches


@dataclass
class GroupInput:
    name: str
    type: str = "村"
    leader: str = ""
    deputy: str = ""
    phone: str = ""
    member_count: int = 0
    founded_on: dt.date | None = None
    dissolved_on: dt.date | None = None
    note: str = ""


def values_of(s: Session, data: GroupInput) -> dict[str, Any]:
    name = data.name.strip()
    rules.require("groups", {"name": name, "member_count": int(data.member_count),
                             "founded_on": data.founded_on, "dissolved_on": data.dissolved_on})
    values = {"name": name, "name_initials": initials(name),
            "type": codetables.require(s, "group_type", data.type, rules.label("groups", "type")),
            "leader": clean_name(data.leader), "deputy": clean_name(data.deputy),
            "phone": normalize_phone(data.phone), "member_count": int(data.member_count),
            "founded_on": data.founded_on, "dissolved_on": data.dissolved_on,
            "note": data.note.strip()}
    rules.require("groups", values)
    return values


def _refuse_same_name(s: Session, name: str, exclude_id: int | None = None) -> None:
    q = select(Group.id).where(Group.name == name, Group.deleted_at.is_(None))
    if exclude_id is not None:
        q = q.where(Group.id != exclude_id)
    if s.scalar(q) is not None:
        raise DataError(f"已有名为“{name}”的关工组织。")


def create(s: Session, data: GroupInput) -> tuple[Group, Changes]:
    values = values_of(s, data)
    _refuse_same_name(s, values["name"])
    return records.create(s, "groups", values, values["name"]), Changes.of("groups")


def update(s: Session, gid: int, data: GroupInput) -> Changes:
    values = values_of(s, data)
    _refuse_same_name(s, values["name"], gid)
    records.update_values(s, "groups", gid, values, values["name"])
    return Changes.of("groups", "volunteers")


def to_input(g: Group) -> GroupInput:
    return GroupInput(name=g.name, type=g.type, leader=g.leader, deputy=g.deputy, phone=g.phone,
                      member_count=g.member_count, founded_on=g.founded_on,
                      dissolved_on=g.dissolved_on, note=g.note)


def query(text: str = "", type_: str = "") -> Select[Group]:
    q = select(Group).where(Group.deleted_at.is_(None))
    text = text.strip()
    if text:
        q = q.where(name_matches(text, Group.name, Group.name_initials))
    if type_:
        q = q.where(Group.type == type_)
    return q


def by_name(s: Session) -> dict[str, int]:
    """Live group names -> id (for imports and drop-downs)."""
    return dict(s.execute(select(Group.name, Group.id).where(Group.deleted_at.is_(None))).all())


def assess(s: Session, gid: int, year: int, items: list[bool], note: str = "") -> Changes:
    """Record (or replace) a group's 五好 assessment for ``year``; 达标 when all five pass."""
    if len(items) != 5:
        raise ValidationError("五好", "五好评定需要五项")
    records.get_live(s, "groups", gid)
    row = s.scalar(select(WuhaoAssessment).where(WuhaoAssessment.group_id == gid,
                                                 WuhaoAssessment.year == year))
    if row is None:
        row = WuhaoAssessment(group_id=gid, year=year)
        s.add(row)
    row.item1, row.item2, row.item3, row.item4, row.item5 = (bool(x) for x in items)
    row.passed = all(items)
    row.scores = ""  # five √/× (models.wuhao reads it as full or zero marks per dimension)
    row.note = note
    s.flush()
    audit.log(s, "五好评定", "groups", gid, f"{year}年 {'达标' if row.passed else '未达标'}")
    return Changes.of("groups")


def assessment(s: Session, gid: int, year: int) -> WuhaoAssessment | None:
    return s.scalar(select(WuhaoAssessment).where(WuhaoAssessment.group_id == gid,
                                                  WuhaoAssessment.year == year))
