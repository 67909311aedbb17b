"""What every page needs: the database, the change bus, masking and the last deletion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QWidget

from gui.bus import ChangeBus
from gui.ops import perform
from models import audit, idcard
from models.changes import Changes
from models.db import Database


@dataclass
class AppContext:
    db: Database
    bus: ChangeBus = field(default_factory=ChangeBus)
    masked: bool = True
    #: (subject, record id, label) of the last record moved to the 回收站 (for 撤销)
    last_deleted: tuple[str, int, str] | None = None

    def set_masked(self, masked: bool, parent: QWidget | None = None) -> bool:
        """Show or hide full ID numbers for this session only (never stored: every start is
        masked); showing them is written to the audit log first. False if that failed."""
        if not masked and not self.audit(parent, "显示完整号码",
                                         "在列表中显示完整身份证号和电话（本次运行）"):
            return False
        self.masked = masked
        self.bus.publish(Changes.of("settings", "volunteers", "students", "groups"))
        return True

    def audit(self, parent: QWidget | None, action: str, detail: str, subject: str = "privacy",
              ) -> bool:
        """Write one audit line in its own transaction (through ``perform``)."""
        def write(s: Any) -> Changes:
            audit.log(s, action, subject, None, detail)
            return Changes()

        return bool(perform(self, parent, write, title="没有完成"))

    def id_text(self, number: str | None) -> str:
        return idcard.mask_id(number) if self.masked else (number or "")

    def phone_text(self, phone: str | None) -> str:
        return idcard.mask_phone(phone) if self.masked else (phone or "")
