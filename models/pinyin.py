"""Pinyin initials for searching (``zs`` finds 张三)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

# Every lookup here is of one character, which pypinyin answers from its character table alone:
# its table of words (2.5 MB, slow to load) changes no answer (checked over all 41 923
# characters, tests/test_pinyin_tables.py), so it is not loaded and the bundle leaves it out.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")


@lru_cache(maxsize=8192)
def _char_initial(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    from pypinyin import Style, lazy_pinyin  # imported on first use: its tables load slowly

    letters = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters and letters[0] else ""


def initials(text: str | None) -> str:
    """Lower-case first letters of each character's pinyin; ASCII letters and digits kept."""
    return _initials(text) if text else ""


@lru_cache(maxsize=8192)  # names repeat (an import asks for every row)
def _initials(text: str) -> str:
    return "".join(map(_char_initial, text))


def name_matches(text: str, name_column: Any, initials_column: Any) -> Any:
    """Where-clause for a search box: ``name_column`` holds ``text`` (as given, already stripped)
    or ``initials_column`` (the name's :func:`initials`) begins with it."""
    return name_column.like(f"%{text}%") | initials_column.like(f"{text.lower()}%")


@lru_cache(maxsize=8192)
def _char_key(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    from pypinyin import Style, lazy_pinyin  # imported on first use: its tables load slowly

    spelled = lazy_pinyin(ch, style=Style.TONE3, errors="ignore")
    return spelled[0] if spelled and spelled[0] else ch


def sort_key(text: str | None) -> tuple[str, ...]:
    """Order names as a Chinese reader expects (by pinyin: 白 < 陈 < 张), not by code point."""
    return tuple(_char_key(ch) for ch in (text or ""))
