"""帮扶对象 services. Each function runs in the caller's transaction and returns Changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import codetables, people, records, rules
from models.changes import Changes
from models.codes import MULTI_SEP, join_multi, split_multi
from models.entities import AidRecord, Pairing, Student
from models.errors import ValidationError
from models.idcard import normalize_phone


@dataclass
class StudentInput:
    """What the student dialog returns."""

    name: str
    categories: list[str]
    sex: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""
    school: str = ""
    grade: str = ""
    guardian: str = ""
    guardian_relation: str = ""
    guardian_phone: str = ""
    address: str = ""
    health_note: str = ""
    group_id: int | None = None
    registered_on: dt.date | None = None
    status: str = "在帮"
    closed_on: dt.date | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def values_of(s: Session, data: StudentInput) -> dict[str, Any]:
    """Validated column values. Raises ValidationError naming the field."""
    values = people.person_values(data.name, data.id_number, data.birth_date, data.sex, data.note)
    if not data.categories:
        raise ValidationError("帮扶类别", "请至少选择一个帮扶类别")
    known = set(codetables.values(s, "student_category"))
    for cat in data.categories:
        if cat not in known:
            raise ValidationError("帮扶类别", f"“{cat}”不是可选的帮扶类别")
    status = codetables.require(s, "student_status", data.status or "在帮", "状态")
    closed_on: dt.date | None
    if status != "在帮" and data.closed_on is None:
        closed_on = dt.date.today()
    else:
        closed_on = data.closed_on if status != "在帮" else None
    values.update(
        categories=join_multi(data.categories), school=data.school.strip(),
        grade=data.grade.strip(), guardian=people.clean_name(data.guardian),
        guardian_relation=data.guardian_relation.strip(),
        guardian_phone=normalize_phone(data.guardian_phone), address=data.address.strip(),
        health_note=data.health_note.strip(), group_id=data.group_id,
        registered_on=data.registered_on, status=status, closed_on=closed_on)
    rules.require("students", values)
    return values


def create(s: Session, data: StudentInput) -> tuple[Student, Changes]:
    """Add a student. Raises ValidationError or DataError (duplicate)."""
    obj = people.save(s, Student, "students", values_of(s, data))
    return obj, Changes.of("students")


def update(s: Session, sid: int, data: StudentInput) -> Changes:
    """Change a student. Raises ValidationError or DataError."""
    people.save(s, Student, "students", values_of(s, data), sid)
    return Changes.of("students", "pairings")


def to_input(st: Student) -> StudentInput:
    return StudentInput(
        name=st.name, categories=split_multi(st.categories), sex=st.sex,
        birth_date=st.birth_date, id_number=st.id_number or "", school=st.school, grade=st.grade,
        guardian=st.guardian, guardian_relation=st.guardian_relation,
        guardian_phone=st.guardian_phone, address=st.address, health_note=st.health_note,
        group_id=st.group_id, registered_on=st.registered_on, status=st.status,
        closed_on=st.closed_on, note=st.note)


def query(text: str = "", category: str = "", status: str = "") -> Select[Student]:
    """Live students matching a search box and filters."""
    q = select(Student).where(Student.deleted_at.is_(None))
    clause = people.search_clause(text, Student.name, Student.name_initials, Student.id_number,
                                  Student.guardian_phone)
    if clause is not None:
        q = q.where(clause)
    if category:
        q = q.where(Student.categories.like(f"%{MULTI_SEP}{category}{MULTI_SEP}%"))
    if status:
        q = q.where(Student.status == status)
    return q


def search(s: Session, text: str, limit: int = 50) -> list[Student]:
    return list(s.scalars(query(text).order_by(Student.name).limit(limit)))


@dataclass
class TimelineEntry:
    date: dt.date | None
    kind: str
    text: str
    #: the 帮扶记录 shown (editable from the timeline), None for other entries
    aid_id: int | None = None


def timeline(s: Session, sid: int) -> list[TimelineEntry]:
    """The student's 建档, pairings and 帮扶记录, newest first."""
    st = records.get_live(s, "students", sid)
    items = [TimelineEntry(st.registered_on, "建档", "建档立卡")]
    for p in s.scalars(select(Pairing).where(Pairing.student_id == sid,
                                             Pairing.deleted_at.is_(None))):
        items.append(TimelineEntry(p.started_on, "结对", f"与{p.volunteer.name}结对（{p.mode}）"))
        if p.ended_on:
            items.append(TimelineEntry(p.ended_on, "结束结对", f"与{p.volunteer.name}结束结对"))
    for a in s.scalars(select(AidRecord).where(AidRecord.student_id == sid,
                                               AidRecord.deleted_at.is_(None))):
        who = a.volunteer.name if a.volunteer else ""
        money = f"，{a.money_fen / 100:.2f}元" if a.money_fen else ""
        items.append(TimelineEntry(a.date, a.kind, f"{who} {a.content}{money}".strip(), a.id))
    rank = {"建档": 0, "结对": 1}
    items.sort(key=lambda e: (e.date or dt.date.min, rank.get(e.kind, 2)), reverse=True)
    return items
