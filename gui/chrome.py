"""The framing dialogs and pages share: a worded row of standard buttons, a frameless scroll area.
Imports Qt alone, so the first dialogs (password, first run) load nothing more."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QScrollArea, QWidget


def dialog_buttons(dialog: QDialog,
                   *buttons: tuple[QDialogButtonBox.StandardButton, str]) -> QDialogButtonBox:
    """A row of standard buttons worded as given (``(Save, "保存")``), wired to ``dialog``'s
    accept and reject."""
    flags = buttons[0][0]
    for which, _ in buttons[1:]:
        flags |= which
    box = QDialogButtonBox(flags)
    for which, text in buttons:
        box.button(which).setText(text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def scroll_area(widget: QWidget | None = None, wrap: bool = True) -> QScrollArea:
    """A frameless scroll area fitting ``widget`` to its width; with ``wrap``, never a horizontal
    scroll bar (the content wraps instead)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    if wrap:
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if widget is not None:
        scroll.setWidget(widget)
    return scroll
