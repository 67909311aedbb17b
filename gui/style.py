"""The look: one stylesheet, sized for the chosen font size (normal / large / larger)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from models import paths

FONT_SIZES = {"normal": 11, "large": 13, "larger": 15}
FONT_LABELS = {"normal": "标准", "large": "大", "larger": "特大"}


def stylesheet(pt: int) -> str:
    return f"""
    QWidget {{ font-size: {pt}pt; }}
    QLabel#pageTitle {{ font-size: {pt + 6}pt; font-weight: bold; color: #1f3b5b; padding: 4px 0; }}
    QLabel#sectionTitle {{ font-size: {pt + 2}pt; font-weight: bold; color: #1f3b5b; }}
    QListWidget#nav {{ background: #1f3b5b; color: white; border: none; font-size: {pt + 1}pt; }}
    QListWidget#nav::item {{ padding: 9px 14px; }}
    QListWidget#nav::item:selected {{ background: #3b7dd8; color: white; }}
    QFrame#card {{ background: #f4f7fb; border: 1px solid #d5dfeb; border-radius: 6px; }}
    QLabel#cardTitle {{ color: #555; }}
    QLabel#cardValue {{ font-size: {pt + 8}pt; font-weight: bold; color: #1f3b5b; }}
    QLabel#cardDetail {{ color: #666; font-size: {max(pt - 1, 9)}pt; }}
    QTableView {{ gridline-color: #d9d9d9; selection-background-color: #cfe2fa;
                  selection-color: black; }}
    QHeaderView::section {{ background: #e8eef4; padding: 4px; border: 1px solid #d0d7e0;
                            font-weight: bold; }}
    QPushButton {{ padding: 5px 12px; }}
    QDialog QLineEdit, QDialog QComboBox, QDialog QSpinBox {{ min-width: 10em; }}
    QListWidget#forms::item {{ padding: 6px 4px; }}
    QListWidget#reminders::item {{ padding: 4px 2px; border-bottom: 1px solid #e3e3e3; }}
    QListWidget#nav::item:focus {{ outline: none; }}
    """


def current_size() -> str:
    size = paths.read_config().get("font_size", "normal")
    return size if size in FONT_SIZES else "normal"


def apply(app: QApplication, family: str | None = None, size: str | None = None) -> None:
    """Apply the font family and the chosen size to the whole application."""
    size = size or current_size()
    pt = FONT_SIZES[size]
    font = QFont(family or app.font().family())
    font.setPointSize(pt)
    app.setFont(font)
    app.setStyleSheet(stylesheet(pt))


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The part of the widget's screen (else the primary one) that windows may use: the
    screen less its taskbar, e.g. 1366×728 on a 1366×768 laptop."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)
