"""帮扶对象 services. Each function runs in the caller's transaction and returns Changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import codetables, idcard, people, records, rules
from models.changes import Changes
from models.codes import MULTI_SEP, join_multi, split_multi
from models.entities import AidRecord, Pairing, Student
from models.errors import ValidationError
from models.fields import CODE, ID, NAME, PHONE, TEXT
from models.idcard import normalize_phone
from models.subjects import CIVIL_KEYS, STUDENTS


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
    # the 民政 登记表's fields (domain.md §8)
    ethnicity: str = ""
    hukou_place: str = ""
    residence: str = ""
    boarding: str = ""
    schooling: str = ""
    health: str = ""
    disability_type: str = ""
    disability_grade: str = ""
    father_name: str = ""
    father_id_number: str = ""
    father_phone: str = ""
    father_status: str = ""
    father_work_place: str = ""
    mother_name: str = ""
    mother_id_number: str = ""
    mother_phone: str = ""
    mother_status: str = ""
    mother_work_place: str = ""
    guardianship: str = ""
    guardian_id_number: str = ""
    guardian_address: str = ""
    guardianship_rating: str = ""
    family_income: str = ""
    relief: list[str] = field(default_factory=list)
    checked_on: dt.date | None = None


#: the coded 民政 fields: attribute -> code table (models.codes); empty means not recorded
#: (the kinds and code tables of the descriptor's 民政 fields, models.subjects)
_CIVIL = [STUDENTS.field(key) for key in CIVIL_KEYS]
CIVIL_CODES: dict[str, str] = {fd.key: fd.code_table for fd in _CIVIL
                               if fd.kind == CODE and fd.code_table}
#: the free-text 民政 fields
CIVIL_TEXTS = tuple(fd.key for fd in _CIVIL if fd.kind == TEXT and fd.key != "boarding")
CIVIL_NAMES = tuple(fd.key for fd in _CIVIL if fd.kind == NAME)
CIVIL_IDS = tuple(fd.key for fd in _CIVIL if fd.kind == ID)
CIVIL_PHONES = tuple(fd.key for fd in _CIVIL if fd.kind == PHONE)
#: every 民政 attribute of StudentInput stored in the column of the same name
CIVIL_FIELDS = CIVIL_KEYS


def civil_values(s: Session, data: StudentInput) -> dict[str, Any]:
    """The 民政 fields as stored: codes checked against their tables, names and ID numbers
    normalised (the ID numbers are checked by models.rules). Raises ValidationError."""
    values: dict[str, Any] = {}
    for key, table in CIVIL_CODES.items():
        raw = (getattr(data, key) or "").strip()
        values[key] = codetables.require(s, table, raw, rules.label("students", key)) if raw else ""
    for key in CIVIL_TEXTS:
        values[key] = (getattr(data, key) or "").strip()
    for key in CIVIL_NAMES:
        values[key] = people.clean_name(getattr(data, key))
    for key in CIVIL_IDS:
        values[key] = idcard.normalize(getattr(data, key))
    for key in CIVIL_PHONES:
        values[key] = normalize_phone(getattr(data, key))
    boarding = (data.boarding or "").strip()
    if boarding not in ("", "是", "否"):
        raise ValidationError("是否寄宿", "是否寄宿只能填“是”或“否”")
    values["boarding"] = boarding
    known = set(codetables.values(s, "relief_type"))
    for item in data.relief:
        if item not in known:
            raise ValidationError("享受救助", f"“{item}”不是可选的救助类型")
    values["relief"] = join_multi(data.relief)
    values["checked_on"] = data.checked_on
    return values


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
    values.update(civil_values(s, data))
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
        closed_on=st.closed_on, note=st.note,
        **{key: getattr(st, key) for key in CIVIL_FIELDS if key != "relief"},
        relief=split_multi(st.relief))


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
