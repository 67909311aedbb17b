"""What a service changed, so that only the pages showing those subjects refresh."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Changes:
    groups: bool = False
    volunteers: bool = False
    students: bool = False
    pairings: bool = False
    aid: bool = False
    activities: bool = False
    donations: bool = False
    honors: bool = False
    cares: bool = False
    settings: bool = False
    trash: bool = False

    @classmethod
    def of(cls, *subjects: str) -> Changes:
        return cls(**{name: True for name in subjects})

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name)
                          for f in fields(self)})

    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def subjects(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]
