"""Every clause of contract.md §3 on small hand-built datasets."""


from models import activities, donations, groups, pairings, records, stats
from tests.factories import D, add_group, add_student, add_volunteer, pair

Y = 2025


def figures(db, year=Y):
    with db.reader() as s:
        return stats.year_figures(s, year)


def test_empty_database_gives_zeros(db):
    f = figures(db)
    assert f["year"] == Y
    assert f["groups"] == {"total": 0, "by_type": {}, "wuhao": 0, "wuhao_rate": 0}
    assert f["volunteers"]["by_category"] == {
        "老干部": 0, "老战士": 0, "老专家": 0, "老教师": 0, "老模范": 0}
    assert f["donations"] == {"count": 0, "money_yuan": 0.0, "goods_value_yuan": 0.0}


def test_groups_exist_at_end_of_year_and_wuhao_rate(db):
    a = add_group(db, "甲村关工小组", type="村", founded_on=D(2025, 12, 31))
    add_group(db, "乙社区关工小组", type="社区")  # founding date unknown: counts
    add_group(db, "丙村关工小组", type="村", founded_on=D(2026, 1, 1))  # founded after Y
    add_group(db, "丁校关工小组", type="学校", founded_on=D(2020, 1, 1),
              dissolved_on=D(2025, 12, 31))  # dissolved by the end of Y
    e = add_group(db, "戊企关工小组", type="企业", founded_on=D(2020, 1, 1),
                  dissolved_on=D(2026, 3, 1))  # dissolved after Y: counts
    deleted = add_group(db, "己村关工小组", type="村")
    with db.session() as s:
        groups.assess(s, a, Y, [True] * 5)
        groups.assess(s, e, Y, [True, True, True, True, False])  # not 达标
        groups.assess(s, deleted, Y, [True] * 5)
        groups.assess(s, a, Y - 1, [True] * 5)
        records.delete(s, "groups", deleted)
    g = figures(db)["groups"]
    assert g["total"] == 3
    assert g["by_type"] == {"村": 1, "社区": 1, "企业": 1}
    assert g["wuhao"] == 1
    assert g["wuhao_rate"] == 0.333


def test_volunteers_total_joined_left_backbone_party(db):
    add_volunteer(db, "甲", "老干部", joined_on=D(2025, 12, 31), is_backbone=True,
                  political_status="中共党员")
    add_volunteer(db, "乙", "老教师", political_status="中共预备党员")  # join date unknown
    add_volunteer(db, "丙", "老教师", joined_on=D(2026, 1, 1))  # joins after Y
    add_volunteer(db, "丁", "老战士", joined_on=D(2010, 1, 1), left_on=D(2025, 6, 1),
                  is_backbone=True)  # left in Y: not in total, counts as left
    add_volunteer(db, "戊", "老模范", joined_on=D(2010, 1, 1), left_on=D(2026, 1, 1),
                  political_status="群众")  # leaves after Y: in total
    add_volunteer(db, "己", "老专家", joined_on=D(2025, 1, 1), left_on=D(2025, 12, 31))
    gone = add_volunteer(db, "庚", "老干部", joined_on=D(2025, 3, 3))
    with db.session() as s:
        records.delete(s, "volunteers", gone)
    v = figures(db)["volunteers"]
    assert v["total"] == 3
    assert v["by_category"] == {"老干部": 1, "老战士": 0, "老专家": 0, "老教师": 1, "老模范": 1}
    assert v["backbone"] == 1
    assert v["party_members"] == 2
    assert v["joined"] == 2  # 甲 and 己; 庚 is deleted
    assert v["left"] == 2  # 丁 and 己


def test_students_multi_category_closed_and_paired(db):
    vol = add_volunteer(db, "王老师", "老教师")
    s1 = add_student(db, "甲", ["留守儿童", "困境儿童"], registered_on=D(2025, 12, 31))
    s2 = add_student(db, "乙", ["留守儿童"])  # registration unknown
    add_student(db, "丙", ["孤儿"], registered_on=D(2026, 1, 2))  # registered after Y
    add_student(db, "丁", ["孤儿"], registered_on=D(2020, 1, 1), status="迁出",
                closed_on=D(2024, 12, 31))  # closed before Y
    s5 = add_student(db, "戊", ["残疾儿童"], registered_on=D(2020, 1, 1), status="完成学业",
                     closed_on=D(2025, 1, 1))  # closed inside Y: counts
    gone = add_student(db, "己", ["留守儿童"])
    pair(db, vol, s1, D(2025, 12, 31))
    pair(db, vol, s2, D(2023, 1, 1), D(2024, 12, 31))  # ended before Y: not paired in Y
    pair(db, vol, s5, D(2024, 1, 1), D(2025, 1, 1))
    pair(db, vol, gone, D(2025, 1, 1))
    with db.session() as s:
        records.delete(s, "students", gone)
    f = figures(db)
    st = f["students"]
    assert st["total"] == 3
    assert st["by_category"] == {"留守儿童": 2, "困境儿童": 1, "残疾儿童": 1}
    assert st["paired"] == 2
    assert f["pairings"]["active"] == 2


def test_aid_activities_donations_are_counted_by_date_in_year(db):
    vol = add_volunteer(db, "王老师", "老教师")
    stu = add_student(db, "李小明")
    pair(db, vol, stu, D(2024, 1, 1))
    with db.session() as s:
        for day, money in ((D(2025, 1, 1), "100.10"), (D(2025, 12, 31), "0.25"),
                           (D(2024, 12, 31), "999"), (D(2026, 1, 1), "5")):
            pairings.add_aid(s, pairings.AidInput(stu, day, "资金资助", money_yuan=money,
                                                  volunteer_id=vol))
        for day, theme, v, y in ((D(2025, 3, 1), "理论宣讲", 5, 100),
                                 (D(2025, 4, 1), "理论宣讲", 3, 50),
                                 (D(2025, 5, 1), "心理健康", 2, 30),
                                 (D(2024, 5, 1), "心理健康", 9, 90)):
            activities.create(s, activities.ActivityInput(day, "活动", theme, volunteer_count=v,
                                                          youth_count=y))
        gone, _ = activities.create(s, activities.ActivityInput(D(2025, 6, 1), "删掉的", "其他",
                                                                volunteer_count=1))
        records.delete(s, "activities", gone.id)
        donations.create(s, donations.DonationInput(D(2025, 2, 2), "某公司", "爱心企业",
                                                    money_yuan="10000.5"))
        donations.create(s, donations.DonationInput(D(2025, 9, 9), "某人", "爱心人士",
                                                    goods="书包", goods_value_yuan="300"))
        donations.create(s, donations.DonationInput(D(2026, 1, 1), "明年", "其他",
                                                    money_yuan=1))
    f = figures(db)
    assert f["aid"] == {"records": 2, "money_yuan": 100.35}
    assert f["activities"] == {"total": 3, "by_theme": {"理论宣讲": 2, "心理健康": 1},
                               "volunteer_participations": 10, "youth_participations": 180}
    assert f["donations"] == {"count": 2, "money_yuan": 10000.5, "goods_value_yuan": 300.0}


def test_deleted_student_takes_aid_out_and_restore_brings_it_back(db):
    stu = add_student(db, "李小明")
    with db.session() as s:
        pairings.add_aid(s, pairings.AidInput(stu, D(2025, 5, 5), "走访看望"))
    assert figures(db)["aid"]["records"] == 1
    with db.session() as s:
        records.delete(s, "students", stu)
    assert figures(db)["aid"]["records"] == 0
    assert figures(db)["students"]["total"] == 0
    with db.session() as s:
        records.restore(s, "students", stu)
    assert figures(db)["aid"]["records"] == 1


def test_year_boundaries_for_a_year_with_no_records(db):
    add_volunteer(db, "甲", "老干部", joined_on=D(2030, 1, 1))
    assert figures(db, 2029)["volunteers"]["total"] == 0
    assert figures(db, 2030)["volunteers"]["total"] == 1
    assert figures(db, 2030)["volunteers"]["joined"] == 1
    add_volunteer(db, "乙", "老教师", joined_on=D(2030, 12, 31))  # the last day belongs to 2030
    assert figures(db, 2029)["volunteers"]["total"] == 0
    assert figures(db, 2030)["volunteers"]["joined"] == 2
    later = figures(db, 2031)  # a year with no records of its own
    assert later["volunteers"]["total"] == 2 and later["volunteers"]["joined"] == 0
    assert later["activities"]["total"] == 0 and later["aid"]["money_yuan"] == 0
