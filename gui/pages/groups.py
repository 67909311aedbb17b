"""One list page per subject (关工组织, 五老队伍, 帮扶对象, 结对帮扶, 活动台账, 捐资助学, 表彰慰问)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Select, func, select

from gui.context import AppContext
from gui.dialogs_people import StudentDialog, VolunteerDialog, group_items
from gui.dialogs_records import (
    ActivityDialog,
    AidDialog,
    CareDialog,
    DonationDialog,
    GroupDialog,
    HonorDialog,
    PairingDialog,
)
from gui.list_page import ListPage
from gui.ops import perform
from gui.table_model import ListColumn as C
from models import (
    activities,
    codetables,
    donations,
    groups,
    honors,
    pairings,
    records,
    students,
    volunteers,
)
from models.codes import WUHAO_ITEMS, split_multi
from models.entities import (
    Activity,
    ActivityPhoto,
    AidRecord,
    Donation,
    Group,
    Honor,
    Pairing,
    Student,
    Volunteer,
    VolunteerCare,
)
from models.money import format_yuan
from models.paths import photo_dir
from models.people import age_day, age_on


def _date(d: dt.date | None) -> str:
    return f"{d:%Y.%m.%d}" if d else ""


def _codes(ctx: AppContext, table: str) -> list[tuple[str, Any]]:
    with ctx.db.reader() as s:
        return [("全部", "")] + [(v, v) for v in codetables.values(s, table)]


def _year_items() -> list[tuple[str, Any]]:
    this = dt.date.today().year
    return [("全部年份", None)] + [(f"{y}年", y) for y in range(this, 2014, -1)]


class GroupsPage(ListPage):
    subject, title = "groups", "关工组织"
    search_hint = "搜索组织名称或拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("type", "类型", _codes(self.ctx, "group_type"))
        assess = QPushButton("五好评定…")
        assess.clicked.connect(self.assess_current)
        self.toolbar.addWidget(assess)

    def columns(self) -> list[C]:
        return [C("组织名称", lambda r: r[0].name, Group.name, width=220),
                C("类型", lambda r: r[0].type, Group.type),
                C("组长", lambda r: r[0].leader, Group.leader),
                C("常务副组长", lambda r: r[0].deputy),
                C("联系电话", lambda r: self.ctx.phone_text(r[0].phone)),
                C("成员数", lambda r: r[0].member_count, Group.member_count, "right"),
                C("五老数", lambda r: r[1], None, "right"),
                C("成立时间", lambda r: _date(r[0].founded_on), Group.founded_on, "center"),
                C("撤销时间", lambda r: _date(r[0].dissolved_on), Group.dissolved_on, "center")]

    def query(self) -> Select:
        count = (select(func.count(Volunteer.id)).where(
            Volunteer.group_id == Group.id, Volunteer.deleted_at.is_(None),
            Volunteer.left_on.is_(None)).scalar_subquery())
        base = groups.query(self.search.text(), self.filter("type") or "")
        return base.add_columns(count).order_by(Group.id)

    def add(self) -> None:
        GroupDialog(self, self.db, on_save=self.save_with(groups.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = groups.to_input(s.get(Group, rid))
        GroupDialog(self, self.db, initial,
                    on_save=self.save_with(lambda s, v: groups.update(s, rid, v))).exec()

    def assess_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个关工组织。")
            return
        WuhaoDialog(self, self.ctx, rid).exec()


class WuhaoDialog(QDialog):
    """The five items of a group's yearly 五好 assessment."""

    def __init__(self, parent: QWidget, ctx: AppContext, gid: int) -> None:
        super().__init__(parent)
        self.ctx, self.gid = ctx, gid
        self.setWindowTitle("五好评定")
        layout = QVBoxLayout(self)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        self.year.valueChanged.connect(self.load)
        row = QHBoxLayout()
        row.addWidget(QLabel("年度："))
        row.addWidget(self.year)
        row.addStretch(1)
        layout.addLayout(row)
        self.items = [QCheckBox(text) for text in WUHAO_ITEMS]
        for box in self.items:
            layout.addWidget(box)
        layout.addWidget(QLabel("五项全部达到即为“五好”达标。"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        with self.ctx.db.reader() as s:
            a = groups.assessment(s, self.gid, self.year.value())
        self.note = a.note if a else ""  # not shown here: kept as it is
        for box, passed in zip(self.items, a.items() if a else [False] * 5):
            box.setChecked(passed)

    def accept(self) -> None:
        if perform(self.ctx, self, groups.assess, self.gid, self.year.value(),
                   [b.isChecked() for b in self.items], self.note, title="没有保存"):
            super().accept()


class VolunteersPage(ListPage):
    subject, title = "volunteers", "五老队伍"

    def build_filters(self) -> None:
        self.add_filter("category", "类别", _codes(self.ctx, "volunteer_category"))
        self.add_filter("group", "关工小组", [("全部", None), *group_items(self.db)])
        self.add_filter("active", "状态", [("在队", True), ("全部（含已退出）", False)])

    def relevant(self, changes: Any) -> bool:
        return changes.volunteers or changes.groups or changes.settings

    def columns(self) -> list[C]:
        today = age_day(dt.date.today().year, dt.date.today())
        return [C("姓名", lambda r: r[0].name, Volunteer.name_initials, width=90),
                C("性别", lambda r: r[0].sex, Volunteer.sex, "center"),
                C("出生年月", lambda r: f"{r[0].birth_date:%Y.%m}" if r[0].birth_date else "",
                  Volunteer.birth_date, "center"),
                C("年龄", lambda r: age_on(r[0].birth_date, today), Volunteer.birth_date.desc(),
                  "right"),
                C("身份证号", lambda r: self.ctx.id_text(r[0].id_number), Volunteer.id_number,
                  width=170),
                C("五老类别", lambda r: r[0].category, Volunteer.category),
                C("政治面貌", lambda r: r[0].political_status, Volunteer.political_status),
                C("所在关工小组", lambda r: r[1] or "", Group.name, width=150),
                C("联系电话", lambda r: self.ctx.phone_text(r[0].phone), Volunteer.phone),
                C("骨干", lambda r: "是" if r[0].is_backbone else "", Volunteer.is_backbone, "center"),
                C("加入时间", lambda r: _date(r[0].joined_on), Volunteer.joined_on, "center"),
                C("状态", lambda r: f"{r[0].left_on:%Y.%m}退出" if r[0].left_on else "在队",
                  Volunteer.left_on)]

    def query(self) -> Select:
        q = volunteers.query(self.search.text(), self.filter("category") or "",
                             self.filter("group"), bool(self.filter("active")))
        live_group = (Volunteer.group_id == Group.id) & Group.deleted_at.is_(None)
        return q.outerjoin(Group, live_group).add_columns(Group.name).order_by(Volunteer.id)

    def add(self) -> None:
        VolunteerDialog(self, self.db, on_save=self.save_with(volunteers.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = volunteers.to_input(s.get(Volunteer, rid))
        VolunteerDialog(self, self.db, initial,
                        on_save=self.save_with(lambda s, v: volunteers.update(s, rid, v))).exec()


class StudentsPage(ListPage):
    subject, title = "students", "帮扶对象"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        side = QWidget()
        box = QVBoxLayout(side)
        box.setContentsMargins(0, 0, 0, 0)
        self.timeline_title = QLabel("帮扶经历")
        self.timeline_title.setObjectName("sectionTitle")
        self.timeline = QListWidget()
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
        q = students.query(self.search.text(), self.filter("category") or "",
                           self.filter("status") or "")
        return q.add_columns(Student.id).order_by(Student.id)

    def add(self) -> None:
        StudentDialog(self, self.db, on_save=self.save_with(students.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = students.to_input(s.get(Student, rid))
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
            st = s.get(Student, rid)
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
            a = s.get(AidRecord, aid)
            initial, sid, name = pairings.aid_to_input(a), a.student_id, a.student.name
            volunteer = (a.volunteer_id, a.volunteer.name) if a.volunteer else None
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
            name = s.get(Student, rid).name
        AidDialog(self, self.db, rid, name, on_save=self.save_with(pairings.add_aid)).exec()


class PairingsPage(ListPage):
    subject, title = "pairings", "结对帮扶"
    search_hint = "搜索五老或学生的姓名、拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("active", "范围", [("进行中", True), ("全部", False)])
        end = QPushButton("结束结对…")
        end.clicked.connect(self.end_current)
        aid = QPushButton("记一次帮扶")
        aid.clicked.connect(self.aid_current)
        self.toolbar.addWidget(end)
        self.toolbar.addWidget(aid)

    def relevant(self, changes: Any) -> bool:
        return changes.pairings or changes.volunteers or changes.students or changes.aid

    def columns(self) -> list[C]:
        return [C("五老", lambda r: r[1], Volunteer.name_initials, width=90),
                C("帮扶对象", lambda r: r[2], Student.name_initials, width=90),
                C("结对形式", lambda r: r[0].mode, Pairing.mode),
                C("开始日期", lambda r: _date(r[0].started_on), Pairing.started_on, "center"),
                C("结束日期", lambda r: _date(r[0].ended_on), Pairing.ended_on, "center"),
                C("最近帮扶", lambda r: _date(r[3]), None, "center"),
                C("状态", lambda r: "已结束" if r[0].ended_on and r[0].ended_on <= dt.date.today()
                  else "进行中", Pairing.ended_on)]

    def query(self) -> Select:
        last = (select(func.max(AidRecord.date)).where(
            AidRecord.student_id == Pairing.student_id, AidRecord.deleted_at.is_(None))
            .scalar_subquery())
        q = pairings.query(self.search.text(),
                           dt.date.today() if self.filter("active") else None)
        return q.add_columns(Volunteer.name, Student.name, last).order_by(Pairing.id.desc())

    def add(self) -> None:
        PairingDialog(self, self.db, on_save=self.save_with(pairings.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            p = s.get(Pairing, rid)
            initial = pairings.to_input(p)
            labels = (p.volunteer.name, p.student.name)
        PairingDialog(self, self.db, initial, labels=labels,
                      on_save=self.save_with(lambda s, v: pairings.update(s, rid, v))).exec()

    def end_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个结对。")
            return
        text, ok = QInputDialog.getText(self, "结束结对", "结束日期：", text=f"{dt.date.today():%Y.%m.%d}")
        if not ok:
            return
        from exports.cells import CellProblem, date_value

        try:
            day, _ = date_value(text)
        except CellProblem as err:
            QMessageBox.warning(self, "无法结束结对", str(err))
            return
        perform(self.ctx, self, pairings.end, rid, day, title="无法结束结对")

    def aid_current(self) -> None:
        rid = self.current_id()
        if rid is None:
            QMessageBox.information(self, "提示", "请先选中一个结对。")
            return
        with self.db.reader() as s:
            p = s.get(Pairing, rid)
            sid, name, vid, vname = p.student_id, p.student.name, p.volunteer_id, p.volunteer.name
        AidDialog(self, self.db, sid, name, volunteer=(vid, vname),
                  on_save=self.save_with(pairings.add_aid)).exec()


class ActivitiesPage(ListPage):
    subject, title = "activities", "活动台账"
    search_hint = "搜索活动名称、拼音首字母或地点"

    def build_filters(self) -> None:
        self.add_filter("theme", "主题", _codes(self.ctx, "activity_theme"))
        self.add_filter("year", "年份", _year_items())

    def columns(self) -> list[C]:
        return [C("日期", lambda r: _date(r[0].date), Activity.date, "center"),
                C("活动名称", lambda r: r[0].title, Activity.title, width=220),
                C("主题类别", lambda r: r[0].theme, Activity.theme, width=130),
                C("组织单位", lambda r: r[0].organiser, Activity.organiser, width=150),
                C("地点", lambda r: r[0].place, Activity.place),
                C("参加五老(人)", lambda r: r[0].volunteer_count, Activity.volunteer_count, "right"),
                C("受教育青少年(人次)", lambda r: r[0].youth_count, Activity.youth_count, "right"),
                C("照片", lambda r: r[1] or "", None, "center")]

    def query(self) -> Select:
        photos = (select(func.count(ActivityPhoto.id))
                  .where(ActivityPhoto.activity_id == Activity.id).scalar_subquery())
        q = activities.query(self.search.text(), self.filter("theme") or "", self.filter("year"))
        return q.add_columns(photos).order_by(Activity.date.desc(), Activity.id.desc())

    def _save(self, rid: int | None, dialog_ref: list) -> Any:
        def save(s: Any, value: activities.ActivityInput) -> Any:
            if rid is None:
                act, changes = activities.create(s, value)
                aid = act.id
            else:
                changes = activities.update(s, rid, value)
                aid = rid
            for p in dialog_ref[0].new_photos:
                activities.attach_photo(s, aid, p, photo_dir(self.db.path))
            return changes
        return save

    def add(self) -> None:
        ref: list = []
        dialog = ActivityDialog(self, self.db, on_save=self.save_with(self._save(None, ref)))
        ref.append(dialog)
        dialog.exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            a = s.get(Activity, rid)
            initial = activities.to_input(a)
            chosen = {v.id: v.name for v in a.participants}
            photos = [photo_dir(self.db.path) / p.file_name for p in a.photos]
        ref: list = []
        dialog = ActivityDialog(self, self.db, initial, on_save=self.save_with(self._save(rid, ref)),
                                participants=chosen, photos=photos)
        ref.append(dialog)
        dialog.exec()


class DonationsPage(ListPage):
    subject, title = "donations", "捐资助学"
    search_hint = "搜索捐赠方名称或拼音首字母"

    def build_filters(self) -> None:
        self.add_filter("type", "类型", _codes(self.ctx, "donor_type"))
        self.add_filter("year", "年份", _year_items())

    def columns(self) -> list[C]:
        return [C("日期", lambda r: _date(r[0].date), Donation.date, "center"),
                C("捐赠方", lambda r: r[0].donor, Donation.donor, width=180),
                C("捐赠方类型", lambda r: r[0].donor_type, Donation.donor_type),
                C("捐款金额(元)", lambda r: format_yuan(r[0].money_fen), Donation.money_fen, "right"),
                C("捐物名称", lambda r: r[0].goods, Donation.goods),
                C("物资折价(元)", lambda r: format_yuan(r[0].goods_value_fen) if r[0].goods_value_fen
                  else "", Donation.goods_value_fen, "right"),
                C("用途", lambda r: r[0].purpose, Donation.purpose),
                C("受助对象", lambda r: r[0].recipients_text)]

    def query(self) -> Select:
        q = donations.query(self.search.text(), self.filter("type") or "", self.filter("year"))
        return q.add_columns(Donation.id).order_by(Donation.date.desc(), Donation.id.desc())

    def add(self) -> None:
        DonationDialog(self, self.db, on_save=self.save_with(donations.create)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            d = s.get(Donation, rid)
            initial = donations.to_input(d)
            chosen = {r.id: r.name for r in d.recipients}
        DonationDialog(self, self.db, initial, recipients=chosen,
                       on_save=self.save_with(lambda s, v: donations.update(s, rid, v))).exec()


class HonorsList(ListPage):
    subject, title = "honors", "表彰"
    search_hint = "搜索表彰对象或荣誉名称"

    def columns(self) -> list[C]:
        return [C("年度", lambda r: r[0].year, Honor.year, "center"),
                C("荣誉名称", lambda r: r[0].title, Honor.title, width=200),
                C("表彰对象", lambda r: r[0].recipient_name, Honor.recipient_name, width=160),
                C("级别", lambda r: r[0].level, Honor.level),
                C("授予单位", lambda r: r[0].issuer, Honor.issuer),
                C("表彰日期", lambda r: _date(r[0].date), Honor.date, "center")]

    def query(self) -> Select:
        q = select(Honor).where(Honor.deleted_at.is_(None))
        text = self.search.text().strip()
        if text:
            q = q.where(Honor.recipient_name.like(f"%{text}%") | Honor.title.like(f"%{text}%"))
        return q.add_columns(Honor.id).order_by(Honor.year.desc(), Honor.id.desc())

    def add(self) -> None:
        HonorDialog(self, self.db, on_save=self.save_with(honors.create_honor)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            initial = honors.honor_to_input(s.get(Honor, rid))
        HonorDialog(self, self.db, initial,
                    on_save=self.save_with(lambda s, v: honors.update_honor(s, rid, v))).exec()


class CaresList(ListPage):
    subject, title = "cares", "慰问"
    search_hint = "搜索五老姓名"

    def columns(self) -> list[C]:
        return [C("日期", lambda r: _date(r[0].date), VolunteerCare.date, "center"),
                C("五老", lambda r: r[1], Volunteer.name_initials),
                C("慰问事由", lambda r: r[0].occasion, VolunteerCare.occasion),
                C("慰问内容", lambda r: r[0].content, width=200),
                C("金额(元)", lambda r: format_yuan(r[0].money_fen), VolunteerCare.money_fen, "right")]

    def query(self) -> Select:
        q = (select(VolunteerCare, Volunteer.name)
             .join(Volunteer, VolunteerCare.volunteer_id == Volunteer.id)
             .where(VolunteerCare.deleted_at.is_(None), Volunteer.deleted_at.is_(None)))
        text = self.search.text().strip()
        if text:
            q = q.where(Volunteer.name.like(f"%{text}%")
                        | Volunteer.name_initials.like(f"{text.lower()}%"))
        return q.order_by(VolunteerCare.date.desc())

    def add(self) -> None:
        CareDialog(self, self.db, on_save=self.save_with(honors.create_care)).exec()

    def edit(self, rid: int) -> None:
        with self.db.reader() as s:
            c = s.get(VolunteerCare, rid)
            initial, name = honors.care_to_input(c), c.volunteer.name
        CareDialog(self, self.db, initial, volunteer_name=name,
                   on_save=self.save_with(lambda s, v: honors.update_care(s, rid, v))).exec()


class HonorsPage(QTabWidget):
    """表彰慰问: two lists in tabs."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.honors = HonorsList(ctx)
        self.cares = CaresList(ctx)
        self.addTab(self.honors, "表彰")
        self.addTab(self.cares, "慰问")
