"""The standard forms of domain.md §4, each defined once.

A :class:`Form` is the title, the columns (shared with import) and how its rows are read from
the database (:mod:`exports.formdata`). Writers and the importer only ever look here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from exports.columns import (
    BOOL,
    CODE,
    DATE,
    ID,
    INT,
    MONEY,
    MONTH,
    MULTI,
    NAME,
    PHONE,
    SEQ,
    SEQ_COL,
    TEXT,
    Col,
)
from models.codes import WUHAO_ITEMS

# Names other systems' import templates give these columns, collected from real templates:
# 民政 留守/困境儿童 information system (儿童姓名、公民身份号码、与儿童关系、监护人联系电话、现居住地址),
# 学籍 rosters (学生姓名、身份证件号、学校名称/学校全称、就读年级), 建档立卡 poverty-relief lists
# (证件号码、户主姓名、与户主关系、贫困户属性/贫困类型、联系电话), 志愿服务 systems (证件类型、证件号码、
# 手机号码、注册时间、服务类别) and 智慧团建 youth-league lists (联系方式、所在团支部).
PHONE_VARIANTS = ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "联系电话号码",
                  "移动电话", "联系手机", "本人电话", "本人手机", "个人电话")
ID_VARIANTS = ("身份证号码", "公民身份号码", "身份证", "身份证号码（18位）", "证件号码", "证件号",
               "身份证件号", "身份证件号码", "公民身份证号", "公民身份证号码", "居民身份证号码",
               "居民身份证号", "身份证编号", "本人身份证号", "本人身份证号码")


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
    extra_import: tuple[Col, ...] = field(default_factory=tuple)
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
    Col("name", "组织名称", TEXT, 22, ("关工小组", "组织", "关工组织名称", "单位名称", "名称",
                                      "关工小组名称", "基层关工组织名称", "关工委名称", "组织全称")),
    Col("type", "类型", CODE, 9, ("组织类型", "类别"), code_table="group_type"),
    Col("leader", "组长", NAME, 8, ("负责人",)),
    Col("deputy", "常务副组长", NAME, 9, ("副组长",)),
    Col("phone", "联系电话", PHONE, 13, PHONE_VARIANTS),
    Col("member_count", "成员数", INT, 7, ("成员人数", "人数")),
    Col("volunteer_count", "其中五老数", INT, 8, importable=False),
    Col("founded_on", "成立时间", DATE, 11, ("成立日期", "建立时间")),
    Col("wuhao", "五好达标(年度)", TEXT, 9, importable=False),
    Col("note", "备注", TEXT, 12),
), importable=True)

VOLUNTEERS = Form("volunteers", "\u201c五老\u201d队伍花名册", (
    SEQ_COL,
    Col("name", "姓名", NAME, 8, ("五老姓名", "志愿者姓名", "人员姓名", "本人姓名")),
    Col("sex", "性别", TEXT, 5, align="center"),
    Col("birth_date", "出生年月", MONTH, 9, ("出生日期", "出生年月日", "生日", "出生时间")),
    Col("age", "年龄", INT, 5, importable=False),
    Col("id_number", "身份证号", ID, 20, ID_VARIANTS),
    Col("political_status", "政治面貌", CODE, 9, ("政治面目",), code_table="political_status"),
    Col("category", "五老类别", CODE, 9, ("类别", "五老身份", "身份类别", "五老类型", "五老分类"),
        code_table="volunteer_category"),
    Col("former_post", "原工作单位及职务", TEXT, 18,
        ("原工作单位", "原单位及职务", "原职务", "工作单位及职务", "原任职务", "退休前工作单位及职务",
         "退休前单位及职务", "原工作单位和职务", "原单位职务")),
    Col("specialty", "专业特长", TEXT, 10, ("特长", "专长", "个人特长")),
    Col("roles", "担任角色", MULTI, 14, ("角色", "担任职务"), code_table="volunteer_role"),
    Col("is_backbone", "是否骨干", BOOL, 6, ("骨干",), align="center"),
    Col("group", "所在关工小组", TEXT, 16, ("关工小组", "所在组织", "所属关工小组", "所属组织",
                                         "所在关工组织", "所属关工组织", "所在关工委")),
    Col("phone", "联系电话", PHONE, 13, PHONE_VARIANTS),
    Col("joined_on", "加入时间", DATE, 11, ("加入日期", "入队时间", "注册时间", "注册日期")),
    Col("note", "备注", TEXT, 10),
), yearly=True, importable=True, extra_import=(
    Col("left_on", "退出时间", DATE, 11, ("退出日期", "离队时间")),
    Col("leave_reason", "退出原因", TEXT, 12, ("离队原因",)),
))

def _civil(key: str, width: float) -> Col:
    """The 民政 column ``key`` as the import declares it, printed ``width`` wide."""
    return replace(next(c for c in CIVIL_COLUMNS if c.key == key), width=width)


def _parent(who: str, key: str) -> tuple[Col, ...]:
    """父亲 / 母亲: 姓名、身份证号、电话、状况、务工地 with the spellings clerks use."""
    return (
        Col(f"{key}_name", f"{who}姓名", NAME, 8, (who, f"{who}名字")),
        Col(f"{key}_id_number", f"{who}身份证号", ID, 20,
            tuple(f"{who}{v}" for v in ("身份证号码", "公民身份号码", "身份证", "证件号码"))),
        Col(f"{key}_phone", f"{who}电话", PHONE, 13,
            tuple(f"{who}{v}" for v in ("联系电话", "手机", "手机号", "手机号码", "联系方式"))),
        Col(f"{key}_status", f"{who}状况", CODE, 8,
            tuple(f"{who}{v}" for v in ("情况", "状态", "现状", "外出情况", "就业状况", "务工情况")),
            code_table="parent_status"),
        Col(f"{key}_work_place", f"{who}务工地", TEXT, 12,
            tuple(f"{who}{v}" for v in ("外出务工地", "务工地点", "务工地址", "务工所在地",
                                        "外出务工地点", "务工省市", "务工地(省/市)"))),
    )


#: the 民政 登记表's fields of a 帮扶对象 (domain.md §8), read by the students import
CIVIL_COLUMNS: tuple[Col, ...] = (
    Col("ethnicity", "民族", TEXT, 6),
    Col("hukou_place", "户籍地", TEXT, 16, ("户籍所在地", "户口所在地", "户籍地址", "户口地址")),
    Col("residence", "现居住地", TEXT, 16, ("现住址", "居住地", "现居住地址", "现居地", "实际居住地")),
    Col("boarding", "是否寄宿", TEXT, 6, ("寄宿", "是否住校", "住校", "寄宿情况"), align="center"),
    Col("schooling", "就学状况", CODE, 9, ("就学情况", "在校情况", "就读状况", "就学阶段", "学习阶段"),
        code_table="schooling"),
    Col("health", "健康状况", CODE, 8, ("健康情况", "身体状况", "身体健康状况"),
        code_table="health_status"),
    Col("disability_type", "残疾类别", CODE, 9, ("残疾类型", "残疾种类"), code_table="disability_type"),
    Col("disability_grade", "残疾等级", CODE, 7, ("残疾级别",), code_table="disability_grade"),
    *_parent("父亲", "father"),
    *_parent("母亲", "mother"),
    Col("guardianship", "监护类型", CODE, 12, ("监护方式", "监护情况", "监护人类型", "监护形式"),
        code_table="guardianship_type"),
    Col("guardian_id_number", "监护人身份证号", ID, 20,
        ("委托监护人身份证号", "委托监护人身份证号码", "监护人身份证号码", "监护人公民身份号码")),
    Col("guardian_address", "监护人住址", TEXT, 16, ("委托监护人住址", "监护人地址", "委托监护人地址",
                                                  "监护人家庭住址")),
    Col("guardianship_rating", "监护评估", CODE, 7, ("监护评估情况", "监护状况评估", "监护能力评估",
                                                 "监护情况评估"), code_table="guardianship_rating"),
    Col("family_income", "家庭经济来源", TEXT, 14, ("经济来源", "家庭主要经济来源", "家庭收入来源",
                                                  "主要经济来源")),
    Col("relief", "享受救助", MULTI, 12, ("享受救助情况", "救助情况", "享受政策", "已享受救助",
                                        "享受救助类型"), code_table="relief_type"),
    Col("checked_on", "最近核查日期", DATE, 11, ("核查日期", "最近核查时间", "动态核查日期",
                                              "核查时间", "更新日期")),
)

STUDENTS = Form("students", "帮扶对象花名册", (
    SEQ_COL,
    Col("name", "姓名", NAME, 8, ("学生姓名", "帮扶对象", "帮扶对象姓名", "儿童姓名", "未成年人姓名")),
    Col("sex", "性别", TEXT, 5),
    Col("birth_date", "出生日期", DATE, 11, ("出生年月", "生日", "出生年月日")),
    Col("id_number", "身份证号", ID, 20, (*ID_VARIANTS, "学生身份证号", "儿童身份证号", "儿童身份证号码")),
    Col("categories", "帮扶类别", MULTI, 14, ("类别", "困难类别", "帮扶对象类别", "困难类型", "儿童类别",
                                          "儿童类型", "困境儿童类别", "困境类型", "贫困类型", "贫困类别",
                                          "帮扶类型", "对象类别"),
        code_table="student_category"),
    Col("school", "就读学校", TEXT, 16, ("学校", "所在学校", "学校名称", "学校全称", "就读学校名称",
                                      "在读学校", "就学学校")),
    Col("grade", "年级", TEXT, 7, ("班级", "年级班级", "就读年级", "所在年级", "年级(班级)")),
    Col("guardian", "监护人", NAME, 8, ("监护人姓名", "家长姓名", "家长", "委托监护人", "委托监护人姓名")),
    Col("guardian_relation", "与本人关系", TEXT, 8, ("关系", "与学生关系", "监护人关系", "与儿童关系",
                                                 "监护人与儿童关系", "与监护人关系", "与被监护人关系",
                                                 "与儿童的关系", "与委托监护人关系")),
    Col("guardian_phone", "监护人电话", PHONE, 13, ("联系电话", "电话", "监护人联系电话", "手机", "联系方式",
                                                 "家长电话", "家长联系电话", "监护人手机", "监护人联系方式",
                                                 "手机号码", "委托监护人电话", "委托监护人联系电话")),
    Col("address", "家庭住址", TEXT, 20, ("住址", "家庭地址", "地址", "现居住地址", "现住址", "居住地址",
                                      "家庭详细住址", "现居住地", "现家庭住址", "居住所在地",
                                      "现居住所在地")),
    Col("registered_on", "建档日期", DATE, 11, ("建档时间", "建档立卡日期", "建档立卡时间", "登记日期",
                                             "登记时间")),
    Col("volunteer", "结对五老", NAME, 9, ("帮扶五老", "结对帮扶五老", "帮扶人")),
    Col("status", "状态", CODE, 8, ("帮扶状态",), code_table="student_status"),
    Col("note", "备注", TEXT, 10),
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
    Col("volunteer", "五老姓名", NAME, 9, ("五老", "帮扶人", "结对五老")),
    Col("volunteer_category", "五老类别", TEXT, 8, importable=False),
    Col("student", "帮扶对象", NAME, 9, ("学生姓名", "帮扶对象姓名", "帮扶学生")),
    Col("student_categories", "帮扶类别", TEXT, 14, importable=False),
    Col("mode", "结对形式", CODE, 9, ("结对方式", "帮扶形式"), code_table="pairing_mode"),
    Col("started_on", "开始日期", DATE, 11, ("结对日期", "开始时间", "结对时间")),
    Col("ended_on", "结束日期", DATE, 11, ("结束时间",)),
    Col("aid_count", "本年帮扶次数", INT, 9, importable=False),
    Col("aid_money", "本年资助金额(元)", MONEY, 11, importable=False),
), yearly=True, importable=True, totals=("aid_count", "aid_money"))

ACTIVITIES = Form("activities", "活动开展情况登记表", (
    SEQ_COL,
    Col("date", "日期", DATE, 11, ("时间", "开展时间", "开展日期"), prefixes=("活动",)),
    Col("title", "活动名称", TEXT, 22, ("名称", "活动主题", "活动内容名称")),
    Col("theme", "主题类别", CODE, 14, ("主题", "活动类别", "类别", "活动类型"),
        code_table="activity_theme"),
    Col("organiser", "组织单位", TEXT, 16, ("主办单位", "组织者", "承办单位", "举办单位", "牵头单位",
                                        "组织实施单位", "开展单位")),
    Col("place", "地点", TEXT, 14, ("开展地点", "举办地点"), prefixes=("活动",)),
    Col("volunteer_count", "参加五老(人)", INT, 10, ("五老人数", "参加五老人数", "参与五老", "参与五老人数",
                                                "五老参与人数", "参加活动五老人数", "五老参加人数")),
    Col("youth_count", "受教育青少年(人次)", INT, 11, ("青少年人次", "受教育人次", "受教育青少年",
                                                   "参加青少年", "受教育青少年人数", "受益青少年",
                                                   "受益青少年人数", "受益人次", "参与青少年",
                                                   "参与青少年人数", "参加青少年人数", "青少年人数",
                                                   "受教育青少年人次")),
    Col("summary", "内容摘要", TEXT, 30, ("活动内容", "内容", "摘要", "活动简介")),
), yearly=True, importable=True, totals=("volunteer_count", "youth_count"))

DONATIONS = Form("donations", "捐资助学明细表", (
    SEQ_COL,
    Col("date", "日期", DATE, 11, ("时间",), prefixes=("捐赠", "捐款")),
    Col("donor", "捐赠方", TEXT, 18, ("捐赠单位", "捐赠人", "捐赠单位或个人", "捐赠者", "捐款人",
                                     "捐款单位", "捐赠单位(个人)")),
    Col("donor_type", "捐赠方类型", CODE, 10, ("捐赠类型", "类型", "捐赠方类别"), code_table="donor_type"),
    Col("money", "捐款金额(元)", MONEY, 12, ("金额", "捐款", "捐款数", "捐赠金额", "现金")),
    Col("goods", "捐物名称", TEXT, 12, ("物资名称", "捐物", "捐赠物资", "捐赠物品", "物品名称", "物品")),
    Col("goods_value", "物资折价(元)", MONEY, 11, ("折价", "物资价值", "折合金额", "折价金额", "物品价值",
                                               "物资折合金额")),
    Col("purpose", "用途", TEXT, 14, ("捐赠用途", "资金用途", "款物用途")),
    Col("recipients", "受助对象", TEXT, 16, ("受助学生", "受助人", "受赠对象", "受益对象", "资助对象")),
), yearly=True, importable=True, totals=("money", "goods_value"))

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
    Col("donation_money", "捐款金额(元)", MONEY, 13, importable=False),
    Col("goods_value", "物资折价(元)", MONEY, 12, importable=False),
), yearly=True, totals=UNIT_FIGURES, note="各单位最近一次上报的数字；合计与本级年度统计一致")

FORMS: dict[str, Form] = {f.id: f for f in (GROUPS, VOLUNTEERS, STUDENTS, PAIRINGS, ACTIVITIES,
                                            DONATIONS, WUHAO, ANNUAL, UNITS, CHILDREN,
                                            SERVICE_HOURS, SERVICE_RECORD)}
IMPORT_KINDS = tuple(f.id for f in FORMS.values() if f.importable)
