"""What each standard form holds: its rows read from the database, its title and foot lines.

``build_table(s, form_id, ctx)`` returns a :class:`FormTable` whose cells are typed values
(``date``, ``int``, ``Decimal``, ``str``) in column order, already masked unless
``ctx.full_id``. The .xlsx and .pdf writers print exactly this table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from exports.columns import ID, PHONE, SEQ
from exports.forms import FORMS, UNIT_FIGURES, Form
from models import APP_VERSION, in_year, rollup, service_hours, settings, stats, wuhao
from models.codes import split_multi
from models.entities import (
    Activity,
    AidRecord,
    Donation,
    Group,
    Pairing,
    Student,
    Venue,
    Volunteer,
    WuhaoAssessment,
)
from models.idcard import mask_id, mask_phone
from models.pairings import overlaps
from models.people import age_day, age_on

#: rows between two calls of build_table's on_progress
PROGRESS_EVERY = 500
#: the rows a preview shows first, while the rest of a long table is read (a screenful)
FIRST_ROWS = 60
SIGNATURE_LINE = "单位负责人：                审核人：                填表人："


@dataclass
class FormContext:
    """How a form is exported: the year, masking, who and when."""

    year: int | None = None
    full_id: bool = False
    exported_by: str = ""
    exported_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    report_date: dt.date | None = None
    #: the one 五老 (name or ID number) of a 志愿服务记录证明; None: everyone who served
    person: str | int | None = None

    def year_or_now(self) -> int:
        return self.year or self.exported_at.year


@dataclass
class FormTable:
    form: Form
    title: str
    unit_line: str
    rows: list[list[Any]]
    total_row: list[Any] | None = None
    foot_lines: list[str] = field(default_factory=list)
    provenance: str = ""
    year: int | None = None
    #: the signature line under the table, with the 填表人 of 设置 filled in
    signature: str = SIGNATURE_LINE

    @property
    def columns(self):
        return self.form.columns


def yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def _masker(form: Form, full: bool) -> list[Any]:
    out: list[Any] = []
    for col in form.columns:
        if full:
            out.append(None)
        elif col.kind == ID:
            out.append(mask_id)
        elif col.kind == PHONE:
            out.append(mask_phone)
        else:
            out.append(None)
    return out


def build_table(s: Session, form_id: str, ctx: FormContext,
                on_progress: Callable[[float, str], None] | None = None,
                on_first_rows: Callable[[FormTable], None] | None = None) -> FormTable:
    """The whole table of a form for ``ctx`` (reads only; logs a full-ID export).

    ``on_progress(0.0, text)`` is called every few hundred rows (the total is not known before
    the end); it may raise (models.errors.Cancelled) to stop the work. ``on_first_rows`` is
    given the table's first FIRST_ROWS rows (a screenful: no totals, foot or provenance yet)
    as soon as they are read, when the table has more than that."""
    form = FORMS[form_id]
    year = ctx.year_or_now() if form.yearly or form_id == "groups" else None
    committee = settings.committee(s)
    prefix = f"{year}年度" if form.yearly and year else ""
    title = f"{committee.display_name}{prefix}{form.title}"
    day = ctx.report_date or ctx.exported_at.date()
    unit_line = (f"填报单位：{committee.display_name}（盖章）"
                 f"{' ' * 8}填报日期：{day.year}年{day.month}月{day.day}日")
    # the records are turned into rows as they stream from the database (a 30 000-row roster
    # never holds its ORM objects, its dicts and its rows all at once)
    records = ROW_SOURCES[form_id](s, year if ctx.year or form.yearly else None, ctx)
    masks = _masker(form, ctx.full_id)
    rows = []
    for n, rec in enumerate(records, start=1):
        row = []
        for col, mask in zip(form.columns, masks):
            value = n if col.kind == SEQ else rec.get(col.key)
            if mask is not None and value and "*" not in str(value):  # a unit's: masked
                value = mask(value)
            row.append(value)
        rows.append(row)
        if on_first_rows is not None and n == FIRST_ROWS + 1:
            on_first_rows(FormTable(form, title, unit_line, rows[:FIRST_ROWS], year=year))
        if on_progress is not None and n % PROGRESS_EVERY == 0:
            on_progress(0.0, f"已读 {n} 行")
    total_row: list[Any] | None = None
    if form.totals and rows:
        total_row = []
        for i, col in enumerate(form.columns):
            if i == 0:
                total_row.append("合计")
            elif col.key in form.totals:
                total_row.append(sum((r[i] or 0) for r in rows))
            else:
                total_row.append(None)
    foot = list(FOOT_LINES[form_id](s, year)) if form_id in FOOT_LINES else []
    # the 填表人 set in 设置 (never the computer's login name); without one, only the time
    who = ctx.exported_by or settings.get(s, settings.FILLER)
    provenance = (f"{f'填表人：{who}，' if who else ''}"
                  f"{ctx.exported_at:%Y-%m-%d %H:%M} 导出（关工台账 {APP_VERSION}）"
                  + ("；含完整身份证号，注意保密" if ctx.full_id else ""))
    return FormTable(form, title, unit_line, rows, total_row, foot, provenance, year,
                     SIGNATURE_LINE + who)


def _group_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    y = year or ctx.year_or_now()
    vols = dict(s.execute(select(Volunteer.group_id, func.count())
                          .where(in_year.volunteers_at_end(y)).group_by(Volunteer.group_id)).all())
    passed = dict(s.execute(select(WuhaoAssessment.group_id, WuhaoAssessment.passed)
                            .where(WuhaoAssessment.year == y)).all())
    for g in s.scalars(select(Group).where(in_year.groups_at_end(y)).order_by(Group.id)):
        wuhao = "" if g.id not in passed else ("达标" if passed[g.id] else "未达标")
        yield {"name": g.name, "type": g.type, "leader": g.leader, "deputy": g.deputy,
               "phone": g.phone, "member_count": g.member_count,
               "volunteer_count": vols.get(g.id, 0), "founded_on": g.founded_on,
               "wuhao": wuhao, "note": g.note}


def _volunteer_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    y = ctx.year_or_now()
    end = age_day(y, ctx.exported_at.date())
    where = in_year.volunteers_at_end(year) if year else (
        Volunteer.deleted_at.is_(None) & Volunteer.left_on.is_(None))
    q = (select(Volunteer, Group.name).outerjoin(Group, (Volunteer.group_id == Group.id)
                                                 & Group.deleted_at.is_(None))
         .where(where).order_by(Group.id.is_(None), Group.id, Volunteer.id)
         .execution_options(yield_per=1000))
    for v, group in s.execute(q):
        yield {"name": v.name, "sex": v.sex, "birth_date": v.birth_date,
               "age": age_on(v.birth_date, end), "id_number": v.id_number or "",
               "political_status": v.political_status, "category": v.category,
               "former_post": v.former_post, "specialty": v.specialty,
               "roles": "、".join(split_multi(v.roles)),
               "is_backbone": "是" if v.is_backbone else "否", "group": group or "",
               "phone": v.phone, "joined_on": v.joined_on, "note": v.note}


def _paired_names(s: Session, year: int | None) -> dict[int, str]:
    q = (select(Pairing.student_id, Volunteer.name).join(Volunteer, Pairing.volunteer_id == Volunteer.id)
         .where(Pairing.deleted_at.is_(None), Volunteer.deleted_at.is_(None)).order_by(Pairing.id))
    if year:
        q = q.where(overlaps(Pairing.started_on, Pairing.ended_on, dt.date(year, 1, 1),
                                   dt.date(year, 12, 31)))
    else:
        q = q.where(Pairing.ended_on.is_(None))
    names: dict[int, list[str]] = {}
    for sid, name in s.execute(q):
        names.setdefault(sid, [])
        if name not in names[sid]:
            names[sid].append(name)
    return {k: "、".join(v) for k, v in names.items()}


def _student_rows(s: Session, year: int | None, _ctx: FormContext) -> Iterator[dict[str, Any]]:
    where = in_year.students_in_year(year) if year else Student.deleted_at.is_(None)
    paired = _paired_names(s, year)
    for st in s.scalars(select(Student).where(where).order_by(Student.id)):
        yield {"name": st.name, "sex": st.sex, "birth_date": st.birth_date,
               "id_number": st.id_number or "", "categories": "、".join(split_multi(st.categories)),
               "school": st.school, "grade": st.grade, "guardian": st.guardian,
               "guardian_relation": st.guardian_relation, "guardian_phone": st.guardian_phone,
               "address": st.address, "registered_on": st.registered_on,
               "volunteer": paired.get(st.id, ""), "status": st.status, "note": st.note}


def health_text(st: Student) -> str:
    """健康状况 as the 登记表 prints it: 残疾 with its category and grade."""
    detail = f"{st.disability_type}{st.disability_grade}"
    return f"{st.health}（{detail}）" if st.health == "残疾" and detail else st.health


def _iso_day(value: Any) -> dt.date | None:
    """A date of a unit's data file (``2025-06-01``), None when it is not one."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _children_rows(s: Session, year: int | None, _ctx: FormContext) -> Iterator[dict[str, Any]]:
    """The 留守（困境）儿童基本情况登记表: the year's 帮扶对象 with their 民政 fields."""
    where = in_year.students_in_year(year) if year else Student.deleted_at.is_(None)
    for st in s.scalars(select(Student).where(where).order_by(Student.id)):
        yield {"name": st.name, "sex": st.sex, "ethnicity": st.ethnicity,
               "birth_date": st.birth_date, "id_number": st.id_number or "",
               "hukou_place": st.hukou_place, "residence": st.residence,
               "schooling": st.schooling, "boarding": st.boarding, "health": health_text(st),
               "father_name": st.father_name, "father_status": st.father_status,
               "father_work_place": st.father_work_place, "mother_name": st.mother_name,
               "mother_status": st.mother_status, "mother_work_place": st.mother_work_place,
               "guardianship": st.guardianship, "guardian": st.guardian,
               "guardian_relation": st.guardian_relation, "guardian_phone": st.guardian_phone,
               "guardianship_rating": st.guardianship_rating,
               "relief": "、".join(split_multi(st.relief)), "checked_on": st.checked_on}
    if year:  # a roll-up database: its units' children as their packages carried them
        for _unit, rec in rollup.units_records(s, year, "students"):
            health = rec.get("health") or ""
            detail = f"{rec.get('disability_type') or ''}{rec.get('disability_grade') or ''}"
            yield {**{k: rec.get(k) for k in ROW_KEYS["children-register"]},
                   "birth_date": _iso_day(rec.get("birth_date")),
                   "checked_on": _iso_day(rec.get("checked_on")),
                   "health": f"{health}（{detail}）" if health == "残疾" and detail else health}


def _service_hours_rows(s: Session, year: int | None, ctx: FormContext
                        ) -> Iterator[dict[str, Any]]:
    """The year's 志愿服务时长 of each 五老 in the team at its end, and of anyone who served."""
    y = year or ctx.year_or_now()
    done = service_hours.totals(s, *service_hours.year_bounds(y))
    q = (select(Volunteer, Group.name).outerjoin(Group, (Volunteer.group_id == Group.id)
                                                 & Group.deleted_at.is_(None))
         .where(or_(in_year.volunteers_at_end(y),
                    Volunteer.id.in_(list(done)) & Volunteer.deleted_at.is_(None)))
         .order_by(Group.id.is_(None), Group.id, Volunteer.id))
    for v, group in s.execute(q):
        acts, aid, minutes = done.get(v.id, (0, 0, 0))
        yield {"name": v.name, "category": v.category, "group": group or "", "activities": acts,
               "aid": aid, "hours": service_hours.hours(minutes)}
    for unit, rec in rollup.units_records(s, y, "volunteers"):
        if "service_minutes" in rec:  # a package made before service hours has none
            yield {"name": rec.get("name"), "category": rec.get("category"), "group": unit,
                   "activities": _count(rec.get("service_activities")),
                   "aid": _count(rec.get("service_aid")),
                   "hours": service_hours.hours(_count(rec.get("service_minutes")))}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return "暂无服务记录"
    return f"{start:%Y.%m.%d}—{end:%Y.%m.%d}" if end else f"{start:%Y.%m.%d}起"


def _service_record_rows(s: Session, year: int | None, ctx: FormContext
                         ) -> Iterator[dict[str, Any]]:
    for rec in service_hours.records(s, year or ctx.year_or_now(), ctx.person):
        yield {"name": rec.name, "id_number": rec.id_number or "", "category": rec.category,
               "period": period_text(rec.start, rec.end),
               "count": len(rec.activities) + len(rec.aid),
               "hours": service_hours.hours(rec.minutes)}


def _pairing_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    y = year or ctx.year_or_now()
    start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
    aid = dict(((r.pid), (r.n, r.money)) for r in s.execute(
        select(Pairing.id.label("pid"), func.count(AidRecord.id).label("n"),
               func.coalesce(func.sum(AidRecord.money_fen), 0).label("money"))
        .join(AidRecord, and_(AidRecord.student_id == Pairing.student_id,
                              or_(AidRecord.pairing_id == Pairing.id,
                                  AidRecord.volunteer_id == Pairing.volunteer_id)))
        .where(AidRecord.deleted_at.is_(None), AidRecord.date.between(start, end))
        .group_by(Pairing.id)))
    q = (select(Pairing, Volunteer, Student)
         .join(Volunteer, Pairing.volunteer_id == Volunteer.id)
         .join(Student, Pairing.student_id == Student.id)
         .where(in_year.pairings_in_year(y)).order_by(Pairing.id))
    for p, v, st in s.execute(q):
        n, money = aid.get(p.id, (0, 0))
        yield {"volunteer": v.name, "volunteer_category": v.category, "student": st.name,
               "student_categories": "、".join(split_multi(st.categories)), "mode": p.mode,
               "started_on": p.started_on, "ended_on": p.ended_on, "aid_count": n,
               "aid_money": yuan(money)}


def _activity_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    q = (select(Activity).where(Activity.deleted_at.is_(None),
                                in_year.during(Activity.date, year or ctx.year_or_now()))
         .order_by(Activity.date, Activity.id))
    for a in s.scalars(q):
        yield {"date": a.date, "title": a.title, "theme": a.theme, "organiser": a.organiser,
               "place": a.place, "volunteer_count": a.volunteer_count,
               "youth_count": a.youth_count, "summary": a.summary}


def _donation_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    q = (select(Donation).where(Donation.deleted_at.is_(None),
                                in_year.during(Donation.date, year or ctx.year_or_now()))
         .order_by(Donation.date, Donation.id))
    for d in s.scalars(q):
        yield {"date": d.date, "donor": d.donor, "donor_type": d.donor_type,
               "money": yuan(d.money_fen), "goods": d.goods,
               "goods_value": yuan(d.goods_value_fen) if d.goods_value_fen else None,
               "purpose": d.purpose, "recipients": d.recipients_text}


def _venue_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    """The 阵地 at the end of the year; 本年经费 only when it was recorded for that year."""
    y = year or ctx.year_or_now()
    q = (select(Venue, Group.name).outerjoin(Group, (Venue.group_id == Group.id)
                                             & Group.deleted_at.is_(None))
         .where(stats.venues_at_end(y)).order_by(Venue.id))
    for v, group in s.execute(q):
        yield {"name": v.name, "type": v.type, "group": group or "", "address": v.address,
               "opened_on": v.opened_on,
               "funds": yuan(v.funds_fen) if v.funds_year == y and v.funds_fen else None,
               "note": v.note}


def _wuhao_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    y = year or ctx.year_or_now()
    found = {a.group_id: a for a in s.scalars(select(WuhaoAssessment)
                                              .where(WuhaoAssessment.year == y))}
    for g in s.scalars(select(Group).where(in_year.groups_at_end(y)).order_by(Group.id)):
        a = found.get(g.id)
        row: dict[str, Any] = {"name": g.name, "passed": "未评定"}
        if a is not None:
            sheet = wuhao.scored(a)
            for i, d in enumerate(sheet.dimensions[:5]):
                row[f"item{i + 1}"] = wuhao.points_text(d.score)
            row["total"] = wuhao.points_text(sheet.total)
            row["passed"] = "达标" if a.passed else "未达标"
            row["reasons"] = "；".join(p for p in (sheet.reasons_text(), a.note) if p)
        yield row
    for unit, rec in rollup.units_records(s, y, "groups"):
        row = {"name": f"{unit} {rec.get('name') or ''}", "passed": "未评定"}
        if rec.get("wuhao_total") is not None:
            scores = str(rec.get("wuhao_scores") or "").split(",")
            for i, score in enumerate(scores[:5]):
                row[f"item{i + 1}"] = _points(_number(score))
            row["total"] = _points(rec.get("wuhao_total"))
            row["passed"] = "达标" if rec.get("wuhao") is True else "未达标"
            row["reasons"] = rollup.clean(rec.get("wuhao_reasons") or "")
        yield row


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _points(value: Any) -> str:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1000
    return wuhao.points_text(value) if ok else ""


def _wuhao_foot(s: Session, year: int | None) -> Iterator[str]:
    g = stats.year_figures(s, year or dt.date.today().year)["groups"]
    yield (f"达标组织 {g['wuhao']} 个，共 {g['total']} 个，"
           f"达标率 {g['wuhao_rate'] * 100:.1f}%")


def annual_rows(figures: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The labelled rows of the annual statistics table (组织/五老/帮扶/活动/捐赠)."""
    g, v, st = figures["groups"], figures["volunteers"], figures["students"]
    a, act, d = figures["aid"], figures["activities"], figures["donations"]

    shown: set[str] = set()

    def row(section: str, item: str, value: Any, unit: str) -> dict[str, Any]:
        label = "" if section in shown else section
        shown.add(section)
        return {"section": label, "item": item, "value": value, "unit": unit}

    def parted(section: str, item: str, total: Any, parts: dict[str, Any],
               unit: str) -> Iterator[dict[str, Any]]:
        """A total's row, then a 其中 row for each of its parts."""
        yield row(section, item, total, unit)
        for part, n in parts.items():
            yield row(section, f"　其中：{part}", n, unit)

    yield from parted("组织", "基层关工组织总数", g["total"], g["by_type"], "个")
    yield row("组织", "“五好”达标组织", g["wuhao"], "个")
    yield row("组织", "“五好”达标率", f"{g['wuhao_rate'] * 100:.1f}%", "")
    yield from parted("五老", "“五老”总数", v["total"], v["by_category"], "人")
    yield row("五老", "骨干", v["backbone"], "人")
    yield row("五老", "党员", v["party_members"], "人")
    yield row("五老", "本年新增", v["joined"], "人")
    yield row("五老", "本年退出", v["left"], "人")
    yield from parted("帮扶", "帮扶对象总数", st["total"], st["by_category"], "人")
    yield row("帮扶", "已结对帮扶对象", st["paired"], "人")
    yield row("帮扶", "有效结对", figures["pairings"]["active"], "对")
    yield row("帮扶", "帮扶记录", a["records"], "次")
    yield row("帮扶", "资助金额", f"{a['money_yuan']:,.2f}", "元")
    yield from parted("活动", "开展活动", act["total"], act["by_theme"], "场次")
    yield row("活动", "五老参与", act["volunteer_participations"], "人次")
    yield row("活动", "受教育青少年", act["youth_participations"], "人次")
    yield row("捐赠", "捐赠笔数", d["count"], "笔")
    yield row("捐赠", "捐款金额", f"{d['money_yuan']:,.2f}", "元")
    yield row("捐赠", "物资折价", f"{d['goods_value_yuan']:,.2f}", "元")
    yield row("捐赠", "捐钱捐物合计", f"{d['money_yuan'] + d['goods_value_yuan']:,.2f}", "元")
    venues = figures.get("venues")  # (the figures of an older program's package have none)
    if venues is not None:
        yield from parted("阵地", "关工阵地", venues["total"], venues["by_type"], "个")
        yield row("阵地", "本年经费", f"{venues['funds_yuan']:,.2f}", "元")


def _annual_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    yield from annual_rows(stats.year_figures(s, year or ctx.year_or_now()))


def unit_row(name: str, code: str, figures: dict[str, Any]) -> dict[str, Any]:
    """One row of the 各单位汇总表 from a unit's §3 figures (money exact, as Decimal yuan)."""
    g, v, st = figures["groups"], figures["volunteers"], figures["students"]
    act, d = figures["activities"], figures["donations"]
    return {"unit_name": name, "unit_code": code, "groups": g["total"], "wuhao": g["wuhao"],
            "volunteers": v["total"], "backbone": v["backbone"], "students": st["total"],
            "paired": st["paired"], "activities": act["total"],
            "volunteer_participations": act["volunteer_participations"],
            "youth_participations": act["youth_participations"],
            "donation_money": yuan(rollup.yuan_to_fen(d["money_yuan"])),
            "goods_value": yuan(rollup.yuan_to_fen(d["goods_value_yuan"]))}


def _unit_rows(s: Session, year: int | None, ctx: FormContext) -> Iterator[dict[str, Any]]:
    """Each unit's latest package for the year, then this database's own records (本级) when
    it has any for the year, so that the 合计 row is the year's ``stats``."""
    y = year or ctx.year_or_now()
    names = rollup.unit_names(s)
    for pkg in rollup.latest_packages(s, y):
        yield unit_row(names.get(pkg.unit_code, pkg.unit_code), pkg.unit_code,
                       rollup.package_figures(pkg))
    own = stats.own_figures(s, y)
    row = unit_row("", "", own)
    if any(row[k] for k in UNIT_FIGURES) or not rollup.has_packages(s):
        code, name, _level = rollup.own_unit(s)
        yield {**row, "unit_name": f"{name}（本级）", "unit_code": code}


#: the record keys of a form that come straight from a unit's data file
ROW_KEYS = {"children-register": ("name", "sex", "ethnicity", "id_number", "hukou_place",
                                  "residence", "schooling", "boarding", "father_name",
                                  "father_status", "father_work_place", "mother_name",
                                  "mother_status", "mother_work_place", "guardianship",
                                  "guardian", "guardian_relation", "guardian_phone",
                                  "guardianship_rating", "relief")}

ROW_SOURCES = {
    "groups": _group_rows, "volunteers": _volunteer_rows, "students": _student_rows,
    "pairings": _pairing_rows, "activities": _activity_rows, "donations": _donation_rows,
    "wuhao": _wuhao_rows, "annual-stats": _annual_rows, "units": _unit_rows,
    "children-register": _children_rows, "service-hours": _service_hours_rows,
    "service-record": _service_record_rows, "venues": _venue_rows,
}
FOOT_LINES = {"wuhao": _wuhao_foot}
