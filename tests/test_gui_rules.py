"""Widgets never commit: gui/ writes only through gui.ops (perform / write)."""

from __future__ import annotations

import re
from pathlib import Path

GUI = Path(__file__).resolve().parent.parent / "gui"


def test_no_widget_opens_a_write_transaction_itself():
    offenders = [f"{p.relative_to(GUI)}:{n}" for p in sorted(GUI.rglob("*.py")) if p.name != "ops.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"\.session\(\)", line)]
    assert not offenders, offenders
