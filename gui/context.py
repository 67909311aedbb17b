"""What every page needs: the database, the change bus, masking and the last deletion."""

from __future__ import annotations

from dataclasses import dataclass, field

from gui.bus import ChangeBus
from models import audit, idcard, settings
from models.changes import Changes
from models.db import Database


@dataclass
class AppContext:
    db: Database
    bus: ChangeBus = field(default_factory=ChangeBus)
    masked: bool = True
    #: (subject, record id, label) of the last record moved to the 回收站 (for 撤销)
    last_deleted: tuple[str, int, str] | None = None

    def __post_init__(self) -> None:
        self.masked = self.db.setting("mask_ids", "1") != "0"

    def set_masked(self, masked: bool) -> None:
        """Show or hide full ID numbers; showing them is written to the audit log."""
        with self.db.session() as s:
            settings.put(s, "mask_ids", "1" if masked else "0")
            if not masked:
                audit.log(s, "显示完整号码", "settings", None, "在列表中显示完整身份证号和电话")
        self.masked = masked
        self.bus.publish(Changes.of("settings", "volunteers", "students", "groups"))

    def id_text(self, number: str | None) -> str:
        return idcard.mask_id(number) if self.masked else (number or "")

    def phone_text(self, phone: str | None) -> str:
        return idcard.mask_phone(phone) if self.masked else (phone or "")
