"""结对 (pairings) and 帮扶记录 (aid records)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from models import codetables, records, rules
from models.changes import Changes
from models.entities import AidRecord, Pairing, Student, Volunteer
from models.errors import DataError, ValidationError
from models.money import parse_fen, yuan_text
from models.pinyin import name_matches


@dataclass
class PairingInput:
    volunteer_id: int
    student_id: int
    mode: str = "一对一"
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    note: str = ""


def overlaps(start_col: Any, end_col: Any, start: dt.date | None, end: dt.date | None) -> Any:
    """SQL: the period [start_col, end_col] overlaps [start, end] (None = open)."""
    conds = []
    if end is not None:
        conds.append(or_(start_col.is_(None), start_col <= end))
    if start is not None:
        conds.append(or_(end_col.is_(None), end_col >= start))
    return and_(*conds) if conds else and_(True)


def values_of(s: Session, data: PairingInput) -> dict[str, Any]:
    volunteer = records.get_live(s, "volunteers", data.volunteer_id)
    records.get_live(s, "students", data.student_id)
    values = {"volunteer_id": data.volunteer_id, "student_id": data.student_id,
              "mode": codetables.require(s, "pairing_mode", data.mode, rules.label("pairings", "mode")),
              "started_on": data.started_on or dt.date.today(), "ended_on": data.ended_on,
              "note": data.note.strip()}
    rules.require("pairings", values, {"volunteer_left_on": volunteer.left_on,
                                       "volunteer_name": volunteer.name})
    return values


def _refuse_overlap(s: Session, values: dict[str, Any], exclude_id: int | None = None) -> None:
    q = select(Pairing).where(Pairing.deleted_at.is_(None),
                              Pairing.volunteer_id == values["volunteer_id"],
                              Pairing.student_id == values["student_id"],
                              overlaps(Pairing.started_on, Pairing.ended_on,
                                       values["started_on"], values["ended_on"]))
    if exclude_id is not None:
        q = q.where(Pairing.id != exclude_id)
    if s.scalars(q.limit(1)).first() is not None:
        raise DataError("这位五老和这名学生在这段时间已经结对，不能重复结对。")


def create(s: Session, data: PairingInput) -> tuple[Pairing, Changes]:
    """Pair a 五老 with a student. Raises DataError when they are already paired then."""
    values = values_of(s, data)
    _refuse_overlap(s, values)
    obj = records.create(s, "pairings", values, "")
    return obj, Changes.of("pairings", "students")


def update(s: Session, pid: int, data: PairingInput) -> Changes:
    values = values_of(s, data)
    _refuse_overlap(s, values, exclude_id=pid)
    records.update_values(s, "pairings", pid, values, "")
    return Changes.of("pairings", "students")


def end(s: Session, pid: int, on: dt.date) -> Changes:
    """End a pairing on ``on``."""
    p = records.get_live(s, "pairings", pid)
    if p.started_on and on < p.started_on:
        raise ValidationError(rules.label("pairings", "ended_on"), "结束日期早于开始日期，请核对")
    records.update_values(s, "pairings", pid, {"ended_on": on}, f"结束于{on:%Y.%m.%d}")
    return Changes.of("pairings", "students")


def query(text: str = "", active_on: dt.date | None = None) -> Select[Pairing]:
    q = (select(Pairing).join(Volunteer, Pairing.volunteer_id == Volunteer.id)
         .join(Student, Pairing.student_id == Student.id)
         .where(Pairing.deleted_at.is_(None)))
    text = "".join(text.split())
    if text:
        q = q.where(name_matches(text, Volunteer.name, Volunteer.name_initials)
                    | name_matches(text, Student.name, Student.name_initials))
    if active_on is not None:
        q = q.where(overlaps(Pairing.started_on, Pairing.ended_on, active_on, active_on))
    return q


@dataclass
class AidInput:
    student_id: int
    date: dt.date
    kind: str = "走访看望"
    content: str = ""
    money_yuan: str | float = 0
    volunteer_id: int | None = None
    pairing_id: int | None = None
    #: the 五老's 志愿服务时长 (minutes; 0: not recorded)
    service_minutes: int = 0


def aid_values(s: Session, data: AidInput) -> dict[str, Any]:
    records.get_live(s, "students", data.student_id)
    if data.volunteer_id is not None:
        records.get_live(s, "volunteers", data.volunteer_id)
    rules.require("aid", {"date": data.date})
    fen = parse_fen(data.money_yuan or 0, rules.label("aid", "money_fen"))
    pairing_id = data.pairing_id
    if pairing_id is None and data.volunteer_id is not None:
        pairing_id = s.scalar(select(Pairing.id).where(
            Pairing.deleted_at.is_(None), Pairing.student_id == data.student_id,
            Pairing.volunteer_id == data.volunteer_id,
            overlaps(Pairing.started_on, Pairing.ended_on, data.date, data.date)).limit(1))
    values = {"student_id": data.student_id, "volunteer_id": data.volunteer_id,
            "pairing_id": pairing_id, "date": data.date,
            "kind": codetables.require(s, "aid_kind", data.kind, rules.label("aid", "kind")),
            "content": data.content.strip(), "money_fen": fen,
            "service_minutes": int(data.service_minutes or 0)}
    rules.require("aid", values)
    return values


def add_aid(s: Session, data: AidInput) -> tuple[AidRecord, Changes]:
    """Record a visit / tutoring / money given to a student."""
    obj = records.create(s, "aid", aid_values(s, data), data.kind)
    return obj, Changes.of("aid", "students", "pairings")


def update_aid(s: Session, rid: int, data: AidInput) -> Changes:
    records.update_values(s, "aid", rid, aid_values(s, data), data.kind)
    return Changes.of("aid", "students", "pairings")


def stale_pairings(s: Session, today: dt.date, days: int = 90, limit: int | None = None
                   ) -> tuple[int, list[tuple[str, str]]]:
    """Active pairings with no 帮扶记录 in the last ``days`` days (dashboard reminder).

    Returns (how many, the first ``limit`` as (五老, 学生) names, oldest pairing first)."""
    since = today - dt.timedelta(days=days)
    recent = (select(AidRecord.id).where(AidRecord.deleted_at.is_(None),
                                         AidRecord.student_id == Pairing.student_id,
                                         AidRecord.date >= since).exists())
    q = query(active_on=today).where(~recent, or_(Pairing.started_on.is_(None),
                                                  Pairing.started_on <= since))
    total = s.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0
    names = q.with_only_columns(Volunteer.name, Student.name).order_by(Pairing.started_on)
    if limit is not None:
        names = names.limit(limit)
    return total, [(v, st) for v, st in s.execute(names)]


def to_input(p: Pairing) -> PairingInput:
    """The whole value of a stored pairing (for editing)."""
    return PairingInput(volunteer_id=p.volunteer_id, student_id=p.student_id, mode=p.mode,
                        started_on=p.started_on, ended_on=p.ended_on, note=p.note)


def aid_to_input(a: AidRecord) -> AidInput:
    """The whole value of a stored 帮扶记录 (for editing)."""
    return AidInput(student_id=a.student_id, date=a.date, kind=a.kind, content=a.content,
                    money_yuan=yuan_text(a.money_fen), volunteer_id=a.volunteer_id,
                    pairing_id=a.pairing_id, service_minutes=a.service_minutes or 0)
