"""The standard forms of domain.md §4, each defined once.

A :class:`Form` is the title, the columns (shared with import) and how its rows are read from
the database (:mod:`exports.formdata`). Writers and the importer only ever look here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

from exports.columns import (
    DATE,
    ID,
    INT,
    MONEY,
    MONTH,
    NAME,
    PHONE,
    SEQ,
    SEQ_COL,
    TEXT,
    Col,
)
from models.codes import WUHAO_ITEMS
from models.subjects import CIVIL_KEYS, SUBJECT_INFO, import_kinds


def field(subject: str, key: str, width: float, header: str = "", kind: str = "",
          **kw: Any) -> Col:
    """The column showing field ``key`` of ``subject``: its key, label, synonyms, kind and code
    table come from the descriptor (models.subjects); ``header`` only where a form heads the
    field its own way (the contract's header: 五老姓名 for a pairing's 五老), the field's label
    then being one more name the import knows. ``kind`` where the form shows a reference or
    code as plain text."""
    fd = SUBJECT_INFO[subject].field(key)
    variants = fd.synonyms + ((fd.label,) if header and header != fd.label else ())
    return Col(fd.form_key, header or fd.label, kind or fd.kind, width, variants,
               code_table=fd.code_table, **kw)


@dataclass(frozen=True)
class Form:
    """A standard form: what is printed, and (for import kinds) what is read back."""

    id: str
    title: str
    columns: tuple[Col, ...]
    landscape: bool = True
    yearly: bool = False
    importable: bool = False
    #: column keys summed in a 合计 row at the foot
    totals: tuple[str, ...] = ()
    note: str = ""
    extra_import: tuple[Col, ...] = dc_field(default_factory=tuple)
    #: printed one page per person (exports.certificate); the columns list the people
    certificate: bool = False
    #: part of the upward package (a per-person certificate is not a report)
    in_package: bool = True

    def import_columns(self) -> tuple[Col, ...]:
        return tuple(c for c in self.columns if c.importable) + self.extra_import

    def column(self, key: str) -> Col:
        return next(c for c in self.columns + self.extra_import if c.key == key)


GROUPS = Form("groups", "关工组织基本情况表", (
    SEQ_COL,
    field("groups", "name", 22),
    field("groups", "type", 9),
    field("groups", "leader", 8),
    field("groups", "deputy", 9),
    field("groups", "phone", 13),
    field("groups", "member_count", 7),
    Col("volunteer_count", "其中五老数", INT, 8, importable=False),
    field("groups", "founded_on", 11),
    Col("wuhao", "五好达标(年度)", TEXT, 9, importable=False),
    field("groups", "note", 12),
), importable=True)

VOLUNTEERS = Form("volunteers", "\u201c五老\u201d队伍花名册", (
    SEQ_COL,
    field("volunteers", "name", 8),
    field("volunteers", "sex", 5, align="center"),
    field("volunteers", "birth_date", 9),
    Col("age", "年龄", INT, 5, importable=False),
    field("volunteers", "id_number", 20),
    field("volunteers", "political_status", 9),
    field("volunteers", "category", 9),
    field("volunteers", "former_post", 18),
    field("volunteers", "specialty", 10),
    field("volunteers", "roles", 14),
    field("volunteers", "is_backbone", 6, align="center"),
    field("volunteers", "group_id", 16, kind=TEXT),
    field("volunteers", "phone", 13),
    field("volunteers", "joined_on", 11),
    field("volunteers", "note", 10),
), yearly=True, importable=True, extra_import=(
    field("volunteers", "left_on", 11),
    field("volunteers", "leave_reason", 12),
))

#: the 民政 登记表's fields of a 帮扶对象 (domain.md §8), read by the students import
_CIVIL_WIDTHS = {"ethnicity": 6, "hukou_place": 16, "residence": 16, "boarding": 6,
                 "schooling": 9, "health": 8, "disability_type": 9, "disability_grade": 7,
                 "name": 8, "id_number": 20, "phone": 13, "status": 8, "work_place": 12,
                 "guardianship": 12, "guardian_id_number": 20, "guardian_address": 16,
                 "guardianship_rating": 7, "family_income": 14, "relief": 12, "checked_on": 11}
CIVIL_COLUMNS: tuple[Col, ...] = tuple(
    field("students", key, _CIVIL_WIDTHS.get(key, _CIVIL_WIDTHS.get(key.split("_", 1)[-1], 10)),
          align="center" if key == "boarding" else "")
    for key in CIVIL_KEYS)


def _civil(key: str, width: float) -> Col:
    """The 民政 column ``key`` as the import declares it, printed ``width`` wide."""
    return replace(next(c for c in CIVIL_COLUMNS if c.key == key), width=width)


STUDENTS = Form("students", "帮扶对象花名册", (
    SEQ_COL,
    field("students", "name", 8),
    field("students", "sex", 5),
    field("students", "birth_date", 11),
    field("students", "id_number", 20),
    field("students", "categories", 14),
    field("students", "school", 16),
    field("students", "grade", 7),
    field("students", "guardian", 8),
    field("students", "guardian_relation", 8),
    field("students", "guardian_phone", 13),
    field("students", "address", 20),
    field("students", "registered_on", 11),
    Col("volunteer", "结对五老", NAME, 9, ("帮扶五老", "结对帮扶五老", "帮扶人")),
    field("students", "status", 8),
    field("students", "note", 10),
), yearly=True, importable=True, extra_import=CIVIL_COLUMNS)

#: the 留守（困境）儿童基本情况登记表 (domain.md §8): the 民政 fields beside name and identity
CHILDREN = Form("children-register", "留守（困境）儿童基本情况登记表", (
    # widths measured for A4 landscape at the PDF's 8.5 pt: dates, masked ID numbers and phones
    # on one line, 3-character names and long codes on two
    Col("seq", "序号", SEQ, 3.5, importable=False),
    Col("name", "姓名", NAME, 6.5),
    Col("sex", "性别", TEXT, 3, align="center"),
    _civil("ethnicity", 4.7),
    Col("birth_date", "出生日期", DATE, 10.1),
    Col("id_number", "身份证号", ID, 19.4),
    _civil("hukou_place", 6.5),
    _civil("residence", 6.5),
    _civil("schooling", 5.7),
    _civil("boarding", 3.5),
    Col("health", "健康状况", TEXT, 7.4),
    _civil("father_name", 5.7),
    _civil("father_status", 8.4),
    _civil("father_work_place", 6.5),
    _civil("mother_name", 5.7),
    _civil("mother_status", 8.4),
    _civil("mother_work_place", 6.5),
    _civil("guardianship", 7.8),
    Col("guardian", "委托监护人", NAME, 5.7),
    Col("guardian_relation", "与儿童关系", TEXT, 5.7),
    Col("guardian_phone", "监护人电话", PHONE, 12.2),
    _civil("guardianship_rating", 4.8),
    _civil("relief", 6.5),
    _civil("checked_on", 10.1),
), yearly=True, note="健康状况、住址等仅供民政登记和内部使用，不得公示")

PAIRINGS = Form("pairings", "结对帮扶情况表", (
    SEQ_COL,
    field("pairings", "volunteer_id", 9, header="五老姓名", kind=NAME),
    Col("volunteer_category", "五老类别", TEXT, 8, importable=False),
    field("pairings", "student_id", 9, kind=NAME),
    Col("student_categories", "帮扶类别", TEXT, 14, importable=False),
    field("pairings", "mode", 9),
    field("pairings", "started_on", 11),
    field("pairings", "ended_on", 11),
    Col("aid_count", "本年帮扶次数", INT, 9, importable=False),
    Col("aid_money", "本年资助金额(元)", MONEY, 11, importable=False),
), yearly=True, importable=True, totals=("aid_count", "aid_money"))

ACTIVITIES = Form("activities", "活动开展情况登记表", (
    SEQ_COL,
    field("activities", "date", 11, prefixes=("活动",)),
    field("activities", "title", 22),
    field("activities", "theme", 14),
    field("activities", "organiser", 16),
    field("activities", "place", 14, prefixes=("活动",)),
    field("activities", "volunteer_count", 10),
    field("activities", "youth_count", 11),
    field("activities", "summary", 30),
), yearly=True, importable=True, totals=("volunteer_count", "youth_count"))

DONATIONS = Form("donations", "捐资助学明细表", (
    SEQ_COL,
    field("donations", "date", 11, prefixes=("捐赠", "捐款")),
    field("donations", "donor", 18),
    field("donations", "donor_type", 10),
    field("donations", "money_fen", 12),
    field("donations", "goods", 12),
    field("donations", "goods_value_fen", 11),
    field("donations", "purpose", 14),
    field("donations", "recipients_text", 16),
), yearly=True, importable=True, totals=("money", "goods_value"))

VENUES = Form("venues", "关工阵地情况表", (
    SEQ_COL,
    field("venues", "name", 22),
    field("venues", "type", 12),
    field("venues", "group_id", 18, kind=TEXT),
    field("venues", "address", 24),
    field("venues", "opened_on", 11),
    field("venues", "funds_fen", 12),
    field("venues", "note", 14),
), yearly=True, importable=True, totals=("funds",), note="本年经费为本年度投入阵地的经费",
    extra_import=(field("venues", "funds_year", 8, kind=INT),))

WUHAO = Form("wuhao", "\u201c五好\u201d基层关工组织达标情况表", (
    SEQ_COL,
    Col("name", "组织名称", TEXT, 20, importable=False),
    *(Col(f"item{i + 1}", f"{item}得分", TEXT, 8, importable=False, align="right")
      for i, item in enumerate(WUHAO_ITEMS)),
    Col("total", "总分", TEXT, 6, importable=False, align="right"),
    Col("passed", "是否达标", TEXT, 7, importable=False, align="center"),
    Col("reasons", "扣分理由", TEXT, 34, importable=False),
), yearly=True, note="得分按考核细则；按五项√/×评定的旧记录，每项达到记满分、未达到记0分")

ANNUAL = Form("annual-stats", "关心下一代工作年度统计表", (
    Col("section", "类别", TEXT, 10, importable=False),
    Col("item", "项目", TEXT, 36, importable=False),
    Col("value", "数值", TEXT, 14, importable=False, align="right"),
    Col("unit", "单位", TEXT, 8, importable=False, align="center"),
), landscape=False, yearly=True)

SERVICE_HOURS = Form("service-hours", "\u201c五老\u201d志愿服务时长统计表", (
    SEQ_COL,
    Col("name", "姓名", NAME, 9, importable=False),
    Col("category", "五老类别", TEXT, 9, importable=False),
    Col("group", "所在关工小组", TEXT, 20, importable=False),
    Col("activities", "参加活动(次)", INT, 10, importable=False),
    Col("aid", "帮扶记录(次)", INT, 10, importable=False),
    Col("hours", "服务时长(小时)", MONEY, 12, importable=False),
), landscape=False, yearly=True, totals=("activities", "aid", "hours"),
    note="时长按活动登记和帮扶记录中填写的服务时长合计")

SERVICE_RECORD = Form("service-record", "志愿服务记录证明", (
    SEQ_COL,
    Col("name", "姓名", NAME, 9, importable=False),
    Col("id_number", "身份证号", ID, 20, importable=False),
    Col("category", "五老类别", TEXT, 9, importable=False),
    Col("period", "服务期间", TEXT, 22, importable=False),
    Col("count", "服务次数", INT, 9, importable=False),
    Col("hours", "服务时长(小时)", MONEY, 12, importable=False),
), landscape=False, yearly=True, certificate=True, in_package=False)

#: keys of the 各单位汇总表's figure columns, summed in its 合计 row
UNIT_FIGURES = ("groups", "wuhao", "volunteers", "backbone", "students", "paired",
                "activities", "volunteer_participations", "youth_participations",
                "donation_money", "goods_value")

UNITS = Form("units", "各单位汇总表", (
    Col("unit_name", "单位名称", TEXT, 20, importable=False),
    Col("unit_code", "区划代码", TEXT, 13, importable=False),
    Col("groups", "组织数", INT, 8, importable=False),
    Col("wuhao", "五好达标", INT, 8, importable=False),
    Col("volunteers", "五老人数", INT, 8, importable=False),
    Col("backbone", "其中骨干", INT, 8, importable=False),
    Col("students", "帮扶对象", INT, 8, importable=False),
    Col("paired", "已结对", INT, 8, importable=False),
    Col("activities", "活动场次", INT, 8, importable=False),
    Col("volunteer_participations", "五老参与", INT, 9, importable=False),
    Col("youth_participations", "受教育人次", INT, 10, importable=False),
    Col("donation_money", SUBJECT_INFO["donations"].label_of("money_fen"), MONEY, 13,
        importable=False),
    Col("goods_value", SUBJECT_INFO["donations"].label_of("goods_value_fen"), MONEY, 12,
        importable=False),
), yearly=True, totals=UNIT_FIGURES, note="各单位最近一次上报的数字；合计与本级年度统计一致")

FORMS: dict[str, Form] = {f.id: f for f in (GROUPS, VOLUNTEERS, STUDENTS, PAIRINGS, ACTIVITIES,
                                            DONATIONS, WUHAO, ANNUAL, UNITS, CHILDREN,
                                            SERVICE_HOURS, SERVICE_RECORD, VENUES)}
IMPORT_KINDS = import_kinds()
NUMBER_KINDS = (INT, MONEY)
DATE_KINDS = (DATE, MONTH)
MASKED_KINDS = (ID, PHONE)
