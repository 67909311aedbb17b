"""What may not be stored, as pure functions of the values (no tables, no descriptors).

:class:`Problem` is one value that breaks a rule; the date and year checks are shared by every
subject; each ``*_check`` is one subject's own cross-field rule, named by its descriptor in
:mod:`models.subjects` and run by :func:`models.rules.problems`. A message may hold ``{label}``:
the rule engine puts the field's label (as the descriptor spells it) there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import idcard

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
FIRST_YEAR, LAST_YEAR = 1949, 2100
#: one service entry (an activity, a 帮扶记录) lasts at most a day
MAX_SERVICE_MINUTES = 24 * 60
#: a student's relatives whose ID numbers are checked like the student's own
RELATIVE_IDS = ("father_id_number", "mother_id_number", "guardian_id_number")


@dataclass(frozen=True)
class Problem:
    """One value that may not be stored: the column, the sentence, and whether the import may
    drop the value (an optional date out of range) instead of refusing the row."""

    key: str
    message: str
    droppable: bool = False


def date_problem(value: dt.date | None, what: str = "日期") -> str | None:
    """Why a date cannot be a real date of these records (outside 1900–2100), or None."""
    if value is None:
        return None
    if not EARLIEST <= value <= LATEST:
        return f"{what}“{value:%Y-%m-%d}”不合理，只能填 1900 年到 2100 年之间的日期，请核对"
    return None


def year_problem(year: int | None) -> str | None:
    if year is None or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return f"年度“{year}”不对，只能是 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间"
    return None


def donation_check(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
    if not values.get("money_fen") and not values.get("goods_value_fen") \
            and not str(values.get("goods") or "").strip():
        return [Problem("money_fen", "请填写捐款金额或捐赠物资")]
    return []


def pairing_check(values: dict[str, Any], facts: dict[str, Any]) -> list[Problem]:
    left_on, start = facts.get("volunteer_left_on"), values.get("started_on")
    if isinstance(left_on, dt.date) and isinstance(start, dt.date) and start > left_on:
        name = facts.get("volunteer_name", "这位五老")
        return [Problem("volunteer_id", f"{name}已于{left_on:%Y.%m.%d}退出，不能再结对")]
    return []


def honor_check(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
    why = year_problem(values.get("year"))
    return [Problem("year", why)] if why else []


def venue_check(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
    """The 经费年度 is a year (when 经费 is recorded)."""
    year = values.get("funds_year")
    why = year_problem(year) if year is not None else None
    return [Problem("funds_year", why)] if why else []


def student_check(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
    """The relatives' ID numbers (GB 11643, as the student's own) and not the child's own."""
    found = []
    own = values.get("id_number")
    for key in RELATIVE_IDS:
        number = values.get(key)
        if not number:
            continue
        why = idcard.problem(str(number))
        if why:
            found.append(Problem(key, why))
        elif own and number == own:
            found.append(Problem(key, "{label}与本人的身份证号相同，请核对"))
    return found
