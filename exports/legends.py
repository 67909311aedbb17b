"""Codes a file explains itself (issue 27): ``性别：1男 2女`` in a title row or a header cell,
``1-男，2-女`` on a 说明 sheet, ``男=1 女=2``.

:func:`find_legends` reads such texts and returns, per code table, which short value means
which code. A legend counts only when at least two of its values name different codes of the
same table (one ``1男`` alone is not a legend)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from exports.values import EXACT, SYNONYM, Vocabulary

_CODE_FIRST = re.compile(r"(?<![\d.])(\d{1,2}|[A-Za-z])\s*[-=:：.．、)）]?\s*"
                         r"([\u4e00-\u9fff“”\"]{1,12})")
_WORD_FIRST = re.compile(r"([\u4e00-\u9fff“”\"]{1,12})\s*[-=:：为是]\s*(\d{1,2}|[A-Za-z])(?![\d])")
#: tables a legend may explain (coded columns of the import)
LEGEND_TABLES = ("sex", "political_status", "volunteer_category", "student_category",
                 "student_status", "group_type", "activity_theme", "donor_type", "pairing_mode")


def _pairs(text: str) -> list[tuple[str, str]]:
    """(value, word) pairs written in ``text``, either way round."""
    found = [(m[1], m[2]) for m in _CODE_FIRST.finditer(text)]
    found += [(m[2], m[1]) for m in _WORD_FIRST.finditer(text)]
    return found


def find_legends(texts: Iterable[str], vocab: Vocabulary) -> dict[str, tuple[dict[str, str], str]]:
    """table -> ({value: code}, the legend's text) for every legend found in ``texts``."""
    out: dict[str, tuple[dict[str, str], str]] = {}
    for text in texts:
        if not text or not re.search(r"\d|[A-Za-z]", text):
            continue
        pairs = _pairs(text)
        if len(pairs) < 2:
            continue
        for table in LEGEND_TABLES:
            legend: dict[str, str] = {}
            for value, word in pairs:
                for cut in range(len(word), 0, -1):  # 1男 2女 民族 → 女 (the longest known start)
                    code, how = vocab.resolve(table, word[:cut])
                    if code is not None and how in (EXACT, SYNONYM):
                        legend.setdefault(value.upper(), code)
                        break
            if len(set(legend.values())) >= 2 and table not in out:
                snippet = " ".join(text.split())
                out[table] = (legend, snippet[:40])
    return out
