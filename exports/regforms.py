"""Per-person forms (登记表, contract.md §2.17): a sheet that is one person's form, label cells
beside value cells (``姓名 | 王德 | 性别 | 男``), labels possibly in a two-column grid, values
possibly merged over several cells. Such a sheet is one record.

The labels are matched like column names (:func:`exports.headers.match_header`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exports.cells import is_blank, text
from exports.headers import match_header
from exports.kinds import KEY_COLUMNS

if TYPE_CHECKING:
    from exports.columns import Col
    from exports.forms import Form

#: a form is short: rows read beyond the header row to see the whole of it
MAX_FORM_ROWS = 60
Row = tuple[int, list[Any]]


@dataclass
class FormRecord:
    """One person's form as a one-row table: the labels as header, the values as the row
    (numbered as the row of the first label, as the clerk finds the form)."""

    labels: list[Any]
    mapping: dict[int, Col]
    row: Row
    first_row: int


def _column(cell: Any, form: Form) -> Col | None:
    if is_blank(cell) or not isinstance(cell, str) or len(text(cell)) > 20:
        return None
    return match_header([cell], form).get(0)


def pairs(values: list[Any], form: Form) -> list[tuple[Col, Any]]:
    """The (column, value) pairs of a row of a form: a known label and the value in the cell
    right after it (None when that cell is empty). A label or value merged over several cells
    counts once. A row with a label right beside another label is a table's header, not a
    row of a form: no pairs."""
    tokens: list[list[Any]] = []  # [first index, last index, value]
    for i, v in enumerate(values):
        if is_blank(v):
            continue
        if tokens and i == tokens[-1][1] + 1 and v == tokens[-1][2]:
            tokens[-1][1] = i
        else:
            tokens.append([i, i, v])
    found: list[tuple[Col, Any]] = []
    i = 0
    while i < len(tokens):
        col = _column(tokens[i][2], form)
        if col is None:
            inline = _inline(tokens[i][2], form)  # 姓名：王德 in one cell
            if inline is not None:
                found.append(inline)
            i += 1
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt[0] == tokens[i][1] + 1:
            if _column(nxt[2], form) is not None:  # label beside label: a header row
                return []
            found.append((col, nxt[2]))
            i += 2
        else:
            found.append((col, None))
            i += 1
    return found


def _inline(cell: Any, form: Form) -> tuple[Col, Any] | None:
    """``姓名：王德`` (label and value in one cell) as a pair, else None."""
    if not isinstance(cell, str):
        return None
    label, sep, value = cell.replace(":", "：").partition("：")
    col = _column(label, form) if sep and value.strip() and len(label) <= 10 else None
    return None if col is None else (col, value.strip())


def has_pairs(values: list[Any], form: Form) -> bool:
    """Whether the row holds a label with its value beside it."""
    return any(value is not None for _col, value in pairs(values, form))


def read_form(rows: Iterable[Row], form: Form) -> FormRecord | None:
    """The record of a sheet that is one person's form, or None when the rows are a table
    (labels beside values on fewer than two rows, fewer than three labels, the kind's key
    columns missing, or a row of data after the form's end)."""
    labels: list[Any] = []
    values: list[Any] = []
    mapping: dict[int, Col] = {}
    taken: set[str] = set()
    label_rows = 0
    first_row = 0
    for number, cells in rows:
        found = pairs(cells, form)
        if not any(value is not None for _col, value in found):
            continue
        label_rows += 1
        first_row = first_row or number
        for col, value in found:
            if col.key in taken:
                continue
            taken.add(col.key)
            mapping[len(labels)] = col
            labels.append(col.label)
            values.append(value)
    if label_rows < 2 or len(labels) < 3 or any(k not in taken for k in KEY_COLUMNS[form.id]):
        return None
    return FormRecord(labels, mapping, (first_row, values), first_row)
