"""Little helpers the list pages share: dates as shown, code-table and year filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gui.context import AppContext
from models import codetables


def _date(d: dt.date | None) -> str:
    return f"{d:%Y.%m.%d}" if d else ""


def _codes(ctx: AppContext, table: str) -> list[tuple[str, Any]]:
    with ctx.db.reader() as s:
        return [("全部", "")] + [(v, v) for v in codetables.values(s, table)]


def _year_items() -> list[tuple[str, Any]]:
    this = dt.date.today().year
    return [("全部年份", None)] + [(f"{y}年", y) for y in range(this, 2014, -1)]
