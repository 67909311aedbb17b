"""The roster PDF's fast path (issue 25): reportlab's C accelerator is in use, and the text
memo, however small, changes nothing on the page."""

from __future__ import annotations

import datetime as dt

from pypdf import PdfReader

from exports import pdf, service
from tests.factories import add_volunteer, id_number


def test_reportlab_runs_with_its_c_accelerator():
    from reportlab.lib import rl_accel

    assert {"escapePDF", "fp_str", "instanceStringWidthTTF"} <= set(rl_accel._c_funcs)


def test_a_tiny_text_memo_prints_the_same_pages(db, tmp_path, monkeypatch):
    for i in range(40):
        add_volunteer(db, f"王{'德明华'[i % 3]}{i}", id_number=id_number(dt.date(1950, 1, 1 + i % 28),
                                                                      101 + 2 * i),
                      phone="13900000000")
    big = service.export_form(db, "volunteers", "pdf", tmp_path / "a.pdf")
    monkeypatch.setattr(pdf.RowWriter, "MEMO", 2)
    small = service.export_form(db, "volunteers", "pdf", tmp_path / "b.pdf")
    pages = [[p.extract_text() for p in PdfReader(f).pages] for f in (big, small)]
    assert pages[0] == pages[1] and "王德0" in pages[0][0] and "139****0000" in pages[0][0]
