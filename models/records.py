"""Generic record services: create/update from validated values, 回收站 (delete/restore).

Each function works inside the caller's transaction (``with db.session() as s``) and returns
:class:`Changes`. Deleting a person also moves their pairings (and a student's 帮扶记录) to the
回收站 with the same time stamp, so that restoring brings back exactly what went with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import audit
from models.changes import Changes
from models.entities import (
    SUBJECT_LABELS,
    SUBJECTS,
    AidRecord,
    Pairing,
    Tracked,
    now,
)
from models.errors import DataError

#: subject -> (dependent model, foreign key column name, subject key of dependent)
CASCADES: dict[str, list[tuple[type[Tracked], str, str]]] = {
    "volunteers": [(Pairing, "volunteer_id", "pairings")],
    "students": [(Pairing, "student_id", "pairings"), (AidRecord, "student_id", "aid")],
}


def get_live(s: Session, subject: str, rid: int) -> Any:
    """The record, or DataError when it does not exist or is in the 回收站."""
    obj = s.get(SUBJECTS[subject], rid)
    if obj is None or obj.deleted_at is not None:
        raise DataError(f"找不到这条{SUBJECT_LABELS[subject]}记录（可能已被删除）。")
    return obj


def create(s: Session, subject: str, values: dict[str, Any], label: str) -> Any:
    """Insert a record from validated column values and log it; returns the record."""
    obj = SUBJECTS[subject](**values)
    s.add(obj)
    _flush(s, subject)
    audit.log(s, "新增", subject, obj.id, label)
    return obj


def update_values(s: Session, subject: str, rid: int, values: dict[str, Any], label: str) -> Any:
    """Update a live record from validated column values and log it."""
    obj = get_live(s, subject, rid)
    for key, value in values.items():
        setattr(obj, key, value)
    _flush(s, subject)
    audit.log(s, "修改", subject, rid, label)
    return obj


def _flush(s: Session, subject: str) -> None:
    try:
        s.flush()
    except IntegrityError as err:
        if "id_number" in str(err.orig):
            raise DataError("已有相同身份证号的记录，请勿重复录入。") from err
        raise DataError(f"{SUBJECT_LABELS[subject]}记录不完整或与其他记录冲突，请核对。") from err


def delete(s: Session, subject: str, rid: int) -> Changes:
    """Move a record (and what depends on it) to the 回收站."""
    obj = get_live(s, subject, rid)
    stamp = now()
    obj.deleted_at = stamp
    changed = {subject, "trash"}
    for model, fk, dep_subject in CASCADES.get(subject, []):
        result = s.execute(update(model).where(getattr(model, fk) == rid,
                                               model.deleted_at.is_(None))
                           .values(deleted_at=stamp))
        if result.rowcount:
            changed.add(dep_subject)
    audit.log(s, "删除", subject, rid, describe(obj))
    return Changes.of(*changed)


def restore(s: Session, subject: str, rid: int) -> Changes:
    """Bring a record back from the 回收站, with what was deleted together with it.

    Raises DataError when another live record now holds the same ID number.
    """
    obj = s.get(SUBJECTS[subject], rid)
    if obj is None or obj.deleted_at is None:
        raise DataError("回收站里没有这条记录。")
    stamp = obj.deleted_at
    obj.deleted_at = None
    _flush(s, subject)
    changed = {subject, "trash"}
    for model, fk, dep_subject in CASCADES.get(subject, []):
        result = s.execute(update(model).where(getattr(model, fk) == rid,
                                               model.deleted_at == stamp)
                           .values(deleted_at=None))
        if result.rowcount:
            changed.add(dep_subject)
    audit.log(s, "恢复", subject, rid, describe(obj))
    return Changes.of(*changed)


def purge(s: Session, subject: str, rid: int) -> Changes:
    """Delete a record from the 回收站 for good (with its dependants in the 回收站)."""
    obj = s.get(SUBJECTS[subject], rid)
    if obj is None or obj.deleted_at is None:
        raise DataError("只能彻底删除回收站里的记录。")
    for model, fk, _dep in CASCADES.get(subject, []):
        for dep in s.scalars(select(model).where(getattr(model, fk) == rid)):
            s.delete(dep)
    label = describe(obj)
    s.delete(obj)
    audit.log(s, "彻底删除", subject, rid, label)
    return Changes.of(subject, "trash")


@dataclass
class TrashItem:
    subject: str
    id: int
    label: str
    deleted_at: dt.datetime


def describe(obj: Any) -> str:
    """A short text naming a record for the 回收站 and the audit log."""
    for attr in ("name", "title", "donor", "recipient_name"):
        if hasattr(obj, attr):
            text = str(getattr(obj, attr))
            date = getattr(obj, "date", None)
            return f"{date:%Y.%m.%d} {text}" if isinstance(date, dt.date) else text
    if hasattr(obj, "volunteer") and hasattr(obj, "student"):
        return f"{obj.volunteer.name} — {obj.student.name}"
    if hasattr(obj, "student"):
        return f"{obj.date:%Y.%m.%d} {obj.student.name} {obj.kind}"
    if hasattr(obj, "volunteer"):
        return f"{obj.date:%Y.%m.%d} {obj.volunteer.name} {obj.occasion}"
    return f"#{obj.id}"


def trash(s: Session, limit: int = 2000) -> list[TrashItem]:
    """What is in the 回收站, newest first."""
    items: list[TrashItem] = []
    for subject, model in SUBJECTS.items():
        rows = s.scalars(select(model).where(model.deleted_at.is_not(None))
                         .order_by(model.deleted_at.desc()).limit(limit))
        items.extend(TrashItem(subject, r.id, describe(r), r.deleted_at) for r in rows)
    items.sort(key=lambda t: t.deleted_at, reverse=True)
    return items[:limit]
