"""活动台账: activities with their 五老 participants and photos."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import codetables, records, rules
from models.changes import Changes
from models.entities import Activity, ActivityPhoto, Volunteer
from models.errors import FileProblem, ValidationError
from models.pinyin import initials

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}


@dataclass
class ActivityInput:
    date: dt.date
    title: str
    theme: str = "其他"
    group_id: int | None = None
    organiser: str = ""
    place: str = ""
    volunteer_count: int = 0
    youth_count: int = 0
    summary: str = ""
    participant_ids: list[int] = field(default_factory=list)


def values_of(s: Session, data: ActivityInput) -> dict[str, Any]:
    title = data.title.strip()
    rules.require("activities", {"date": data.date, "title": title,
                                 "volunteer_count": int(data.volunteer_count),
                                 "youth_count": int(data.youth_count)})
    values = {"date": data.date, "title": title, "title_initials": initials(title),
            "theme": codetables.require(s, "activity_theme", data.theme, "主题类别"),
            "group_id": data.group_id, "organiser": data.organiser.strip(),
            "place": data.place.strip(),
            "volunteer_count": max(int(data.volunteer_count), len(data.participant_ids)),
            "youth_count": int(data.youth_count), "summary": data.summary.strip()}
    rules.require("activities", values)
    return values


def _set_participants(s: Session, act: Activity, ids: list[int]) -> None:
    people = list(s.scalars(select(Volunteer).where(Volunteer.id.in_(ids),
                                                    Volunteer.deleted_at.is_(None))))
    act.participants = people


def create(s: Session, data: ActivityInput) -> tuple[Activity, Changes]:
    act = records.create(s, "activities", values_of(s, data), data.title)
    _set_participants(s, act, data.participant_ids)
    return act, Changes.of("activities")


def update(s: Session, aid: int, data: ActivityInput) -> Changes:
    act = records.update_values(s, "activities", aid, values_of(s, data), data.title)
    _set_participants(s, act, data.participant_ids)
    return Changes.of("activities")


def to_input(a: Activity) -> ActivityInput:
    return ActivityInput(date=a.date, title=a.title, theme=a.theme, group_id=a.group_id,
                         organiser=a.organiser, place=a.place,
                         volunteer_count=a.volunteer_count, youth_count=a.youth_count,
                         summary=a.summary, participant_ids=[v.id for v in a.participants])


def attach_photo(s: Session, aid: int, source: Path, photo_dir: Path) -> tuple[ActivityPhoto,
                                                                            Changes]:
    """Copy a photo into ``photo_dir`` and attach it. Raises FileProblem, ValidationError."""
    act = records.get_live(s, "activities", aid)
    source = Path(source)
    if source.suffix.lower() not in PHOTO_SUFFIXES:
        raise ValidationError("照片", "只能添加 jpg、png、bmp、gif 格式的照片")
    name = f"{uuid.uuid4().hex}{source.suffix.lower()}"
    try:
        photo_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, photo_dir / name)
    except OSError as err:
        from models.db import describe_os_error

        (photo_dir / name).unlink(missing_ok=True)
        raise FileProblem(describe_os_error(err, source)) from err
    photo = ActivityPhoto(activity_id=act.id, file_name=name, original_name=source.name)
    s.add(photo)
    s.flush()
    return photo, Changes.of("activities")


def query(text: str = "", theme: str = "", year: int | None = None) -> Select[Activity]:
    q = select(Activity).where(Activity.deleted_at.is_(None))
    text = text.strip()
    if text:
        q = q.where(Activity.title.like(f"%{text}%")
                    | Activity.title_initials.like(f"{text.lower()}%")
                    | Activity.place.like(f"%{text}%"))
    if theme:
        q = q.where(Activity.theme == theme)
    if year:
        q = q.where(Activity.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return q
