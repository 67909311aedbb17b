"""活动台账: activities with their 五老 participants and photos."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, object_session

from models import codetables, records, rules
from models.changes import Changes
from models.entities import Activity, ActivityPhoto, Volunteer, activity_participants
from models.errors import FileProblem, ValidationError, describe_os_error
from models.in_year import during
from models.pinyin import initials, name_matches

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
    #: 志愿服务时长 of each participant (volunteer id -> minutes; missing: 0, not recorded)
    participant_minutes: dict[int, int] = field(default_factory=dict)


def values_of(s: Session, data: ActivityInput) -> dict[str, Any]:
    title = data.title.strip()
    rules.require("activities", {"date": data.date, "title": title,
                                 "volunteer_count": int(data.volunteer_count),
                                 "youth_count": int(data.youth_count)})
    values = {"date": data.date, "title": title, "title_initials": initials(title),
            "theme": codetables.require(s, "activity_theme", data.theme, rules.label("activities", "theme")),
            "group_id": data.group_id, "organiser": data.organiser.strip(),
            "place": data.place.strip(),
            "volunteer_count": max(int(data.volunteer_count), len(data.participant_ids)),
            "youth_count": int(data.youth_count), "summary": data.summary.strip()}
    rules.require("activities", values)
    return values


def participant_hours(s: Session, aid: int) -> dict[int, int]:
    """The activity's named 五老 -> their 志愿服务时长 in minutes (0: not recorded)."""
    c = activity_participants.c
    return dict(s.execute(select(c.volunteer_id, c.service_minutes)
                          .where(c.activity_id == aid).order_by(c.volunteer_id)).all())


def _set_participants(s: Session, act: Activity, data: ActivityInput) -> None:
    """Make the activity's named 五老 (and their minutes) those of ``data``: removed ones go,
    new ones come, changed minutes change; a row that stays the same is not touched."""
    c = activity_participants.c
    live = set(s.scalars(select(Volunteer.id).where(Volunteer.id.in_(data.participant_ids),
                                                    Volunteer.deleted_at.is_(None))))
    want: dict[int, int] = {}
    for vid in data.participant_ids:
        if vid in live:
            minutes = int(data.participant_minutes.get(vid, 0) or 0)
            if not 0 <= minutes <= rules.MAX_SERVICE_MINUTES:
                raise ValidationError("参加的五老", "每人服务时长应在 0 到 24 小时之间，请核对")
            want[vid] = minutes
    have = participant_hours(s, act.id)
    gone = [vid for vid in have if vid not in want]
    if gone:
        s.execute(delete(activity_participants).where(c.activity_id == act.id,
                                                      c.volunteer_id.in_(gone)))
    for vid, minutes in want.items():
        if vid not in have:
            s.execute(insert(activity_participants).values(
                activity_id=act.id, volunteer_id=vid, service_minutes=minutes))
        elif have[vid] != minutes:
            s.execute(sql_update(activity_participants).where(
                c.activity_id == act.id, c.volunteer_id == vid).values(service_minutes=minutes))
    s.expire(act, ["participants"])


def create(s: Session, data: ActivityInput) -> tuple[Activity, Changes]:
    """Add an activity with its named 五老 and their hours. Raises ValidationError."""
    act = records.create(s, "activities", values_of(s, data), data.title)
    _set_participants(s, act, data)
    return act, Changes.of("activities")


def update(s: Session, aid: int, data: ActivityInput) -> Changes:
    """Change an activity, its named 五老 and their hours. Raises ValidationError, DataError."""
    act = records.update_values(s, "activities", aid, values_of(s, data), data.title)
    _set_participants(s, act, data)
    return Changes.of("activities")


def to_input(a: Activity) -> ActivityInput:
    s = object_session(a)
    minutes = participant_hours(s, a.id) if s is not None else {}
    return ActivityInput(date=a.date, title=a.title, theme=a.theme, group_id=a.group_id,
                         organiser=a.organiser, place=a.place,
                         volunteer_count=a.volunteer_count, youth_count=a.youth_count,
                         summary=a.summary, participant_ids=[v.id for v in a.participants],
                         participant_minutes=minutes)


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
        q = q.where(name_matches(text, Activity.title, Activity.title_initials)
                    | Activity.place.like(f"%{text}%"))
    if theme:
        q = q.where(Activity.theme == theme)
    if year:
        q = q.where(during(Activity.date, year))
    return q
