"""阵地: the places of the work (domain.md §8) — 校外辅导站、留守儿童之家、假日学校 … — each with
the group it belongs to and its 经费 for one year.

Each function runs in the caller's transaction (``with db.session() as s``) and returns what
changed. Raises ValidationError (a field, a sentence) for a value that may not be stored and
DataError for a record that is gone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import codetables, records, rules
from models.changes import Changes
from models.entities import Group, Venue
from models.errors import ValidationError
from models.in_year import venues_at_end
from models.money import parse_fen, yuan_text
from models.pinyin import initials, name_matches


@dataclass
class VenueInput:
    name: str
    type: str = "其他"
    group_id: int | None = None
    address: str = ""
    opened_on: dt.date | None = None
    #: 本年经费 in 元 as typed ("" for none) and the year it is for
    funds_yuan: str | float = 0
    funds_year: int | None = None
    note: str = ""


def values_of(s: Session, data: VenueInput) -> dict[str, Any]:
    """The column values to store; ValidationError naming the dialog's field otherwise."""
    name = "".join(data.name.split())
    funds = parse_fen(data.funds_yuan or 0, rules.label("venues", "funds_fen"))
    # the 经费 is for its 经费年度 (this year when none is given); no 经费, no year
    year = (data.funds_year or dt.date.today().year) if funds else None
    if data.group_id is not None and s.scalar(select(Group.id).where(
            Group.id == data.group_id, Group.deleted_at.is_(None))) is None:
        raise ValidationError(rules.label("venues", "group_id"),
                              "这个关工小组已被删除，请重新选择")
    values = {"name": name, "name_initials": initials(name),
              "type": codetables.require(s, "venue_type", data.type, rules.label("venues", "type")),
              "group_id": data.group_id, "address": data.address.strip(),
              "opened_on": data.opened_on, "funds_fen": funds, "funds_year": year,
              "note": data.note.strip()}
    rules.require("venues", values)
    return values


def create(s: Session, data: VenueInput) -> tuple[Venue, Changes]:
    values = values_of(s, data)
    return records.create(s, "venues", values, values["name"]), Changes.of("venues")


def update(s: Session, vid: int, data: VenueInput) -> Changes:
    values = values_of(s, data)
    records.update_values(s, "venues", vid, values, values["name"])
    return Changes.of("venues")


def query(text: str = "", type_: str = "", year: int | None = None) -> Select[Venue]:
    """Live venues whose name (or its pinyin initials) holds ``text``, of ``type_``, and (with
    ``year``) open at its end."""
    q = select(Venue).where(venues_at_end(year) if year else Venue.deleted_at.is_(None))
    text = text.strip()
    if text:
        q = q.where(name_matches(text, Venue.name, Venue.name_initials))
    if type_:
        q = q.where(Venue.type == type_)
    return q


def to_input(v: Venue) -> VenueInput:
    """The whole value of a stored venue (for editing)."""
    return VenueInput(name=v.name, type=v.type, group_id=v.group_id, address=v.address,
                      opened_on=v.opened_on, funds_yuan=yuan_text(v.funds_fen),
                      funds_year=v.funds_year, note=v.note)
