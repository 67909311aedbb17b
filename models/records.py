"""Generic record services: create/update from validated values, 回收站 (delete/restore).

Each function works inside the caller's transaction (``with db.session() as s``) and returns
:class:`Changes`. What goes with a record into the 回收站, what comes back with it and what a
purge removes is declared once in :mod:`models.subjects`; dependants share the parent's time
stamp, so that restoring brings back exactly what went with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete as sql_delete
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import audit
from models.changes import Changes
from models.entities import (
    SUBJECTS,
    ActivityPhoto,
    Base,
    Tracked,
)
from models.errors import DataError
from models.paths import photo_dir
from models.subjects import SUBJECT_LABELS, parents_of
from models.subjects import subject as subject_of

R = TypeVar("R", bound=Tracked)


def get_live(s: Session, subject: str, rid: int) -> Any:
    """The record, or DataError when it does not exist or is in the 回收站."""
    return live(s, SUBJECTS[subject], rid)


def live(s: Session, model: type[R], rid: int) -> R:
    """The ``model`` record ``rid``, typed; DataError when it does not exist or is in the 回收站
    (deleted since the list was shown, here or by another window)."""
    obj = s.get(model, rid)
    if obj is None or obj.deleted_at is not None:
        label = next((SUBJECT_LABELS[k] for k, m in SUBJECTS.items() if m is model), "")
        raise DataError(f"找不到这条{label}记录（可能已被删除）。")
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


_last_stamp = dt.datetime.min


def _stamp() -> dt.datetime:
    """A deletion time stamp distinct from every earlier one of this process (microseconds,
    strictly increasing even on a coarse clock): what was deleted together shares it."""
    global _last_stamp
    stamp = max(dt.datetime.now(), _last_stamp + dt.timedelta(microseconds=1))
    _last_stamp = stamp
    return stamp


def delete(s: Session, subject: str, rid: int) -> Changes:
    """Move a record, and its ``cascade`` dependants (models.subjects), to the 回收站."""
    obj = get_live(s, subject, rid)
    stamp = _stamp()
    obj.deleted_at = stamp
    changed = {subject, "trash"}
    _delete_dependants(s, subject, [rid], stamp, changed)
    audit.log(s, "删除", subject, rid, describe(obj))
    return Changes.of(*changed)


def _delete_dependants(s: Session, key: str, ids: list[int], stamp: dt.datetime,
                       changed: set[str]) -> None:
    for dep in subject_of(key).cascades():
        model = SUBJECTS[dep.subject]
        col = getattr(model, dep.column)
        dep_ids = list(s.scalars(select(model.id).where(col.in_(ids), model.deleted_at.is_(None))))
        if dep_ids:
            s.execute(update(model).where(model.id.in_(dep_ids)).values(deleted_at=stamp))
            changed.add(dep.subject)
            _delete_dependants(s, dep.subject, dep_ids, stamp, changed)


def dependants_text(s: Session, subject: str, rid: int) -> str:
    """What deleting the record also moves to the 回收站, e.g. "2 个结对、5 条帮扶记录" ("" if
    nothing), for the delete confirmation."""
    parts = []
    for dep in subject_of(subject).cascades():
        model = SUBJECTS[dep.subject]
        n = s.scalar(select(func.count()).select_from(model).where(
            getattr(model, dep.column) == rid, model.deleted_at.is_(None))) or 0
        if n:
            parts.append(f"{n} 条{SUBJECT_LABELS[dep.subject]}记录")
    return "、".join(parts)


def _dead_parent(s: Session, subject: str, obj: Any) -> str:
    """The sentence refusing to restore ``obj`` while a record it belongs to is deleted."""
    for parent, dep in parents_of(subject):
        pid = getattr(obj, dep.column)
        owner = s.get(SUBJECTS[parent.key], pid) if pid is not None else None
        if owner is not None and owner.deleted_at is not None:
            return (f"这条{SUBJECT_LABELS[subject]}记录所属的{parent.label}“{describe(owner)}”"
                    f"还在回收站里，请先在回收站恢复这个{parent.label}。")
    return ""


def in_trash(s: Session, subject: str, rid: int) -> bool:
    """Whether the record exists and is in the 回收站."""
    obj = s.get(SUBJECTS[subject], rid)
    return obj is not None and obj.deleted_at is not None


def restore(s: Session, subject: str, rid: int) -> Changes:
    """Bring a record back from the 回收站, with what was deleted together with it.

    Raises DataError when it is not in the 回收站, when a record it belongs to (a pairing's
    五老 or student) is still in the 回收站, or when another live record now holds the same ID
    number. Dependants whose other owner is still deleted stay in the 回收站.
    """
    obj = s.get(SUBJECTS[subject], rid)
    if obj is None or obj.deleted_at is None:
        raise DataError("回收站里没有这条记录（可能已经恢复或彻底删除）。")
    refusal = _dead_parent(s, subject, obj)
    if refusal:
        raise DataError(refusal)
    stamp = obj.deleted_at
    obj.deleted_at = None
    _flush(s, subject)
    changed = {subject, "trash"}
    _restore_dependants(s, subject, rid, stamp, changed)
    audit.log(s, "恢复", subject, rid, describe(obj))
    return Changes.of(*changed)


def _restore_dependants(s: Session, key: str, rid: int, stamp: dt.datetime,
                        changed: set[str]) -> None:
    for dep in subject_of(key).cascades():
        model = SUBJECTS[dep.subject]
        rows = s.scalars(select(model).where(getattr(model, dep.column) == rid,
                                             model.deleted_at == stamp)).all()
        for row in rows:
            if _dead_parent(s, dep.subject, row):
                continue
            row.deleted_at = None
            _flush(s, dep.subject)
            changed.add(dep.subject)
            _restore_dependants(s, dep.subject, row.id, stamp, changed)


def purge(s: Session, subject: str, rid: int) -> Changes:
    """Delete a record from the 回收站 for good, with its dependants as models.subjects says.

    An activity's photo files are removed once the transaction has committed."""
    obj = s.get(SUBJECTS[subject], rid)
    if obj is None or obj.deleted_at is None:
        raise DataError("只能彻底删除回收站里的记录。")
    label = describe(obj)
    files: list[str] = []
    changed = {subject, "trash"}
    _purge(s, subject, rid, files, changed)
    audit.log(s, "彻底删除", subject, rid, label)
    if files:
        folder = photo_dir(Path(str(s.get_bind().engine.url.database)))

        def remove_files(_session: Session) -> None:
            for name in files:
                try:
                    (folder / name).unlink(missing_ok=True)
                except OSError:
                    pass  # a photo that cannot be removed now is only a stray file

        event.listen(s, "after_commit", remove_files, once=True)
    return Changes.of(*changed)


def _purge(s: Session, key: str, rid: int, files: list[str], changed: set[str]) -> None:
    for dep in subject_of(key).dependants:
        table = Base.metadata.tables[dep.table_name]
        col = table.c[dep.column]
        if dep.action == "cascade":
            model = SUBJECTS[dep.subject]
            for dep_id in list(s.scalars(select(model.id).where(getattr(model, dep.column) == rid))):
                _purge(s, dep.subject, dep_id, files, changed)
                changed.add(dep.subject)
        elif dep.action == "null":
            s.execute(update(table).where(col == rid).values({dep.column: None}))
        else:
            if table is ActivityPhoto.__table__:
                files.extend(s.scalars(select(ActivityPhoto.file_name)
                                       .where(ActivityPhoto.activity_id == rid)))
            s.execute(sql_delete(table).where(col == rid))
    model = SUBJECTS[key]
    obj = s.get(model, rid)
    if obj is not None:
        s.expunge(obj)
    s.execute(sql_delete(model.__table__).where(model.__table__.c.id == rid))  # type: ignore[attr-defined]


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
        items.extend(TrashItem(subject, r.id, describe(r), r.deleted_at or dt.datetime.min)
                     for r in rows)  # every row here has deleted_at (the query says so)
    items.sort(key=lambda t: t.deleted_at, reverse=True)
    return items[:limit]
