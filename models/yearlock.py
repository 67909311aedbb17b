"""The year lock (contract §7): after the level above accepted year Y, a change that would alter
Y's figures is refused in every write session, whatever dialog or import made it.

Enforced centrally by :func:`install` on the writing sessionmaker (``models.db``): a
``before_flush`` hook for ORM changes and a ``do_orm_execute`` hook for Core bulk statements;
the import's inserts through the DBAPI cursor (``exports.kinds.core_insert``), which no session
hook sees, call :func:`check_inserts` first.

What counts: a dated record (帮扶记录, 活动, 捐赠, 表彰, 关爱) whose old or new date is in Y;
a 五好 assessment of Y; at a roll-up database, a unit's package for Y; a 关工小组, 五老,
帮扶对象, 结对 or 阵地 whose span (start … end; a 阵地 has no end) overlaps Y, when it is added,
deleted, moved into or out of Y, or a field that Y's figures count changes (category, 骨干,
政治面貌, 类型, 帮扶类别, the dates, the pair; a 阵地's 经费 of Y). Contact details (phones,
addresses, notes) of people still in the roster stay editable: they describe today, and the
rosters are printed from today's values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from models.entities import (
    Activity,
    AidRecord,
    ChainYear,
    Donation,
    Group,
    Honor,
    Pairing,
    RollupPackage,
    Student,
    Venue,
    Volunteer,
    VolunteerCare,
    WuhaoAssessment,
)
from models.errors import DataError

#: record class -> its date column
DATED: dict[type, str] = {Activity: "date", AidRecord: "date", Donation: "date",
                          Honor: "date", VolunteerCare: "date"}
#: record class -> (start column, end column, columns the figures count)
SPANNED: dict[type, tuple[str, str, tuple[str, ...]]] = {
    Group: ("founded_on", "dissolved_on", ("type", "deleted_at")),
    Volunteer: ("joined_on", "left_on", ("category", "is_backbone", "political_status",
                                          "deleted_at")),
    Student: ("registered_on", "closed_on", ("categories", "deleted_at")),
    Pairing: ("started_on", "ended_on", ("volunteer_id", "student_id", "deleted_at")),
    # 阵地: counted from its opening on (it has no end)
    Venue: ("opened_on", "", ("type", "deleted_at")),
}
#: record class -> (its money's year column, the columns of that money): 阵地's 本年经费 counts
#: in its 经费年度 only
FUNDED: dict[type, tuple[str, tuple[str, ...]]] = {Venue: ("funds_year", ("funds_fen",
                                                                          "funds_year"))}
#: record class -> its year column (a 五好 assessment; a unit's package at a roll-up database)
YEARLY: dict[type, str] = {WuhaoAssessment: "year", RollupPackage: "year"}
_TABLES = {cls.__table__.name: cls  # type: ignore[attr-defined]
           for cls in [*DATED, *SPANNED, *YEARLY]}


class YearLocked(DataError):
    """A change to a year the level above has accepted."""


def _locked(s: Session) -> set[int]:
    with s.no_autoflush:
        return set(s.execute(select(ChainYear.year).where(ChainYear.locked.is_(True)))
                   .scalars())


def _year_of(value: Any) -> int | None:
    return value.year if isinstance(value, dt.date) else None


def _overlaps(start: Any, end: Any, year: int) -> bool:
    return ((start is None or _year_of(start) is None or start.year <= year)
            and (end is None or _year_of(end) is None or end.year >= year))


def _years_of_values(cls: type, values: dict[str, Any], locked: set[int]) -> set[int]:
    """Locked years a record with ``values`` belongs to (none while it is in the 回收站)."""
    if values.get("deleted_at") is not None:
        return set()
    if cls in DATED:
        y = _year_of(values.get(DATED[cls]))
        return {y} & locked if y else set()
    if cls in YEARLY:
        y = values.get(YEARLY[cls])
        return {y} & locked if isinstance(y, int) else set()
    start, end, _fields = SPANNED[cls]
    return {y for y in locked if _overlaps(values.get(start), values.get(end), y)}


def _old_new(obj: Any) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    state = inspect(obj)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    changed: set[str] = set()
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        now_value = getattr(obj, attr.key, None)
        new[attr.key] = now_value
        if hist.has_changes():
            changed.add(attr.key)
            old[attr.key] = hist.deleted[0] if hist.deleted else None
        else:
            old[attr.key] = now_value
    return old, new, changed


def _update_touches(cls: type, old: dict[str, Any], new: dict[str, Any], changed: set[str],
                    locked: set[int]) -> set[int]:
    if cls in DATED or cls in YEARLY:
        return (_years_of_values(cls, old, locked) | _years_of_values(cls, new, locked)) \
            if changed - {"updated_at"} else set()
    start, end, fields = SPANNED[cls]
    was, will = _years_of_values(cls, old, locked), _years_of_values(cls, new, locked)
    touched = was ^ will
    if changed & set(fields):
        touched |= was | will
    for col in (start, end) if changed & {start, end} else ():
        for value in (old.get(col), new.get(col)):
            y = _year_of(value)
            if y in locked and y in (was | will):
                touched.add(y)
    if cls in FUNDED and changed & set(FUNDED[cls][1]):
        year = FUNDED[cls][0]
        touched |= {y for y in (old.get(year), new.get(year))
                    if isinstance(y, int) and y in locked & (was | will)}
    return touched


def lock_sentence(year: int) -> str:
    """Why a change to the accepted ``year`` was refused, and the way to make it."""
    return (f"{year}年度已经上级审核通过并锁定，这个改动会改变{year}年度的报表，没有保存。"
            f"如确需修改，请先在“设置”里重新打开{year}年度（命令行：reopen --year {year} "
            "--reason 原因），改完后重新生成上报包报上去。")


def _refuse(years: set[int]) -> None:
    raise YearLocked(lock_sentence(min(years)))


def before_flush(s: Session, _ctx: Any, _instances: Any) -> None:
    watched = [o for o in (*s.new, *s.dirty, *s.deleted) if type(o) in _TABLES.values()]
    if not watched:
        return
    locked = _locked(s)
    if not locked:
        return
    for obj in watched:
        cls = type(obj)
        if obj in s.new:
            years = _years_of_values(cls, _old_new(obj)[1], locked)
        elif obj in s.deleted:
            years = _years_of_values(cls, _old_new(obj)[0], locked)
        else:
            old, new, changed = _old_new(obj)
            years = _update_touches(cls, old, new, changed, locked)
        if years:
            _refuse(years)


def do_orm_execute(state: Any) -> None:
    """Core bulk statements on the records' tables (imports, cascades of the 回收站)."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    cls = _TABLES.get(getattr(table, "name", ""))
    if cls is None:
        return
    s = state.session
    locked = _locked(s)
    if not locked:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    if state.is_insert:
        _refuse_rows(cls, rows or [dict(state.statement.compile().params)], locked)
        return
    # update / delete: the rows as they are now, matched by primary key or the statement's where
    with s.no_autoflush:
        ids = [r["id"] for r in rows if isinstance(r, dict) and "id" in r]
        query: Any = select(cls)
        where = getattr(state.statement, "whereclause", None)
        if ids:
            query = query.where(cls.id.in_(ids))  # type: ignore[attr-defined]
        elif where is not None:
            query = query.where(where)
        by_id = {r["id"]: r for r in rows if isinstance(r, dict) and "id" in r}
        stmt_values = {c.key if hasattr(c, "key") else str(c): v.value if hasattr(v, "value")
                       else v for c, v in getattr(state.statement, "_values", {}).items()} \
            if state.is_update and getattr(state.statement, "_values", None) else {}
        for obj in s.execute(query.execution_options(populate_existing=False)).scalars():
            mapper: Any = inspect(cls)
            old = {c.key: getattr(obj, c.key) for c in mapper.column_attrs}
            if state.is_delete:
                years = _years_of_values(cls, old, locked)
            else:
                new = {**old, **stmt_values, **by_id.get(old["id"], {})}
                changed = {k for k in new if new[k] != old.get(k)}
                years = _update_touches(cls, old, new, changed, locked)
            if years:
                _refuse(years)


def _refuse_rows(cls: type, rows: list[dict[str, Any]], locked: set[int]) -> None:
    for row in rows:
        years = _years_of_values(cls, {**_defaults(cls), **row}, locked)
        if years:
            _refuse(years)


def check_inserts(s: Session, table_name: str, rows: list[dict[str, Any]]) -> None:
    """What ``do_orm_execute`` checks for an insert of ``rows`` into ``table_name``, for a
    writer that inserts through the DBAPI cursor (the import's bulk insert). Raises
    YearLocked when a row belongs to a locked year; nothing when the table is not watched."""
    cls = _TABLES.get(table_name)
    if cls is None or not rows:
        return
    locked = _locked(s)
    if locked:
        _refuse_rows(cls, rows, locked)


def _defaults(cls: type) -> dict[str, Any]:
    return {"deleted_at": None}


def install(factory: sessionmaker[Session]) -> None:
    """Guard every session ``factory`` makes."""
    event.listen(factory, "before_flush", before_flush)
    event.listen(factory, "do_orm_execute", do_orm_execute)
