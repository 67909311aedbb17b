"""The editable code tables stored in the database (defaults from models.codes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import audit
from models.changes import Changes
from models.codes import DEFAULT_TABLES
from models.entities import CodeEntry
from models.errors import DataError, ValidationError


def values(s: Session, table: str) -> list[str]:
    """The entries of a code table in display order."""
    rows = s.scalars(select(CodeEntry.value).where(CodeEntry.table_name == table)
                     .order_by(CodeEntry.sort_order, CodeEntry.id))
    return list(rows) or list(DEFAULT_TABLES.get(table, ()))


def add(s: Session, table: str, value: str) -> Changes:
    """Add an entry at the end of a code table. Raises DataError when it exists."""
    value = value.strip()
    if not value:
        raise DataError("代码名称不能为空。")
    if value in values(s, table):
        raise DataError(f"“{value}”已经在列表中。")
    stored = s.scalar(select(func.count()).select_from(CodeEntry)
                      .where(CodeEntry.table_name == table)) or 0
    if not stored:  # a table newer than the file (schema upgrade): its defaults first
        for order, default in enumerate(DEFAULT_TABLES.get(table, ())):
            s.add(CodeEntry(table_name=table, value=default, sort_order=order, builtin=True))
        s.flush()
    top = s.scalar(select(func.max(CodeEntry.sort_order))
                   .where(CodeEntry.table_name == table)) or 0
    s.add(CodeEntry(table_name=table, value=value, sort_order=top + 1, builtin=False))
    audit.log(s, "新增代码", table, None, value)
    return Changes.of("settings")


def require(s: Session, table: str, value: str, label: str) -> str:
    """``value`` when it is in the table; ValidationError naming ``label`` otherwise."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(label, f"请选择{label}")
    if value not in values(s, table):
        raise ValidationError(label, f"“{value}”不是可选的{label}，请从列表中选择")
    return value
