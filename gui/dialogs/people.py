"""Dialogs for 五老 and students: typing a valid ID number fills birth date, sex and age."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from gui import style
from gui.dialogs.base import FormDialog
from gui.widgets import CodeCombo, DateEdit, IdCombo, MultiCheck
from models import codetables, groups, idcard
from models.db import Database
from models.people import age_on
from models.pinyin import sort_key
from models.students import CIVIL_CODES, StudentInput
from models.volunteers import VolunteerInput


def _lists(db: Database, *tables: str) -> dict[str, list[str]]:
    with db.reader() as s:
        return {t: codetables.values(s, t) for t in tables}


def group_items(db: Database) -> list[tuple[str, int]]:
    """Live groups as (name, id), in pinyin order of their names."""
    with db.reader() as s:
        return sorted(groups.by_name(s).items(), key=lambda kv: sort_key(kv[0]))


class PersonDialog(FormDialog):
    """Name, ID number, sex and birth date with the ID as authority."""

    month_only = False

    def _person_fields(self) -> None:
        self.name = self.field("name", QLineEdit())
        self.id_number = self.field("id_number", QLineEdit())
        self.id_number.setMaxLength(24)
        self.id_hint = QLabel()
        self.id_hint.setWordWrap(True)  # a long hint wraps: the dialog keeps its width
        self.id_hint.setStyleSheet(style.OK_STYLE)
        self.forms[0].addRow("", self.id_hint)
        self.sex = self.field("sex", CodeCombo(["男", "女"], allow_empty=True))
        self.birth = self.field("birth_date", DateEdit(month_only=self.month_only))
        self.id_number.textChanged.connect(self._id_changed)

    def _id_changed(self, text: str) -> None:
        number = idcard.normalize(text)
        if not number:
            self.id_hint.clear()
            return
        reason = idcard.problem(number)
        if reason:
            self.id_hint.setStyleSheet(style.ERROR_STYLE)
            self.id_hint.setText(reason if len(number) >= 18
                                 else f"身份证号应为 18 位，现在输入了 {len(number)} 位")
            return
        info = idcard.parse(number)
        self.sex.set_value(info.sex)
        self.birth.set_date(info.birth_date)
        self.id_hint.setStyleSheet(style.OK_STYLE)
        self.id_hint.setText(f"有效：{info.sex}，{info.birth_date:%Y年%m月%d日}出生，"
                             f"{age_on(info.birth_date, dt.date.today())} 岁")


class VolunteerDialog(PersonDialog):
    subject = "volunteers"
    month_only = True

    def __init__(self, parent: QWidget | None, db: Database, initial: VolunteerInput | None = None,
                 on_save: Callable[[VolunteerInput], Any] | None = None) -> None:
        super().__init__(parent, db, "编辑五老" if initial else "新增五老", on_save)
        self.initial = initial
        lists = _lists(db, "volunteer_category", "political_status", "volunteer_role")
        self._person_fields()
        self.political = self.field("political_status",
                                    CodeCombo(lists["political_status"], allow_empty=True))
        self.category = self.field("category", CodeCombo(lists["volunteer_category"], allow_empty=True))
        self.group = self.field("group_id", IdCombo(group_items(db)))
        self.phone = self.field("phone", QLineEdit())
        self.backbone = self.field("is_backbone", QCheckBox("骨干"))
        self.former_post = self.field("former_post", QLineEdit(), column=1)
        self.specialty = self.field("specialty", QLineEdit(), column=1)
        self.roles = self.field("roles", MultiCheck(lists["volunteer_role"], columns=2), column=1)
        self.joined = self.field("joined_on", DateEdit(), column=1)
        self.left = self.field("left_on", DateEdit(), column=1)
        self.leave_reason = self.field("leave_reason", QLineEdit(), column=1)
        self.note = self.field("note", QPlainTextEdit(), column=1)
        self.note.setFixedHeight(60)
        if initial:
            self.fill(initial)
        else:
            self.joined.set_date(dt.date.today())
        self.name.setFocus()

    def value(self) -> VolunteerInput:
        return self.edited(VolunteerInput, **self.read())


class StudentDialog(PersonDialog):
    """A 帮扶对象 in three sections as the 民政 登记表 has them: 基本情况, 家庭与监护, 健康与救助."""

    subject = "students"

    def __init__(self, parent: QWidget | None, db: Database, initial: StudentInput | None = None,
                 on_save: Callable[[StudentInput], Any] | None = None) -> None:
        super().__init__(parent, db, "编辑帮扶对象" if initial else "新增帮扶对象", on_save)
        self.initial = initial
        lists = _lists(db, "student_category", "student_status", *set(CIVIL_CODES.values()),
                       "relief_type")

        def code(key: str, column: int) -> CodeCombo:
            return self.field(key, CodeCombo(lists[CIVIL_CODES[key]], allow_empty=True),
                              column=column)

        self.section("基本情况")
        self._person_fields()
        self.ethnicity = self.field("ethnicity", QLineEdit())
        self.school = self.field("school", QLineEdit())
        self.grade = self.field("grade", QLineEdit())
        self.schooling = code("schooling", 0)
        self.boarding = self.field("boarding", CodeCombo(["是", "否"], allow_empty=True))
        self.categories = self.field("categories", MultiCheck(lists["student_category"], columns=2),
                                     column=1)
        self.registered = self.field("registered_on", DateEdit(), column=1)
        self.status = self.field("status", CodeCombo(lists["student_status"]), column=1)
        self.closed = self.field("closed_on", DateEdit(), column=1)
        self.note = self.field("note", QPlainTextEdit(), column=1)
        self.note.setFixedHeight(50)

        self.section("家庭与监护")
        for key in ("father", "mother"):  # shown and read by key (FormDialog.fill / read)
            self.field(f"{key}_name", QLineEdit())
            self.field(f"{key}_id_number", QLineEdit())
            self.field(f"{key}_phone", QLineEdit())
            code(f"{key}_status", 0)
            work = self.field(f"{key}_work_place", QLineEdit())
            work.setPlaceholderText("外出务工时填，如 广东省深圳市")
        self.guardianship = code("guardianship", 1)
        self.guardian = self.field("guardian", QLineEdit(), column=1)
        self.guardian_id = self.field("guardian_id_number", QLineEdit(), column=1)
        self.relation = self.field("guardian_relation", QLineEdit(), column=1)
        self.guardian_phone = self.field("guardian_phone", QLineEdit(), column=1)
        self.guardian_address = self.field("guardian_address", QLineEdit(), column=1)
        self.rating = code("guardianship_rating", 1)
        self.hukou = self.field("hukou_place", QLineEdit(), column=1)
        self.residence = self.field("residence", QLineEdit(), column=1)
        self.address = self.field("address", QLineEdit(), column=1)

        self.section("健康与救助")
        self.health_status = code("health", 0)
        self.disability_type = code("disability_type", 0)
        self.disability_grade = code("disability_grade", 0)
        self.health = self.field("health_note", QLineEdit(), note="仅内部使用，不出现在公示表中")
        self.income = self.field("family_income", QLineEdit(), column=1)
        self.relief = self.field("relief", MultiCheck(lists["relief_type"], columns=2), column=1)
        self.checked = self.field("checked_on", DateEdit(), column=1,
                                note="每半年入户核查一次（动态核查），超过半年首页会提醒")
        if initial:
            self.fill(initial)
        else:
            self.registered.set_date(dt.date.today())
        self.name.setFocus()

    def value(self) -> StudentInput:
        shown = self.read()
        shown["status"] = shown["status"] or "在帮"
        return self.edited(StudentInput, **shown)
