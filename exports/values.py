"""What a coded cell means (contract.md §2.13): codes, built-in synonyms, the clerk's answers.

A :class:`Vocabulary` serves one import. For each code table it knows, in this order:

1. the answers given for this import (``--map`` or the wizard's pick lists),
2. the file's own legend (``性别：1男 2女`` in the title rows, a 说明 sheet),
3. the codes themselves, the built-in synonyms (models.synonyms) and the answers remembered
   from earlier imports (models.aliases),
4. one known code or synonym named inside other words (taken, with a warning).

Anything else is a *question*: collected once per (sheet, column, value) with its rows and a
guess (a built-in guess, one code inside the value, or the closest code by characters and
pinyin). The handlers decide what an unanswered question does to its row (error or warning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from models import aliases, codetables
from models.errors import FileProblem
from models.pinyin import initials
from models.synonyms import CREATE, FIXED_CODES, GUESSES, SYNONYMS, TABLE_LABELS

_WS_RE = re.compile(r"[\s\u3000\u00a0\ufeff\u200b-\u200d\u2060\u00ad]+")
_QUOTES = str.maketrans("", "", "“”\"'「」‘’《》")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
                           "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ（）",
                           "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ()")

#: where a taken value came from
EXACT, SYNONYM, LEARNED, ANSWER, LEGEND, INSIDE = (
    "exact", "synonym", "learned", "answer", "legend", "inside")
#: name lists that are not code tables: 关工小组 and 结对五老 names
NAME_TABLES = ("group", "volunteer")
#: distinct unknown values that get a guess (the rest are asked without one)
MAX_GUESSES = 300


def value_key(value: Any) -> str:
    """A cell reduced for comparing with codes: no white space or quotes, full-width folded,
    ASCII upper case (``“ 男性 ”`` → ``男性``, ``ｍ`` → ``M``)."""
    if type(value) is str:
        return _text_key(value)
    return _text_key(str(value if value is not None else ""))


@lru_cache(maxsize=65536)
def _text_key(value: str) -> str:
    out = _WS_RE.sub("", value).translate(_QUOTES)
    return out.translate(_FULLWIDTH).upper()


def similarity(a: str, b: str) -> float:
    """0..1: characters in common, and the pinyin initials in common (老同志 ~ 老干部 less than
    新华村 ~ 新华村关工小组)."""
    chars = SequenceMatcher(None, a, b).ratio()
    ia, ib = initials(a), initials(b)
    sound = SequenceMatcher(None, ia, ib).ratio() if ia and ib else 0.0
    return max(chars, 0.8 * sound)


_NAME_SUFFIXES = ("关工小组", "关工委", "小组", "关工组")


def _core(name: str) -> str:
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=65536)
def _name_sound(name: str) -> tuple[str, str]:
    """A name without its 关工小组-style suffix, and that core's pinyin initials."""
    core = _core(value_key(name))
    return core, initials(core)


def same_name(key: str, names: list[str]) -> str | None:
    """The existing name ``key`` most likely means: one that contains it or is contained in it
    (红旗 ~ 红旗村关工小组), or one that sounds the same (柳树弯村 ~ 柳树湾村) — never merely a
    similar one (柳树湾村 is not 柳树村). None when there is no single such name."""
    core, sound = _name_sound(key)
    hits = []
    for name in names:
        other, other_sound = _name_sound(name)
        if not other or not core:
            continue
        if (min(len(core), len(other)) >= 2 and (core in other or other in core)) or \
                (len(other) == len(core) and other_sound == sound and
                 sum(a != b for a, b in zip(core, other)) <= 1):
            hits.append(name)
    return hits[0] if len(hits) == 1 else None


@dataclass
class Question:
    """One value of one column the import did not know."""

    table: str
    column: str
    value: str
    sheet: str = ""
    rows: list[int] = field(default_factory=list)
    guess: str | None = None
    #: what was done with it: the code taken (legend, answer), or None (left / refused)
    taken: str | None = None
    #: whether its row is refused while unanswered (a required code)
    required: bool = False

    def as_json(self, with_sheet: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column, "value": self.value, "rows": self.rows,
                               "guess": self.guess, "taken": self.taken,
                               "required": self.required, "table": self.table}
        if with_sheet:
            out["sheet"] = self.sheet
        return out


@dataclass(frozen=True)
class Answer:
    """``--map "COLUMN:VALUE=CODE"``, parsed; the wizard also names the code table."""

    column: str
    value: str
    code: str
    table: str = ""


def parse_map(text: str) -> Answer:
    """``五老类别:老同志=老干部`` → Answer. Raises FileProblem with the expected shape."""
    head, eq, code = text.partition("=")
    column, colon, value = head.replace("：", ":").partition(":")
    if not (eq and colon and column.strip() and value.strip() and code.strip()):
        raise FileProblem(f"--map “{text}”看不懂。请写成 --map \"列名:文件里的值=程序里的代码\"，"
                          "如 --map \"五老类别:老同志=老干部\"。")
    return Answer(column.strip(), value.strip(), code.strip())


class Vocabulary:
    """Codes, synonyms, remembered and given answers of one import, and its questions."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self._codes: dict[str, list[str]] = {}
        self._known: dict[str, dict[str, tuple[str, str]]] = {}
        #: (table, value key) -> code given for this import
        self.answers: dict[tuple[str, str], str] = {}
        #: answers as given, to remember when the import is written: (table, value, code)
        self.given: list[tuple[str, str, str]] = []
        #: (table, value key) -> code explained by the file (not remembered)
        self.legends: dict[tuple[str, str], str] = {}
        self.legend_text: dict[str, str] = {}
        self.questions: dict[tuple[str, str, str, str], Question] = {}
        #: (table, cell text) -> what :meth:`resolve` found (emptied when answers or legends
        #: are added)
        self._resolved: dict[tuple[str, str], tuple[str | None, str]] = {}
        self._learned = {(t, value_key(v)): c for (t, v), c in aliases.learned(s).items()}

    # -- tables ---------------------------------------------------------------------------
    def codes(self, table: str) -> list[str]:
        if table not in self._codes:
            self._codes[table] = list(FIXED_CODES.get(table, ())) or \
                list(codetables.values(self.s, table))
        return self._codes[table]

    def known(self, table: str) -> dict[str, tuple[str, str]]:
        """value key -> (code, how) for codes, synonyms and remembered answers."""
        if table not in self._known:
            codes = self.codes(table)
            found: dict[str, tuple[str, str]] = {}
            for word, code in SYNONYMS.get(table, {}).items():
                if code in codes:
                    found[value_key(word)] = (code, SYNONYM)
            for (t, word), code in self._learned.items():
                if t == table and code in codes:
                    found[value_key(word)] = (code, LEARNED)
            for code in codes:
                found[value_key(code)] = (code, EXACT)
            self._known[table] = found
        return self._known[table]

    # -- answers --------------------------------------------------------------------------
    def answer(self, table: str, value: str, code: str, names: list[str] | None = None) -> None:
        """Take ``value`` as ``code`` in this import (and remember it if the import is written).

        ``names``: the existing names of a name list (groups, volunteers). Raises FileProblem
        when ``code`` is not one of the table's codes."""
        label = TABLE_LABELS.get(table, table)
        if table in NAME_TABLES:
            allowed = [*(names or []), *([CREATE] if table == "group" else [])]
        else:
            allowed = self.codes(table)
        if code not in allowed:
            hint = "、".join(allowed[:15]) if table not in NAME_TABLES else \
                ("程序里已有的关工小组名称，或“新建”" if table == "group" else "程序里已有的五老姓名")
            raise FileProblem(f"回答“{label}:{value}={code}”里的“{code}”不是可选的{label}。"
                              f"可以填：{hint}。")
        self.answers[(table, value_key(value))] = code
        self._resolved.clear()
        if code != CREATE:
            self.given.append((table, value, code))

    def learned_name(self, table: str, value: str) -> str | None:
        """A remembered or given answer for a name (关工小组 / 结对五老)."""
        key = value_key(value)
        return self.answers.get((table, key)) or self._learned.get((table, key))

    def add_legend(self, table: str, legend: dict[str, str], text: str) -> None:
        for value, code in legend.items():
            if code in self.codes(table):
                self.legends.setdefault((table, value_key(value)), code)
        self._resolved.clear()
        self.legend_text.setdefault(table, text)

    def legend_notes(self) -> list[str]:
        """One sentence per column whose values were taken from the file's own legend."""
        by_column: dict[tuple[str, str], list[Question]] = {}
        for q in self.questions.values():
            if q.taken is not None and (q.table, value_key(q.value)) in self.legends:
                by_column.setdefault((q.column, q.table), []).append(q)
        out = []
        for (column, table), qs in by_column.items():
            pairs = "，".join(f"“{q.value}”记为{q.taken}" for q in qs)
            rows = sum(len(q.rows) for q in qs)
            out.append(f"{column}一列按文件里的说明（{self.legend_text.get(table, '')}）：{pairs}"
                       f"（{rows} 行）。如果不对，请在导入时改选")
        return out

    # -- reading --------------------------------------------------------------------------
    def resolve(self, table: str, raw: str) -> tuple[str | None, str]:
        """(code, how) for a cell's text; (None, "") when it is a question."""
        found = self._resolved.get((table, raw))
        if found is None:
            found = self._resolved[(table, raw)] = self._resolve(table, raw)
        return found

    def _resolve(self, table: str, raw: str) -> tuple[str | None, str]:
        key = value_key(raw)
        if not key:
            return None, ""
        if (table, key) in self.answers:
            return self.answers[(table, key)], ANSWER
        if (table, key) in self.legends:
            return self.legends[(table, key)], LEGEND
        known = self.known(table)
        if key in known:
            return known[key]
        inside = self._inside(table, key)
        if inside is not None:
            return inside, INSIDE
        return None, ""

    def _inside(self, table: str, key: str) -> str | None:
        """The one code named inside ``key`` (``老干部（退休）`` → 老干部, ``退休教师（小学）`` →
        老教师); None when none or several different ones are named."""
        hits: list[tuple[str, str]] = [(word, code) for word, (code, _how) in
                                       self.known(table).items() if len(word) >= 2 and word in key]
        # a word inside a longer hit does not count on its own (教师 inside 退休教师)
        hits = [(w, c) for w, c in hits if not any(w != o and w in o for o, _ in hits)]
        codes = {c for _w, c in hits}
        return codes.pop() if len(codes) == 1 else None

    def guess(self, table: str, raw: str, names: list[str] | None = None) -> str | None:
        """The code the value most likely means, for the question's pick list (never taken)."""
        key = value_key(raw)
        if table in NAME_TABLES:
            return same_name(key, names or []) or (CREATE if table == "group" else None)
        built_in = {value_key(w): c for w, c in GUESSES.get(table, {}).items()}
        if key in built_in and built_in[key] in self.codes(table):
            return built_in[key]
        words = {w: c for w, (c, _h) in self.known(table).items()}
        found = self._closest(key, list(words), 0.5)
        return words[found] if found is not None else None

    @staticmethod
    def _closest(key: str, candidates: list[str], floor: float) -> str | None:
        best, score = None, floor
        for cand in candidates:
            ck = value_key(cand)
            s = similarity(key, ck)
            if ck and (ck in key or key in ck) and min(len(key), len(ck)) >= 2:
                s = max(s, 0.75)
            if s > score:
                best, score = cand, s
        return best

    def ask(self, table: str, column: str, raw: str, row: int, sheet: str, required: bool,
            names: list[str] | None = None, taken: str | None = None) -> Question:
        """Record that ``raw`` in ``column`` was not known (once per value; rows collected)."""
        value = raw.strip()
        k = (sheet, column, table, value_key(value))
        q = self.questions.get(k)
        if q is None:
            # a column full of free text (taken for a coded one) must not cost minutes
            guess = self.guess(table, value, names) if len(self.questions) < MAX_GUESSES else None
            q = Question(table, column, value, sheet, guess=guess, taken=taken,
                         required=required)
            self.questions[k] = q
        if not q.rows or q.rows[-1] != row:
            q.rows.append(row)
        return q
