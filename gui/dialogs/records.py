"""Dialogs for groups, pairings, 帮扶记录, activities, donations, honors, care visits and 阵地."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from gui.dialogs.base import FormDialog
from gui.dialogs.people import _lists, group_items
from gui.files import open_files
from gui.widgets import CodeCombo, DateEdit, HoursEdit, IdCombo, ParticipantHours, RecordPicker
from models import students, volunteers
from models.activities import ActivityInput
from models.db import Database
from models.donations import DonationInput
from models.errors import ValidationError
from models.groups import GroupInput
from models.honors import CareInput, HonorInput
from models.idcard import mask_id
from models.pairings import AidInput, PairingInput
from models.venues import VenueInput

Save = Callable[[Any], Any] | None


def spin(maximum: int = 1_000_000) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, maximum)
    return box


def volunteer_search(db: Database) -> Callable[[str], list[tuple[int, str]]]:
    def search(text: str) -> list[tuple[int, str]]:
        with db.reader() as s:
            return [(v.id, f"{v.name}（{v.category}，{mask_id(v.id_number) or '无身份证号'}）")
                    for v in volunteers.search(s, text, 30) if v.left_on is None]
    return search


def student_search(db: Database) -> Callable[[str], list[tuple[int, str]]]:
    def search(text: str) -> list[tuple[int, str]]:
        with db.reader() as s:
            return [(st.id, f"{st.name}（{st.school or '未填学校'}，{st.status}）")
                    for st in students.search(s, text, 30)]
    return search


class GroupDialog(FormDialog):
    subject = "groups"

    def __init__(self, parent: QWidget | None, db: Database, initial: GroupInput | None = None,
                 on_save: Save = None) -> None:
        super().__init__(parent, db, "编辑关工组织" if initial else "新增关工组织", on_save)
        self.initial = initial
        types = _lists(db, "group_type")["group_type"]
        self.name = self.field("name", QLineEdit())
        self.type = self.field("type", CodeCombo(types))
        self.leader = self.field("leader", QLineEdit())
        self.deputy = self.field("deputy", QLineEdit())
        self.phone = self.field("phone", QLineEdit(), column=1)
        self.members = self.field("member_count", spin(10000), column=1)
        self.founded = self.field("founded_on", DateEdit(), column=1)
        self.dissolved = self.field("dissolved_on", DateEdit(), column=1)
        self.note = self.field("note", QLineEdit(), column=1)
        if initial:
            self.fill(initial)

    def value(self) -> GroupInput:
        return self.edited(GroupInput, **self.read())


class PairingDialog(FormDialog):
    subject = "pairings"

    def __init__(self, parent: QWidget | None, db: Database, initial: PairingInput | None = None,
                 on_save: Save = None, labels: tuple[str, str] = ("", "")) -> None:
        super().__init__(parent, db, "编辑结对" if initial else "新增结对", on_save)
        self.initial = initial
        modes = _lists(db, "pairing_mode")["pairing_mode"]
        self.volunteer = self.field("volunteer_id",
                                    RecordPicker(volunteer_search(db), "输入姓名或拼音首字母查找五老"))
        self.student = self.field("student_id",
                                  RecordPicker(student_search(db), "输入姓名或拼音首字母查找学生"), column=1)
        self.mode = self.field("mode", CodeCombo(modes))
        self.started = self.field("started_on", DateEdit(), column=1)
        self.ended = self.field("ended_on", DateEdit(), column=1)
        self.note = self.field("note", QLineEdit())
        if initial:
            self.volunteer.set_chosen({initial.volunteer_id: labels[0]})
            self.student.set_chosen({initial.student_id: labels[1]})
            self.mode.set_value(initial.mode)
            self.started.set_date(initial.started_on)
            self.ended.set_date(initial.ended_on)
            self.note.setText(initial.note)
        else:
            self.started.set_date(dt.date.today())

    def value(self) -> PairingInput:
        if self.volunteer.value() is None:
            raise ValidationError(self.label("volunteer_id"), "请在列表中选择一位五老")
        if self.student.value() is None:
            raise ValidationError(self.label("student_id"), "请在列表中选择一名学生")
        return self.edited(PairingInput, volunteer_id=self.volunteer.value(), student_id=self.student.value(),
                            mode=self.mode.value(), started_on=self.date_of("started_on", self.started),
                            ended_on=self.date_of("ended_on", self.ended), note=self.note.text())


class AidDialog(FormDialog):
    """A 帮扶记录 for one student (the student is fixed; the 五老 is optional)."""

    subject = "aid"

    def __init__(self, parent: QWidget | None, db: Database, student_id: int, student_name: str,
                 initial: AidInput | None = None, on_save: Save = None,
                 volunteer: tuple[int, str] | None = None) -> None:
        super().__init__(parent, db, f"帮扶记录 — {student_name}", on_save, columns=1)
        self.initial = initial
        self.student_id = student_id
        kinds = _lists(db, "aid_kind")["aid_kind"]
        self.date = self.field("date", DateEdit())
        self.kind = self.field("kind", CodeCombo(kinds))
        self.volunteer = self.field("volunteer_id", RecordPicker(volunteer_search(db), "可选：查找五老"))
        self.content = self.field("content", QPlainTextEdit())
        self.content.setFixedHeight(70)
        self.money = self.field("money_fen", QLineEdit())
        self.money.setPlaceholderText("没有资助可不填")
        self.hours = self.field("service_minutes", HoursEdit(), note="五老这次帮扶用的时间，记入志愿服务记录")
        if initial:
            self.date.set_date(initial.date)
            self.kind.set_value(initial.kind)
            self.content.setPlainText(initial.content)
            self.money.setText(str(initial.money_yuan or ""))
            self.hours.set_minutes(initial.service_minutes)
        else:
            self.date.set_date(dt.date.today())
        if volunteer is not None:  # the record's 五老, or the pairing's for a new record
            self.volunteer.set_chosen({volunteer[0]: volunteer[1]})

    def value(self) -> AidInput:
        day = self.date_of("date", self.date)
        if day is None:
            raise ValidationError(self.label("date"), "请填写日期")
        return self.edited(AidInput, student_id=self.student_id, date=day, kind=self.kind.value(),
                        content=self.content.toPlainText(), money_yuan=self.money.text(),
                        volunteer_id=self.volunteer.value(), service_minutes=self.hours.minutes())


class ActivityDialog(FormDialog):
    subject = "activities"

    def __init__(self, parent: QWidget | None, db: Database, initial: ActivityInput | None = None,
                 on_save: Save = None, participants: dict[int, str] | None = None,
                 photos: list[Path] | None = None) -> None:
        super().__init__(parent, db, "编辑活动" if initial else "新增活动", on_save)
        self.initial = initial
        themes = _lists(db, "activity_theme")["activity_theme"]
        self.date = self.field("date", DateEdit())
        self.title = self.field("title", QLineEdit())
        self.theme = self.field("theme", CodeCombo(themes))
        self.group = self.field("organiser", IdCombo(group_items(db)))
        self.place = self.field("place", QLineEdit())
        self.volunteer_count = self.field("volunteer_count", spin())
        self.youth_count = self.field("youth_count", spin())
        self.summary = self.field("summary", QPlainTextEdit(), column=1)
        self.summary.setFixedHeight(70)
        self.participants = self.add("参加的五老", ParticipantHours(volunteer_search(db)), column=1,
                                     note="勾选参加的五老并填服务时长，记入各人的志愿服务记录")
        self.participants.picked.connect(self._count_participants)
        self.new_photos: list[Path] = []
        photo_box = QWidget()
        row = QHBoxLayout(photo_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.thumbs = QHBoxLayout()
        row.addLayout(self.thumbs)
        add = QPushButton("添加照片…")
        add.clicked.connect(self._add_photo)
        row.addWidget(add)
        row.addStretch(1)
        self.add("照片", photo_box, column=1)
        for p in photos or []:
            self._thumb(p)
        if initial:
            self.date.set_date(initial.date)
            self.title.setText(initial.title)
            self.theme.set_value(initial.theme)
            self.group.set_value(initial.group_id)
            self.place.setText(initial.place)
            self.volunteer_count.setValue(initial.volunteer_count)
            self.youth_count.setValue(initial.youth_count)
            self.summary.setPlainText(initial.summary)
            self.participants.set_chosen(participants or {}, initial.participant_minutes)
        else:
            self.date.set_date(dt.date.today())

    def _count_participants(self) -> None:
        n = len(self.participants.values())
        if n > self.volunteer_count.value():
            self.volunteer_count.setValue(n)

    def _thumb(self, path: Path) -> None:
        label = QLabel()
        pix = QPixmap(str(path))
        if pix.isNull():
            label.setText(Path(path).name)
        else:
            label.setPixmap(pix.scaled(64, 64, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))
        label.setToolTip(Path(path).name)
        self.thumbs.addWidget(label)

    def _add_photo(self) -> None:
        chosen = open_files(self, "选择活动照片", "图片 (*.jpg *.jpeg *.png *.bmp *.gif)")
        for f in chosen:
            self.new_photos.append(Path(f))
            self._thumb(Path(f))

    def value(self) -> ActivityInput:
        day = self.date_of("date", self.date)
        if day is None:
            raise ValidationError(self.label("date"), "请填写活动日期")
        group_id = self.group.value()
        if group_id is not None:
            organiser = self.group.currentText()
        elif self.initial is not None and self.initial.group_id is None:
            organiser = self.initial.organiser  # an imported 组织单位 that is not a group
        else:
            organiser = ""
        return self.edited(ActivityInput, date=day, title=self.title.text(),
                             theme=self.theme.value(), group_id=group_id, organiser=organiser,
                             place=self.place.text(), volunteer_count=self.volunteer_count.value(),
                             youth_count=self.youth_count.value(),
                             summary=self.summary.toPlainText(),
                             participant_ids=self.participants.values(),
                             participant_minutes=self.participants.minutes())


class DonationDialog(FormDialog):
    subject = "donations"

    def __init__(self, parent: QWidget | None, db: Database, initial: DonationInput | None = None,
                 on_save: Save = None, recipients: dict[int, str] | None = None) -> None:
        super().__init__(parent, db, "编辑捐赠" if initial else "新增捐赠", on_save)
        self.initial = initial
        types = _lists(db, "donor_type")["donor_type"]
        self.date = self.field("date", DateEdit())
        self.donor = self.field("donor", QLineEdit())
        self.donor_type = self.field("donor_type", CodeCombo(types))
        self.money = self.field("money_fen", QLineEdit())
        self.goods = self.field("goods", QLineEdit(), column=1)
        self.goods_value = self.field("goods_value_fen", QLineEdit(), column=1)
        self.purpose = self.field("purpose", QLineEdit(), column=1)
        self.recipients = self.field("recipients_text", RecordPicker(student_search(db), "可选：查找受助学生",
                                                          multi=True), column=1)
        if initial:
            self.date.set_date(initial.date)
            self.donor.setText(initial.donor)
            self.donor_type.set_value(initial.donor_type)
            self.money.setText(str(initial.money_yuan or ""))
            self.goods.setText(initial.goods)
            self.goods_value.setText(str(initial.goods_value_yuan or ""))
            self.purpose.setText(initial.purpose)
            self.recipients.set_chosen(recipients or {})
        else:
            self.date.set_date(dt.date.today())

    def value(self) -> DonationInput:
        day = self.date_of("date", self.date)
        if day is None:
            raise ValidationError(self.label("date"), "请填写捐赠日期")
        return self.edited(DonationInput, date=day, donor=self.donor.text(),
                           donor_type=self.donor_type.value(),
                             money_yuan=self.money.text(),
                             goods=self.goods.text(),
                             goods_value_yuan=self.goods_value.text(),
                             purpose=self.purpose.text(), recipient_ids=self.recipients.values())


class HonorDialog(FormDialog):
    subject = "honors"

    def __init__(self, parent: QWidget | None, db: Database, initial: HonorInput | None = None,
                 on_save: Save = None) -> None:
        super().__init__(parent, db, "编辑表彰" if initial else "新增表彰", on_save, columns=1)
        self.initial = initial
        levels = _lists(db, "honor_level")["honor_level"]
        self.title = self.field("title", QLineEdit())
        self.recipient = self.field("recipient_name", QLineEdit(),
                                  note="五老姓名或关工组织名称")
        # empty until chosen: a record saved unchanged never becomes 国家级
        self.level = self.field("level", CodeCombo(levels, allow_empty=True))
        self.year = self.field("year", spin(2100))
        self.year.setMinimum(1949)
        self.date = self.field("date", DateEdit())
        self.issuer = self.field("issuer", QLineEdit())
        if initial:
            self.fill(initial)
        else:
            self.year.setValue(dt.date.today().year)

    def value(self) -> HonorInput:
        return self.edited(HonorInput, **self.read())


class CareDialog(FormDialog):
    subject = "cares"

    def __init__(self, parent: QWidget | None, db: Database, initial: CareInput | None = None,
                 on_save: Save = None, volunteer_name: str = "") -> None:
        super().__init__(parent, db, "编辑慰问" if initial else "新增慰问", on_save, columns=1)
        self.initial = initial
        self.volunteer = self.field("volunteer_id", RecordPicker(volunteer_search(db), "查找五老"))
        self.date = self.field("date", DateEdit())
        self.occasion = self.field("occasion", CodeCombo(["春节慰问", "重阳节慰问", "生日慰问", "住院看望",
                                                    "其他"]))
        self.content = self.field("content", QLineEdit())
        self.money = self.field("money_fen", QLineEdit())
        if initial:
            self.volunteer.set_chosen({initial.volunteer_id: volunteer_name})
            self.date.set_date(initial.date)
            self.occasion.set_value(initial.occasion)
            self.content.setText(initial.content)
            self.money.setText(str(initial.money_yuan or ""))
        else:
            self.date.set_date(dt.date.today())

    def value(self) -> CareInput:
        if self.volunteer.value() is None:
            raise ValidationError(self.label("volunteer_id"), "请在列表中选择一位五老")
        day = self.date_of("date", self.date)
        if day is None:
            raise ValidationError(self.label("date"), "请填写日期")
        return self.edited(CareInput, volunteer_id=self.volunteer.value(), date=day,
                         occasion=self.occasion.value(), content=self.content.text(),
                         money_yuan=self.money.text())


class VenueDialog(FormDialog):
    """A 阵地: its fields as the descriptor names them; 本年经费 in 元 for the 经费年度."""

    subject = "venues"

    def __init__(self, parent: QWidget | None, db: Database, initial: VenueInput | None = None,
                 on_save: Save = None) -> None:
        super().__init__(parent, db, "编辑阵地" if initial else "新增阵地", on_save)
        self.initial = initial
        types = _lists(db, "venue_type")["venue_type"]
        self.name = self.field("name", QLineEdit())
        self.type = self.field("type", CodeCombo(types))
        self.group = self.field("group_id", IdCombo(group_items(db)))
        self.address = self.field("address", QLineEdit())
        self.opened = self.field("opened_on", DateEdit(), column=1)
        self.funds = self.field("funds_fen", QLineEdit(), column=1)
        self.funds.setPlaceholderText("没有经费可不填")
        self.funds_year = self.field("funds_year", spin(2100), column=1)
        self.funds_year.setMinimum(1949)
        self.note = self.field("note", QLineEdit(), column=1)
        if initial:
            self.name.setText(initial.name)
            self.type.set_value(initial.type)
            self.group.set_value(initial.group_id)
            self.address.setText(initial.address)
            self.opened.set_date(initial.opened_on)
            self.funds.setText(str(initial.funds_yuan or ""))
            self.note.setText(initial.note)
        self.funds_year.setValue(initial.funds_year if initial and initial.funds_year
                                 else dt.date.today().year)

    def value(self) -> VenueInput:
        return self.edited(VenueInput, name=self.name.text(), type=self.type.value(),
                           group_id=self.group.value(), address=self.address.text(),
                           opened_on=self.date_of("opened_on", self.opened),
                           funds_yuan=self.funds.text(), funds_year=self.funds_year.value(),
                           note=self.note.text())
