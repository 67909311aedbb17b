"""County roll-up (contract §6) on the database side: the year's records as a package's data
file carries them, figures added exactly, and what a roll-up database knows about its units.

Reading and checking package files is :mod:`exports.rollup`; nothing here touches a file.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import service_hours, settings, wuhao
from models.codes import split_multi
from models.entities import (
    Activity,
    AidRecord,
    Donation,
    Group,
    Pairing,
    RollupPackage,
    RollupRecord,
    RollupUnit,
    Student,
    Volunteer,
    WuhaoAssessment,
    activity_participants,
)
from models.idcard import mask_id, mask_phone
from models.stats import (
    _bounds,
    groups_at_end,
    pairings_in_year,
    students_in_year,
    volunteers_at_end,
)

#: data file format carried in package format 2
DATA_FORMAT = 2


def _day(value: dt.date | None, month_only: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:%Y-%m}" if month_only else value.isoformat()


def year_records(s: Session, year: int) -> dict[str, Any]:
    """Every record that the year's forms show, each with its ``uuid``; ID numbers and phones
    masked and birth dates as precise as the forms print them (五老 出生年月, students 出生日期)."""
    start, end = _bounds(year)
    out: dict[str, Any] = {"format": DATA_FORMAT, "year": year}
    out["groups"] = [
        {"uuid": g.uuid, "name": g.name, "type": g.type, "leader": g.leader,
         "phone": mask_phone(g.phone), "founded_on": _day(g.founded_on)}
        for g in s.scalars(select(Group).where(groups_at_end(year)).order_by(Group.id))]
    served = service_hours.totals(s, start, end)
    out["volunteers"] = [
        {"uuid": v.uuid, "name": v.name, "sex": v.sex, "birth_date": _day(v.birth_date, True),
         "id_number": mask_id(v.id_number), "phone": mask_phone(v.phone),
         "category": v.category, "is_backbone": bool(v.is_backbone),
         "service_activities": served.get(v.id, (0, 0, 0))[0],
         "service_aid": served.get(v.id, (0, 0, 0))[1],
         "service_minutes": served.get(v.id, (0, 0, 0))[2]}
        for v in s.scalars(select(Volunteer).where(volunteers_at_end(year)).order_by(Volunteer.id))]
    out["students"] = [
        {"uuid": p.uuid, "name": p.name, "sex": p.sex, "birth_date": _day(p.birth_date),
         "id_number": mask_id(p.id_number), "categories": p.categories, **civil_record(p)}
        for p in s.scalars(select(Student).where(students_in_year(year)).order_by(Student.id))]
    assessed = {a.group_id: a for a in s.scalars(select(WuhaoAssessment)
                                                 .where(WuhaoAssessment.year == year))}
    for g in out["groups"]:
        g["wuhao"] = None
    for g, row in zip(s.scalars(select(Group).where(groups_at_end(year)).order_by(Group.id)),
                      out["groups"]):
        a = assessed.get(g.id)
        if a is not None:
            sheet = wuhao.scored(a)
            row["wuhao"] = {"passed": bool(a.passed), "total": float(sheet.total),
                            "threshold": float(sheet.threshold),
                            "scores": [float(d.score) for d in sheet.dimensions],
                            "reasons": sheet.reasons_text()}
    pairs = (select(Pairing.uuid, Volunteer.uuid, Student.uuid, Pairing.started_on)
             .join(Volunteer, Pairing.volunteer_id == Volunteer.id)
             .join(Student, Pairing.student_id == Student.id)
             .where(pairings_in_year(year)).order_by(Pairing.id))
    out["pairings"] = [{"uuid": u, "volunteer": v, "student": st, "started_on": _day(d)}
                       for u, v, st, d in s.execute(pairs)]
    aid = (select(AidRecord.uuid, Student.uuid, AidRecord.date, AidRecord.money_fen,
                  AidRecord.service_minutes)
           .join(Student, AidRecord.student_id == Student.id)
           .where(AidRecord.deleted_at.is_(None), Student.deleted_at.is_(None),
                  AidRecord.date.between(start, end)).order_by(AidRecord.id))
    out["aid"] = [{"uuid": u, "student": st, "date": _day(d), "money_fen": m or 0,
                   "service_minutes": h or 0}
                  for u, st, d, m, h in s.execute(aid)]
    c = activity_participants.c
    named: dict[int, list[dict[str, Any]]] = {}
    for aid_id, vuuid, minutes in s.execute(
            select(c.activity_id, Volunteer.uuid, c.service_minutes)
            .join(Volunteer, Volunteer.id == c.volunteer_id)
            .join(Activity, Activity.id == c.activity_id)
            .where(Activity.deleted_at.is_(None), Activity.date.between(start, end))
            .order_by(c.activity_id, c.volunteer_id)):
        named.setdefault(aid_id, []).append({"volunteer": vuuid, "service_minutes": minutes})
    out["activities"] = [
        {"uuid": a.uuid, "date": _day(a.date), "title": a.title, "theme": a.theme,
         "volunteer_count": a.volunteer_count, "youth_count": a.youth_count,
         "participants": named.get(a.id, [])}
        for a in s.scalars(select(Activity).where(Activity.deleted_at.is_(None),
                                                  Activity.date.between(start, end))
                           .order_by(Activity.id))]
    out["donations"] = [
        {"uuid": d.uuid, "date": _day(d.date), "donor": d.donor, "money_fen": d.money_fen or 0,
         "goods_value_fen": d.goods_value_fen or 0}
        for d in s.scalars(select(Donation).where(Donation.deleted_at.is_(None),
                                                  Donation.date.between(start, end))
                           .order_by(Donation.id))]
    # people of the units' latest packages, so the level above finds duplicates across units
    rolled = (select(RollupRecord.subject, RollupRecord.uuid, RollupRecord.name,
                     RollupRecord.birth_date, RollupPackage.unit_code)
              .join(RollupPackage, RollupRecord.package_id == RollupPackage.id)
              .where(RollupPackage.year == year).order_by(RollupRecord.id))
    out["rolled_up"] = [{"subject": sub, "uuid": u, "name": n, "birth_date": b, "unit_code": c}
                        for sub, u, n, b, c in s.execute(rolled)]
    return out


#: the 民政 fields a package's data file carries for a student: what the children-register
#: form prints (the relatives' ID numbers are on no form and stay home)
CIVIL_DATA = ("ethnicity", "hukou_place", "residence", "schooling", "boarding", "health",
              "disability_type", "disability_grade", "father_name", "father_status",
              "father_work_place", "mother_name", "mother_status", "mother_work_place",
              "guardianship", "guardian", "guardian_relation", "guardianship_rating")


def civil_record(st: Student) -> dict[str, Any]:
    """A student's 民政 fields as the data file carries them (phones masked)."""
    out: dict[str, Any] = {key: getattr(st, key) for key in CIVIL_DATA}
    out["guardian_phone"] = mask_phone(st.guardian_phone)
    out["relief"] = split_multi(st.relief)
    out["checked_on"] = _day(st.checked_on)
    return out


# -- the unit ------------------------------------------------------------------------------

#: level of a roll-up database -> (level above it, digits of its 行政区划代码)
_ABOVE = {"乡镇": ("县", 6), "县": ("市", 4), "市": ("市", 4)}


def own_unit(s: Session) -> tuple[str, str, str]:
    """(code, name, level) of the unit this database belongs to.

    The settings win. A roll-up database that was never given them is one level above its
    units, and its code is the part of its units' codes they share (a county's 6 digits, a
    city's 4), so a county office need not set anything before its first package."""
    code, level = settings.get(s, settings.UNIT_CODE), settings.get(s, settings.UNIT_LEVEL)
    name = settings.committee(s).committee_name
    units = list(s.scalars(select(RollupUnit)))
    if units and not (code and level):
        below = max((u.level for u in units), key=lambda lv: settings.LEVELS.index(lv)
                    if lv in settings.LEVELS else 0)
        derived_level, digits = _ABOVE.get(below, ("县", 6))
        level = level or derived_level
        prefixes = {u.code[:digits] for u in units}
        if not code and len(prefixes) == 1 and all(u.code[:digits].isdigit() and
                                                   len(u.code) > digits for u in units):
            code = prefixes.pop()
        name = name or f"本{level}关工委"
    name = name or settings.committee(s).display_name
    return code or name, name, level or "乡镇"


# -- figures --------------------------------------------------------------------------------

def yuan_to_fen(yuan: Any) -> int:
    """A JSON yuan amount to exact 分 (floats go through their shortest text)."""
    return int((Decimal(str(yuan)) * 100).to_integral_value())


def add_figures(parts: list[dict[str, Any]], year: int) -> dict[str, Any]:
    """The sum of several §3 figure sets: counts and ``by_*`` dicts added, money added exactly
    in 分, ``wuhao_rate`` recomputed from the summed counts."""
    def add(values: list[Any], key: str) -> Any:
        if all(isinstance(v, dict) for v in values):
            keys: list[str] = []
            for v in values:
                keys += [k for k in v if k not in keys]
            return {k: add([v[k] for v in values if k in v], k) for k in keys}
        if key.endswith("_yuan"):
            return float(Decimal(sum(yuan_to_fen(v) for v in values)) / 100)
        return sum(int(v) for v in values)

    sections = [{k: v for k, v in p.items() if k != "year"} for p in parts]
    total: dict[str, Any] = {"year": year, **add(sections, "")}
    groups = total["groups"]
    groups["wuhao_rate"] = round(groups["wuhao"] / groups["total"], 3) if groups["total"] else 0
    for section, key in (("groups", "by_type"), ("students", "by_category"),
                         ("activities", "by_theme")):
        total[section][key] = dict(sorted(((k, v) for k, v in total[section][key].items() if v),
                                          key=lambda kv: -kv[1]))
    return total


def latest_packages(s: Session, year: int) -> list[RollupPackage]:
    """The package each unit sent last for ``year`` (one per unit), in unit-code order."""
    return list(s.scalars(select(RollupPackage).where(RollupPackage.year == year)
                          .order_by(RollupPackage.unit_code)))


def has_packages(s: Session) -> bool:
    return bool(s.scalar(select(func.count()).select_from(RollupPackage)))


def unit_names(s: Session) -> dict[str, str]:
    return {code: name for code, name in s.execute(select(RollupUnit.code, RollupUnit.name))}


def package_figures(pkg: RollupPackage) -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(pkg.figures_json)
    return figures


#: the parts of a unit's data file a roll-up database keeps for its own forms
KEPT_DATA = ("groups", "volunteers", "students")
#: a kept text never grows beyond this (a package is evidence, not trusted input)
_MAX_TEXT = 200


def units_data(data: Any) -> str:
    """The parts of a package's data file the county's forms read (children-register,
    service-hours, wuhao), as JSON text; "" when it has none."""
    if not isinstance(data, dict):
        return ""
    kept = {k: data[k] for k in KEPT_DATA if isinstance(data.get(k), list)}
    return json.dumps(kept, ensure_ascii=False) if kept else ""


def clean(value: Any) -> Any:
    """A value of a unit's record as a form may print it: numbers and short texts only."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value if abs(value) < 1e12 else 0
    if isinstance(value, list):
        return "、".join(str(v)[:_MAX_TEXT] for v in value[:20])
    return str(value)[:_MAX_TEXT]


def units_records(s: Session, year: int, subject: str) -> list[tuple[str, dict[str, Any]]]:
    """(unit name, record) of every unit's latest package for ``year`` that carried
    ``subject`` (a KEPT_DATA key), in unit-code order; values cleaned by :func:`clean`."""
    names = unit_names(s)
    out: list[tuple[str, dict[str, Any]]] = []
    for pkg in latest_packages(s, year):
        try:
            data = json.loads(pkg.data_json) if pkg.data_json else {}
        except ValueError:
            continue
        rows = data.get(subject) if isinstance(data, dict) else None
        for rec in rows if isinstance(rows, list) else []:
            if isinstance(rec, dict):
                out.append((names.get(pkg.unit_code, pkg.unit_code),
                            {str(k): v if k == "wuhao" else clean(v) for k, v in rec.items()}))
    return out


# -- status ---------------------------------------------------------------------------------

def expected_units(s: Session) -> list[str]:
    """Unit codes entered in settings as expected to report (comma/space separated)."""
    text = settings.get(s, settings.EXPECTED_UNITS)
    return [c for c in text.replace("，", ",").replace(" ", ",").split(",") if c]


def status(s: Session, year: int) -> dict[str, Any]:
    """Every unit known (ever reported, or expected in settings) as reported or missing for
    ``year``, and people found in two units' data files (same name and birth date)."""
    units = {u.code: u for u in s.scalars(select(RollupUnit))}
    taken = {p.unit_code: p for p in latest_packages(s, year)}
    codes = sorted(set(units) | set(expected_units(s)))
    rows = []
    for code in codes:
        unit = units.get(code)
        pkg = taken.get(code)
        rows.append({"unit_code": code, "unit_name": unit.name if unit else "",
                     "level": unit.level if unit else "",
                     "status": "reported" if pkg else "missing",
                     "taken_at": pkg.taken_at.isoformat() if pkg else None,
                     "sequence": pkg.sequence if pkg else None})
    dupes = (select(RollupRecord.name, RollupRecord.birth_date,
                    func.group_concat(RollupPackage.unit_code.distinct()))
             .join(RollupPackage, RollupRecord.package_id == RollupPackage.id)
             .where(RollupPackage.year == year, RollupRecord.birth_date != "")
             .group_by(RollupRecord.name, RollupRecord.birth_date)
             .having(func.count(RollupPackage.unit_code.distinct()) > 1)
             .order_by(RollupRecord.name))
    duplicates = [{"name": n, "birth_date": b, "unit_codes": sorted(str(c).split(","))}
                  for n, b, c in s.execute(dupes)]
    return {"year": year, "units": rows,
            "reported": sum(r["status"] == "reported" for r in rows),
            "missing": sum(r["status"] == "missing" for r in rows),
            "duplicates": duplicates}
