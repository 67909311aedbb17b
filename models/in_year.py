"""Who and what counts in a year (contract.md §3): the where-clauses that the year's figures
(models.stats), a package's records (models.rollup), the quality checks, the reminders and the
forms share, so that all of them count the same people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.entities import Group, Pairing, Student, Venue, Volunteer
from models.pairings import overlaps

#: the political statuses counted as 党员
PARTY = ("中共党员", "中共预备党员")


def bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of ``year``."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def during(column: Any, year: int) -> Any:
    """Where-clause: the date in ``column`` falls in ``year``."""
    return column.between(*bounds(year))


def groups_at_end(year: int) -> Any:
    """Where-clause: groups that exist at the end of ``year``."""
    _, end = bounds(year)
    return (Group.deleted_at.is_(None)
            & (Group.founded_on.is_(None) | (Group.founded_on <= end))
            & (Group.dissolved_on.is_(None) | (Group.dissolved_on > end)))


def volunteers_at_end(year: int) -> Any:
    """Where-clause: 五老 in the team at the end of ``year``."""
    _, end = bounds(year)
    return (Volunteer.deleted_at.is_(None)
            & (Volunteer.joined_on.is_(None) | (Volunteer.joined_on <= end))
            & (Volunteer.left_on.is_(None) | (Volunteer.left_on > end)))


def students_in_year(year: int) -> Any:
    """Where-clause: students assisted at some time in ``year``."""
    start, end = bounds(year)
    return (Student.deleted_at.is_(None)
            & (Student.registered_on.is_(None) | (Student.registered_on <= end))
            & (Student.closed_on.is_(None) | (Student.closed_on >= start)))


def pairings_in_year(year: int) -> Any:
    """Where-clause: live pairings overlapping ``year`` (join Volunteer and Student)."""
    start, end = bounds(year)
    return (Pairing.deleted_at.is_(None) & Volunteer.deleted_at.is_(None)
            & Student.deleted_at.is_(None)
            & overlaps(Pairing.started_on, Pairing.ended_on, start, end))


def venues_at_end(year: int) -> Any:
    """Where-clause: live 阵地 set up on or before the end of ``year`` (or date unknown)."""
    _, end = bounds(year)
    return Venue.deleted_at.is_(None) & (Venue.opened_on.is_(None) | (Venue.opened_on <= end))
