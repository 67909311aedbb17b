"""The subject descriptors: everything that says what a kind of record is, once.

A :class:`Subject` holds its key (also its :class:`~models.changes.Changes` key, its import
KIND and its list in a package's data file), its one label, its model, its fields
(:mod:`models.fields`: label, header synonyms, kind, code table, required, form column,
masking), its periods and own rule (:mod:`models.checks`), what depends on it (the 回收站),
its navigation entry, whether it is an import kind, the forms that list it and its figures
(its section of ``stats``, contract §3). The tables other modules used to keep are derived
here (:data:`SUBJECTS`, :data:`SUBJECT_LABELS`, :func:`labels`, :func:`required`,
:func:`import_kinds`, :func:`figure_keys`) or read from a descriptor where they are needed.
The window keeps only what is Qt (its page class per subject key, gui.pages).

Adding a subject: a model in models.entities, a descriptor here, its service module, its
dialog's fields and its page; the rest follows.

A dependant is a row in another table that refers to the subject's record by ``column``:

- ``cascade``: a record of subject ``subject`` that goes to the 回收站 with its parent (same
  time stamp), comes back with it, is purged with it, and cannot be restored alone while this
  parent is in the 回收站 (pairings and 帮扶记录 of a student; pairings and 慰问 of a 五老).
- ``null``: an optional reference; the row stays, and purging the parent clears the reference
  (a 帮扶记录's 五老, a 表彰's 五老 or group, a person's 关工小组).
- ``delete``: plain rows that belong to the parent (五好 assessments, photos, link-table rows);
  purging the parent deletes them.

Purge deletes dependants explicitly (no reliance on the schema's ON DELETE clauses, which older
files may not have).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from models import checks
from models.checks import Problem
from models.fields import (
    BOOL,
    CODE,
    DATE,
    GROUP_VARIANTS,
    ID,
    ID_VARIANTS,
    INT,
    MINUTES,
    MONEY,
    MONTH,
    MULTI,
    NAME,
    PHONE,
    PHONE_VARIANTS,
    REF,
    TEXT,
    YEAR,
    Field,
    f,
)

Action = Literal["cascade", "null", "delete"]
#: a subject's own rule: (values as stored, facts from the database) -> problems
Check = Callable[[dict[str, Any], dict[str, Any]], list[Problem]]


@dataclass(frozen=True)
class Dependant:
    """Rows of table ``table_name`` whose ``column`` holds the parent's id, and what happens
    to them."""

    table_name: str
    column: str
    action: Action
    #: the dependant's own subject key (for ``cascade``), or "" for plain rows
    subject: str = ""


@dataclass(frozen=True)
class Subject:
    """One kind of record (see the module's docstring)."""

    key: str
    #: what the clerk calls one such record (这条{label}记录, the 回收站, the audit log)
    label: str
    #: the class name of its model in models.entities
    model_name: str
    fields: tuple[Field, ...]
    dependants: tuple[Dependant, ...] = ()
    #: (start, end) fields whose end may not come before the start
    periods: tuple[tuple[str, str], ...] = ()
    #: the subject's own rule beyond the fields' (models.checks)
    check: Check | None = None
    #: its navigation entry (the page listing it); "" when another subject's page shows it
    nav: str = ""
    #: ``import KIND`` takes it (contract §2); the kind is the key
    importable: bool = False
    #: the forms (domain.md §4, §8) that list its records
    forms: tuple[str, ...] = ()
    #: its section of ``stats`` (contract §3): the keys a package's figures must carry
    figures: tuple[str, ...] = ()
    #: packages of older programs lack its section (a subject added since, such as 阵地): they
    #: are still taken, the section counting as empty
    figures_optional: bool = False

    def cascades(self) -> tuple[Dependant, ...]:
        return tuple(d for d in self.dependants if d.action == "cascade")

    def field(self, key: str) -> Field:
        """The field of model column ``key`` (KeyError when there is none)."""
        found = _FIELDS[self.key].get(key)
        if found is None:
            raise KeyError(f"{self.key}.{key}")
        return found

    def label_of(self, key: str) -> str:
        """The label of model column ``key``; the key itself when it is no field."""
        found = _FIELDS[self.key].get(key)
        return found.label if found else key

    def required(self) -> tuple[str, ...]:
        return tuple(fd.key for fd in self.fields if fd.required)


def _cascade(table: str, column: str, subject: str) -> Dependant:
    return Dependant(table, column, "cascade", subject)


def _parent(who: str, key: str) -> tuple[Field, ...]:
    """父亲 / 母亲: 姓名、身份证号、电话、状况、务工地 with the spellings clerks use."""
    return (
        f(f"{key}_name", f"{who}姓名", NAME, who, f"{who}名字"),
        f(f"{key}_id_number", f"{who}身份证号", ID,
          *(f"{who}{v}" for v in ("身份证号码", "公民身份号码", "身份证", "证件号码"))),
        f(f"{key}_phone", f"{who}电话", PHONE,
          *(f"{who}{v}" for v in ("联系电话", "手机", "手机号", "手机号码", "联系方式"))),
        f(f"{key}_status", f"{who}状况", CODE,
          *(f"{who}{v}" for v in ("情况", "状态", "现状", "外出情况", "就业状况", "务工情况")),
          code_table="parent_status"),
        f(f"{key}_work_place", f"{who}务工地", TEXT,
          *(f"{who}{v}" for v in ("外出务工地", "务工地点", "务工地址", "务工所在地", "外出务工地点",
                                  "务工省市", "务工地(省/市)"))),
    )


_NOTE = f("note", "备注")
#: the 民政 登记表's fields of a 帮扶对象 (domain.md §8), in the order of the 登记表
CIVIL_KEYS = ("ethnicity", "hukou_place", "residence", "boarding", "schooling", "health",
              "disability_type", "disability_grade",
              *(f"{who}_{k}" for who in ("father", "mother")
                for k in ("name", "id_number", "phone", "status", "work_place")),
              "guardianship", "guardian_id_number", "guardian_address", "guardianship_rating",
              "family_income", "relief", "checked_on")

GROUPS = Subject(
    "groups", "关工组织", "Group", (
        f("name", "组织名称", TEXT, "关工小组", "组织", "关工组织名称", "单位名称", "名称", "关工小组名称",
          "基层关工组织名称", "关工委名称", "组织全称", required=True),
        f("type", "类型", CODE, "组织类型", "类别", code_table="group_type"),
        f("leader", "组长", NAME, "负责人"),
        f("deputy", "常务副组长", NAME, "副组长"),
        f("phone", "联系电话", PHONE, *PHONE_VARIANTS),
        f("member_count", "成员数", INT, "成员人数", "人数"),
        f("founded_on", "成立时间", DATE, "成立日期", "建立时间"),
        f("dissolved_on", "撤销时间", DATE),
        _NOTE,
    ),
    dependants=(
        Dependant("wuhao_assessments", "group_id", "delete"),
        Dependant("volunteers", "group_id", "null"),
        Dependant("students", "group_id", "null"),
        Dependant("activities", "group_id", "null"),
        Dependant("honors", "group_id", "null"),
        Dependant("venues", "group_id", "null"),
    ),
    periods=(("founded_on", "dissolved_on"),),
    nav="关工组织", importable=True, forms=("groups", "wuhao"),
    figures=("total", "by_type", "wuhao"),
)

VOLUNTEERS = Subject(
    "volunteers", "五老", "Volunteer", (
        f("name", "姓名", NAME, "五老姓名", "志愿者姓名", "人员姓名", "本人姓名", required=True),
        f("sex", "性别"),
        f("birth_date", "出生年月", MONTH, "出生日期", "出生年月日", "生日", "出生时间"),
        f("id_number", "身份证号", ID, *ID_VARIANTS),
        f("political_status", "政治面貌", CODE, "政治面目", code_table="political_status"),
        f("category", "五老类别", CODE, "类别", "五老身份", "身份类别", "五老类型", "五老分类",
          code_table="volunteer_category", required=True),
        f("former_post", "原工作单位及职务", TEXT, "原工作单位", "原单位及职务", "原职务", "工作单位及职务",
          "原任职务", "退休前工作单位及职务", "退休前单位及职务", "原工作单位和职务", "原单位职务"),
        f("specialty", "专业特长", TEXT, "特长", "专长", "个人特长"),
        f("roles", "担任角色", MULTI, "角色", "担任职务", code_table="volunteer_role"),
        f("is_backbone", "是否骨干", BOOL, "骨干"),
        f("group_id", "所在关工小组", REF, *GROUP_VARIANTS, column="group"),
        f("phone", "联系电话", PHONE, *PHONE_VARIANTS),
        f("joined_on", "加入时间", DATE, "加入日期", "入队时间", "注册时间", "注册日期"),
        f("left_on", "退出时间", DATE, "退出日期", "离队时间"),
        f("leave_reason", "退出原因", TEXT, "离队原因"),
        _NOTE,
    ),
    dependants=(
        _cascade("pairings", "volunteer_id", "pairings"),
        _cascade("volunteer_cares", "volunteer_id", "cares"),
        Dependant("aid_records", "volunteer_id", "null"),
        Dependant("honors", "volunteer_id", "null"),
        Dependant("activity_participants", "volunteer_id", "delete"),
    ),
    periods=(("joined_on", "left_on"),),
    nav="五老队伍", importable=True, forms=("volunteers", "service-hours", "service-record"),
    figures=("total", "backbone", "party_members", "by_category", "joined", "left"),
)

STUDENTS = Subject(
    "students", "帮扶对象", "Student", (
        f("name", "姓名", NAME, "学生姓名", "帮扶对象", "帮扶对象姓名", "儿童姓名", "未成年人姓名",
          required=True),
        f("sex", "性别"),
        f("birth_date", "出生日期", DATE, "出生年月", "生日", "出生年月日"),
        f("id_number", "身份证号", ID, *ID_VARIANTS, "学生身份证号", "儿童身份证号", "儿童身份证号码"),
        f("categories", "帮扶类别", MULTI, "类别", "困难类别", "帮扶对象类别", "困难类型", "儿童类别",
          "儿童类型", "困境儿童类别", "困境类型", "贫困类型", "贫困类别", "帮扶类型", "对象类别",
          code_table="student_category", required=True),
        f("school", "就读学校", TEXT, "学校", "所在学校", "学校名称", "学校全称", "就读学校名称", "在读学校",
          "就学学校"),
        f("grade", "年级", TEXT, "班级", "年级班级", "就读年级", "所在年级", "年级(班级)"),
        f("guardian", "监护人", NAME, "监护人姓名", "家长姓名", "家长", "委托监护人", "委托监护人姓名"),
        f("guardian_relation", "与本人关系", TEXT, "关系", "与学生关系", "监护人关系", "与儿童关系",
          "监护人与儿童关系", "与监护人关系", "与被监护人关系", "与儿童的关系", "与委托监护人关系"),
        f("guardian_phone", "监护人电话", PHONE, "联系电话", "电话", "监护人联系电话", "手机", "联系方式",
          "家长电话", "家长联系电话", "监护人手机", "监护人联系方式", "手机号码", "委托监护人电话",
          "委托监护人联系电话"),
        f("address", "家庭住址", TEXT, "住址", "家庭地址", "地址", "现居住地址", "现住址", "居住地址",
          "家庭详细住址", "现居住地", "现家庭住址", "居住所在地", "现居住所在地"),
        f("registered_on", "建档日期", DATE, "建档时间", "建档立卡日期", "建档立卡时间", "登记日期",
          "登记时间"),
        f("status", "状态", CODE, "帮扶状态", code_table="student_status"),
        f("closed_on", "结束日期", DATE),
        f("health_note", "健康情况"),
        _NOTE,
        # the 民政 登记表's fields (domain.md §8)
        f("ethnicity", "民族"),
        f("hukou_place", "户籍地", TEXT, "户籍所在地", "户口所在地", "户籍地址", "户口地址"),
        f("residence", "现居住地", TEXT, "现住址", "居住地", "现居住地址", "现居地", "实际居住地"),
        f("boarding", "是否寄宿", TEXT, "寄宿", "是否住校", "住校", "寄宿情况"),
        f("schooling", "就学状况", CODE, "就学情况", "在校情况", "就读状况", "就学阶段", "学习阶段",
          code_table="schooling"),
        f("health", "健康状况", CODE, "健康情况", "身体状况", "身体健康状况", code_table="health_status"),
        f("disability_type", "残疾类别", CODE, "残疾类型", "残疾种类", code_table="disability_type"),
        f("disability_grade", "残疾等级", CODE, "残疾级别", code_table="disability_grade"),
        *_parent("父亲", "father"),
        *_parent("母亲", "mother"),
        f("guardianship", "监护类型", CODE, "监护方式", "监护情况", "监护人类型", "监护形式",
          code_table="guardianship_type"),
        f("guardian_id_number", "监护人身份证号", ID, "委托监护人身份证号", "委托监护人身份证号码",
          "监护人身份证号码", "监护人公民身份号码"),
        f("guardian_address", "监护人住址", TEXT, "委托监护人住址", "监护人地址", "委托监护人地址",
          "监护人家庭住址"),
        f("guardianship_rating", "监护评估", CODE, "监护评估情况", "监护状况评估", "监护能力评估",
          "监护情况评估", code_table="guardianship_rating"),
        f("family_income", "家庭经济来源", TEXT, "经济来源", "家庭主要经济来源", "家庭收入来源",
          "主要经济来源"),
        f("relief", "享受救助", MULTI, "享受救助情况", "救助情况", "享受政策", "已享受救助", "享受救助类型",
          code_table="relief_type"),
        f("checked_on", "最近核查日期", DATE, "核查日期", "最近核查时间", "动态核查日期", "核查时间",
          "更新日期"),
        f("group_id", "所在关工小组", REF, *GROUP_VARIANTS, column="group"),
    ),
    dependants=(
        _cascade("pairings", "student_id", "pairings"),
        _cascade("aid_records", "student_id", "aid"),
        Dependant("donation_recipients", "student_id", "delete"),
    ),
    periods=(("registered_on", "closed_on"),),
    check=checks.student_check,
    nav="帮扶对象", importable=True, forms=("students", "children-register"),
    figures=("total", "paired", "by_category"),
)

PAIRINGS = Subject(
    "pairings", "结对", "Pairing", (
        f("volunteer_id", "五老", REF, "帮扶人", "结对五老", required=True, column="volunteer"),
        f("student_id", "帮扶对象", REF, "学生姓名", "帮扶对象姓名", "帮扶学生", required=True,
          column="student"),
        f("mode", "结对形式", CODE, "结对方式", "帮扶形式", code_table="pairing_mode"),
        f("started_on", "开始日期", DATE, "结对日期", "开始时间", "结对时间"),
        f("ended_on", "结束日期", DATE, "结束时间"),
        _NOTE,
    ),
    dependants=(Dependant("aid_records", "pairing_id", "null"),),
    periods=(("started_on", "ended_on"),),
    check=checks.pairing_check,
    nav="结对帮扶", importable=True, forms=("pairings",),
    figures=("active",),
)

AID = Subject(
    "aid", "帮扶记录", "AidRecord", (
        f("date", "日期", DATE, required=True),
        f("kind", "帮扶方式", CODE, code_table="aid_kind"),
        f("content", "内容"),
        f("money_fen", "金额(元)", MONEY, column="money"),
        f("service_minutes", "服务时长(小时)", MINUTES),
        f("volunteer_id", "五老", REF),
    ),
    figures=("records", "money_yuan"),
)

ACTIVITIES = Subject(
    "activities", "活动", "Activity", (
        f("date", "日期", DATE, "时间", "开展时间", "开展日期", required=True),
        f("title", "活动名称", TEXT, "名称", "活动主题", "活动内容名称", required=True),
        f("theme", "主题类别", CODE, "主题", "活动类别", "类别", "活动类型", code_table="activity_theme"),
        f("organiser", "组织单位", TEXT, "主办单位", "组织者", "承办单位", "举办单位", "牵头单位",
          "组织实施单位", "开展单位"),
        f("place", "地点", TEXT, "开展地点", "举办地点"),
        f("volunteer_count", "参加五老(人)", INT, "五老人数", "参加五老人数", "参与五老", "参与五老人数",
          "五老参与人数", "参加活动五老人数", "五老参加人数"),
        f("youth_count", "受教育青少年(人次)", INT, "青少年人次", "受教育人次", "受教育青少年", "参加青少年",
          "受教育青少年人数", "受益青少年", "受益青少年人数", "受益人次", "参与青少年", "参与青少年人数",
          "参加青少年人数", "青少年人数", "受教育青少年人次"),
        f("summary", "内容摘要", TEXT, "活动内容", "内容", "摘要", "活动简介"),
    ),
    dependants=(
        Dependant("activity_photos", "activity_id", "delete"),
        Dependant("activity_participants", "activity_id", "delete"),
    ),
    nav="活动台账", importable=True, forms=("activities",),
    figures=("total", "by_theme", "volunteer_participations", "youth_participations"),
)

DONATIONS = Subject(
    "donations", "捐资助学", "Donation", (
        f("date", "日期", DATE, "时间", required=True),
        f("donor", "捐赠方", TEXT, "捐赠单位", "捐赠人", "捐赠单位或个人", "捐赠者", "捐款人", "捐款单位",
          "捐赠单位(个人)", required=True),
        f("donor_type", "捐赠方类型", CODE, "捐赠类型", "类型", "捐赠方类别", code_table="donor_type"),
        f("money_fen", "捐款金额(元)", MONEY, "金额", "捐款", "捐款数", "捐赠金额", "现金", column="money"),
        f("goods", "捐物名称", TEXT, "物资名称", "捐物", "捐赠物资", "捐赠物品", "物品名称", "物品"),
        f("goods_value_fen", "物资折价(元)", MONEY, "折价", "物资价值", "折合金额", "折价金额", "物品价值",
          "物资折合金额", column="goods_value"),
        f("purpose", "用途", TEXT, "捐赠用途", "资金用途", "款物用途"),
        f("recipients_text", "受助对象", TEXT, "受助学生", "受助人", "受赠对象", "受益对象", "资助对象",
          column="recipients"),
        _NOTE,
    ),
    dependants=(Dependant("donation_recipients", "donation_id", "delete"),),
    check=checks.donation_check,
    nav="捐资助学", importable=True, forms=("donations",),
    figures=("count", "money_yuan", "goods_value_yuan"),
)

HONORS = Subject(
    "honors", "表彰", "Honor", (
        f("title", "荣誉名称", required=True),
        f("recipient_name", "表彰对象", required=True),
        f("year", "年度", YEAR),
        f("date", "表彰日期", DATE),
        f("level", "表彰级别", CODE, code_table="honor_level"),
        f("issuer", "授予单位"),
        _NOTE,
    ),
    check=checks.honor_check,
    nav="表彰慰问",
)

CARES = Subject(
    "cares", "慰问", "VolunteerCare", (
        f("volunteer_id", "五老", REF, required=True),
        f("date", "日期", DATE, required=True),
        f("occasion", "慰问事由"),
        f("content", "慰问内容"),
        f("money_fen", "金额(元)", MONEY, column="money"),
    ),
)

VENUES = Subject(
    "venues", "阵地", "Venue", (
        f("name", "阵地名称", TEXT, "名称", "阵地", "阵地名", "站点名称", "场所名称", "关工阵地名称",
          "阵地全称", required=True),
        f("type", "类型", CODE, "阵地类型", "类别", "阵地类别", code_table="venue_type"),
        f("group_id", "所属关工小组", REF, "关工小组", "所在关工小组", "所属组织", "所在组织",
          "所属关工组织", "所在关工组织", column="group"),
        f("address", "地址", TEXT, "详细地址", "阵地地址", "所在地", "位置", "地点"),
        f("opened_on", "建立时间", DATE, "建立日期", "成立时间", "成立日期", "建成时间", "挂牌时间",
          "创建时间"),
        f("funds_fen", "本年经费(元)", MONEY, "经费", "年度经费", "本年度经费", "经费投入", "投入经费",
          "本年经费投入", column="funds"),
        f("funds_year", "经费年度", YEAR, "年度"),
        _NOTE,
    ),
    check=checks.venue_check,
    nav="关工阵地", importable=True, forms=("venues",),
    figures=("total", "by_type", "funds_yuan"), figures_optional=True,
)

#: every subject, in the order of the navigation
SUBJECT_INFO: dict[str, Subject] = {
    d.key: d for d in (GROUPS, VOLUNTEERS, STUDENTS, PAIRINGS, AID, ACTIVITIES, DONATIONS, HONORS,
                       CARES, VENUES)
}
_FIELDS: dict[str, dict[str, Field]] = {
    d.key: {fd.key: fd for fd in d.fields} for d in SUBJECT_INFO.values()}

#: subject key -> its one label
SUBJECT_LABELS: dict[str, str] = {d.key: d.label for d in SUBJECT_INFO.values()}


def subject(key: str) -> Subject:
    return SUBJECT_INFO[key]


def parents_of(key: str) -> list[tuple[Subject, Dependant]]:
    """The subjects that ``key`` depends on by cascade (a pairing: 五老 and 帮扶对象)."""
    return [(parent, dep) for parent in SUBJECT_INFO.values() for dep in parent.cascades()
            if dep.subject == key]


def import_kinds() -> tuple[str, ...]:
    """The KINDs of ``import`` and ``template`` (contract §2), in the navigation's order."""
    return tuple(d.key for d in SUBJECT_INFO.values() if d.importable)


def key_columns() -> dict[str, tuple[str, ...]]:
    """Import kind -> the form columns without which a file cannot be imported at all: its
    required fields, except coded ones (a row without a code is asked about, not refused)."""
    return {d.key: tuple(fd.form_key for fd in d.fields if fd.required
                         and fd.kind not in (CODE, MULTI))
            for d in SUBJECT_INFO.values() if d.importable}


def figure_keys(optional: bool = True) -> dict[str, tuple[str, ...]]:
    """Section -> keys of the ``stats`` figures (contract §3); without ``optional`` only the
    sections every package must carry (not those of subjects added since)."""
    return {d.key: d.figures for d in SUBJECT_INFO.values()
            if d.figures and (optional or not d.figures_optional)}


def nav_entries() -> dict[str, str]:
    """Subject key -> its navigation entry, for the subjects that have a page of their own."""
    return {d.key: d.nav for d in SUBJECT_INFO.values() if d.nav}


def form_keys() -> dict[str, str]:
    """Model column -> form column, where a field's two keys differ (``money_fen`` → ``money``)."""
    return {fd.key: fd.column for d in SUBJECT_INFO.values() for fd in d.fields if fd.column}
