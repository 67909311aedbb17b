"""What a service changed, so that only the pages showing those subjects refresh.

The keys are the subjects' keys (:mod:`models.subjects`, derived: a new subject is announced
without an edit here) plus ``settings`` and ``trash``. ``Changes.of("pairings", "students")``
names them; ``changes.pairings`` asks; an unknown key is refused at once (a typo never
silently refreshes nothing)."""

from __future__ import annotations

from models.subjects import SUBJECT_INFO

#: every key a Changes may carry, subjects first
KEYS: tuple[str, ...] = (*SUBJECT_INFO, "settings", "trash")
_KNOWN = frozenset(KEYS)


class Changes:
    """An immutable set of changed keys (see the module's docstring)."""

    __slots__ = ("_keys",)
    _keys: frozenset[str]

    def __init__(self, **flags: bool) -> None:
        unknown = set(flags) - _KNOWN
        if unknown:
            raise TypeError(f"Changes has no key {', '.join(sorted(unknown))}")
        object.__setattr__(self, "_keys", frozenset(k for k, on in flags.items() if on))

    @classmethod
    def of(cls, *keys: str) -> Changes:
        return cls(**dict.fromkeys(keys, True))

    @classmethod
    def everything(cls) -> Changes:
        """Every subject, the settings and the 回收站 (a restore, a new database)."""
        return cls.of(*KEYS)

    def __getattr__(self, name: str) -> bool:
        if name not in _KNOWN:
            raise AttributeError(name)
        return name in self._keys

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Changes is immutable")

    def __or__(self, other: Changes) -> Changes:
        return Changes.of(*(self._keys | other._keys))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Changes) and self._keys == other._keys

    def __hash__(self) -> int:
        return hash(self._keys)

    def __repr__(self) -> str:
        return f"Changes.of({', '.join(repr(k) for k in self.subjects())})"

    def any(self) -> bool:
        return bool(self._keys)

    def subjects(self) -> list[str]:
        """The changed keys, in :data:`KEYS` order."""
        return [k for k in KEYS if k in self._keys]
