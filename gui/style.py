"""The look: one stylesheet, sized for the chosen text size (标准 / 大 / 特大 / 长辈版).

长辈版 (the elder mode of the 工信部 适老化 rules) is the largest size plus: click targets at least
60 px high, row heights of at least 1.3 lines, dark text only (contrast ≥ 4.5:1, see COLOURS) and
a bold focus frame. Every size shows which widget has the keyboard focus (FOCUS)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from models import paths

ELDER = "elder"
FONT_SIZES = {"normal": 11, "large": 13, "larger": 15, ELDER: 18}
FONT_LABELS = {"normal": "标准", "large": "大", "larger": "特大", ELDER: "长辈版"}
#: the height every click target has in 长辈版 (buttons, fields, check boxes, list entries)
ELDER_TARGET = 60
#: the navigation's entries in 长辈版: thirteen of them (关工阵地 since schema 8) must fit the
#: 1366×728 screen's window (about 630 px between title bar and status bar), so 48 px each
NAV_ITEM = 48
#: line spacing of rows in 长辈版, as a multiple of the font's height
ELDER_LINE = 1.3

#: the colours of text on their backgrounds (each pair is checked for contrast ≥ 4.5:1 by
#: tests/test_gui_access.py)
COLOURS = {
    "title": ("#1f3b5b", "#ffffff"),
    "nav": ("#ffffff", "#1f3b5b"),
    "nav_selected": ("#ffffff", "#2a63b8"),
    "card_title": ("#4a4a4a", "#f4f7fb"),
    "card_detail": ("#555555", "#f4f7fb"),
    "hint": ("#555555", "#ffffff"),
    "error": ("#b3261e", "#ffffff"),
    "ok": ("#1b5e20", "#ffffff"),
    "button": ("#1a1a1a", "#f3f5f8"),
    "button_disabled": ("#5f6670", "#eceff3"),
    "placeholder": ("#5f6670", "#ffffff"),
    "header": ("#1a1a1a", "#e8eef4"),
    "selection": ("#000000", "#cfe2fa"),
}
#: the focus frame's colour (a frame, not text: 3:1 against white is its bar; it has 6.6:1)
FOCUS = "#1a5fb4"
ERROR_STYLE = f"color:{COLOURS['error'][0]};"
HINT_STYLE = f"color:{COLOURS['hint'][0]};"
OK_STYLE = f"color:{COLOURS['ok'][0]};"


def stylesheet(pt: int, elder: bool = False) -> str:
    c = {k: v[0] for k, v in COLOURS.items()}
    bg = {k: v[1] for k, v in COLOURS.items()}
    sheet = f"""
    QWidget {{ font-size: {pt}pt; }}
    QLabel#pageTitle {{ font-size: {pt + 6}pt; font-weight: bold; color: {c['title']};
                        padding: 4px 0; }}
    QLabel#sectionTitle {{ font-size: {pt + 2}pt; font-weight: bold; color: {c['title']}; }}
    QLabel#hint {{ color: {c['hint']}; }}
    QLabel#error {{ color: {c['error']}; }}
    QListWidget#nav {{ background: {bg['nav']}; color: {c['nav']}; border: none;
                       font-size: {pt + 1}pt; }}
    QListWidget#nav::item {{ padding: 9px 14px; }}
    QListWidget#nav::item:selected {{ background: {bg['nav_selected']}; color: {c['nav']}; }}
    QFrame#card {{ background: {bg['card_title']}; border: 1px solid #d5dfeb; border-radius: 6px; }}
    QLabel#cardTitle {{ color: {c['card_title']}; }}
    QLabel#cardValue {{ font-size: {pt + 8}pt; font-weight: bold; color: {c['title']}; }}
    QLabel#cardDetail {{ color: {c['card_detail']}; font-size: {max(pt - 1, 9)}pt; }}
    QTableView {{ gridline-color: #d9d9d9; selection-background-color: {bg['selection']};
                  selection-color: {c['selection']}; }}
    QHeaderView::section {{ background: {bg['header']}; color: {c['header']}; padding: 4px;
                            border: 1px solid #d0d7e0; font-weight: bold; }}
    QPushButton {{ padding: 5px 12px; color: {c['button']}; background: {bg['button']};
                   border: 1px solid #8a97a8; border-radius: 4px; }}
    QPushButton:hover {{ background: #e4ecf6; }}
    QPushButton:pressed, QPushButton:checked {{ background: #cfe0f5; }}
    QPushButton:disabled {{ color: {c['button_disabled']}; background: {bg['button_disabled']}; }}
    QDialog QLineEdit, QDialog QComboBox, QDialog QAbstractSpinBox {{ min-width: 10em; }}
    QListWidget#forms::item {{ padding: 6px 4px; }}
    QListWidget#reminders::item {{ padding: 4px 2px; border-bottom: 1px solid #e3e3e3; }}
    QListWidget#nav::item:focus {{ outline: none; }}
    /* the keyboard focus is always visible */
    QPushButton:focus {{ border: 3px solid {FOCUS}; background: #e3edfb; }}
    QLineEdit:focus, QComboBox:focus, QAbstractSpinBox:focus, QTextEdit:focus, QPlainTextEdit:focus,
    QTableView:focus, QListWidget:focus, QTreeView:focus {{ border: 3px solid {FOCUS}; }}
    QCheckBox:focus, QRadioButton:focus {{ background: #e3edfb; border: 2px solid {FOCUS};
                                           border-radius: 3px; }}
    QTabBar::tab {{ background: {bg['header']}; color: {c['header']}; border: 1px solid #b8c4d2;
                    border-bottom: none; padding: 6px 14px; margin-right: 2px; }}
    QTabBar::tab:selected {{ background: #ffffff; font-weight: bold; }}
    QTabBar::tab:focus {{ border: 3px solid {FOCUS}; border-bottom: none; }}
    """
    if elder:
        target = ELDER_TARGET
        sheet += f"""
    QPushButton {{ min-height: {target - 12}px; padding: 5px 16px; }}
    QLineEdit, QComboBox, QAbstractSpinBox {{ min-height: {target - 2}px; }}
    QCheckBox, QRadioButton {{ min-height: {target}px; }}
    QCheckBox::indicator, QRadioButton::indicator {{ width: 26px; height: 26px; }}
    QListWidget#nav::item {{ min-height: {NAV_ITEM - 12}px; padding: 6px 12px; }}
    QListWidget#forms::item, QListWidget#reminders::item {{ min-height: {target - 12}px; }}
    QListWidget::item {{ min-height: {target - 12}px; }}
    QTabBar::tab {{ min-height: {target - 16}px; padding: 4px 18px; }}
    """
    return sheet


def current_size() -> str:
    size = paths.read_config().get("font_size", "normal")
    return size if size in FONT_SIZES else "normal"


def is_elder() -> bool:
    return current_size() == ELDER


def row_height(widget: QWidget) -> int:
    """The height of a list's row for the widget's font: 1.3 lines at least (30 px at 标准)."""
    return max(30, round(widget.fontMetrics().height() * (1.6 if is_elder() else 1.3)))


def apply(app: QApplication, family: str | None = None, size: str | None = None) -> None:
    """Apply the font family and the chosen size to the whole application."""
    size = size or current_size()
    pt = FONT_SIZES[size]
    font = QFont(family or app.font().family())
    font.setPointSize(pt)
    app.setFont(font)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(COLOURS["placeholder"][0]))
    app.setPalette(palette)
    app.setStyleSheet(stylesheet(pt, elder=size == ELDER))


def set_elder(on: bool) -> None:
    """The 长辈版 switch (首页 and 设置): on remembers the size chosen before it; off goes back
    to that size."""
    config = paths.read_config()
    if on and current_size() != ELDER:
        config["size_before_elder"] = current_size()
        paths.write_config(config)
    switch(ELDER if on else str(config.get("size_before_elder") or "normal"))


def switch(size: str, app: QApplication | None = None) -> None:
    """Choose the text size (长辈版 included) from now on: stored in the per-user
    configuration and applied to every window at once."""
    config = paths.read_config()
    if config.get("font_size") != size:
        config["font_size"] = size
        paths.write_config(config)
    instance = app or QApplication.instance()
    if isinstance(instance, QApplication):
        apply(instance, size=size)


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The part of the widget's screen (else the primary one) that windows may use: the
    screen less its taskbar, e.g. 1366×728 on a 1366×768 laptop."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


def fit_on_screen(window: QWidget, width: int, height: int) -> None:
    """Size a top-level window to at most ``width``×``height`` within the screen's free area
    (never under the taskbar) and keep it on that area."""
    area = available_geometry(window)
    decoration = window.frameGeometry().size() - window.geometry().size()
    width = min(width, area.width() - max(decoration.width(), 8))
    height = min(height, area.height() - max(decoration.height(), 40))
    window.resize(width, height)
    frame = window.frameGeometry()
    if not area.contains(frame):
        window.move(max(area.left(), min(frame.left(), area.right() + 1 - frame.width())),
                    max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height())))


def centre_on_parent(dialog: QWidget) -> None:
    """Put ``dialog`` in the middle of its parent window (else of the screen's free area),
    wholly within that area."""
    area = available_geometry(dialog)
    parent = dialog.parentWidget()
    centre = parent.window().frameGeometry().center() if parent is not None else area.center()
    frame = dialog.frameGeometry()
    x = centre.x() - frame.width() // 2
    y = centre.y() - frame.height() // 2
    x = max(area.left(), min(x, area.right() + 1 - frame.width()))
    y = max(area.top(), min(y, area.bottom() + 1 - frame.height()))
    dialog.move(x, y)


def fit_dialog(dialog: QWidget, width: int, body: QWidget | None = None) -> None:
    """Size a dialog once, before it shows: ``width`` (at least what it needs, at most the
    free screen) and the height its wrapped texts need at that width (at most the free screen;
    ``body``, the widget inside its scroll area, scrolls beyond), centred on its parent. The
    dialog then keeps its size and place."""
    area = available_geometry(dialog)
    layout = dialog.layout()
    assert layout is not None
    layout.activate()
    w = min(max(width, dialog.minimumSizeHint().width()), area.width() - 8)
    if body is not None:
        m = layout.contentsMargins()
        inner = w - m.left() - m.right() - 24  # room for a scroll bar
        body_h = body.heightForWidth(inner) if body.hasHeightForWidth() else -1
        body_h = max(body_h, body.sizeHint().height())
        viewport = body.parentWidget()  # body sits in a scroll area's viewport
        scroll = viewport.parentWidget() if viewport is not None else None
        rest = layout.totalSizeHint().height() - (scroll.sizeHint().height() if scroll else 0)
        h = body_h + rest + 8
    else:
        h = layout.totalHeightForWidth(w) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
    h = min(max(h, dialog.minimumSizeHint().height()), area.height() - 40)
    dialog.resize(w, h)
    centre_on_parent(dialog)
