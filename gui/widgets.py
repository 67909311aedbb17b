"""Small input widgets the dialogs share: optional dates, code drop-downs, multi-choice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtWidgets import QCheckBox as _Check

from exports.cells import CellProblem, date_value

#: What a picker calls with the typed text: the matching records as (id, label) pairs.
Search = Callable[[str], Iterable[tuple[int, str]]]


def shortcut(key: QKeySequence, parent: QObject, slot: Callable[[], object],
             context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> QShortcut:
    """A keyboard shortcut on ``parent`` calling ``slot``, active in ``context``. (PySide6's
    constructor taking the slot drops its ``context`` argument; this sets both apart.)"""
    sc = QShortcut(key, parent)
    sc.setContext(context)
    sc.activated.connect(slot)
    return sc


class _WholeButton(QPushButton):
    """A button never squeezed below its text (今天 must not become 今), in any font size."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        text = self.fontMetrics().horizontalAdvance(self.text())
        return hint.expandedTo(QSize(max(self.sizeHint().width(), text + 16), hint.height()))


class HintEdit(QLineEdit):
    """A line edit never narrower than its hint (placeholder) in the current text size: the
    width is asked of the font each time the layout asks (特大, 长辈版 switched on at once), no
    event filter needed."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        fm = self.fontMetrics()
        clear = 30 if self.isClearButtonEnabled() else 0
        need = fm.horizontalAdvance(self.placeholderText()) + 24 + clear
        return QSize(max(hint.width(), need), hint.height())


class DateEdit(QWidget):
    """A date typed as clerks write it (2025.6.1, 2025-06-01, 2025年6月1日); may be empty."""

    changed = Signal()

    def __init__(self, month_only: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.month_only = month_only
        self._exact: dt.date | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("如 1955.03" if month_only else "如 2025.06.01")
        self.edit.textChanged.connect(self.changed)
        today = _WholeButton("今天")
        today.setToolTip("填入今天的日期")
        today.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        today.clicked.connect(lambda: self.set_date(dt.date.today()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        if not month_only:
            layout.addWidget(today)

    def set_date(self, value: dt.date | None) -> None:
        self._exact = value
        if value is None:
            self.edit.clear()
        else:
            self.edit.setText(f"{value:%Y.%m}" if self.month_only else f"{value:%Y.%m.%d}")

    def date(self) -> dt.date | None:
        """The date, None when empty. Raises CellProblem when the text is not a date."""
        text = self.edit.text().strip()
        if not text:
            return None
        exact = self._exact
        if self.month_only and exact is not None and text == f"{exact:%Y.%m}":
            return exact  # a stored day within the month shown stays as it was
        day, _ = date_value(text)
        return day

    def problem(self) -> str | None:
        try:
            self.date()
        except CellProblem as err:
            return str(err)
        return None


class CodeCombo(QComboBox):
    """A drop-down of a code table; optionally with an empty first entry."""

    def __init__(self, values: list[str], allow_empty: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if allow_empty:
            self.addItem("", "")
        for v in values:
            self.addItem(v, v)

    def value(self) -> str:
        return self.currentData() or ""

    def set_value(self, value: str | None) -> None:
        i = self.findData(value or "")
        if i < 0 and value:
            self.addItem(value, value)
            i = self.count() - 1
        self.setCurrentIndex(max(i, 0))


class IdCombo(QComboBox):
    """A drop-down of records (name → id), with an optional empty entry."""

    def __init__(self, items: list[tuple[str, int]], allow_empty: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(False)
        if allow_empty:
            self.addItem("（无）", None)
        for text, rid in items:
            self.addItem(text, rid)

    def value(self) -> int | None:
        return self.currentData()

    def set_value(self, rid: int | None) -> None:
        """Choose ``rid``; a record not in the list (deleted since) stays chosen, so that
        saving unchanged keeps it."""
        i = self.findData(rid)
        if i < 0 and rid is not None:
            self.addItem("（已不在列表中）", rid)
            i = self.count() - 1
        self.setCurrentIndex(max(i, 0))


class MultiCheck(QWidget):
    """Several choices as check boxes in a grid (categories, roles)."""

    def __init__(self, values: list[str], columns: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.columns = columns
        self.boxes: dict[str, _Check] = {}
        self._set: list[str] = []
        for i, v in enumerate(values):
            box = _Check(v)
            self.boxes[v] = box
            grid.addWidget(box, i // columns, i % columns)

    def values(self) -> list[str]:
        """The ticked values: those set earlier in their own order, then new ones."""
        ticked = [v for v, b in self.boxes.items() if b.isChecked()]
        earlier = [v for v in self._set if v in ticked]
        return earlier + [v for v in ticked if v not in earlier]

    def set_values(self, values: list[str]) -> None:
        """Tick ``values``; one not offered (no longer in the code table) gets its own box, so
        that saving unchanged keeps it."""
        self._set = list(values)
        for v in values:
            if v not in self.boxes:
                box = _Check(v)
                self.boxes[v] = box
                n = len(self.boxes) - 1
                self.grid.addWidget(box, n // self.columns, n % self.columns)
        for v, b in self.boxes.items():
            b.setChecked(v in values)


class RecordPicker(QWidget):
    """Find a record by typing (name, pinyin initials, ID number) and pick it from the list."""

    picked = Signal()

    def __init__(self, search: Search, placeholder: str, multi: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_fn = search
        self.multi = multi
        self.edit = HintEdit()
        self.edit.setPlaceholderText(placeholder)
        self.list = QListWidget()
        self.list.setMaximumHeight(max(130, self.list.fontMetrics().lineSpacing() * 6))
        # a long entry (name, unit, ID number) wraps: no sideways scrolling
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        if multi:  # a check box per entry, ticked with the entry chosen (click or Space)
            self.list.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
            self.list.itemChanged.connect(self._checked)
        self.chosen: dict[int, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.edit.textChanged.connect(self.refresh)
        self.list.itemSelectionChanged.connect(self._selection)
        self.refresh("")

    def refresh(self, text: str = "") -> None:
        self.list.blockSignals(True)
        self.list.clear()
        seen = set()
        for rid, label in list(self.chosen.items()) + list(self.search_fn(text)):
            if rid in seen:
                continue
            seen.add(rid)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, rid)
            if self.multi:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if rid in self.chosen
                                   else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            item.setSelected(rid in self.chosen)
        self.list.blockSignals(False)

    def _checked(self, item: QListWidgetItem) -> None:
        want = item.checkState() == Qt.CheckState.Checked
        if item.isSelected() != want:
            item.setSelected(want)  # the selection is what counts (_selection)

    def _selection(self) -> None:
        self.chosen = {i.data(Qt.ItemDataRole.UserRole): i.text() for i in self.list.selectedItems()}
        if self.multi:
            self.list.blockSignals(True)
            for row in range(self.list.count()):
                item = self.list.item(row)
                item.setCheckState(Qt.CheckState.Checked if item.isSelected()
                                   else Qt.CheckState.Unchecked)
            self.list.blockSignals(False)
        self.picked.emit()

    def set_chosen(self, items: dict[int, str]) -> None:
        self.chosen = dict(items)
        self.refresh(self.edit.text())

    def value(self) -> int | None:
        return next(iter(self.chosen), None)

    def values(self) -> list[int]:
        return list(self.chosen)


class HoursEdit(QWidget):
    """志愿服务时长 in hours (0.5 steps, two decimals), kept as whole minutes; a value shown and
    not changed gives back exactly the minutes it was set from."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(0, 24)
        self.spin.setDecimals(2)
        self.spin.setSingleStep(0.5)
        self.spin.setSuffix(" 小时")
        self.spin.setSpecialValueText("未记录")
        self.spin.valueChanged.connect(self.changed)
        self._set: tuple[float, int] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin)

    def set_minutes(self, minutes: int) -> None:
        self.spin.setValue(minutes / 60)
        self._set = (self.spin.value(), minutes)

    def minutes(self) -> int:
        if self._set is not None and self._set[0] == self.spin.value():
            return self._set[1]
        return round(self.spin.value() * 60)


class ParticipantHours(QWidget):
    """The 五老 who took part in an activity, each ticked with their hours: find a 五老 by
    typing (name, pinyin initials, ID number) and tick them; a new tick gets the 每人时长."""

    picked = Signal()

    def __init__(self, search: Search, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_fn = search
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("输入姓名或拼音首字母查找五老，勾选参加的人")
        self.found = QListWidget()
        self.found.setMaximumHeight(110)
        self.default = HoursEdit()
        self.rows: dict[int, tuple[_Check, HoursEdit]] = {}
        self.chosen_box = QWidget()
        self.grid = QGridLayout(self.chosen_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        default_row = QHBoxLayout()
        default_row.addWidget(QLabel("新勾选的每人时长："))
        default_row.addWidget(self.default, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.found)
        layout.addLayout(default_row)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        layout.addWidget(self.chosen_box)
        self.edit.textChanged.connect(self.refresh)
        self.found.itemChanged.connect(self._ticked)
        self.refresh("")
        self._count()

    def refresh(self, text: str = "") -> None:
        self.found.blockSignals(True)
        self.found.clear()
        for rid, label in self.search_fn(text):
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, rid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = rid in self.rows and self.rows[rid][0].isChecked()
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.found.addItem(item)
        self.found.blockSignals(False)

    def _ticked(self, item: QListWidgetItem) -> None:
        rid = item.data(Qt.ItemDataRole.UserRole)
        on = item.checkState() == Qt.CheckState.Checked
        name = item.text().split("（")[0]
        if on and rid not in self.rows:
            self._add_row(rid, name, self.default.minutes())
        elif rid in self.rows:
            self.rows[rid][0].setChecked(on)
        self._count()
        self.picked.emit()

    def _add_row(self, rid: int, name: str, minutes: int) -> None:
        box = _Check(name)
        box.setChecked(True)
        box.toggled.connect(self._row_toggled)
        hours = HoursEdit()
        hours.set_minutes(minutes)
        n = len(self.rows)
        self.grid.addWidget(box, n, 0)
        self.grid.addWidget(hours, n, 1)
        self.rows[rid] = (box, hours)

    def _row_toggled(self, _on: bool) -> None:
        self._count()
        self.picked.emit()

    def _count(self) -> None:
        n = len(self.values())
        self.summary.setText(f"已勾选 {n} 位五老（取消勾选即移除）" if n else "还没有勾选参加的五老")

    def set_chosen(self, items: dict[int, str], minutes: dict[int, int] | None = None) -> None:
        for rid, name in items.items():
            self._add_row(rid, name, (minutes or {}).get(rid, 0))
        self.refresh(self.edit.text())
        self._count()

    def values(self) -> list[int]:
        return [rid for rid, (box, _h) in self.rows.items() if box.isChecked()]

    def minutes(self) -> dict[int, int]:
        return {rid: hours.minutes() for rid, (box, hours) in self.rows.items() if box.isChecked()}
