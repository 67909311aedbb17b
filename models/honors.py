"""表彰 (commendations) and 慰问 (care visits to 五老)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models import codetables, records, rules
from models.changes import Changes
from models.entities import Honor, VolunteerCare
from models.money import parse_fen, yuan_text


@dataclass
class HonorInput:
    title: str
    recipient_name: str
    year: int
    level: str = "乡镇级"
    date: dt.date | None = None
    issuer: str = ""
    volunteer_id: int | None = None
    group_id: int | None = None
    note: str = ""


def honor_values(s: Session, data: HonorInput) -> dict[str, Any]:
    rules.require("honors", {"title": data.title.strip(),
                             "recipient_name": data.recipient_name.strip(), "year": data.year})
    values = {"title": data.title.strip(), "recipient_name": data.recipient_name.strip(),
            "year": data.year, "date": data.date,
            "level": codetables.require(s, "honor_level", data.level, rules.label("honors", "level")),
            "issuer": data.issuer.strip(), "volunteer_id": data.volunteer_id,
            "group_id": data.group_id, "note": data.note.strip()}
    rules.require("honors", values)
    return values


def create_honor(s: Session, data: HonorInput) -> tuple[Honor, Changes]:
    return records.create(s, "honors", honor_values(s, data), data.title), Changes.of("honors")


def update_honor(s: Session, hid: int, data: HonorInput) -> Changes:
    records.update_values(s, "honors", hid, honor_values(s, data), data.title)
    return Changes.of("honors")


@dataclass
class CareInput:
    volunteer_id: int
    date: dt.date
    occasion: str = "春节慰问"
    content: str = ""
    money_yuan: str | float = 0


def care_values(s: Session, data: CareInput) -> dict[str, Any]:
    records.get_live(s, "volunteers", data.volunteer_id)
    values = {"volunteer_id": data.volunteer_id, "date": data.date,
              "occasion": data.occasion.strip(), "content": data.content.strip(),
              "money_fen": parse_fen(data.money_yuan or 0, rules.label("cares", "money_fen"))}
    rules.require("cares", values)
    return values


def create_care(s: Session, data: CareInput) -> tuple[VolunteerCare, Changes]:
    return records.create(s, "cares", care_values(s, data), data.occasion), Changes.of("cares")


def update_care(s: Session, cid: int, data: CareInput) -> Changes:
    records.update_values(s, "cares", cid, care_values(s, data), data.occasion)
    return Changes.of("cares")


def honor_to_input(h: Honor) -> HonorInput:
    """The whole value of a stored 表彰 (for editing)."""
    return HonorInput(title=h.title, recipient_name=h.recipient_name, year=h.year, level=h.level,
                      date=h.date, issuer=h.issuer, volunteer_id=h.volunteer_id,
                      group_id=h.group_id, note=h.note)


def care_to_input(c: VolunteerCare) -> CareInput:
    """The whole value of a stored 慰问 (for editing)."""
    return CareInput(volunteer_id=c.volunteer_id, date=c.date, occasion=c.occasion,
                     content=c.content, money_yuan=yuan_text(c.money_fen))
