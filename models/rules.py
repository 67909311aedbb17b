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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, String

from models import idcard
from models.entities import SUBJECTS
from models.errors import ValidationError

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
FIRST_YEAR, LAST_YEAR = 1949, 2100

#: column -> the label a clerk sees (dialogs and form headers), per subject
LABELS: dict[str, dict[str, str]] = {
    "groups": {"name": "组织名称", "type": "类型", "leader": "组长", "deputy": "常务副组长",
               "phone": "联系电话", "member_count": "成员数", "founded_on": "成立时间",
               "dissolved_on": "撤销时间", "note": "备注"},
    "volunteers": {"name": "姓名", "id_number": "身份证号", "sex": "性别", "birth_date": "出生年月",
                   "political_status": "政治面貌", "category": "五老类别",
                   "former_post": "原工作单位及职务", "specialty": "专业特长", "roles": "担任角色",
                   "phone": "联系电话", "joined_on": "加入时间", "left_on": "退出时间",
                   "leave_reason": "退出原因", "note": "备注"},
    "students": {"name": "姓名", "id_number": "身份证号", "sex": "性别", "birth_date": "出生日期",
                 "categories": "帮扶类别", "school": "就读学校", "grade": "年级",
                 "guardian": "监护人", "guardian_relation": "与本人关系",
                 "guardian_phone": "监护人电话", "address": "家庭住址", "registered_on": "建档日期",
                 "status": "状态", "closed_on": "结束日期", "note": "备注",
                 "ethnicity": "民族", "hukou_place": "户籍地", "residence": "现居住地",
                 "boarding": "是否寄宿", "schooling": "就学状况", "health": "健康状况",
                 "disability_type": "残疾类别", "disability_grade": "残疾等级",
                 "father_name": "父亲姓名", "father_id_number": "父亲身份证号",
                 "father_phone": "父亲电话", "father_status": "父亲状况",
                 "father_work_place": "父亲务工地", "mother_name": "母亲姓名",
                 "mother_id_number": "母亲身份证号", "mother_phone": "母亲电话",
                 "mother_status": "母亲状况", "mother_work_place": "母亲务工地",
                 "guardianship": "监护类型", "guardian_id_number": "监护人身份证号",
                 "guardian_address": "监护人住址", "guardianship_rating": "监护评估",
                 "family_income": "家庭经济来源", "relief": "享受救助",
                 "checked_on": "最近核查日期"},
    "pairings": {"volunteer_id": "五老", "student_id": "帮扶对象", "mode": "结对形式",
                 "started_on": "开始日期", "ended_on": "结束日期", "note": "备注"},
    "aid": {"date": "日期", "kind": "帮扶方式", "content": "内容", "money_fen": "金额(元)",
            "service_minutes": "服务时长(小时)"},
    "activities": {"date": "日期", "title": "活动名称", "theme": "主题类别", "organiser": "组织单位",
                   "place": "地点", "volunteer_count": "参加五老(人)",
                   "youth_count": "受教育青少年(人次)", "summary": "内容摘要",
                   "service_minutes": "服务时长(小时)"},
    "donations": {"date": "日期", "donor": "捐赠方", "donor_type": "捐赠方类型",
                  "money_fen": "捐款金额(元)", "goods": "捐物名称", "goods_value_fen": "物资折价(元)",
                  "purpose": "用途", "recipients_text": "受助对象", "note": "备注"},
    "honors": {"title": "荣誉名称", "recipient_name": "表彰对象", "year": "年度", "date": "表彰日期",
               "level": "表彰级别", "issuer": "授予单位", "note": "备注"},
    "cares": {"date": "日期", "occasion": "慰问事由", "content": "慰问内容", "money_fen": "金额(元)"},
}

#: columns that must be filled, per subject
REQUIRED: dict[str, tuple[str, ...]] = {
    "groups": ("name",), "volunteers": ("name", "category"), "students": ("name", "categories"),
    "pairings": ("volunteer_id", "student_id"), "aid": ("date",),
    "activities": ("date", "title"), "donations": ("date", "donor"),
    "honors": ("title", "recipient_name"), "cares": ("date",),
}
#: (start, end) column pairs whose end may not come before the start
PERIODS: dict[str, tuple[tuple[str, str], ...]] = {
    "groups": (("founded_on", "dissolved_on"),), "volunteers": (("joined_on", "left_on"),),
    "students": (("registered_on", "closed_on"),), "pairings": (("started_on", "ended_on"),),
}
NON_NEGATIVE = ("member_count", "volunteer_count", "youth_count", "money_fen", "goods_value_fen",
                "service_minutes")
#: one service entry (an activity, a 帮扶记录) lasts at most a day
MAX_SERVICE_MINUTES = 24 * 60
#: a student's relatives whose ID numbers are checked like the student's own
RELATIVE_IDS = ("father_id_number", "mother_id_number", "guardian_id_number")
_EMPTY_TEXT = {"categories": "请至少选择一个帮扶类别", "category": "请选择五老类别"}


@dataclass(frozen=True)
class Problem:
    """One value that may not be stored: the column, the sentence, and whether the import may
    drop the value (an optional date out of range) instead of refusing the row."""

    key: str
    message: str
    droppable: bool = False


def label(subject: str, key: str) -> str:
    return LABELS.get(subject, {}).get(key, key)


@functools.cache
def _limits(subject: str) -> tuple[dict[str, int], set[str]]:
    """Text column lengths and date columns of the subject's table."""
    table = SUBJECTS[subject].__table__  # type: ignore[attr-defined]
    lengths = {c.name: c.type.length for c in table.columns
               if isinstance(c.type, String) and c.type.length}
    dates = {c.name for c in table.columns if isinstance(c.type, Date)}
    return lengths, dates


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


def problems(subject: str, values: dict[str, Any], facts: dict[str, Any] | None = None
             ) -> list[Problem]:
    """Every rule ``values`` (column -> value as stored) breaks; empty when it may be stored."""
    facts = facts or {}
    found: list[Problem] = []
    lengths, dates = _limits(subject)
    required = REQUIRED.get(subject, ())
    for key in required:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip("|").strip()):
            found.append(Problem(key, _EMPTY_TEXT.get(key, f"{label(subject, key)}不能为空")))
    for key, value in values.items():  # by the value's type: one test for most values
        if value is None:
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
        elif key in NON_NEGATIVE and value < 0:
            what = ("金额" if key.endswith("_fen") else "时长" if key.endswith("_minutes")
                    else "人数")
            found.append(Problem(key, f"{what}不能是负数"))
        elif key == "service_minutes" and value > MAX_SERVICE_MINUTES:
            found.append(Problem(key, f"服务时长 {value / 60:g} 小时不合理，一次服务最多 24 小时，"
                                      "请核对"))
    for start, end in PERIODS.get(subject, ()):
        a, b = values.get(start), values.get(end)
        if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a \
                and not date_problem(a) and not date_problem(b):
            found.append(Problem(end, f"{label(subject, end)}早于{label(subject, start)}，请核对"))
    extra = SUBJECT_RULES.get(subject)
    if extra is not None:
        found.extend(extra(values, facts))
    return found


def _donation(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
    if not values.get("money_fen") and not values.get("goods_value_fen") \
            and not str(values.get("goods") or "").strip():
        return [Problem("money_fen", "请填写捐款金额或捐赠物资")]
    return []


def _pairing(values: dict[str, Any], facts: dict[str, Any]) -> list[Problem]:
    left_on, start = facts.get("volunteer_left_on"), values.get("started_on")
    if isinstance(left_on, dt.date) and isinstance(start, dt.date) and start > left_on:
        name = facts.get("volunteer_name", "这位五老")
        return [Problem("volunteer_id", f"{name}已于{left_on:%Y.%m.%d}退出，不能再结对")]
    return []


def _honor(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
    why = year_problem(values.get("year"))
    return [Problem("year", why)] if why else []


def _student(values: dict[str, Any], _facts: dict[str, Any]) -> list[Problem]:
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
            found.append(Problem(key, f"{label('students', key)}与本人的身份证号相同，请核对"))
    return found


SUBJECT_RULES: dict[str, Callable[[dict[str, Any], dict[str, Any]], list[Problem]]] = {
    "donations": _donation, "pairings": _pairing, "honors": _honor, "students": _student,
}


def require(subject: str, values: dict[str, Any], facts: dict[str, Any] | None = None) -> None:
    """Raise the first problem of :func:`problems` as a ValidationError (for the services)."""
    found = problems(subject, values, facts)
    if found:
        raise ValidationError(label(subject, found[0].key), found[0].message)
