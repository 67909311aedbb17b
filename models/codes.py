"""Code tables (domain.md §3). Defaults are seeded into the database; the office may add more."""

from __future__ import annotations

GROUP_TYPES = ("村", "社区", "农牧场", "学校", "企业", "机关事业单位", "其他")
VOLUNTEER_CATEGORIES = ("老干部", "老战士", "老专家", "老教师", "老模范")
POLITICAL_STATUSES = ("中共党员", "中共预备党员", "民主党派", "群众")
VOLUNTEER_ROLES = (
    "报告团/宣讲团成员", "法治副校长", "网吧义务监督员", "校外辅导员", "代理家长",
    "心理咨询员", "家庭教育指导员", "关工委班子成员",
)
STUDENT_CATEGORIES = (
    "留守儿童", "流动儿童", "困境儿童", "事实无人抚养儿童", "孤儿", "残疾儿童",
    "贫困学生", "服刑人员未成年子女", "\u201c五失\u201d青少年", "单亲家庭子女", "其他",
)
STUDENT_STATUSES = ("在帮", "完成学业", "迁出", "结束帮扶")
AID_KINDS = ("走访看望", "课业辅导", "心理疏导", "生活关爱", "资金资助", "物资资助", "其他")
ACTIVITY_THEMES = (
    "理论宣讲", "传承红色基因", "\u201c中华魂\u201d读书", "关爱明天普法先行", "明亮眼睛", "家庭教育",
    "心理健康", "防校园欺凌", "学雷锋志愿服务", "乡村振兴五老行动", "送温暖捐资助学",
    "网吧监督净化环境", "文体与社会实践", "其他",
)
DONOR_TYPES = ("爱心企业", "社会组织", "爱心人士", "五老", "党员干部", "成员单位", "其他")
VENUE_TYPES = ("校外辅导站", "留守儿童之家", "假日学校", "四点半学校", "关爱工作站", "教育实践基地", "其他")
HONOR_LEVELS = ("国家级", "省级", "市级", "县级", "乡镇级")
PAIRING_MODES = ("一对一", "一对多", "帮扶小组")
SEXES = ("男", "女")
WUHAO_ITEMS = ("领导班子建设好", "五老作用发挥好", "制度健全执行好", "积极探索创新好", "活动经常效果好")

# -- 民政 登记表 fields of a 帮扶对象 (domain.md §8) ------------------------------------------
SCHOOLING = ("未入园", "在园", "小学", "初中", "高中/中职", "辍学", "不在学")
HEALTH_STATUSES = ("健康", "患病", "残疾")
#: GB/T 26341-2010 categories and grades of disability
DISABILITY_TYPES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
PARENT_STATUSES = ("在家", "外出务工", "去世", "失踪", "服刑在押", "强制戒毒", "其他")
GUARDIANSHIP_TYPES = ("父母监护", "祖父母/外祖父母监护", "委托亲友监护", "无人监护")
GUARDIANSHIP_RATINGS = ("较好", "一般", "差")
RELIEF_TYPES = ("低保", "特困", "临时救助", "医疗救助", "教育资助")
YES_NO = ("是", "否")
#: a 帮扶对象 not checked (动态核查) for this many days is a reminder on the 首页
RECHECK_DAYS = 183

#: code table name -> default entries, in display order
DEFAULT_TABLES: dict[str, tuple[str, ...]] = {
    "group_type": GROUP_TYPES,
    "volunteer_category": VOLUNTEER_CATEGORIES,
    "political_status": POLITICAL_STATUSES,
    "volunteer_role": VOLUNTEER_ROLES,
    "student_category": STUDENT_CATEGORIES,
    "student_status": STUDENT_STATUSES,
    "aid_kind": AID_KINDS,
    "activity_theme": ACTIVITY_THEMES,
    "donor_type": DONOR_TYPES,
    "honor_level": HONOR_LEVELS,
    "pairing_mode": PAIRING_MODES,
    "schooling": SCHOOLING,
    "health_status": HEALTH_STATUSES,
    "disability_type": DISABILITY_TYPES,
    "disability_grade": DISABILITY_GRADES,
    "parent_status": PARENT_STATUSES,
    "guardianship_type": GUARDIANSHIP_TYPES,
    "guardianship_rating": GUARDIANSHIP_RATINGS,
    "relief_type": RELIEF_TYPES,
    "venue_type": VENUE_TYPES,
}

#: the separator used to store several codes in one column, also around the ends so that
#: ``LIKE '%|留守儿童|%'`` finds a member exactly
MULTI_SEP = "|"


def join_multi(values: list[str] | tuple[str, ...]) -> str:
    """Store several codes in one text column: ``|留守儿童|孤儿|`` (empty for none)."""
    if len(values) == 1:  # the usual cell: one code
        return MULTI_SEP + values[0] + MULTI_SEP if values[0] else ""
    cleaned = [v for v in dict.fromkeys(values) if v]
    return MULTI_SEP + MULTI_SEP.join(cleaned) + MULTI_SEP if cleaned else ""


def split_multi(stored: str | None) -> list[str]:
    """The codes stored by :func:`join_multi`."""
    return [v for v in (stored or "").split(MULTI_SEP) if v]
