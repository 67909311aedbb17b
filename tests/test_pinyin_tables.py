"""models/pinyin reads pypinyin without its table of words (PYPINYIN_NO_PHRASES; the bundle
leaves the 2.5 MB table out): every single character gets the same initials and spelling as
with the table loaded."""

import os
import subprocess
import sys

PROBE = r"""
import hashlib, sys
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PINYIN_DICT, PHRASES_DICT
chars = sorted(chr(c) for c in PINYIN_DICT)
out = [(lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore"),
        lazy_pinyin(ch, style=Style.TONE3, errors="ignore")) for ch in chars]
print(len(chars), len(PHRASES_DICT), hashlib.sha256(repr(out).encode()).hexdigest())
"""


def probe(no_phrases: bool) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYPINYIN_NO_PHRASES"}
    if no_phrases:
        env["PYPINYIN_NO_PHRASES"] = "1"
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split()
    return out


def test_single_characters_do_not_need_the_table_of_words():
    with_words, without = probe(False), probe(True)
    assert int(with_words[1]) > 10_000 and without[1] == "0"  # the table was, then wasn't, loaded
    assert int(with_words[0]) > 40_000 and with_words[0] == without[0]
    assert with_words[2] == without[2]


def test_models_pinyin_skips_the_table_of_words():
    code = ("import models.pinyin as p, pypinyin.constants as c; "
            "print(p.initials('张三'), p.sort_key('曾'), len(c.PHRASES_DICT))")
    env = {k: v for k, v in os.environ.items() if k != "PYPINYIN_NO_PHRASES"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, check=True, cwd=os.path.dirname(os.path.dirname(
                             os.path.abspath(__file__)))).stdout.split()
    assert out[0] == "zs" and out[-1] == "0"
