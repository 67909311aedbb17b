"""捐资助学: donations of money and goods, optionally to named students."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import codetables, records, rules
from models.changes import Changes
from models.entities import Donation, Student
from models.in_year import during
from models.money import parse_fen, yuan_text
from models.pinyin import initials, name_matches


@dataclass
class DonationInput:
    date: dt.date
    donor: str
    donor_type: str = "爱心人士"
    money_yuan: str | float = 0
    goods: str = ""
    goods_value_yuan: str | float = 0
    purpose: str = ""
    recipients_text: str = ""
    recipient_ids: list[int] = field(default_factory=list)
    note: str = ""


def values_of(s: Session, data: DonationInput) -> dict[str, Any]:
    donor = data.donor.strip()
    money = parse_fen(data.money_yuan or 0, rules.label("donations", "money_fen"))
    goods_value = parse_fen(data.goods_value_yuan or 0, rules.label("donations", "goods_value_fen"))
    values = {"date": data.date, "donor": donor, "donor_initials": initials(donor),
            "donor_type": codetables.require(s, "donor_type", data.donor_type,
                                              rules.label("donations", "donor_type")),
            "money_fen": money, "goods": data.goods.strip(), "goods_value_fen": goods_value,
            "purpose": data.purpose.strip(), "recipients_text": data.recipients_text.strip(),
            "note": data.note.strip()}
    rules.require("donations", values)
    return values


def _set_recipients(s: Session, d: Donation, ids: list[int], fill_text: bool = True) -> None:
    """Link the recipients; an empty 受助对象 text gets their names (unless they are the ones
    already linked: saving unchanged changes nothing)."""
    d.recipients = list(s.scalars(select(Student).where(Student.id.in_(ids),
                                                        Student.deleted_at.is_(None))))
    if fill_text and d.recipients and not d.recipients_text:
        d.recipients_text = "、".join(st.name for st in d.recipients)


def create(s: Session, data: DonationInput) -> tuple[Donation, Changes]:
    d = records.create(s, "donations", values_of(s, data), data.donor)
    _set_recipients(s, d, data.recipient_ids)
    return d, Changes.of("donations")


def update(s: Session, did: int, data: DonationInput) -> Changes:
    d = records.update_values(s, "donations", did, values_of(s, data), data.donor)
    unchanged = {r.id for r in d.recipients} == set(data.recipient_ids)
    _set_recipients(s, d, data.recipient_ids, fill_text=not unchanged)
    return Changes.of("donations")


def query(text: str = "", donor_type: str = "", year: int | None = None
          ) -> Select[Donation]:
    q = select(Donation).where(Donation.deleted_at.is_(None))
    text = text.strip()
    if text:
        q = q.where(name_matches(text, Donation.donor, Donation.donor_initials))
    if donor_type:
        q = q.where(Donation.donor_type == donor_type)
    if year:
        q = q.where(during(Donation.date, year))
    return q


def to_input(d: Donation) -> DonationInput:
    """The whole value of a stored donation (for editing)."""
    return DonationInput(date=d.date, donor=d.donor, donor_type=d.donor_type,
                         money_yuan=yuan_text(d.money_fen), goods=d.goods,
                         goods_value_yuan=yuan_text(d.goods_value_fen), purpose=d.purpose,
                         recipients_text=d.recipients_text,
                         recipient_ids=[r.id for r in d.recipients], note=d.note)
