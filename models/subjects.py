"""The subject descriptor: what each kind of record is called, which Changes key it publishes
and which rows elsewhere depend on it. The 回收站 (delete, restore, purge in models.records)
and the delete confirmation follow it; nothing else lists cascades.

A dependant is a row in another table that refers to the subject's record by ``column``:

- ``cascade``: a record of subject ``subject`` that goes to the 回收站 with its parent (same
  time stamp), comes back with it, is purged with it, and cannot be restored alone while this
  parent is in the 回收站 (pairings and 帮扶记录 of a student; pairings and 慰问 of a 五老).
- ``null``: an optional reference; the row stays, and purging the parent clears the reference
  (a 帮扶记录's 五老, a 表彰's 五老 or group, a person's 关工小组).
- ``delete``: plain rows that belong to the parent (五好 assessments, photos, link-table rows);
  purging the parent deletes them.

Purge deletes dependants explicitly (no reliance on the schema's ON DELETE clauses, which older
files may not have).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Table

from models.entities import (
    SUBJECT_LABELS,
    SUBJECTS,
    Activity,
    ActivityPhoto,
    AidRecord,
    Honor,
    Pairing,
    Student,
    Tracked,
    Volunteer,
    VolunteerCare,
    WuhaoAssessment,
    activity_participants,
    donation_recipients,
)

Action = Literal["cascade", "null", "delete"]


@dataclass(frozen=True)
class Dependant:
    """Rows of ``table`` whose ``column`` holds the parent's id, and what happens to them."""

    table: Table
    column: str
    action: Action
    #: the dependant's own subject key (for ``cascade``), or "" for plain rows
    subject: str = ""
    #: what the confirmation calls these rows ("结对"), for ``cascade``
    label: str = ""


@dataclass(frozen=True)
class Subject:
    """One kind of record: its key (also its Changes field), label, model and dependants."""

    key: str
    label: str
    model: type[Tracked]
    dependants: tuple[Dependant, ...] = ()

    def cascades(self) -> tuple[Dependant, ...]:
        return tuple(d for d in self.dependants if d.action == "cascade")


def _t(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _cascade(model: type, column: str, subject: str) -> Dependant:
    return Dependant(_t(model), column, "cascade", subject, SUBJECT_LABELS[subject])


_DEPENDANTS: dict[str, tuple[Dependant, ...]] = {
    "groups": (
        Dependant(_t(WuhaoAssessment), "group_id", "delete"),
        Dependant(_t(Volunteer), "group_id", "null"),
        Dependant(_t(Student), "group_id", "null"),
        Dependant(_t(Activity), "group_id", "null"),
        Dependant(_t(Honor), "group_id", "null"),
    ),
    "volunteers": (
        _cascade(Pairing, "volunteer_id", "pairings"),
        _cascade(VolunteerCare, "volunteer_id", "cares"),
        Dependant(_t(AidRecord), "volunteer_id", "null"),
        Dependant(_t(Honor), "volunteer_id", "null"),
        Dependant(activity_participants, "volunteer_id", "delete"),
    ),
    "students": (
        _cascade(Pairing, "student_id", "pairings"),
        _cascade(AidRecord, "student_id", "aid"),
        Dependant(donation_recipients, "student_id", "delete"),
    ),
    "pairings": (Dependant(_t(AidRecord), "pairing_id", "null"),),
    "aid": (),
    "activities": (
        Dependant(_t(ActivityPhoto), "activity_id", "delete"),
        Dependant(activity_participants, "activity_id", "delete"),
    ),
    "donations": (Dependant(donation_recipients, "donation_id", "delete"),),
    "honors": (),
    "cares": (),
}

#: every subject, in the order of the navigation
SUBJECT_INFO: dict[str, Subject] = {
    key: Subject(key, SUBJECT_LABELS[key], model, _DEPENDANTS[key])
    for key, model in SUBJECTS.items()
}

assert set(SUBJECT_INFO) == set(_DEPENDANTS)


def subject(key: str) -> Subject:
    return SUBJECT_INFO[key]


def parents_of(key: str) -> list[tuple[Subject, Dependant]]:
    """The subjects that ``key`` depends on by cascade (a pairing: 五老 and 帮扶对象)."""
    return [(parent, dep) for parent in SUBJECT_INFO.values() for dep in parent.cascades()
            if dep.subject == key]
