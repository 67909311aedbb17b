
from models import backup, groups, reminders
from tests.factories import D, add_group, add_student, add_volunteer, pair


def test_reminders_name_what_needs_doing(db):
    today = D(2025, 6, 1)
    add_volunteer(db, "寿星", birth_date=D(1945, 3, 3))
    add_volunteer(db, "年轻", birth_date=D(1960, 3, 3))
    vid = add_volunteer(db, "王老师")
    sid = add_student(db, "大孩子", birth_date=D(2007, 5, 5), registered_on=D(2020, 1, 1))
    pair(db, vid, sid, D(2024, 1, 1))
    done = add_group(db, "甲村关工小组")
    add_group(db, "乙村关工小组")
    with db.session() as s:
        groups.assess(s, done, 2025, [True] * 5)
    with db.reader() as s:
        found = {r.kind: r.text for r in reminders.reminders(s, today, None)}
    assert "还没有备份" in found["备份"]
    assert "王老师—大孩子" in found["结对"]
    assert "大孩子" in found["学生"]
    assert "乙村关工小组" in found["五好"] and "甲村" not in found["五好"]
    assert "寿星" in found["慰问"] and "年轻" not in found["慰问"]
    backup.make_backup(db)
    with db.reader() as s:
        kinds = [r.kind for r in reminders.reminders(s, today, backup.last_backup_time(db))]
    assert "备份" not in kinds


def test_month_counts(db):
    from models import activities

    with db.session() as s:
        for day in (D(2025, 1, 5), D(2025, 1, 9), D(2025, 12, 31), D(2024, 12, 31)):
            activities.create(s, activities.ActivityInput(day, "活动"))
    with db.reader() as s:
        counts = reminders.month_counts(s, 2025)
    assert counts[0] == 2 and counts[11] == 1 and sum(counts) == 3
    with db.reader() as s:  # 31 Dec 2024 is December of 2024, not of 2025
        before = reminders.month_counts(s, 2024)
    assert before[11] == 1 and sum(before) == 1
