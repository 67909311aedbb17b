"""Unexpected errors are written to a log file instead of being shown as a traceback.

The log is meant to be sent to support, so it never carries record values: the frames of a
traceback (file, line, function and our own source line) are kept, every other line (the
exception messages) is scrubbed — SQLAlchemy's ``[parameters: …]`` dropped, SQL literals,
quoted text, ID numbers, phones, long digit runs and Chinese text (names) replaced by
placeholders. The exception type stays, so the log still says what went wrong and where.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

from models.paths import data_dir

_FRAME = re.compile(r"^\s*File \".*\", line \d+, in \S+\s*$")
_PARAMS = re.compile(r"\[parameters:.*?\](?=\s*(\(|$))", re.S)
_PARAMS_OPEN = re.compile(r"\[parameters:.*", re.S)
_QUOTED = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|“[^”]*”|‘[^’]*’|「[^」]*」")
_ID = re.compile(r"\d{17}[\dXx]|\d{15}")
_PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}")
_DIGITS = re.compile(r"\d{6,}")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_EXC_HEAD = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Problem|"
                       r"Damaged|TooNew|Cancelled)?):(.*)$")


def scrub_line(line: str) -> str:
    """A message line with every possible record value replaced by a placeholder."""
    head = _EXC_HEAD.match(line)
    prefix, text = (head.group(1) + ":", head.group(2)) if head else ("", line)
    text = _PARAMS.sub("[parameters: hidden]", text)
    text = _PARAMS_OPEN.sub("[parameters: hidden]", text)
    text = _QUOTED.sub("'…'", text)
    text = _ID.sub("[ID]", text)
    text = _PHONE.sub("[phone]", text)
    text = _DIGITS.sub("[number]", text)
    text = _CJK.sub("[text]", text)
    return prefix + text


def scrub(text: str) -> str:
    """A traceback (``traceback.format_exc()``) without record values (see module doc)."""
    out: list[str] = []
    keep_source = False
    for line in text.splitlines():
        if _FRAME.match(line):
            out.append(line)
            keep_source = True
            continue
        if keep_source and line.startswith("    ") and not line.lstrip().startswith("["):
            out.append(scrub_line(line))  # our source line (literals scrubbed all the same)
            keep_source = False
            continue
        keep_source = False
        out.append(scrub_line(line))
    return "\n".join(out) + "\n"


def write_crash_log(text: str) -> Path:
    """Append ``text`` (scrubbed) to ``logs/错误日志.txt`` in the data folder (or temp)."""
    clean = scrub(text)
    for folder in (data_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "错误日志.txt"
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"\n==== {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n{clean}")
            return path
        except OSError:
            continue
    return Path("（无法写入日志）")
