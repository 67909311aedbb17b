"""帮扶对象: the list of students, with each one's 帮扶经历 beside it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Select

from gui.context import AppContext
from gui.dialogs.people import StudentDialog
from gui.dialogs.records import AidDialog
from gui.list_page import ListPage
from gui.ops import perform
from gui.pages.common import _codes, _date
from gui.table_model import ListColumn as C
from models import lists, pairings, records, students
from models.codes import split_multi
from models.entities import AidRecord, Student


class StudentsPage(ListPage):
    subject, title = "students", "帮扶对象"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        side = QWidget()
        box = QVBoxLayout(side)
        box.setContentsMargins(0, 0, 0, 0)
        self.timeline_title = QLabel("帮扶经历")
        self.timeline_title.setObjectName("sectionTitle")
        self.timeline_title.setWordWrap(True)
        self.timeline = QListWidget()
        self.timeline.setWordWrap(True)  # a long entry wraps: no sideways scrolling
        self.timeline.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.timeline.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.aid_button = QPushButton("添加帮扶记录")
        self.aid_button.clicked.connect(self.add_aid)
        self.aid_edit_button = QPushButton("修改")
        self.aid_edit_button.setToolTip("修改选中的帮扶记录（也可双击）")
        self.aid_edit_button.clicked.connect(self.edit_aid)
        self.aid_delete_button = QPushButton("删除")
        self.aid_delete_button.setToolTip("把选中的帮扶记录移到回收站")
        self.aid_delete_button.clicked.connect(self.delete_aid)
        self.timeline.itemDoubleClicked.connect(lambda _i: self.edit_aid())
        aid_row = QHBoxLayout()
        for b in (self.aid_button, self.aid_edit_button, self.aid_delete_button):
            aid_row.addWidget(b)
        box.addWidget(self.timeline_title)
        box.addWidget(self.timeline, 1)
        box.addLayout(aid_row)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.body.removeWidget(self.view)
        split.addWidget(self.view)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.body.addWidget(split, 1)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self.show_timeline())

    def relevant(self, changes: Any) -> bool:
        return changes.students or changes.aid or changes.pairings or changes.settings

    def build_filters(self) -> None:
        self.add_filter("category", "类别", _codes(self.ctx, "student_category"))
        self.add_filter("status", "状态", _codes(self.ctx, "student_status"))

    def columns(self) -> list[C]:
        return [C("姓名", lambda r: r[0].name, Student.name_initials, width=90),
                C("性别", lambda r: r[0].sex, Student.sex, "center"),
                C("出生日期", lambda r: _date(r[0].birth_date), Student.birth_date, "center"),
                C("身份证号", lambda r: self.ctx.id_text(r[0].id_number), Student.id_number,
                  width=170),
                C("帮扶类别", lambda r: "、".join(split_multi(r[0].categories)), Student.categories,
                  width=150),
                C("就读学校", lambda r: r[0].school, Student.school, width=140),
                C("年级", lambda r: r[0].grade, Student.grade),
                C("监护人", lambda r: r[0].guardian, Student.guardian),
                C("监护人电话", lambda r: self.ctx.phone_text(r[0].guardian_phone)),
                C("建档日期", lambda r: _date(r[0].registered_on), Student.registered_on, "center"),
                C("状态", lambda r: r[0].status, Student.status)]

    def query(self) -> Select:
        return lists.students(self.search.text(), self.filter("category") or "",
                              self.filter("status") or "")

    def add(self) -> None:
        StudentDialog(self, self.db, on_save=self.save_with(students.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = students.to_input(records.live(s, Student, rid))
        StudentDialog(self, self.db, initial,
                      on_save=self.save_with(lambda s, v: students.update(s, rid, v))).exec()

    def refresh(self) -> None:
        super().refresh()
        self.show_timeline()

    def show_timeline(self) -> None:
        self.timeline.clear()
        rid = self.current_id()
        if rid is None:
            self.timeline_title.setText("帮扶经历（选中一名学生查看）")
            return
        with self.db.reader() as s:
            st = records.live(s, Student, rid)
            if st is None:  # deleted meanwhile (another window): the list reloads next
                self.timeline_title.setText("帮扶经历（选中一名学生查看）")
                return
            items = students.timeline(s, rid)
        self.timeline_title.setText(f"{st.name} 的帮扶经历")
        for e in items:
            item = QListWidgetItem(f"{_date(e.date) or '日期不详'}  【{e.kind}】 {e.text}")
            item.setData(Qt.ItemDataRole.UserRole, e.aid_id)
            self.timeline.addItem(item)

    def current_aid(self) -> int | None:
        """The 帮扶记录 selected in the timeline (None, after saying so, for anything else)."""
        item = self.timeline.currentItem()
        aid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if aid is None:
            QMessageBox.information(self, "提示", "请先在右边的帮扶经历中选中一条帮扶记录。")
        return aid

    def edit_aid(self) -> None:
        aid = self.current_aid()
        if aid is None:
            return
        with self.db.reader() as s:
            a = records.live(s, AidRecord, aid)
            initial, sid, name = pairings.aid_to_input(a), a.student_id, a.student.name
            volunteer = (a.volunteer.id, a.volunteer.name) if a.volunteer else None
        AidDialog(self, self.db, sid, name, initial, volunteer=volunteer,
                  on_save=self.save_with(lambda s, v: pairings.update_aid(s, aid, v))).exec()

    def delete_aid(self) -> None:
        aid = self.current_aid()
        if aid is None:
            return
        text = self.timeline.currentItem().text()
        if QMessageBox.question(self, "确认删除", f"确定要删除这条帮扶记录吗？\n\n{text}\n\n"
                                "删除后会移到回收站，可以在“数据管理 → 回收站”里恢复。",
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        perform(self.ctx, self, records.delete, "aid", aid, title="无法删除")

    def add_aid(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一名学生。")
            return
        with self.db.reader() as s:
            name = records.live(s, Student, rid).name
        AidDialog(self, self.db, rid, name, on_save=self.save_with(pairings.add_aid)).exec()
