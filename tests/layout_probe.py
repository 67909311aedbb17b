"""Finding what is cut off: every visible text widget of a window checked against the room it
has (shared by tests/test_gui_access.py)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QTabBar,
    QTableView,
    QWidget,
)


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's viewport (it may reach beyond what shows: it scrolls)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def _visible_rect(widget: QWidget) -> QRect:
    """The part of ``widget`` its ancestors leave visible, in its own coordinates."""
    rect = widget.rect()
    w = widget
    offset = QPoint(0, 0)
    while w.parentWidget() is not None and not w.isWindow():
        offset += w.pos()
        parent_rect = w.parentWidget().rect().translated(-offset)
        rect = rect.intersected(parent_rect)
        w = w.parentWidget()
    return rect


def cut_texts(root: QWidget) -> list[str]:
    """Every visible text of ``root`` narrower or shorter than it needs, or reaching out of its
    parents (when not in a scroll area): a sentence per widget."""
    cut: list[str] = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisible() or w.width() <= 0:
            continue
        name = type(w).__name__
        if isinstance(w, QLabel):
            text = w.text()
            if not text or (w.pixmap() is not None and not w.pixmap().isNull()):
                continue
            m = w.contentsMargins()
            room_w = w.width() - m.left() - m.right() - 2 * max(w.margin(), 0)
            room_h = w.height() - m.top() - m.bottom() - 2 * max(w.margin(), 0)
            if w.wordWrap():
                need_h = w.heightForWidth(w.width())
                if need_h > w.height() + 1:
                    cut.append(f"{name} {text[:40]!r}: height {w.height()} < {need_h}")
                # one word (a path without spaces) wider than the label cannot wrap
                longest = max((w.fontMetrics().horizontalAdvance(part)
                               for part in text.replace("\u200b", " ").split()
                               if part.isascii()), default=0)
                if longest > room_w + 1:
                    cut.append(f"{name} {text[:40]!r}: unbreakable {longest} > {room_w}")
            else:
                lines = text.split("\n")
                need_w = max(w.fontMetrics().horizontalAdvance(line) for line in lines)
                need_h = w.fontMetrics().lineSpacing() * len(lines) - w.fontMetrics().leading()
                if "<" not in text and need_w > room_w + 1:
                    cut.append(f"{name} {text[:40]!r}: width {room_w} < {need_w}")
                if need_h > room_h + 1:
                    cut.append(f"{name} {text[:40]!r}: height {room_h} < {need_h}")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                rect, text = w.tabRect(i), w.tabText(i)
                need = w.fontMetrics().horizontalAdvance(text.replace("&", "")) + 2
                if rect.width() < need or rect.right() > w.width() + 1:
                    cut.append(f"tab {text!r}: {rect.width()} < {need} or beyond {w.width()}")
        elif isinstance(w, QAbstractButton):
            if not w.text():
                continue
            need = w.minimumSizeHint()
            if isinstance(w, QCheckBox):
                need = need.expandedTo(w.sizeHint())
            if w.width() < need.width() or w.height() < need.height():
                cut.append(f"{name} {w.text()!r}: {w.width()}×{w.height()} < "
                           f"{need.width()}×{need.height()}")
        elif isinstance(w, QLineEdit) and not w.text() and w.placeholderText():
            text = w.placeholderText()
            m = w.textMargins()
            room = w.width() - m.left() - m.right() - 12 - (26 if w.isClearButtonEnabled() else 0)
            need = w.fontMetrics().horizontalAdvance(text)
            if need > room:
                cut.append(f"{name} placeholder {text[:40]!r}: {room} < {need}")
        elif isinstance(w, QListView) and not isinstance(w, QTableView) \
                and w.model() is not None and not w.wordWrap():
            room = w.viewport().width() - 2 * w.spacing() - 8
            for row in range(min(w.model().rowCount(), 60)):
                text = str(w.model().index(row, 0).data() or "")
                need = w.fontMetrics().horizontalAdvance(text)
                if need > room and "\n" not in text:
                    cut.append(f"{name} item {text[:40]!r}: {room} < {need} (sideways)")
                    break
        elif isinstance(w, QComboBox):
            text = w.currentText()
            need = w.fontMetrics().horizontalAdvance(text) + 24  # arrow and frame
            if text and w.width() < min(need, w.minimumSizeHint().width()):
                cut.append(f"{name} {text!r}: {w.width()} < {need}")
        elif isinstance(w, QHeaderView) and w.orientation().name == "Horizontal":
            view = w.parentWidget()
            if isinstance(view, QAbstractItemView) and view.model() is not None:
                for i in range(w.count()):
                    if w.isSectionHidden(i):
                        continue
                    if w.sectionSize(i) < w.sectionSizeHint(i) - 1 and \
                            w.sectionSize(i) < 320:
                        title = view.model().headerData(i, w.orientation())
                        cut.append(f"header {title!r}: {w.sectionSize(i)} < "
                                   f"{w.sectionSizeHint(i)}")
        if w is root or _scrolled(w) or w.isWindow():
            continue
        least = w.minimumSize()
        if name == "BarChart":  # painted: its labels need what its hint says
            least = least.expandedTo(w.minimumSizeHint())
        if least.height() > w.height() + 1 or least.width() > w.width() + 1:
            cut.append(f"{name} {w.objectName() or getattr(w, 'title', '')!r}: squeezed to "
                       f"{w.width()}×{w.height()} below its minimum "
                       f"{least.width()}×{least.height()}")
        if isinstance(w, (QLabel, QAbstractButton, QComboBox)) and w.isVisible():
            shown = _visible_rect(w)
            if shown.width() < w.width() - 1 or shown.height() < w.height() - 1:
                text = getattr(w, "text", lambda: "")() or getattr(w, "currentText", lambda: "")()
                cut.append(f"{name} {str(text)[:40]!r}: clipped by its parent "
                           f"({shown.width()}×{shown.height()} of {w.width()}×{w.height()})")
    return cut
