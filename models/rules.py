"""One rule set per subject, shared by the services (dialogs) and the Excel import.

``problems(subject, values)`` checks the column values a record is about to be stored with
and returns every :class:`Problem` found: texts longer than their column, dates outside
1900–2100, negative counts and money, missing required fields and each subject's own rules
(a 结束日期 before its 开始日期, a donation with neither money nor goods, a pairing with a 五老
who had already left …). It is pure: facts that live in the database (when the paired 五老
left) are passed in ``facts``.

The services call :func:`require`, which raises the first problem as a ValidationError naming
the field as the dialog labels it; the import turns every problem into a row error — except a
date out of range in an optional field, which it drops with a warning (``Problem.droppable``).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Date, String
from sqlalchemy import inspect as sa_inspect

from models.checks import (
    EARLIEST,
    FIRST_YEAR,
    LAST_YEAR,
    LATEST,
    MAX_SERVICE_MINUTES,
    RELATIVE_IDS,
    Problem,
    date_problem,
    year_problem,
)
from models.entities import SUBJECTS
from models.errors import ValidationError
from models.subjects import SUBJECT_INFO

__all__ = ["EARLIEST", "FIRST_YEAR", "LAST_YEAR", "LATEST", "MAX_SERVICE_MINUTES",
           "RELATIVE_IDS", "Problem", "date_problem", "label", "problems", "require",
           "year_problem"]

_EMPTY_TEXT = {"categories": "请至少选择一个帮扶类别", "category": "请选择五老类别"}


def label(subject: str, key: str) -> str:
    """The field's label as its descriptor spells it (the key when there is none)."""
    found = SUBJECT_INFO.get(subject)
    return found.label_of(key) if found else key


@functools.cache
def _limits(subject: str) -> tuple[dict[str, int], set[str], set[str], tuple[str, ...]]:
    """Text column lengths, date columns, non-negative columns and required fields of the
    subject (made once: the import asks for every row)."""
    table = sa_inspect(SUBJECTS[subject]).local_table
    lengths = {c.name: c.type.length for c in table.columns
               if isinstance(c.type, String) and c.type.length}
    dates = {c.name for c in table.columns if isinstance(c.type, Date)}
    non_negative = {fd.key for fd in SUBJECT_INFO[subject].fields if fd.non_negative}
    return lengths, dates, non_negative, SUBJECT_INFO[subject].required()


def problems(subject: str, values: dict[str, Any], facts: dict[str, Any] | None = None
             ) -> list[Problem]:
    """Every rule ``values`` (column -> value as stored) breaks; empty when it may be stored."""
    found: list[Problem] = []
    lengths, dates, non_negative, required = _limits(subject)
    descriptor = SUBJECT_INFO[subject]
    for key in required:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip("|").strip()):
            found.append(Problem(key, _EMPTY_TEXT.get(key, f"{label(subject, key)}不能为空")))
    for key, value in values.items():  # by the value's type: one test for most values
        if type(value) is str:  # the usual value first
            limit = lengths.get(key)
            if limit is not None and len(value) > limit:
                found.append(Problem(key, f"{label(subject, key)}最多 {limit} 个字，"
                                          f"现在有 {len(value)} 个字，请核对"))
            continue
        if value is None or value is False or value is True:  # no rule reads a bool
            continue
        if isinstance(value, str):
            if key in lengths and len(value) > lengths[key]:
                found.append(Problem(key, f"{label(subject, key)}最多 {lengths[key]} 个字，"
                                          f"现在有 {len(value)} 个字，请核对"))
        elif isinstance(value, dt.date):
            if key in dates and not EARLIEST <= value <= LATEST:
                why = date_problem(value, label(subject, key))
                if why:
                    found.append(Problem(key, why, droppable=key not in required))
        elif not isinstance(value, int):
            continue
        elif key in non_negative and value < 0:
            what = ("金额" if key.endswith("_fen") else "时长" if key.endswith("_minutes")
                    else "人数")
            found.append(Problem(key, f"{what}不能是负数"))
        elif key == "service_minutes" and value > MAX_SERVICE_MINUTES:
            found.append(Problem(key, f"服务时长 {value / 60:g} 小时不合理，一次服务最多 24 小时，"
                                      "请核对"))
    for start, end in descriptor.periods:
        a, b = values.get(start), values.get(end)
        if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a \
                and not date_problem(a) and not date_problem(b):
            found.append(Problem(end, f"{label(subject, end)}早于{label(subject, start)}，请核对"))
    if descriptor.check is not None:
        found.extend(Problem(p.key, p.message.replace("{label}", label(subject, p.key)),
                             p.droppable) for p in descriptor.check(values, facts or {}))
    return found


def require(subject: str, values: dict[str, Any], facts: dict[str, Any] | None = None) -> None:
    """Raise the first problem of :func:`problems` as a ValidationError (for the services)."""
    found = problems(subject, values, facts)
    if found:
        raise ValidationError(label(subject, found[0].key), found[0].message)
