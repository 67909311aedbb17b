"""活动台账: the list of activities and their photos."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from gui.dialogs.records import ActivityDialog
from gui.list_page import ListPage
from gui.pages.common import _codes, _date, _year_items
from gui.table_model import ListColumn as C
from models import activities, lists, records
from models.entities import Activity
from models.paths import photo_dir


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
        return lists.activities(self.search.text(), self.filter("theme") or "",
                                self.filter("year"))

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
            a = records.live(s, Activity, rid)
            initial = activities.to_input(a)
            chosen = {v.id: v.name for v in a.participants}
            photos = [photo_dir(self.db.path) / p.file_name for p in a.photos]
        ref: list = []
        dialog = ActivityDialog(self, self.db, initial, on_save=self.save_with(self._save(rid, ref)),
                                participants=chosen, photos=photos)
        ref.append(dialog)
        dialog.exec()
