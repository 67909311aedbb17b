"""The values the clerk taught the import (contract.md §2.13), kept in the ``aliases`` table.

An answer given in an import that is written (``--map``, the wizard's pick lists) is stored
here and used by every later import: in table ``table_name`` (a code table such as
``volunteer_category``, or ``group`` / ``volunteer`` for 关工小组 and 五老 names) the text
``value`` means ``code``. Answers of a ``--dry-run`` are never stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import audit
from models.changes import Changes
from models.entities import Alias
from models.errors import DataError
from models.synonyms import TABLE_LABELS

#: longer texts are not remembered (a cell pasted whole is no way of writing a code)
MAX_VALUE = 100
_WS_RE = re.compile(r"[\s\u3000\u00a0\ufeff\u200b-\u200d\u2060\u00ad]+")


def _key(value: str) -> str:
    """The stored form of a taught value: no white space, ASCII upper case (as the import
    compares them)."""
    return _WS_RE.sub("", value).upper()


@dataclass(frozen=True)
class Taught:
    """One remembered answer, as 设置 and ``aliases`` show it."""

    id: int
    table: str
    column: str
    value: str
    code: str
    created_at: dt.datetime


def learned(s: Session) -> dict[tuple[str, str], str]:
    """(table, value) -> code of every remembered answer (value as stored, see ``_key``)."""
    return {(t, _key(v)): c for t, v, c in s.execute(
        select(Alias.table_name, Alias.value, Alias.code))}


def remember(s: Session, answers: Iterable[tuple[str, str, str]]) -> int:
    """Store (table, value, code) answers in the caller's transaction; an answer for a value
    already taught replaces it. Returns how many were stored or changed."""
    stored = 0
    for table, value, code in answers:
        key = _key(value)
        if not key or len(key) > MAX_VALUE:
            continue
        row = s.scalar(select(Alias).where(Alias.table_name == table, Alias.value == key))
        if row is None:
            s.add(Alias(table_name=table, value=key, code=code))
        elif row.code != code:
            row.code = code
        else:
            continue
        stored += 1
    if stored:
        s.flush()
        audit.log(s, "导入时记住", "aliases", None, f"{stored} 个值的含义")
    return stored


def listing(s: Session) -> list[Taught]:
    """Every remembered answer, by column then value."""
    rows = s.scalars(select(Alias).order_by(Alias.table_name, Alias.value))
    return [Taught(r.id, r.table_name, TABLE_LABELS.get(r.table_name, r.table_name), r.value,
                   r.code, r.created_at) for r in rows]


def remove(s: Session, alias_id: int) -> Changes:
    """Forget one remembered answer (later imports ask about the value again).
    Raises DataError when it is no longer there."""
    row = s.get(Alias, alias_id)
    if row is None:
        raise DataError("这条记住的对应关系已经不在了（可能刚被删除），请刷新后再看。")
    audit.log(s, "删除", "aliases", alias_id,
              f"{TABLE_LABELS.get(row.table_name, row.table_name)}：{row.value} → {row.code}")
    s.execute(delete(Alias).where(Alias.id == alias_id))
    return Changes.of("settings")
