"""A realistic demo township (``demo --scale N``), written with bulk inserts in one transaction.

Sizes at scale 1 follow domain.md §1: 37 groups, 366 五老, about 120 students with pairings and
帮扶记录, a few hundred activities a year from 2023 to today, donations, honors, care visits and
五好 assessments. The database is marked as demo data (setting ``is_demo``) so the window can
offer to remove it in one click.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from models import audit, codes, idcard, settings
from models.codes import join_multi
from models.entities import (
    SUBJECTS,
    Activity,
    AidRecord,
    Donation,
    Group,
    Honor,
    Pairing,
    Student,
    Venue,
    Volunteer,
    VolunteerCare,
    WuhaoAssessment,
    activity_participants,
    donation_recipients,
)
from models.errors import DataError
from models.pinyin import initials

Progress = Callable[[float, str], None]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_M = "国建志明永军伟强俊杰文斌宏海亮德福贵成华荣庆春林立新民振兴安平忠义学道长"
GIVEN_F = "秀英兰芳玉华桂珍丽娟梅凤霞琴云莲萍红艳敏静淑慧婷雪燕晶洁美玲荷"
GIVEN_CHILD = "子浩宇轩涵梓睿思雨欣晨一诺佳琪博文泽嘉铭悦可馨浩然宇航若曦子墨"
PLACES = ("东风", "红旗", "胜利", "前进", "新华", "光明", "和平", "团结", "永丰", "长青",
          "大河", "柳树", "杏花", "太平", "双山", "青松", "富民", "兴隆", "朝阳", "金星")
REGIONS = ("230221", "230223", "230225", "230227", "230229")
SCHOOLS = ("青山镇中心小学", "青山镇第一中学", "青山镇中心幼儿园", "红旗村小学", "县第二中学",
           "县职业技术学校")
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三",
          "高一", "高二", "高三")
FORMER_POSTS = ("原镇党委副书记", "原县教育局股长", "原村党支部书记", "原镇中心小学校长",
                "原县人民医院主治医师", "退役军人", "原镇司法所所长", "原中学高级教师",
                "原县农技站农艺师", "省级劳动模范")
SPECIALTIES = ("书法", "党史宣讲", "法律咨询", "家庭教育", "农业技术", "医疗保健", "文艺", "数学辅导",
               "心理辅导", "")
DONORS = ("青山镇农商银行", "县爱心协会", "红旗村企业家联谊会", "宏达建材有限公司", "县慈善总会",
          "镇机关党员", "县工商联", "爱心人士")
ACTIVITY_TITLES = {
    "理论宣讲": "五老宣讲团进校园",
    "传承红色基因": "清明祭英烈红色教育",
    "\u201c中华魂\u201d读书": "“中华魂”主题读书演讲比赛",
    "关爱明天普法先行": "法治副校长上法治课",
    "明亮眼睛": "明亮眼睛视力筛查",
    "家庭教育": "家长学校家庭教育讲座",
    "心理健康": "青少年心理健康辅导",
    "防校园欺凌": "防校园欺凌专题讲座",
    "学雷锋志愿服务": "学雷锋志愿服务活动",
    "乡村振兴五老行动": "五老助力乡村振兴",
    "送温暖捐资助学": "金秋助学送温暖",
    "网吧监督净化环境": "网吧义务监督巡查",
    "文体与社会实践": "暑期文体与社会实践",
    "其他": "关工委工作例会",
}
HONOR_TITLES = ("最美五老", "关心下一代工作先进个人", "优秀五老志愿者")


class _Gen:
    """Random but reproducible township data."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.r = random.Random(seed)
        self.today = today
        self.used_ids: set[str] = set()

    def name(self, sex: str, child: bool = False) -> str:
        pool = GIVEN_CHILD if child else (GIVEN_M if sex == "男" else GIVEN_F)
        given = "".join(self.r.choice(pool) for _ in range(self.r.choice((1, 2, 2))))
        return self.r.choice(SURNAMES) + given

    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.r.randint(0, max(0, (b - a).days)))

    def id_for(self, birth: dt.date, sex: str) -> str:
        while True:
            seq = self.r.randint(0, 999)
            if (seq % 2 == 1) != (sex == "男"):
                seq = (seq + 1) % 1000
            number = idcard.make(self.r.choice(REGIONS), birth, seq)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        return self.r.choice(("139", "138", "135", "158", "186", "151")) + \
            f"{self.r.randint(0, 99999999):08d}"


#: the demo township's 行政区划代码 unless ``--code`` names another
DEMO_CODE = "130102001"


def _civil_fields(g: _Gen, cats: list[str], age: int) -> dict[str, Any]:
    """The 民政 登记表's fields of a demo 帮扶对象 (domain.md §8)."""
    r = g.r
    left_behind = "留守儿童" in cats
    statuses = ("外出务工", "外出务工", "在家", "去世", "服刑在押", "失踪")
    father = r.choice(statuses[:2] if left_behind else statuses)
    mother = r.choice(("外出务工", "在家") if left_behind else statuses)
    schooling = ("在园" if age < 7 else "小学" if age < 13 else "初中" if age < 16
                 else "高中/中职" if age < 19 else "不在学")
    disabled = "残疾儿童" in cats
    guardianship = ("祖父母/外祖父母监护" if father != "在家" and mother != "在家"
                    else "父母监护")
    if r.random() < 0.05:
        guardianship = r.choice(("委托亲友监护", "无人监护"))
    relief = r.sample(codes.RELIEF_TYPES, r.choice((0, 0, 1, 2)))
    checked = g.date_between(g.today - dt.timedelta(days=300), g.today) if r.random() < 0.8 else None
    return {
        "ethnicity": r.choices(("汉族", "回族", "满族", "蒙古族"), (90, 4, 4, 2))[0],
        "hukou_place": f"青山镇{r.choice(PLACES)}村", "residence": f"青山镇{r.choice(PLACES)}村",
        "boarding": r.choice(("是", "否", "否")) if age >= 10 else "否",
        "schooling": schooling, "health": "残疾" if disabled else r.choices(("健康", "患病"),
                                                                           (92, 8))[0],
        "disability_type": r.choice(codes.DISABILITY_TYPES) if disabled else "",
        "disability_grade": r.choice(codes.DISABILITY_GRADES) if disabled else "",
        "father_name": g.name("男"), "father_id_number": "", "father_phone":
            g.phone() if father in ("外出务工", "在家") else "",
        "father_status": father, "father_work_place": r.choice(
            ("广东省深圳市", "浙江省宁波市", "江苏省苏州市", "北京市")) if father == "外出务工" else "",
        "mother_name": g.name("女"), "mother_id_number": "", "mother_phone":
            g.phone() if mother in ("外出务工", "在家") else "",
        "mother_status": mother, "mother_work_place":
            r.choice(("广东省东莞市", "浙江省杭州市", "上海市")) if mother == "外出务工" else "",
        "guardianship": guardianship, "guardian_id_number": "",
        "guardian_address": "", "guardianship_rating": r.choices(codes.GUARDIANSHIP_RATINGS,
                                                                 (60, 32, 8))[0],
        "family_income": r.choice(("务农", "父母务工收入", "务农、务工", "低保金")),
        "relief": join_multi(relief), "checked_on": checked,
    }


def _has_records(s: Session) -> bool:
    return any(s.scalar(select(func.count()).select_from(model)) for model in SUBJECTS.values())


def build(s: Session, scale: int = 1, seed: int = 2025, today: dt.date | None = None,
          on_progress: Progress | None = None, committee: str = "青山镇关工委",
          code: str = "") -> dict[str, int]:
    """Fill an empty database with a demo township in the caller's transaction.

    Returns the number of rows written per table. Raises DataError when the database already
    holds records, and whatever ``on_progress`` raises (Cancelled) to stop; the caller's
    transaction then rolls back.
    """
    if scale < 1 or scale > 1000:
        raise DataError("演示数据的倍数应在 1 到 1000 之间。")
    if _has_records(s):
        raise DataError("数据库里已有记录，演示数据只能装入空的数据库。请另建一个数据库文件。")
    g = _Gen(seed, today or dt.date.today())
    #: the fields of schema step "records" come from a generator of their own, so that every
    #: other value of a seed's demo is what it was before them
    extra = _Gen(seed + 7919, g.today)
    report = lambda frac, text: on_progress(frac, text) if on_progress else None  # noqa: E731
    first_year = 2023
    years = list(range(first_year, g.today.year + 1))
    written: dict[str, int] = {}

    def put(model: Any, rows: list[dict[str, Any]], label: str) -> None:
        for i in range(0, len(rows), 20000):
            s.execute(insert(model), rows[i:i + 20000])
        written[label] = written.get(label, 0) + len(rows)

    report(0.0, "正在生成关工组织…")
    type_plan = ["村"] * 20 + ["社区"] * 10 + ["农牧场"] + ["学校"] * 3 + ["企业"] + \
        ["机关事业单位"] + ["其他"]
    group_rows = []
    for i in range(37 * scale):
        gtype = type_plan[i % len(type_plan)]
        place = PLACES[i % len(PLACES)] + (str(i // len(PLACES) + 1) if i >= len(PLACES) else "")
        suffix = {"村": "村", "社区": "社区", "农牧场": "农场", "学校": "学校", "企业": "公司",
                  "机关事业单位": "镇卫生院", "其他": "老年协会"}[gtype]
        name = f"{place}{suffix}关工小组"
        founded = g.date_between(dt.date(2005, 1, 1), dt.date(2024, 6, 30))
        dissolved = founded + dt.timedelta(days=3000) if g.r.random() < 0.03 else None
        group_rows.append({
            "id": i + 1, "name": name, "name_initials": initials(name), "type": gtype,
            "leader": g.name("男"), "deputy": g.name("女"), "phone": g.phone(),
            "member_count": g.r.randint(5, 25), "founded_on": founded,
            "dissolved_on": dissolved if dissolved and dissolved < g.today else None})
    put(Group, group_rows, "groups")
    wuhao_rows = []
    for row in group_rows:
        for year in years:
            items = [g.r.random() > 0.02 for _ in range(5)]
            wuhao_rows.append({"group_id": row["id"], "year": year, "item1": items[0],
                               "item2": items[1], "item3": items[2], "item4": items[3],
                               "item5": items[4], "passed": all(items), "note": ""})
    put(WuhaoAssessment, wuhao_rows, "wuhao")

    report(0.1, "正在生成五老队伍…")
    vol_rows = []
    cat_weights = (40, 3, 11, 38, 8)
    for i in range(366 * scale):
        sex = "男" if g.r.random() < 0.7 else "女"
        birth = g.date_between(dt.date(1936, 1, 1), dt.date(1966, 12, 31))
        joined = g.date_between(dt.date(2008, 1, 1), g.today) if g.r.random() < 0.95 else None
        left = None
        if joined and g.r.random() < 0.08:
            left = g.date_between(max(joined, dt.date(first_year, 1, 1)), g.today)
            if left <= joined:
                left = None
        name = g.name(sex)
        roles = g.r.sample(codes.VOLUNTEER_ROLES, g.r.choice((0, 1, 1, 2)))
        vol_rows.append({
            "id": i + 1, "name": name, "name_initials": initials(name), "sex": sex,
            "birth_date": birth, "id_number": g.id_for(birth, sex) if g.r.random() < 0.97 else None,
            "political_status": g.r.choices(codes.POLITICAL_STATUSES, (80, 2, 3, 15))[0],
            "category": g.r.choices(codes.VOLUNTEER_CATEGORIES, cat_weights)[0],
            "former_post": g.r.choice(FORMER_POSTS), "specialty": g.r.choice(SPECIALTIES),
            "roles": join_multi(roles), "is_backbone": g.r.random() < 0.33,
            "group_id": g.r.randint(1, len(group_rows)), "phone": g.phone(),
            "joined_on": joined, "left_on": left,
            "leave_reason": g.r.choice(("年老体弱", "迁居外地", "病故")) if left else "",
            "note": ""})
    put(Volunteer, vol_rows, "volunteers")
    active_vols = [v for v in vol_rows if v["left_on"] is None]

    report(0.3, "正在生成帮扶对象…")
    stu_rows = []
    for i in range(120 * scale):
        sex = g.r.choice(("男", "女"))
        birth = g.date_between(dt.date(2008, 1, 1), dt.date(2020, 12, 31))
        registered = g.date_between(max(birth + dt.timedelta(days=365 * 5), dt.date(2019, 1, 1)),
                                    g.today)
        status, closed = "在帮", None
        if g.r.random() < 0.15:
            status = g.r.choice(("完成学业", "迁出", "结束帮扶"))
            closed = g.date_between(registered, g.today)
        cats = g.r.sample(codes.STUDENT_CATEGORIES, g.r.choice((1, 1, 2)))
        name = g.name(sex, child=True)
        age = g.today.year - birth.year
        stu_rows.append({
            "id": i + 1, "name": name, "name_initials": initials(name), "sex": sex,
            "birth_date": birth, "id_number": g.id_for(birth, sex) if g.r.random() < 0.9 else None,
            "categories": join_multi(cats), "school": g.r.choice(SCHOOLS),
            "grade": GRADES[min(max(age - 7, 0), len(GRADES) - 1)],
            "guardian": g.name(g.r.choice(("男", "女"))),
            "guardian_relation": g.r.choice(("祖父", "祖母", "父亲", "母亲", "外祖母", "叔叔")),
            "guardian_phone": g.phone(), "address": f"青山镇{g.r.choice(PLACES)}村{g.r.randint(1, 12)}组",
            "health_note": "", "registered_on": registered, "status": status, "closed_on": closed,
            "note": "", **_civil_fields(extra, cats, age)})
    put(Student, stu_rows, "students")

    report(0.45, "正在生成结对和帮扶记录…")
    pair_rows: list[dict[str, Any]] = []
    aid_rows: list[dict[str, Any]] = []
    for st in stu_rows:
        if g.r.random() > 0.8 or not active_vols:
            continue
        vol = g.r.choice(active_vols)
        start: dt.date = st["registered_on"]  # type: ignore[assignment]
        end: dt.date | None = st["closed_on"]  # type: ignore[assignment]
        pid = len(pair_rows) + 1
        pair_rows.append({"id": pid, "volunteer_id": vol["id"], "student_id": st["id"],
                          "mode": g.r.choices(codes.PAIRING_MODES, (70, 20, 10))[0],
                          "started_on": start, "ended_on": end, "note": ""})
        period_start = max(start, dt.date(first_year, 1, 1))
        period_end = end or g.today
        for _ in range(g.r.randint(2, 6) * max(1, len(years) - 1)):
            if period_end < period_start:
                break
            kind = g.r.choice(codes.AID_KINDS)
            money = g.r.choice((200, 300, 500, 1000)) * 100 if kind == "资金资助" else 0
            aid_rows.append({"student_id": st["id"], "volunteer_id": vol["id"],
                             "pairing_id": pid, "kind": kind,
                             "date": g.date_between(period_start, period_end),
                             "content": f"{kind}：{st['name']}近况良好", "money_fen": money,
                             "service_minutes": extra.r.choice((0, 30, 60, 90))})
    put(Pairing, pair_rows, "pairings")
    put(AidRecord, aid_rows, "aid")

    report(0.6, "正在生成活动台账…")
    act_rows, part_rows = [], []
    themes = list(codes.ACTIVITY_THEMES)
    aid_id = 0
    for year in years:
        last = min(dt.date(year, 12, 31), g.today)
        for j in range(300 * scale):
            aid_id += 1
            theme = themes[j % len(themes)] if j < len(themes) else g.r.choice(themes)
            group = g.r.choice(group_rows)
            title = ACTIVITY_TITLES[theme]
            vcount = g.r.randint(2, 12)
            act_rows.append({
                "id": aid_id, "date": g.date_between(dt.date(year, 1, 1), last),
                "title": title, "title_initials": initials(title), "theme": theme,
                "group_id": group["id"], "organiser": group["name"],
                "place": g.r.choice((*SCHOOLS, "村委会会议室", "社区活动中心", "镇文化站")),
                "volunteer_count": vcount, "youth_count": g.r.randint(20, 300),
                "summary": f"{group['name']}组织开展{title}，五老{vcount}人参加。"})
            if g.r.random() < 0.3 and active_vols:
                for v in g.r.sample(active_vols, min(3, len(active_vols))):
                    part_rows.append({"activity_id": aid_id, "volunteer_id": v["id"],
                                      "service_minutes": extra.r.choice((60, 90, 120, 180))})
        report(0.6 + 0.2 * (year - first_year + 1) / len(years), "正在生成活动台账…")
    put(Activity, act_rows, "activities")
    put(activity_participants, part_rows, "participants")

    report(0.85, "正在生成捐赠、表彰和慰问…")
    don_rows: list[dict[str, Any]] = []
    rec_rows: list[dict[str, Any]] = []
    honor_rows: list[dict[str, Any]] = []
    care_rows: list[dict[str, Any]] = []
    for year in years:
        last = min(dt.date(year, 12, 31), g.today)
        for _ in range(64 * scale):
            donor_type = g.r.choice(codes.DONOR_TYPES)
            donor = g.r.choice(DONORS) if donor_type != "爱心人士" else g.name("男")
            goods = g.r.random() < 0.3
            don_rows.append({
                "id": len(don_rows) + 1, "date": g.date_between(dt.date(year, 1, 1), last),
                "donor": donor, "donor_initials": initials(donor), "donor_type": donor_type,
                "money_fen": g.r.choice((500, 1000, 2000, 5000, 10000, 50000)) * 100,
                "goods": "书包文具" if goods else "",
                "goods_value_fen": g.r.choice((800, 2000, 5000)) * 100 if goods else 0,
                "purpose": "资助困难学生", "recipients_text": "", "note": ""})
            if g.r.random() < 0.3 and stu_rows:
                rec_rows.append({"donation_id": don_rows[-1]["id"],
                                 "student_id": g.r.choice(stu_rows)["id"]})
        for _ in range(6 * scale):
            v = g.r.choice(vol_rows)
            honor_rows.append({"year": year, "date": g.date_between(dt.date(year, 1, 1), last),
                               "title": g.r.choice(HONOR_TITLES),
                               "level": g.r.choice(codes.HONOR_LEVELS[1:]),
                               "issuer": "县关工委", "recipient_name": v["name"],
                               "volunteer_id": v["id"], "note": ""})
        for _ in range(2 * scale):
            grp = g.r.choice(group_rows)
            honor_rows.append({"year": year, "date": g.date_between(dt.date(year, 1, 1), last),
                               "title": "关心下一代工作先进集体", "level": "县级",
                               "issuer": "县关工委", "recipient_name": grp["name"],
                               "group_id": grp["id"], "note": ""})
        for _ in range(40 * scale):
            v = g.r.choice(vol_rows)
            care_rows.append({"volunteer_id": v["id"],
                              "date": g.date_between(dt.date(year, 1, 1), last),
                              "occasion": g.r.choice(("春节慰问", "重阳节慰问", "生日慰问", "住院看望")),
                              "content": "送去慰问品", "money_fen": g.r.choice((200, 300, 500)) * 100})
    put(Donation, don_rows, "donations")
    put(donation_recipients, rec_rows, "recipients")
    put(Honor, honor_rows, "honors")
    put(VolunteerCare, care_rows, "cares")
    # 阵地 (schema step "venues"): a generator of their own, so every other value stays
    vg = _Gen(seed + 8081, g.today)
    venue_rows = []
    for i, grp in enumerate(group_rows[::5]):
        vtype = codes.VENUE_TYPES[i % (len(codes.VENUE_TYPES) - 1)]
        place = str(grp["name"]).removesuffix("关工小组")
        venue_rows.append({
            "name": place + vtype, "name_initials": initials(place + vtype), "type": vtype,
            "group_id": grp["id"], "address": place, "note": "",
            "opened_on": vg.date_between(dt.date(2010, 1, 1), dt.date(2024, 12, 31)),
            "funds_year": g.today.year, "funds_fen": vg.r.choice((30, 50, 80, 120, 200)) * 10000})
    put(Venue, venue_rows, "venues")

    region = "示范县" + committee.removesuffix("关工委")
    settings.save_committee(s, settings.Committee(committee, region, "李国强", "王秀英"))
    settings.put(s, settings.UNIT_CODE, code or DEMO_CODE)
    settings.put(s, settings.UNIT_LEVEL, "乡镇")
    settings.put(s, "is_demo", "1")
    audit.log(s, "演示数据", "", None, f"装入演示乡镇（{scale}倍）")
    report(1.0, "完成")
    return written


def remove(s: Session) -> None:
    """Remove every record of the demo township (the office's settings stay)."""
    if settings.get(s, "is_demo") != "1":
        raise DataError("当前数据库不是演示数据，不能一键清除。")
    for table in (activity_participants, donation_recipients):
        s.execute(delete(table))
    for model in (AidRecord, Pairing, WuhaoAssessment, Honor, VolunteerCare, Donation, Activity,
                  Venue, Student, Volunteer, Group):
        s.execute(delete(model))
    settings.put(s, "is_demo", "0")
    settings.save_committee(s, settings.Committee())
    audit.log(s, "清除演示数据")
