"""``report``: the year's 工作总结 draft as a .docx (contract §9) — what the CLI and window call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from exports.atomic import atomic_path
from exports.report import wording
from exports.service import check_year, safe_file_name
from models import audit, highlights, rollup, stats
from models.db import Database
from models.entities import Honor
from models.errors import FileProblem

Progress = Callable[[float, str], None]


def default_name(unit: str, year: int) -> str:
    return f"{safe_file_name(unit)}{year}年工作总结（草稿）.docx"


def build_draft(db: Database, year: int, today: dt.date | None = None,
                template: Path | None = None) -> wording.Draft:
    """The draft's text for ``year`` (read-only). Raises FileProblem for a broken template."""
    check_year(year)
    tpl = wording.load_template(template)
    with db.reader() as s:
        _code, unit, level = rollup.own_unit(s)
        figures = stats.year_figures(s, year)
        previous = stats.year_figures(s, year - 1) if year > 1949 else None
        notable = highlights.notable_activities(s, year)
        honors = highlights.commendations(s, year)
        prev_honors = s.scalar(select(func.count()).where(Honor.deleted_at.is_(None),
                                                          Honor.year == year - 1))
        units = highlights.unit_parts(s, year, tpl["units_section"]["own_name"])
    try:
        return wording.compose(tpl, unit, level, figures, previous, notable, honors, units,
                               prev_honors, today or dt.date.today())
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise FileProblem(f"工作总结的措辞模板缺少或写错了一项（{err}），"
                          "请对照原来的模板改正后再试。") from err


def write_report(db: Database, year: int, out: Path | str,
                 on_progress: Progress | None = None, today: dt.date | None = None) -> Path:
    """Write the draft to ``out`` (.docx) and log it in the audit log. The file is written
    under a temporary name and renamed when whole. Raises FileProblem (not a .docx name, a
    broken template, the file cannot be written)."""
    progress = on_progress or (lambda _f, _t: None)
    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise FileProblem(f"工作总结要保存为 Word 文件，文件名请以 .docx 结尾（现在是“{out.name}”）。")
    progress(0.1, "正在统计本年度数字…")
    draft = build_draft(db, year, today)
    progress(0.6, "正在生成 Word 文件…")
    from exports.report import docx_writer

    with atomic_path(out) as part:
        docx_writer.write_docx(draft, part)
    with db.session() as s:
        audit.log(s, "生成工作总结", "", None, f"{year}年度 → {out.name}")
    progress(1.0, "工作总结已生成")
    return out
