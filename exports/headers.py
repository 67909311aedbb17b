"""Which form column a header cell means (contract.md §2): the one way a table's header
(exports.importer) and a per-person form's labels (exports.regforms) are matched."""

from __future__ import annotations

import functools
import re
from typing import Any

from exports.cells import header_key, is_blank
from exports.columns import PREFIXABLE_KINDS, Col, other_party
from exports.forms import FORMS, Form


@functools.cache
def known_names(form_id: str) -> tuple[dict[str, Col], list[tuple[str, Col]]]:
    """A form's column names -> column, and the same longest first (for prefixed names)."""
    form = FORMS[form_id]
    exact: dict[str, Col] = {}
    for col in form.columns + form.extra_import:
        for name in col.names():
            exact.setdefault(name, col)
    return exact, sorted(exact.items(), key=lambda kv: -len(kv[0]))


def match_header(cells: list[Any], form: Form) -> dict[int, Col]:
    """Which form column each header cell means (exact names first, then prefixed names)."""
    exact, longest_first = known_names(form.id)
    keys = [header_key(c) if not is_blank(c) else "" for c in cells]
    found: dict[int, Col] = {}
    used: set[str] = set()
    for i, key in enumerate(keys):
        col = exact.get(key) or exact.get(_INNER_BRACKETS.sub("", key))  # 监护人(父亲)电话
        if key and col is not None and col.key not in used:
            found[i] = col
            used.add(col.key)
    for i, key in enumerate(keys):
        if not key or i in found or key in exact:
            continue
        col = _by_ending(key, longest_first)
        if col is not None and col.key not in used:
            found[i] = col
            used.add(col.key)
    return found


_INNER_BRACKETS = re.compile(r"\([^()]*\)")


def _by_ending(key: str, longest_first: list[tuple[str, Col]]) -> Col | None:
    """The column a name means by its ending (活动日期 → 日期, 儿童姓名 → 姓名): the longest
    known name it ends with, at most four characters more; a short name only for names,
    IDs, phones and dates (户籍类别 is not 类别); never another person's (监护人身份证号)."""
    for name, col in longest_first:
        if len(name) < 2 or not key.endswith(name) or not 0 < len(key) - len(name) <= 4:
            continue
        if len(name) < 3 and col.kind not in PREFIXABLE_KINDS:
            continue
        if other_party(key[:-len(name)], col.label + name) is not None:
            return None
        return col
    return None
