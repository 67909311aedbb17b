"""exports.jsonstream: a package's data file read member by member and item by item, the same
values as json.loads whatever the chunk size, and every malformed or oversized text refused."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from exports import jsonstream
from exports.jsonstream import Malformed


def _read(text: str | bytes, chunk: int = 7, max_item: int = 1000) -> dict[str, Any]:
    raw = text.encode() if isinstance(text, str) else text
    out: dict[str, Any] = {}
    for key, value in jsonstream.members(io.BytesIO(raw), max_item, chunk):
        out[key] = list(value) if isinstance(value, jsonstream.Items) else value
    return out


DOC = {"format": 3, "year": 2025, "name": "东山镇 \"关工委\" \\ 😀", "none": None,
       "ok": True, "pi": -3.25e-3, "big": 12345678901234567890,
       "groups": [{"uuid": "a", "type": "村", "n": 1}, {"uuid": "b", "type": "社区", "x": None}],
       "empty": [], "numbers": [1, 22, 333, 4444.5, -0.0],
       "units": [{"figures": {"groups": {"by_type": {"村": 2}}}}]}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_any_chunk_size_and_layout_reads_what_json_loads_reads(chunk, indent):
    text = json.dumps(DOC, ensure_ascii=False, indent=indent)
    assert _read(text, chunk) == json.loads(text) == DOC


def test_an_array_left_unread_is_skipped_and_the_next_member_follows():
    seen = []
    raw = json.dumps({"a": [1, 2, 3], "b": [4], "c": 5}).encode()
    for key, value in jsonstream.members(io.BytesIO(raw), 100, 3):
        if isinstance(value, jsonstream.Items):
            seen.append((key, next(iter(value))))
        else:
            seen.append((key, value))
    assert seen == [("a", 1), ("b", 4), ("c", 5)]


@pytest.mark.parametrize("text", [
    '[{"a": 1}]',                       # not an object
    '{"a": 1, "a": 2}',                 # a key twice
    '{"a": NaN}', '{"a": [Infinity]}',  # constants JSON does not have
    '{"a": 1} x',                       # text after the object
    '{"a": 1',                          # cut short
    '{"a": [1, 2}',                     # unclosed array
    '{"a" 1}', '{a: 1}', '{"a": 1,}',   # broken syntax
    '{"a": [' + "[" * 100_000 + "]" * 100_000 + "]}",  # nested deeper than the decoder goes
    '{"a": "' + "x" * 2000 + '"}',      # a value longer than the bound
    '{"a": [1, "' + "x" * 2000 + '"]}',  # an item longer than the bound
    '{"a": 1' + " " * 5000 + "2}",       # white space does not hide a missing comma
])
def test_malformed_or_oversized_text_is_refused(text):
    with pytest.raises(Malformed):
        _read(text, chunk=64)
    with pytest.raises(Malformed):
        _read(text, chunk=1 << 20)


def test_an_integer_of_more_digits_than_python_converts_is_refused():
    for text in ('{"a": [' + "7" * 5000 + "]}", '{"a": ' + "7" * 5000 + "}"):
        with pytest.raises(Malformed):
            _read(text, chunk=1 << 20, max_item=100_000)


def test_an_object_of_more_members_than_the_format_has_is_refused():
    many = {f"k{i}": i for i in range(jsonstream.MAX_MEMBERS)}
    assert _read(json.dumps(many), chunk=1 << 20) == many
    with pytest.raises(Malformed):
        _read(json.dumps({**many, "one more": 0}), chunk=1 << 20)


def test_invalid_utf8_is_refused_also_when_split_across_chunks():
    with pytest.raises(Malformed):
        _read(b'{"a": "\xe4\xb8"}', chunk=3)
    assert _read('{"a": "关工委"}'.encode(), chunk=1) == {"a": "关工委"}


def test_a_number_at_a_chunk_boundary_is_not_cut():
    text = '{"a": [123456789, 987654321]}'
    for chunk in range(1, len(text) + 1):
        assert _read(text, chunk) == {"a": [123456789, 987654321]}
