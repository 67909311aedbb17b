"""The app-wide signal that tells pages what changed (architecture.md example 3)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from models.changes import Changes


class ChangeBus(QObject):
    changed = Signal(object)

    def publish(self, changes: Changes) -> None:
        if changes.any():
            self.changed.emit(changes)
