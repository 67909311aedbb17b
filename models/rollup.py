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

from models import settings
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
    out["volunteers"] = [
        {"uuid": v.uuid, "name": v.name, "sex": v.sex, "birth_date": _day(v.birth_date, True),
         "id_number": mask_id(v.id_number), "phone": mask_phone(v.phone),
         "category": v.category, "is_backbone": bool(v.is_backbone)}
        for v in s.scalars(select(Volunteer).where(volunteers_at_end(year)).order_by(Volunteer.id))]
    out["students"] = [
        {"uuid": p.uuid, "name": p.name, "sex": p.sex, "birth_date": _day(p.birth_date),
         "id_number": mask_id(p.id_number), "categories": p.categories}
        for p in s.scalars(select(Student).where(students_in_year(year)).order_by(Student.id))]
    pairs = (select(Pairing.uuid, Volunteer.uuid, Student.uuid, Pairing.started_on)
             .join(Volunteer, Pairing.volunteer_id == Volunteer.id)
             .join(Student, Pairing.student_id == Student.id)
             .where(pairings_in_year(year)).order_by(Pairing.id))
    out["pairings"] = [{"uuid": u, "volunteer": v, "student": st, "started_on": _day(d)}
                       for u, v, st, d in s.execute(pairs)]
    aid = (select(AidRecord.uuid, Student.uuid, AidRecord.date, AidRecord.money_fen)
           .join(Student, AidRecord.student_id == Student.id)
           .where(AidRecord.deleted_at.is_(None), Student.deleted_at.is_(None),
                  AidRecord.date.between(start, end)).order_by(AidRecord.id))
    out["aid"] = [{"uuid": u, "student": st, "date": _day(d), "money_fen": m or 0}
                  for u, st, d, m in s.execute(aid)]
    out["activities"] = [
        {"uuid": a.uuid, "date": _day(a.date), "title": a.title, "theme": a.theme,
         "volunteer_count": a.volunteer_count, "youth_count": a.youth_count}
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


# -- the unit ------------------------------------------------------------------------------

#: level of a roll-up database -> (level above it, digits of its 行政区划代码)
_ABOVE = {"乡镇": ("县", 6), "县": ("市", 4), "市": ("市", 4)}


def own_unit(s: Session) -> tuple[str, str, str]:
    """(code, name, level) of the unit this database belongs to; the code is "" when it is
    neither set nor derivable (exports.service.build_package then refuses).

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
    # no code is no code: never the name in its place (a package then is refused)
    return code, name, level or "乡镇"


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
