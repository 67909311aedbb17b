"""上报前自查 (contract §8): what a careful county clerk would ask about a unit's year.

Each finding has a code, a grade — 错误 (the forms are wrong until it is fixed) or 提醒 (worth a
look) —, a title, the number of records concerned and those records (name and what is wrong;
ID numbers and phones never appear, masked or not). One function per finding, listed in
:data:`CHECKS`; :func:`run` calls them all. Read-only: nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from models import settings
from models.codes import RECHECK_DAYS
from models.entities import Activity, AidRecord, Group, Pairing, Student, Volunteer
from models.in_year import (
    bounds,
    groups_at_end,
    pairings_in_year,
    students_in_year,
    volunteers_at_end,
)
from models.pairings import overlaps
from models.stats import year_figures
from models.subjects import SUBJECT_LABELS, figure_keys

ERROR, NOTE = "错误", "提醒"
#: records listed per finding (the count is always the full number)
MAX_RECORDS = 200
#: a figure that grew or shrank by more than this factor against the year before is asked about
JUMP_FACTOR = 3
#: the settings key under which a package remembers the figures it sent for a year
SENT_FIGURES = "sent_figures_{year}"


@dataclass
class Finding:
    """One kind of problem in the year's data, with the records concerned."""

    code: str
    level: str
    title: str
    count: int = 0
    records: list[dict[str, str]] = field(default_factory=list)


def _record(subject: str, uuid: str | None, name: str, detail: str) -> dict[str, str]:
    return {"subject": subject, "uuid": uuid or "", "name": name, "detail": detail}


def _empty(col: Any) -> Any:
    return or_(col.is_(None), func.trim(col) == "")


# -- one function per finding: (session, year) -> records ---------------------------------

def guardian_missing(s: Session, year: int) -> list[dict[str, str]]:
    """帮扶对象 of the year without a 监护人 or without a 监护人电话."""
    rows = s.execute(select(Student.uuid, Student.name, Student.guardian, Student.guardian_phone)
                     .where(students_in_year(year),
                            or_(_empty(Student.guardian), _empty(Student.guardian_phone)))
                     .order_by(Student.id))
    out = []
    for uuid, name, guardian, phone in rows:
        missing = [w for w, v in (("监护人", guardian), ("监护人电话", phone)) if not (v or "").strip()]
        out.append(_record("students", uuid, name, "没有填" + "和".join(missing)))
    return out


def _active_pairing(year: int) -> Any:
    """Where-clause (Pairing joined with its Volunteer): a pairing that really runs in ``year``:
    overlaps it, and its 五老 is not deleted and had not left before the year (or the pairing)."""
    start, end = bounds(year)
    return and_(Pairing.deleted_at.is_(None), Volunteer.deleted_at.is_(None),
                overlaps(Pairing.started_on, Pairing.ended_on, start, end),
                or_(Volunteer.left_on.is_(None), Volunteer.left_on >= start),
                or_(Volunteer.left_on.is_(None), Pairing.started_on.is_(None),
                    Volunteer.left_on >= Pairing.started_on))


def paired_without_active_pairing(s: Session, year: int) -> list[dict[str, str]]:
    """Students of the year shown as paired (a pairing that is still open or overlaps the year)
    whose pairings do not really run: the 五老 left before, or was deleted."""
    start, end = bounds(year)
    marked = (select(Pairing.student_id).where(
        Pairing.deleted_at.is_(None),
        or_(Pairing.ended_on.is_(None), overlaps(Pairing.started_on, Pairing.ended_on, start, end)),
        or_(Pairing.started_on.is_(None), Pairing.started_on <= end)))
    active = (select(Pairing.student_id).join(Volunteer, Pairing.volunteer_id == Volunteer.id)
              .where(_active_pairing(year)))
    rows = s.execute(select(Student.uuid, Student.name).where(
        students_in_year(year), Student.id.in_(marked), Student.id.not_in(active))
        .order_by(Student.id))
    return [_record("students", u, n, "登记为已结对，但结对的五老已退出或已删除，本年没有在帮的结对")
            for u, n in rows]


def pairing_without_aid(s: Session, year: int) -> list[dict[str, str]]:
    """Pairings that run in the year with no 帮扶记录 dated in it (of that pairing or its 五老)."""
    start, end = bounds(year)
    has_aid = (select(AidRecord.id).where(
        AidRecord.deleted_at.is_(None), AidRecord.date.between(start, end),
        AidRecord.student_id == Pairing.student_id,
        or_(AidRecord.pairing_id == Pairing.id, AidRecord.volunteer_id == Pairing.volunteer_id))
        .exists())
    rows = s.execute(select(Pairing.uuid, Volunteer.name, Student.name)
                     .join(Volunteer, Pairing.volunteer_id == Volunteer.id)
                     .join(Student, Pairing.student_id == Student.id)
                     .where(pairings_in_year(year), ~has_aid).order_by(Pairing.id))
    return [_record("pairings", u, f"{v}—{st}", f"{year}年没有帮扶记录") for u, v, st in rows]


def student_not_rechecked(s: Session, year: int) -> list[dict[str, str]]:
    """在帮 帮扶对象 whose last 动态核查 (or, never checked, their 建档) is more than half a year
    before the end of ``year`` (or today, within it): domain.md §8."""
    until = min(dt.date.today(), dt.date(year, 12, 31))
    due = until - dt.timedelta(days=RECHECK_DAYS)
    last = func.coalesce(Student.checked_on, Student.registered_on)
    rows = s.execute(select(Student.uuid, Student.name, last)
                     .where(students_in_year(year), Student.status == "在帮",
                            last.is_(None) | (last < due))
                     .order_by(Student.id))
    return [_record("students", u, n, f"最近核查{'是 ' + f'{d:%Y.%m.%d}' if d else '没有记录'}，"
                    "超过半年") for u, n, d in rows]


def volunteer_without_group(s: Session, year: int) -> list[dict[str, str]]:
    """五老 in the team at the end of the year who belong to no existing 关工小组."""
    g = aliased(Group)
    rows = s.execute(select(Volunteer.uuid, Volunteer.name)
                     .outerjoin(g, Volunteer.group_id == g.id)
                     .where(volunteers_at_end(year),
                            or_(Volunteer.group_id.is_(None), g.deleted_at.is_not(None)))
                     .order_by(Volunteer.id))
    return [_record("volunteers", u, n, "没有所在关工小组") for u, n in rows]


def group_without_volunteers(s: Session, year: int) -> list[dict[str, str]]:
    """关工小组 existing at the end of the year with no 五老 of the team in them."""
    members = select(Volunteer.group_id).where(volunteers_at_end(year),
                                               Volunteer.group_id.is_not(None))
    rows = s.execute(select(Group.uuid, Group.name).where(groups_at_end(year),
                                                          Group.id.not_in(members))
                     .order_by(Group.id))
    return [_record("groups", u, n, "小组里没有五老") for u, n in rows]


def _activities(s: Session, year: int, cond: Any, detail: str) -> list[dict[str, str]]:
    start, end = bounds(year)
    rows = s.execute(select(Activity.uuid, Activity.title, Activity.date)
                     .where(Activity.deleted_at.is_(None), Activity.date.between(start, end), cond)
                     .order_by(Activity.date, Activity.id))
    return [_record("activities", u, t, f"{d:%Y.%m.%d}，{detail}") for u, t, d in rows]


def activity_without_volunteers(s: Session, year: int) -> list[dict[str, str]]:
    """Activities of the year with no 五老 taking part (参加五老 0 or empty)."""
    return _activities(s, year, func.coalesce(Activity.volunteer_count, 0) == 0, "参加五老为 0 人")


def activity_without_youth(s: Session, year: int) -> list[dict[str, str]]:
    """Activities of the year with 0 受教育青少年人次."""
    return _activities(s, year, func.coalesce(Activity.youth_count, 0) == 0,
                       "受教育青少年为 0 人次")


def possible_duplicates(s: Session, year: int) -> list[dict[str, str]]:
    """People of the year entered twice: the same name and birth date (五老 among 五老,
    帮扶对象 among 帮扶对象)."""
    out = []
    for subject, model, where, label in (("volunteers", Volunteer, volunteers_at_end(year), "五老"),
                                         ("students", Student, students_in_year(year), "帮扶对象")):
        twins = (select(model.name, model.birth_date, func.count())
                 .where(where, model.birth_date.is_not(None))
                 .group_by(model.name, model.birth_date).having(func.count() > 1)
                 .order_by(model.name))
        for name, birth, n in s.execute(twins):
            out.append(_record(subject, "", name,
                               f"{label}中有 {n} 条同名、出生日期（{birth:%Y.%m}）相同的记录"))
    return out


#: subject -> (model, where-clause of the year, columns the printed form needs filled)
FORM_FIELDS: dict[str, tuple[Any, Callable[[int], Any], tuple[tuple[str, str], ...]]] = {
    "groups": (Group, groups_at_end, (("name", "组织名称"), ("type", "类型"), ("leader", "组长"))),
    "volunteers": (Volunteer, volunteers_at_end,
                   (("name", "姓名"), ("category", "五老类别"), ("sex", "性别"),
                    ("birth_date", "出生年月"))),
    "students": (Student, students_in_year,
                 (("name", "姓名"), ("categories", "帮扶类别"), ("sex", "性别"),
                  ("birth_date", "出生日期"))),
    "activities": (Activity, lambda y: and_(Activity.deleted_at.is_(None),
                                            Activity.date.between(*bounds(y))),
                   (("title", "活动名称"), ("theme", "主题类别"))),
}


def required_field_empty(s: Session, year: int) -> list[dict[str, str]]:
    """Records of the year's forms with a column the form needs left empty."""
    out = []
    for subject, (model, where, cols) in FORM_FIELDS.items():
        empties = [(key, label, _empty(getattr(model, key)) if key != "birth_date"
                    else getattr(model, key).is_(None)) for key, label in cols]
        name_col = model.title if subject == "activities" else model.name
        rows = s.execute(select(model.uuid, name_col, *[cond for _k, _l, cond in empties])
                         .where(where(year), or_(*[cond for _k, _l, cond in empties]))
                         .order_by(model.id))
        for uuid, name, *flags in rows:
            missing = [label for (_k, label, _c), flag in zip(empties, flags) if flag]
            out.append(_record(subject, uuid, name or "（无名称）", "没有填" + "、".join(missing)))
    return out


#: the figures' sections (models.subjects) by their subjects' labels
_SECTIONS = {key: SUBJECT_LABELS[key] for key in figure_keys()}
_KEYS = {"total": "总数", "wuhao": "五好达标", "backbone": "骨干", "party_members": "党员",
         "joined": "新加入", "left": "退出", "paired": "已结对", "active": "本年结对",
         "records": "条数", "money_yuan": "金额(元)", "volunteer_participations": "五老参与人次",
         "youth_participations": "受教育人次", "count": "笔数", "goods_value_yuan": "物资折价(元)",
         "funds_yuan": "经费(元)"}


def _leaves(figures: dict[str, Any]) -> dict[str, Decimal]:
    """Every §3 figure as ``label -> value`` (``wuhao_rate`` left out: it follows its counts)."""
    out: dict[str, Decimal] = {}
    for sec, values in figures.items():
        if sec not in _SECTIONS:
            continue
        for key, value in values.items():
            if key == "wuhao_rate":
                continue
            if isinstance(value, dict):
                for sub, n in value.items():
                    out[f"{_SECTIONS[sec]}·{sub}"] = Decimal(str(n))
            else:
                out[f"{_SECTIONS[sec]}·{_KEYS.get(key, key)}"] = Decimal(str(value))
    return out


def _jumps(now: dict[str, Any], before: dict[str, Any], year: int, source: str
           ) -> list[dict[str, str]]:
    a, b = _leaves(before), _leaves(now)
    if not any(a.values()):
        return []  # nothing the year before: a new database, not a jump
    out = []
    for label in b.keys() | a.keys():
        old, new = a.get(label, Decimal(0)), b.get(label, Decimal(0))
        if old == new:
            continue
        jumped = (old == 0) != (new == 0) or (old and new and (
            max(old, new) / min(old, new) > JUMP_FACTOR))
        if jumped:
            out.append(_record("stats", "", label,
                               f"{year - 1}年{source} {_num(old)} → {year}年 {_num(new)}"))
    return sorted(out, key=lambda r: r["name"])


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}" if value != value.to_integral_value() else f"{int(value)}"


def figure_jumps(s: Session, year: int) -> list[dict[str, str]]:
    """§3 figures that moved more than 3× (or to or from zero) against the year before: the
    unit's own records of that year, and the figures its package sent for it, if one was made."""
    now = year_figures(s, year)
    out = _jumps(now, year_figures(s, year - 1), year, "")
    sent = settings.get(s, SENT_FIGURES.format(year=year - 1))
    if sent:
        try:
            out += _jumps(now, json.loads(sent), year, "上报")
        except (ValueError, TypeError, AttributeError):
            pass  # an unreadable remembered figure set is no finding of the data
    return out


#: code -> (grade, title, check), in the order the clerk reads them
CHECKS: dict[str, tuple[str, str, Callable[[Session, int], list[dict[str, str]]]]] = {
    "required_field_empty": (ERROR, "报表必填项没有填", required_field_empty),
    "guardian_missing": (ERROR, "帮扶对象没有监护人或监护人电话", guardian_missing),
    "paired_without_active_pairing": (ERROR, "登记为已结对但没有在帮的结对",
                                      paired_without_active_pairing),
    "pairing_without_aid": (NOTE, "结对本年没有帮扶记录", pairing_without_aid),
    "student_not_rechecked": (NOTE, "超过半年没有动态核查的帮扶对象", student_not_rechecked),
    "volunteer_without_group": (NOTE, "五老没有所在关工小组", volunteer_without_group),
    "group_without_volunteers": (NOTE, "关工小组里没有五老", group_without_volunteers),
    "activity_without_volunteers": (NOTE, "活动没有五老参加", activity_without_volunteers),
    "activity_without_youth": (NOTE, "活动受教育人次为 0", activity_without_youth),
    "possible_duplicates": (NOTE, "可能重复录入的人员（同名同出生日期）", possible_duplicates),
    "figure_jumps": (NOTE, "与上年相比变化很大的数字（超过3倍或从无到有、从有到无）", figure_jumps),
}


def run(s: Session, year: int) -> list[Finding]:
    """Every finding of ``year`` that concerns at least one record, 错误 first."""
    found = []
    for code, (level, title, check) in CHECKS.items():
        records = check(s, year)
        if records:
            found.append(Finding(code, level, title, len(records), records[:MAX_RECORDS]))
    return sorted(found, key=lambda f: f.level != ERROR)


def as_json(year: int, findings: list[Finding]) -> dict[str, Any]:
    """``{"year", "findings": [{"code", "level", "title", "count", "records"}]}`` (contract §8)."""
    return {"year": year, "findings": [asdict(f) for f in findings]}


def summary(findings: list[Finding]) -> str:
    """One sentence for the clerk: how many 错误 and 提醒."""
    if not findings:
        return "自查没有发现问题。"
    errors = sum(f.count for f in findings if f.level == ERROR)
    notes = sum(f.count for f in findings if f.level == NOTE)
    parts = [f"{errors} 处错误" if errors else "", f"{notes} 处提醒" if notes else ""]
    return "自查发现 " + "、".join(p for p in parts if p) + "。"


def remember_sent(s: Session, year: int, figures: dict[str, Any]) -> None:
    """Keep the figures a package sent for ``year`` (the next year's self-check compares them)."""
    settings.put(s, SENT_FIGURES.format(year=year),
                 json.dumps({k: v for k, v in figures.items() if k != "format"},
                            ensure_ascii=False))
