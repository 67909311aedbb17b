"""County roll-up (contract §6) on the database side: the year's records as a package's data
file carries them, figures added exactly, and what a roll-up database knows about its units.

Reading and checking package files is :mod:`exports.rollup`; nothing here touches a file.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
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
    Venue,
    Volunteer,
    WuhaoAssessment,
    activity_participants,
)
from models.idcard import mask_id, mask_phone
from models.in_year import (
    PARTY,
    bounds,
    groups_at_end,
    pairings_in_year,
    students_in_year,
    venues_at_end,
    volunteers_at_end,
)
from models.money import to_yuan
from models.synonyms import SYNONYMS

#: data file format carried in the package (2: records with uuids; 3: also what the receiver
#: needs to recompute every §3 figure: 五好 and 党员 flags, join dates, who left, units' figures)
DATA_FORMAT = 3


def _day(value: dt.date | None, month_only: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:%Y-%m}" if month_only else value.isoformat()


def year_records(s: Session, year: int) -> dict[str, Any]:
    """Every record that the year's forms show, each with its ``uuid``; ID numbers and phones
    masked and birth dates as precise as the forms print them (五老 出生年月, students 出生日期)."""
    start, end = bounds(year)
    out: dict[str, Any] = {"format": DATA_FORMAT, "year": year}
    passed = set(s.scalars(select(WuhaoAssessment.group_id).where(
        WuhaoAssessment.year == year, WuhaoAssessment.passed.is_(True))))
    out["groups"] = [
        {"uuid": g.uuid, "name": g.name, "type": g.type, "leader": g.leader,
         "phone": mask_phone(g.phone), "founded_on": _day(g.founded_on), "wuhao": g.id in passed}
        for g in s.scalars(select(Group).where(groups_at_end(year)).order_by(Group.id))]
    served = service_hours.totals(s, start, end)
    out["volunteers"] = [
        {"uuid": v.uuid, "name": v.name, "sex": v.sex, "birth_date": _day(v.birth_date, True),
         "id_number": mask_id(v.id_number), "phone": mask_phone(v.phone),
         "category": v.category, "is_backbone": bool(v.is_backbone),
         "service_activities": served.get(v.id, (0, 0, 0))[0],
         "service_aid": served.get(v.id, (0, 0, 0))[1],
         "service_minutes": served.get(v.id, (0, 0, 0))[2],
         "party_member": v.political_status in PARTY, "joined_on": _day(v.joined_on)}
        for v in s.scalars(select(Volunteer).where(volunteers_at_end(year)).order_by(Volunteer.id))]
    # who joined or left in the year without being in the roster at its end (for 新增/减少)
    gone = (select(Volunteer.uuid, Volunteer.joined_on, Volunteer.left_on)
            .where(Volunteer.deleted_at.is_(None), ~volunteers_at_end(year),
                   Volunteer.joined_on.between(start, end) | Volunteer.left_on.between(start, end))
            .order_by(Volunteer.id))
    out["volunteers_left"] = [{"uuid": u, "joined_on": _day(j), "left_on": _day(lo)}
                              for u, j, lo in s.execute(gone)]
    out["students"] = [
        {"uuid": p.uuid, "name": p.name, "sex": p.sex, "birth_date": _day(p.birth_date),
         "id_number": mask_id(p.id_number), "categories": p.categories, **civil_record(p)}
        for p in s.scalars(select(Student).where(students_in_year(year)).order_by(Student.id))]
    assessed = {a.group_id: a for a in s.scalars(select(WuhaoAssessment)
                                                 .where(WuhaoAssessment.year == year))}
    for g in out["groups"]:
        # flat fields beside "wuhao" (the 达标 flag the figures count): a data file's
        # records hold only flat values (exports.rollup checks it)
        g.update(wuhao_total=None, wuhao_threshold=None, wuhao_scores=None, wuhao_reasons=None)
    for g, row in zip(s.scalars(select(Group).where(groups_at_end(year)).order_by(Group.id)),
                      out["groups"]):
        a = assessed.get(g.id)
        if a is not None:
            sheet = wuhao.scored(a)
            row.update(wuhao_total=float(sheet.total), wuhao_threshold=float(sheet.threshold),
                       wuhao_scores=",".join(f"{float(d.score):g}" for d in sheet.dimensions),
                       wuhao_reasons=sheet.reasons_text())
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
    # who took part, one flat record each (a data file's records hold only flat values)
    out["participants"] = [
        {"activity": auuid, "volunteer": vuuid, "service_minutes": minutes}
        for auuid, vuuid, minutes in s.execute(
            select(Activity.uuid, Volunteer.uuid, c.service_minutes)
            .join(Volunteer, Volunteer.id == c.volunteer_id)
            .join(Activity, Activity.id == c.activity_id)
            .where(Activity.deleted_at.is_(None), Activity.date.between(start, end))
            .order_by(c.activity_id, c.volunteer_id))]
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
    group_names = dict(s.execute(select(Group.id, Group.name)).all())
    out["venues"] = [
        {"uuid": v.uuid, "name": v.name, "type": v.type, "group": group_names.get(v.group_id or 0, ""),
         "address": v.address, "opened_on": _day(v.opened_on), "funds_year": v.funds_year,
         "funds_fen": v.funds_fen or 0}
        for v in s.scalars(select(Venue).where(venues_at_end(year)).order_by(Venue.id))]
    # people of the units' latest packages, so the level above finds duplicates across units
    rolled = (select(RollupRecord.subject, RollupRecord.uuid, RollupRecord.name,
                     RollupRecord.birth_date, RollupPackage.unit_code)
              .join(RollupPackage, RollupRecord.package_id == RollupPackage.id)
              .where(RollupPackage.year == year).order_by(RollupRecord.id))
    out["rolled_up"] = [{"subject": sub, "uuid": u, "name": n, "birth_date": b, "unit_code": c}
                        for sub, u, n, b, c in s.execute(rolled)]
    # the figures of the units' latest packages, so the level above can recompute the sum
    names = unit_names(s)
    out["units"] = [{"unit_code": p.unit_code, "unit_name": names.get(p.unit_code, ""),
                     "sequence": p.sequence, "figures": package_figures(p),
                     "months": package_months(p)}
                    for p in latest_packages(s, year)]
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
    out["relief"] = "、".join(split_multi(st.relief))  # flat: a data file holds no lists
    out["checked_on"] = _day(st.checked_on)
    return out


# -- the unit ------------------------------------------------------------------------------

#: level of a roll-up database -> (level above it, digits of its 行政区划代码)
_ABOVE = {"乡镇": ("县", 6), "县": ("市", 4), "市": ("省", 2)}
#: the levels in order, lowest first (a unit sends only to a higher one)
LEVEL_ORDER = ("乡镇", "县", "市", "省")


def own_unit(s: Session) -> tuple[str, str, str]:
    """(code, name, level) of the unit this database belongs to: its settings (a roll-up
    database settles them when it first takes packages, :func:`settle_receiver`; packages never
    change them afterwards). A missing code stays "" — never the name in its place
    (exports.service.build_package then refuses)."""
    code, level = settings.get(s, settings.UNIT_CODE), settings.get(s, settings.UNIT_LEVEL)
    name = settings.committee(s).committee_name
    if not level and s.scalar(select(func.count()).select_from(RollupUnit)):  # before v5
        derived = _derive(s, [(u.code, u.level) for u in s.scalars(select(RollupUnit))])
        code, level = code or derived[0], level or derived[1]
    if not name and level in ("县", "市", "省"):
        name = f"本{level}关工委"
    name = name or settings.committee(s).display_name
    # no code is no code: never the name in its place (a package then is refused)
    return code, name, level or "乡镇"


def _derive(_s: Session, units: list[tuple[str, str]]) -> tuple[str, str]:
    """The receiver's (code, level) judged from its units: one level above the lowest of them,
    and the part of their codes they share (a county's 6 digits, a city's 4) when they do."""
    lowest = min((lv for _c, lv in units if lv in LEVEL_ORDER), key=LEVEL_ORDER.index,
                 default="乡镇")
    level, digits = _ABOVE[lowest]
    below = [c for c, lv in units if lv == lowest]
    prefixes = {c[:digits] for c in below}
    code = ""
    if len(prefixes) == 1 and all(c.isdigit() and len(c) > digits for c in below):
        code = prefixes.pop()
    return code, level


def settle_receiver(s: Session, units: list[tuple[str, str]]) -> tuple[str, str, str]:
    """A roll-up database without its own level (and code) settles them once, in the caller's
    transaction, from the units it knows and the ``units`` (code, level) now arriving, and
    keeps them: later packages never change them (contract §6). Returns :func:`own_unit`."""
    code, level = settings.get(s, settings.UNIT_CODE), settings.get(s, settings.UNIT_LEVEL)
    if not level:
        known = [(u.code, u.level) for u in s.scalars(select(RollupUnit))]
        derived_code, derived_level = _derive(s, known or units)
        settings.put(s, settings.UNIT_LEVEL, derived_level)
        if not code and derived_code:
            settings.put(s, settings.UNIT_CODE, derived_code)
    return own_unit(s)


def below(unit_level: str, receiver_level: str) -> bool:
    return (unit_level in LEVEL_ORDER and receiver_level in LEVEL_ORDER
            and LEVEL_ORDER.index(unit_level) < LEVEL_ORDER.index(receiver_level))


# -- figures --------------------------------------------------------------------------------

def yuan_to_fen(yuan: Any) -> int:
    """A JSON yuan amount to exact 分 (floats go through their shortest text)."""
    return int((Decimal(str(yuan)) * 100).to_integral_value())


#: (section, by_* key) of the §3 figures -> the code table its keys come from
_CODED_FIGURES = (("groups", "by_type", "group_type"),
                  ("volunteers", "by_category", "volunteer_category"),
                  ("students", "by_category", "student_category"),
                  ("activities", "by_theme", "activity_theme"),
                  ("venues", "by_type", "venue_type"))


def fold_codes(figures: dict[str, Any], learned: dict[tuple[str, str], str]) -> dict[str, Any]:
    """A unit's figures with ``by_*`` keys written another way (a township's own code such as
    退休教师) counted under the code they mean: the built-in synonyms (models.synonyms) and the
    answers this database was taught (models.aliases.learned). Unknown keys stay as they are."""
    out = dict(figures)
    for section, key, table in _CODED_FIGURES:
        counts = (figures.get(section) or {}).get(key)
        if not isinstance(counts, dict):
            continue
        words = {"".join(w.split()).upper(): c for w, c in SYNONYMS.get(table, {}).items()}
        folded: dict[str, Any] = {}
        for name, n in counts.items():
            plain = "".join(str(name).split()).upper()
            code = learned.get((table, plain)) or words.get(plain) or name
            folded[code] = folded.get(code, 0) + n if isinstance(n, int) else n
        out[section] = {**figures[section], key: folded}
    return out


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
                         ("activities", "by_theme"), ("venues", "by_type")):
        if section not in total:  # 阵地: none of the parts carries them (older packages)
            continue
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


#: a package's kept data as taken since issue 25: the JSON of :func:`units_data`,
#: zlib-compressed and in base64 after this prefix (a big township's is a tenth of its size)
PACKED = "zlib:"


class KeptWriter:
    """:func:`units_data`'s text written list by list and batch by batch while a data file is
    read (never all of it in memory), compressed: :meth:`text` gives the stored form."""

    def __init__(self) -> None:
        self._zip = zlib.compressobj(1)
        self._parts: list[bytes] = []
        self._lists = 0
        self._first = True

    def _put(self, text: str) -> None:
        self._parts.append(self._zip.compress(text.encode("utf-8")))

    def start(self, key: str) -> None:
        self._put(("{" if not self._lists else ",") + json.dumps(key, ensure_ascii=False) + ":[")
        self._lists += 1
        self._first = True

    def add(self, records: list[dict[str, Any]]) -> None:
        if records:
            body = json.dumps(records, ensure_ascii=False)[1:-1]
            self._put(body if self._first else "," + body)
            self._first = False

    def end(self) -> None:
        self._put("]")

    def text(self) -> str:
        """The stored form ("" when no list was kept)."""
        if not self._lists:
            return ""
        self._put("}")
        self._parts.append(self._zip.flush())
        packed = b"".join(self._parts)
        self._parts.clear()  # one copy of the compressed text at a time
        text = bytearray(PACKED.encode("ascii"))
        text += base64.b64encode(packed)
        del packed
        return text.decode("ascii")


def kept_data(text: str) -> Any:
    """A package's kept data (``data_json``) as stored, plain or :data:`PACKED`; raises
    ValueError (also zlib.error, a ValueError's kin caught by callers) when unreadable."""
    if text.startswith(PACKED):
        try:
            return json.loads(zlib.decompress(base64.b64decode(text[len(PACKED):])))
        except zlib.error as err:
            raise ValueError("damaged kept data") from err
    return json.loads(text)


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
            data = kept_data(pkg.data_json) if pkg.data_json else {}
        except ValueError:
            continue
        rows = data.get(subject) if isinstance(data, dict) else None
        for rec in rows if isinstance(rows, list) else []:
            if isinstance(rec, dict):
                out.append((names.get(pkg.unit_code, pkg.unit_code),
                            {str(k): clean(v) for k, v in rec.items()}))
    return out


def months_of(data: dict[str, Any]) -> list[int]:
    """Activities in each month of a checked data file's year: its own activities by date and
    its units' months (a roll-up unit's package)."""
    months = [0] * 12
    for a in data.get("activities", []):
        m = a.get("date", "")[5:7] if isinstance(a.get("date"), str) else ""
        if m.isdigit() and 1 <= int(m) <= 12:
            months[int(m) - 1] += 1
    for u in data.get("units", []):
        extra = u.get("months")
        if isinstance(extra, list) and len(extra) == 12 and all(
                isinstance(n, int) and 0 <= n <= 10_000_000 for n in extra):
            months = [a + b for a, b in zip(months, extra)]
    return months


def package_months(pkg: RollupPackage) -> list[int]:
    value = json.loads(pkg.months_json) if pkg.months_json else None
    return value if isinstance(value, list) and len(value) == 12 else [0] * 12


def units_months(s: Session, year: int) -> list[int]:
    """The units' activities in each month of ``year`` (their latest packages)."""
    total = [0] * 12
    for pkg in latest_packages(s, year):
        total = [a + b for a, b in zip(total, package_months(pkg))]
    return total


# -- figures recomputed from a data file (contract §6 "Figures from records") ----------------

def _year_of(text: Any) -> int | None:
    return int(text[:4]) if isinstance(text, str) and len(text) >= 4 and text[:4].isdigit() \
        else None


def figures_from_records(data: dict[str, Any], year: int) -> dict[str, Any]:
    """The §3 figures a checked data file gives (plus, for a roll-up unit, its units'
    figures). Keys that data format 2 did not carry (五好, 党员, 新增, 减少) are left out, so
    the comparison covers what the file can prove."""
    tally = FigureTally(year)
    for key in FigureTally.LISTS:
        records = data.get(key)
        if isinstance(records, list):
            tally.begin(key)
            tally.add(key, records)
    return tally.figures(data.get("format", 2) >= 3,
                         [u["figures"] for u in data.get("units") or []])


class FigureTally:
    """The §3 figures of a data file's records fed list by list, in batches of any size (a data
    file is read in pieces: exports.rollup never holds all its records at once). Keeps counts,
    sums, and the uuids of students and of paired students (for ``paired``). A list the file
    does not carry counts as empty, except 阵地 (``venues``): a package of a program before
    阵地 carries none, and its figures then have no ``venues`` section."""

    #: the data file's lists the figures count
    LISTS = ("groups", "volunteers", "volunteers_left", "students", "pairings", "aid",
             "activities", "donations", "venues")

    def __init__(self, year: int) -> None:
        self.year = year
        self.n: dict[str, int] = dict.fromkeys(self.LISTS, 0)
        self.present: set[str] = set()
        self.by: dict[str, dict[str, int]] = {"type": {}, "category": {}, "student": {},
                                              "theme": {}, "venue": {}}
        self.sums: dict[str, int] = dict.fromkeys(
            ("wuhao", "backbone", "party", "joined", "left", "aid_fen", "volunteer_count",
             "youth_count", "donation_fen", "goods_fen", "venue_fen"), 0)
        self.students: set[str] = set()
        self.paired: set[str] = set()
        self._units: dict[str, Any] | None = None

    def begin(self, key: str) -> None:
        """The data file carries the list ``key`` (even an empty one)."""
        self.present.add(key)

    def add_unit(self, figures: dict[str, Any]) -> None:
        """Add a roll-up unit's unit's checked figures (folded at once: a file listing many
        units never holds them all)."""
        self._units = figures if self._units is None else add_figures(
            [self._units, figures], self.year)

    @staticmethod
    def _count(into: dict[str, int], key: str) -> None:
        into[key] = into.get(key, 0) + 1

    def add(self, key: str, records: list[dict[str, Any]]) -> None:
        """Count ``records`` of the data file's list ``key`` (checked records)."""
        if key not in self.n:
            return
        self.n[key] += len(records)
        sums, by = self.sums, self.by
        if key == "groups":
            for g in records:
                self._count(by["type"], g["type"])
                sums["wuhao"] += bool(g.get("wuhao"))
        elif key == "volunteers":
            for v in records:
                self._count(by["category"], v["category"])
                sums["backbone"] += bool(v["is_backbone"])
                sums["party"] += bool(v.get("party_member"))
                sums["joined"] += _year_of(v.get("joined_on")) == self.year
        elif key == "volunteers_left":
            for v in records:
                sums["joined"] += _year_of(v.get("joined_on")) == self.year
                sums["left"] += _year_of(v.get("left_on")) == self.year
        elif key == "students":
            for st in records:
                for cat in split_multi(st.get("categories")):
                    self._count(by["student"], cat)
                self.students.add(st["uuid"])
        elif key == "pairings":
            self.paired.update(p["student"] for p in records)
        elif key == "aid":
            sums["aid_fen"] += sum(r["money_fen"] for r in records)
        elif key == "activities":
            for a in records:
                self._count(by["theme"], a["theme"])
                sums["volunteer_count"] += a["volunteer_count"] or 0
                sums["youth_count"] += a["youth_count"] or 0
        elif key == "donations":
            sums["donation_fen"] += sum(d["money_fen"] for d in records)
            sums["goods_fen"] += sum(d["goods_value_fen"] for d in records)
        elif key == "venues":  # 阵地 at the end of the year; funds granted for this year
            for v in records:
                self._count(by["venue"], v["type"])
            sums["venue_fen"] += sum(v["funds_fen"] for v in records
                                     if v.get("funds_year") == self.year)

    def figures(self, full: bool, units: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The figures of what was added; ``full``: data format 3 (五好, 党员, 新增, 减少);
        ``units``: checked figures of a roll-up unit's units, added to those given to
        :meth:`add_unit`."""
        year, n, sums, by = self.year, self.n, self.sums, self.by
        out: dict[str, Any] = {
            "year": year,
            "groups": {"total": n["groups"], "by_type": by["type"]},
            "volunteers": {"total": n["volunteers"], "backbone": sums["backbone"],
                           "by_category": by["category"]},
            "students": {"total": n["students"], "paired": len(self.paired & self.students),
                         "by_category": by["student"]},
            "pairings": {"active": n["pairings"]},
            "aid": {"records": n["aid"], "money_yuan": to_yuan(sums["aid_fen"])},
            "activities": {"total": n["activities"], "by_theme": by["theme"],
                           "volunteer_participations": sums["volunteer_count"],
                           "youth_participations": sums["youth_count"]},
            "donations": {"count": n["donations"], "money_yuan": to_yuan(sums["donation_fen"]),
                          "goods_value_yuan": to_yuan(sums["goods_fen"])},
        }
        if "venues" in self.present:
            out["venues"] = {"total": n["venues"], "by_type": by["venue"],
                             "funds_yuan": to_yuan(sums["venue_fen"])}
        if full:
            out["groups"]["wuhao"] = sums["wuhao"]
            out["volunteers"]["party_members"] = sums["party"]
            out["volunteers"]["joined"] = sums["joined"]
            out["volunteers"]["left"] = sums["left"]
        parts = ([self._units] if self._units is not None else []) + list(units or [])
        if parts:
            keys = {sec: set(part) for sec, part in out.items() if isinstance(part, dict)}
            total = add_figures([_complete(out), *parts], year)
            out = {"year": year, **{sec: {k: total[sec][k] for k in ks}
                                    for sec, ks in keys.items()}}
        return out


def _complete(part: dict[str, Any]) -> dict[str, Any]:
    """A partial figure set with the keys add_figures needs (missing counts as 0)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in part.items()}
    out["groups"].setdefault("wuhao", 0)
    return out


def figures_differ(claimed: dict[str, Any], recomputed: dict[str, Any]) -> str | None:
    """The first figure (``section.key``) where ``claimed`` differs from ``recomputed``."""
    for section, part in recomputed.items():
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            have = claimed.get(section, {}).get(key)
            if isinstance(value, dict):
                same = ({k: v for k, v in value.items() if v}
                        == {k: v for k, v in (have or {}).items() if v})
            elif key.endswith("_yuan"):
                same = yuan_to_fen(value) == yuan_to_fen(have)
            else:
                same = value == have
            if not same:
                return f"{section}.{key}"
    return None


# -- status ---------------------------------------------------------------------------------

def expected_units(s: Session) -> list[str]:
    """Unit codes entered in settings as expected to report (comma/space separated)."""
    text = settings.get(s, settings.EXPECTED_UNITS)
    return [c for c in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
            if c]


def copies(s: Session, year: int) -> list[dict[str, Any]]:
    """相同记录: record uuids found in two units' packages for ``year`` (a copied database?),
    as ``[{"unit_codes": [a, b], "count": n}]``."""
    shared = (select(RollupRecord.uuid, func.group_concat(RollupPackage.unit_code.distinct()))
              .join(RollupPackage, RollupRecord.package_id == RollupPackage.id)
              .where(RollupPackage.year == year, RollupRecord.uuid != "")
              .group_by(RollupRecord.uuid)
              .having(func.count(RollupPackage.unit_code.distinct()) > 1))
    pairs: dict[tuple[str, str], int] = {}
    for _uuid, codes in s.execute(shared):
        units = sorted(str(codes).split(","))
        for i, x in enumerate(units):
            for y in units[i + 1:]:
                pairs[(x, y)] = pairs.get((x, y), 0) + 1
    return [{"unit_codes": [x, y], "count": n} for (x, y), n in sorted(pairs.items())]


def years_with_packages(s: Session) -> list[int]:
    """Years for which any unit's package was taken, newest first."""
    return list(s.scalars(select(RollupPackage.year).distinct()
                          .order_by(RollupPackage.year.desc())))
