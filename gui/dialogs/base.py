"""The base of every record dialog: fields in two columns, messages next to the field,
保存 runs the service in one transaction and keeps the dialog open on a refusal."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from exports.cells import CellProblem
from gui import style
from gui.chrome import dialog_buttons, scroll_area
from gui.ops import FAILED
from gui.widgets import CodeCombo, DateEdit, IdCombo, MultiCheck, shortcut
from models.db import Database
from models.errors import DataError, UserError, ValidationError
from models.subjects import subject

ERROR_STYLE = style.ERROR_STYLE
T = TypeVar("T")
W = TypeVar("W", bound=QWidget)


class FormDialog(QDialog):
    """Subclasses add fields with ``field`` (a field of their :attr:`subject`) or ``add`` (a
    widget that is no field) and implement ``value()`` (a typed input)."""

    #: the subject key (models.subjects) whose fields :meth:`field` adds
    subject = ""

    def __init__(self, parent: QWidget | None, db: Database, title: str,
                 on_save: Callable[[Any], Any] | None = None, columns: int = 2) -> None:
        super().__init__(parent)
        self.db = db
        self.on_save = on_save
        self.saved: Any = None
        #: the record's whole value when editing (``edited`` changes only the shown fields)
        self.initial: Any = None
        self.setWindowTitle(title)
        self.setModal(True)
        self.errors: dict[str, QLabel] = {}
        #: the widgets added with :meth:`field`, by field key
        self.keyed: dict[str, QWidget] = {}
        self.forms = [QFormLayout() for _ in range(columns)]
        for form in self.forms:
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        #: the sections (tabs) when ``section`` is used, and the tab holding each field
        self.tabs: QTabWidget | None = None
        self.field_tab: dict[str, int] = {}
        body = QWidget()
        cols = QHBoxLayout(body)
        for form in self.forms:
            cols.addLayout(form, 1)
        self.body = body
        self.body_scroll = scroll = scroll_area(body)
        self.banner = QLabel()
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.buttons = dialog_buttons(self, (QDialogButtonBox.StandardButton.Save, "保存"),
                                      (QDialogButtonBox.StandardButton.Cancel, "取消"))
        shortcut(QKeySequence("Ctrl+S"), self, self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)

    def showEvent(self, event: Any) -> None:
        """Open big enough for every field, but never larger than the screen's free area
        (1366×728 on a 1366×768 laptop), centred on the window. From then on the dialog keeps
        its size and place (a longer hint wraps, a taller body scrolls): the next click never
        misses because the dialog moved."""
        if not getattr(self, "_sized", False):
            self._sized = True
            cols = self.body.layout()
            assert cols is not None
            cols.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
            self._fit(grow_only=False)
            style.centre_on_parent(self)
        super().showEvent(event)

    def _fit(self, grow_only: bool = True) -> None:
        """Size for the body's preferred size (at least its minimum) within the screen; a body
        wider than the screen scrolls rather than being cut."""
        self.body.adjustSize()
        need = self.body.sizeHint().expandedTo(self.body.minimumSizeHint())
        area = style.available_geometry(self)
        decoration = self.frameGeometry().size() - self.geometry().size()
        max_w = area.width() - max(decoration.width(), 8)
        max_h = area.height() - max(decoration.height(), 40)  # room for the title bar
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        outer = self.layout()
        assert outer is not None
        margins = outer.contentsMargins()
        chrome_w = margins.left() + margins.right() + bar + 4
        chrome_h = (margins.top() + margins.bottom() + outer.spacing() * 2
                    + self.buttons.sizeHint().height()
                    + (self.banner.sizeHint().height() if self.banner.isVisible() else 0) + 4)
        width = min(need.width() + chrome_w, max_w)
        height = min(need.height() + chrome_h, max_h)
        if grow_only:
            width, height = max(width, self.width()), max(height, self.height())
        self.body_scroll.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded if need.width() + chrome_w > max_w
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            frame = self.frameGeometry()
            if not area.contains(frame):  # keep the grown dialog on the screen
                self.move(max(area.left(), min(frame.left(), area.right() - frame.width())),
                          max(area.top(), min(frame.top(), area.bottom() - frame.height())))

    def add(self, label: str, widget: W, column: int = 0, required: bool = False,
            note: str = "") -> W:
        """Add a field; its error message appears right under it. Returns ``widget`` with its
        own type, so ``self.name = self.add("姓名", QLineEdit())`` is a QLineEdit to mypy."""
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(widget)
        err = QLabel()
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        err.hide()
        box.addWidget(err)
        if note:
            hint = QLabel(note)
            hint.setObjectName("hint")
            box.addWidget(hint)
        self.errors[label] = err
        if self.tabs is not None:
            self.field_tab[label] = self.tabs.count() - 1
        text = f"{label}{' *' if required else ''}："
        self.forms[min(column, len(self.forms) - 1)].addRow(text, holder)
        return widget

    def field(self, key: str, widget: W, column: int = 0, note: str = "") -> W:
        """Add field ``key`` of the dialog's :attr:`subject`, labelled and marked required as
        its descriptor (models.subjects) says, so that the rule set's messages find it."""
        fd = subject(self.subject).field(key)
        self.keyed[key] = widget
        return self.add(fd.label, widget, column, required=fd.required, note=note)

    def fill(self, data: Any) -> None:
        """Show ``data`` in every field added with :meth:`field`, each from the attribute its
        key names, in the order the fields were added."""
        for key, widget in self.keyed.items():
            put(widget, getattr(data, key))

    def read(self) -> dict[str, Any]:
        """What every field added with :meth:`field` holds, by key, in the order the fields were
        added; raises ValidationError for the first date that is not one (as :meth:`date_of`)."""
        return {key: self.date_of(key, widget) if isinstance(widget, DateEdit) else got(widget)
                for key, widget in self.keyed.items()}

    def label(self, key: str) -> str:
        """The label of field ``key`` of the dialog's subject (as :meth:`field` shows it)."""
        return subject(self.subject).label_of(key)

    def date_of(self, key: str, widget: Any) -> Any:
        """The date in ``widget`` for field ``key``, or ValidationError naming the field."""
        return read_date(self, self.label(key), widget)

    def section(self, title: str, columns: int = 2) -> None:
        """Put the fields added from now on on a tab of their own (基本情况 / 家庭与监护 …), in
        ``columns`` columns. The first call turns the dialog's body into tabs."""
        cols = self.body.layout()
        assert cols is not None
        if self.tabs is None:
            while cols.count():
                cols.takeAt(0)
            self.tabs = QTabWidget()
            cols.addWidget(self.tabs)
        page = QWidget()
        row = QHBoxLayout(page)
        self.forms = [QFormLayout() for _ in range(columns)]
        for form in self.forms:
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            row.addLayout(form, 1)
        self.tabs.addTab(page, title)

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.hide()
        self.banner.hide()

    def show_error(self, field: str, message: str) -> None:
        label = self.errors.get(field)
        if self.tabs is not None and field in self.field_tab:
            self.tabs.setCurrentIndex(self.field_tab[field])  # the field with the message
        if label is None:
            self.banner.setText(f"{field}：{message}" if field else message)
            self.banner.show()
            return
        label.setText(message)
        label.show()

    def value(self) -> Any:
        raise NotImplementedError

    def edited(self, cls: type[T], **shown: Any) -> T:
        """The value to save: the record's whole value (``self.initial``) with only the fields
        this dialog shows replaced, or a new ``cls`` when adding."""
        if self.initial is not None:
            return dataclasses.replace(self.initial, **shown)
        return cls(**shown)

    def accept(self) -> None:
        """Validate and save; stay open with the message beside the field on a refusal."""
        self.clear_errors()
        try:
            data = self.value()
        except ValidationError as err:
            self.show_error(err.field, err.reason)
            return
        except CellProblem as err:
            self.show_error("", str(err))
            return
        if self.on_save is not None:
            try:
                self.saved = self.on_save(data)
            except ValidationError as err:
                self.show_error(err.field, err.reason)
                return
            except (DataError, UserError) as err:
                self.show_error("", err.message)
                return
            if self.saved is FAILED:  # unexpected error, already shown: keep what was typed
                return
        super().accept()


def read_date(dialog: FormDialog, label: str, widget: Any) -> Any:
    """The date of a DateEdit, or ValidationError naming the field."""
    try:
        return widget.date()
    except CellProblem as err:
        raise ValidationError(label, str(err)) from err


def put(widget: QWidget, value: Any) -> None:
    """Show ``value`` in a field widget of any kind the dialogs use (None as empty)."""
    if isinstance(widget, DateEdit):
        widget.set_date(value)
    elif isinstance(widget, (CodeCombo, IdCombo)):
        widget.set_value(value)
    elif isinstance(widget, MultiCheck):
        widget.set_values(value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(value)
    elif isinstance(widget, QSpinBox):
        widget.setValue(value)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(value or "")
    else:
        raise TypeError(f"no way to show a value in {type(widget).__name__}")


def got(widget: QWidget) -> Any:
    """The value in a field widget of any kind the dialogs use (a DateEdit's: :func:`read_date`)."""
    if isinstance(widget, (CodeCombo, IdCombo, QSpinBox)):
        return widget.value()
    if isinstance(widget, MultiCheck):
        return widget.values()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QLineEdit):
        return widget.text()
    raise TypeError(f"no way to read a value from {type(widget).__name__}")
