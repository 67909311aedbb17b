"""Rules shared by 五老 and students: the ID number as authority, duplicates, search."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from models import idcard, records
from models.entities import Student, Volunteer
from models.errors import DataError, ValidationError
from models.pinyin import initials

Warning_ = tuple[str, str]  # (column label, message)
P = TypeVar("P", Volunteer, Student)


def clean_name(raw: str | None) -> str:
    """Names lose all white space, including full-width spaces (`王　德` → `王德`)."""
    return "".join((raw or "").split()).replace("\u3000", "")


def resolve_identity(id_raw: str | None, birth: dt.date | None, sex: str | None,
                     birth_month_only: bool = False
                     ) -> tuple[str | None, dt.date | None, str, list[Warning_]]:
    """Apply domain.md §5: a valid ID number decides birth date and sex.

    Returns (id number or None, birth date, sex, warnings). Raises ValidationError when an ID
    number is given but invalid. With ``birth_month_only`` a birth date that matches the ID's
    year and month is not a conflict.
    """
    number = idcard.normalize(id_raw)
    sex = (sex or "").strip()
    warnings: list[Warning_] = []
    if not number:
        return None, birth, sex, warnings
    info = idcard.examine(number)
    if isinstance(info, str):
        raise ValidationError("身份证号", info)
    birth, sex, warnings = identity_from(info, birth, sex, birth_month_only)
    return number, birth, sex, warnings


def identity_from(info: idcard.IdInfo, birth: dt.date | None, sex: str,
                  birth_month_only: bool = False) -> tuple[dt.date, str, list[Warning_]]:
    """:func:`resolve_identity` of a number already parsed: (birth date, sex, warnings)."""
    warnings: list[Warning_] = []
    if birth is None:
        warnings.append(("出生日期", f"出生日期为空，已按身份证号填为{info.birth_date:%Y.%m.%d}"))
    else:
        same = (birth.year, birth.month) == (info.birth_date.year, info.birth_date.month)
        if not same or (not birth_month_only and birth != info.birth_date):
            warnings.append(("出生日期", f"出生日期与身份证号不一致，已按身份证号改为"
                                       f"{info.birth_date:%Y.%m.%d}"))
    if not sex:
        warnings.append(("性别", f"性别为空，已按身份证号填为{info.sex}"))
    elif sex != info.sex:
        warnings.append(("性别", f"性别与身份证号不一致，已按身份证号改为{info.sex}"))
    return info.birth_date, info.sex, warnings


def person_values(name: str, id_number: str | None, birth: dt.date | None, sex: str,
                  note: str) -> dict[str, Any]:
    """Validated common columns; raises ValidationError."""
    name = clean_name(name)
    if not name:
        raise ValidationError("姓名", "姓名不能为空")
    if sex and sex not in ("男", "女"):
        raise ValidationError("性别", "性别只能是男或女")
    number, birth, sex, _ = resolve_identity(id_number, birth, sex)
    return {"name": name, "name_initials": initials(name), "id_number": number,
            "birth_date": birth, "sex": sex, "note": (note or "").strip()}


def find_duplicate(s: Session, model: type[P], id_number: str | None,
                   name: str, birth: dt.date | None, exclude_id: int | None = None
                   ) -> P | None:
    """A live record that is the same person: same ID number, or (without one) same name and
    birth date."""
    q = select(model).where(model.deleted_at.is_(None))
    if exclude_id is not None:
        q = q.where(model.id != exclude_id)
    if id_number:
        q = q.where(model.id_number == id_number)
    elif birth is not None:
        q = q.where(model.name == name, model.birth_date == birth)
    else:
        return None
    return s.scalars(q.limit(1)).first()


def refuse_duplicate(s: Session, model: type[P], values: dict[str, Any],
                     exclude_id: int | None = None) -> None:
    """Raise DataError when the values describe a person already recorded."""
    dup = find_duplicate(s, model, values["id_number"], values["name"], values["birth_date"],
                         exclude_id)
    if dup is not None:
        how = "身份证号" if values["id_number"] else "姓名和出生日期"
        raise DataError(f"已有{how}相同的记录：{dup.name}。请勿重复录入，或修改原有记录。")
    if values["id_number"]:
        deleted = s.scalars(select(model).where(model.id_number == values["id_number"],
                                                model.deleted_at.is_not(None)).limit(1)).first()
        if deleted is not None and deleted.id != exclude_id:
            raise DataError(f"回收站里有身份证号相同的记录（{deleted.name}），"
                            "请到回收站恢复它，而不是重新录入。")


def search_clause(text: str, name_col: Any, initials_col: Any,
                  *exact_cols: Any) -> ColumnElement[bool] | None:
    """Where-clause for a search box: name, pinyin initials, ID number, phone."""
    text = "".join((text or "").split())
    if not text:
        return None
    like = f"%{text}%"
    parts = [name_col.like(like)]
    if text.isascii() and text.isalpha():
        parts.append(initials_col.like(f"{text.lower()}%"))
    digits = idcard.normalize(text)
    if digits[:1].isdigit():
        parts.extend(col.like(f"%{digits}%") for col in exact_cols)
    return or_(*parts)


def age_day(year: int, today: dt.date) -> dt.date:
    """The day ages are counted on for ``year``: its last day, or today while it is not over.
    The one definition shared by the lists and the forms (a roster of this year and the list
    on screen show the same age)."""
    return min(dt.date(year, 12, 31), today)


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    """Whole years on ``day``."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def save(s: Session, model: type[P], subject: str,
         values: dict[str, Any], rid: int | None = None) -> P:
    """Insert (``rid`` None) or update a person after refusing duplicates; logs it.

    Raises DataError when the same person is already recorded."""
    refuse_duplicate(s, model, values, exclude_id=rid)
    if rid is None:
        return records.create(s, subject, values, values["name"])
    return records.update_values(s, subject, rid, values, values["name"])
