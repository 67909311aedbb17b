"""Create / update / delete / restore / search, validation and duplicates."""

import pytest
from sqlalchemy import func, select

from models import pairings, records, students, volunteers
from models.entities import AuditEntry, Pairing, Volunteer
from models.errors import DataError, ValidationError
from tests.factories import D, add_student, add_volunteer, id_number, pair


def test_valid_id_number_decides_birth_date_and_sex(db):
    number = id_number(D(1950, 7, 1), seq=102)  # even: female
    vid = add_volunteer(db, "张　三", id_number=number.lower(), sex="男", birth_date=D(1951, 1, 1))
    with db.reader() as s:
        v = s.get(Volunteer, vid)
        assert (v.name, v.sex, v.birth_date, v.id_number) == ("张三", "女", D(1950, 7, 1), number)


def test_invalid_id_number_is_refused_with_field(db):
    with pytest.raises(ValidationError) as err, db.session() as s:
        volunteers.create(s, volunteers.VolunteerInput("王德", "老干部",
                                                       id_number="110105194912310021"))
    assert err.value.field == "身份证号"
    assert "校验位" in err.value.message


def test_unknown_category_and_empty_name_are_refused(db):
    with pytest.raises(ValidationError, match="五老类别"), db.session() as s:
        volunteers.create(s, volunteers.VolunteerInput("王德", "老领导"))
    with pytest.raises(ValidationError, match="姓名"), db.session() as s:
        volunteers.create(s, volunteers.VolunteerInput(" \u3000", "老干部"))


def test_duplicates_by_id_number_or_name_and_birth(db):
    number = id_number(D(1950, 7, 1))
    add_volunteer(db, "王德", id_number=number)
    with pytest.raises(DataError, match="身份证号相同"):
        add_volunteer(db, "王得", id_number=number)
    add_volunteer(db, "李明", birth_date=D(1949, 1, 1))
    with pytest.raises(DataError, match="姓名和出生日期"):
        add_volunteer(db, "李明", birth_date=D(1949, 1, 1))
    add_volunteer(db, "李明", birth_date=D(1949, 1, 2))  # a different person


def test_deleted_record_with_same_id_asks_to_restore(db):
    number = id_number(D(1950, 7, 1))
    vid = add_volunteer(db, "王德", id_number=number)
    with db.session() as s:
        records.delete(s, "volunteers", vid)
    with pytest.raises(DataError, match="回收站"):
        add_volunteer(db, "王德", id_number=number)


def test_search_by_name_pinyin_initials_id_and_phone(db):
    add_volunteer(db, "张三", phone="13912345678", id_number=id_number(D(1950, 1, 1), 11))
    add_volunteer(db, "李四", phone="13800001111")
    with db.reader() as s:
        def names(text):
            return [v.name for v in volunteers.search(s, text)]
        assert names("zs") == ["张三"]
        assert names("ZS") == ["张三"]
        assert names("李") == ["李四"]
        assert names("1391234") == ["张三"]
        assert names("19500101") == ["张三"]
        assert names("ls") == ["李四"]
        assert names("") == ["张三", "李四"] or sorted(names("")) == ["李四", "张三"]


def test_delete_moves_pairings_to_trash_and_restore_brings_them_back(db):
    vid = add_volunteer(db)
    sid = add_student(db)
    pid = pair(db, vid, sid, D(2025, 1, 1))
    with db.session() as s:
        changes = records.delete(s, "volunteers", vid)
    assert changes.volunteers and changes.pairings and changes.trash
    with db.reader() as s:
        assert s.get(Pairing, pid).deleted_at is not None
        assert {t.subject for t in records.trash(s)} == {"volunteers", "pairings"}
    with db.session() as s:
        records.restore(s, "volunteers", vid)
    with db.reader() as s:
        assert s.get(Pairing, pid).deleted_at is None
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("删除") == 1 and actions.count("恢复") == 1


def test_student_paired_twice_with_same_volunteer_at_once_is_refused(db):
    vid = add_volunteer(db)
    sid = add_student(db)
    pair(db, vid, sid, D(2024, 1, 1), D(2024, 12, 31))
    with pytest.raises(DataError, match="重复结对"):
        pair(db, vid, sid, D(2024, 6, 1))
    pair(db, vid, sid, D(2025, 1, 1))  # after the first ended: allowed
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Pairing)) == 2


def test_failed_action_leaves_nothing_half_done(db):
    vid = add_volunteer(db)
    with pytest.raises(DataError), db.session() as s:
        volunteers.update(s, vid, volunteers.VolunteerInput("新名字", "老教师"))
        pairings.create(s, pairings.PairingInput(vid, 999))
    with db.reader() as s:
        assert s.get(Volunteer, vid).name == "王德"


def test_student_timeline_lists_pairing_and_aid(db):
    vid = add_volunteer(db, "王老师")
    sid = add_student(db, registered_on=D(2024, 9, 1))
    pair(db, vid, sid, D(2024, 9, 1))
    with db.session() as s:
        pairings.add_aid(s, pairings.AidInput(sid, D(2025, 3, 1), "课业辅导", "辅导数学",
                                              volunteer_id=vid))
    with db.reader() as s:
        kinds = [e.kind for e in students.timeline(s, sid)]
    assert kinds == ["课业辅导", "结对", "建档"]


def test_stale_pairings_reminder(db):
    vid = add_volunteer(db)
    fresh, stale = add_student(db, "甲"), add_student(db, "乙")
    pair(db, vid, fresh, D(2025, 1, 1))
    pair(db, vid, stale, D(2025, 1, 1))
    with db.session() as s:
        pairings.add_aid(s, pairings.AidInput(fresh, D(2025, 5, 1), "走访看望"))
    with db.reader() as s:
        total, found = pairings.stale_pairings(s, D(2025, 6, 1))
    assert total == 1 and found == [("王德", "乙")]
