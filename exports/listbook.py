"""Exporting the list on screen (any page, current search) to a plain .xlsx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from exports.atomic import atomic_path
from exports.xlsx import text_cell


def write_list(path: Path | str, title: str, headers: list[str], rows: list[list[Any]],
               on_progress: Callable[[float, str], None] | None = None) -> Path:
    """Title, header and rows as shown (masked the way the screen showed them)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31] or "列表")
    ws.freeze_panes = "A3"
    head = []
    for h in headers:
        c = text_cell(ws, h)
        c.font = Font(bold=True)
        head.append(c)
    ws.append([text_cell(ws, title)])
    ws.append(head)
    for i, row in enumerate(rows, start=1):
        ws.append([text_cell(ws, "" if v is None else v) for v in row])
        if on_progress and i % 5000 == 0:
            on_progress(i / len(rows), f"正在写入第 {i} 行…")
    with atomic_path(path, "xlsx") as tmp:
        wb.save(tmp)
    return Path(path)
