"""A masked ID number cannot be rebuilt from what the same row of a printout shows."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import openpyxl
import pytest

from exports import service
from models import demo, idcard
from tests.factories import add_student, add_volunteer, id_number

MIN_CANDIDATES = 10


def candidates(masked: str, birth: dt.date | None, month_only: bool, sex: str) -> int:
    """Valid numbers matching the mask, the printed birth date (or month) and sex."""
    assert len(masked) == 18 and masked.count("*") >= 8, masked
    days = [birth] if not month_only else [
        birth.replace(day=d) for d in range(1, calendar.monthrange(birth.year, birth.month)[1] + 1)]
    pattern = re.compile("^" + masked.replace("*", r"\d").replace("X", "X") + "$")
    n = 0
    for day in days:
        for seq in range(1000):
            if sex and (seq % 2 == 1) != (sex == "男"):
                continue
            number = idcard.make(masked[:6], day, seq)
            if pattern.match(number):
                n += 1
    return n


def _rows(path):
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[2])
    return head, [r for r in rows[3:] if r[head.index("身份证号")]]


@pytest.mark.parametrize("form,birth_label,month_only", [
    ("students", "出生日期", False), ("volunteers", "出生年月", True)])
def test_every_masked_row_leaves_at_least_ten_candidates(db, tmp_path, form, birth_label,
                                                         month_only):
    with db.session() as s:
        demo.build(s, scale=1)
    for i in range(20):  # awkward ones too: first and last day, both sexes, X check characters
        birth = dt.date(2012, 1 + i % 12, 1 if i % 2 else 28)
        if form == "students":
            add_student(db, f"加测学生{i}", id_number=id_number(birth, 100 + i))
        else:
            add_volunteer(db, f"加测五老{i}", id_number=id_number(birth.replace(year=1950), 100 + i))
    out = service.export_form(db, form, "xlsx", tmp_path / f"{form}.xlsx")
    head, rows = _rows(out)
    assert len(rows) >= 20
    counts = []
    for r in rows:
        masked, birth, sex = r[head.index("身份证号")], r[head.index(birth_label)], \
            r[head.index("性别")]
        birth = birth.date() if isinstance(birth, dt.datetime) else birth
        assert isinstance(birth, dt.date), birth
        counts.append(candidates(masked, birth, month_only, sex or ""))
    print(f"{form}: fewest candidates {min(counts)} over {len(counts)} rows")
    assert min(counts) >= MIN_CANDIDATES
