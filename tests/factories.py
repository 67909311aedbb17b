"""Build records through the real services (one transaction each)."""

from __future__ import annotations

import datetime as dt

from models import groups, idcard, pairings, students, volunteers
from models.db import Database

D = dt.date


def add_group(db: Database, name: str = "红旗村关工小组", **kw) -> int:
    with db.session() as s:
        g, _ = groups.create(s, groups.GroupInput(name=name, **kw))
        return g.id


def add_volunteer(db: Database, name: str = "王德", category: str = "老干部", **kw) -> int:
    with db.session() as s:
        v, _ = volunteers.create(s, volunteers.VolunteerInput(name=name, category=category, **kw))
        return v.id


def add_student(db: Database, name: str = "李小明", categories: list[str] | None = None,
                **kw) -> int:
    with db.session() as s:
        st, _ = students.create(s, students.StudentInput(
            name=name, categories=categories or ["留守儿童"], **kw))
        return st.id


def pair(db: Database, vid: int, sid: int, start: dt.date, end: dt.date | None = None) -> int:
    with db.session() as s:
        p, _ = pairings.create(s, pairings.PairingInput(vid, sid, started_on=start, ended_on=end))
        return p.id


def id_number(birth: dt.date, seq: int = 101, region: str = "230221") -> str:
    return idcard.make(region, birth, seq)
