"""Reading one JSON object member by member, and its arrays item by item, within bounds.

A package's data file (contract §6) is one object whose values are scalars or arrays of small
flat records; a big township's file runs to a hundred megabytes, which :func:`json.loads`
would turn into a gigabyte of dicts. :func:`members` reads it through a sliding window of
decoded text instead: each top-level value that is not an array, and each item of an array, is
parsed on its own with the standard library's C decoder (``raw_decode``), so memory holds one
chunk and the item being read, whatever the file's size or its line breaks (a file written on
one line, as every package so far, reads the same way).

Everything that is not plain JSON of that shape is :class:`Malformed`: a top level that is not
an object, a key given twice, more than MAX_MEMBERS members, an item or value longer than
``max_item`` characters, nesting deeper than the C decoder allows, NaN/Infinity, an integer of more
digits than Python converts, invalid UTF-8, anything after the object.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol, cast

_WS = frozenset(" \t\n\r")
_NUMBER = frozenset("0123456789.eE+-")
CHUNK = 1 << 20


class Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


class Malformed(ValueError):
    """The text is not a JSON object of the expected shape, or breaks a bound."""


def _no_constant(name: str) -> Any:
    raise Malformed(f"JSON constant {name}")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
#: the C scanner behind raw_decode (value, end) or StopIteration: an attribute typeshed omits
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
#: the end of the white space at a position (the pattern matches the empty text too)
_SKIP_WS = cast(Callable[[str, int], "re.Match[str]"], re.compile(r"[ \t\n\r]*").match)


class _Window:
    """The decoded text of a byte stream, read chunk by chunk; ``pos`` is the reading point."""

    def __init__(self, fh: Readable, chunk: int) -> None:
        self._fh, self._chunk = fh, chunk
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf, self.pos, self.eof = "", 0, False

    def more(self) -> bool:
        """Read the next chunk (dropping what was consumed); False at the end."""
        if self.eof:
            return False
        block = self._fh.read(self._chunk)
        try:
            text = self._utf8.decode(block, final=not block)
        except UnicodeDecodeError as err:
            raise Malformed("not UTF-8") from err
        self.eof = not block
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            buf, i, n = self.buf, self.pos, len(self.buf)
            while i < n and buf[i] in _WS:
                i += 1
            self.pos = i
            if i < n:
                return buf[i]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise Malformed(f"expected {char!r}")
        self.pos += 1

    def _cut(self, value: Any, end: int) -> bool:
        """True when ``value``, a number, may go on in the next chunk ("12" of "12.5", "1.5"
        of "1.5e3": the decoder stops where the text stops looking like a number)."""
        if self.eof or isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        buf, n = self.buf, len(self.buf)
        while end < n and buf[end] in _NUMBER:
            end += 1
        return end == n

    def value(self, limit: int) -> Any:
        """The JSON value at the reading point (at most ``limit`` characters long)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                if self.eof:
                    raise Malformed(str(err)) from err
            except RecursionError as err:
                raise Malformed("nested too deep") from err
            except ValueError as err:  # an integer of more digits than Python converts
                raise Malformed(str(err)[:80]) from err
            else:
                if not self._cut(value, end):
                    if end - self.pos > limit:
                        raise Malformed("value too long")
                    self.pos = end
                    return value
            if len(self.buf) - self.pos > limit:
                raise Malformed("value too long")
            self.more()


class Items:
    """The items of one top-level array, read one at a time (iterate at most once)."""

    def __init__(self, window: _Window, limit: int) -> None:
        self._window, self._limit = window, limit
        self._gen = self._read()

    def __iter__(self) -> Iterator[Any]:
        return self._gen

    def drain(self) -> None:
        """Read past the items the caller did not take."""
        for _ in self._gen:
            pass

    def _read(self) -> Iterator[Any]:
        w, limit = self._window, self._limit
        if w.peek() == "]":
            w.pos += 1
            return
        while True:
            # the common case in one step: an item and its separator inside the window (the
            # C scanner called directly); anything else goes the careful way (w.value)
            buf = w.buf
            start = _SKIP_WS(buf, w.pos).end()
            try:
                value, end = _SCAN(buf, start)
            except (StopIteration, RecursionError, ValueError):
                end = -1
            if 0 <= end - start <= limit:
                after = _SKIP_WS(buf, end).end()
                following = buf[after:after + 1]
                if following == ",":
                    w.pos = after + 1
                    yield value
                    continue
                if following == "]":
                    w.pos = after + 1
                    yield value
                    return
            w.pos = start
            yield w.value(limit)
            following = w.peek()
            w.pos += 1
            if following == "]":
                return
            if following != ",":
                raise Malformed("expected ',' or ']'")


#: members one object may have (a package's data file has about twenty)
MAX_MEMBERS = 1000


def members(fh: Readable, max_item: int, chunk: int = CHUNK) -> Iterator[tuple[str, Any]]:
    """(key, value) of each member of the JSON object that ``fh`` holds, in file order; an
    array's value is an :class:`Items` to iterate before asking for the next member (what is
    left of it is skipped). At most :data:`MAX_MEMBERS` members. Raises :class:`Malformed`."""
    w = _Window(fh, chunk)
    w.expect("{")
    seen: set[str] = set()
    if w.peek() == "}":
        w.pos += 1
    else:
        while True:
            if w.peek() != '"':
                raise Malformed("expected a key")
            key = w.value(max_item)
            if key in seen:
                raise Malformed(f"key {key[:40]!r} twice")
            if len(seen) >= MAX_MEMBERS:
                raise Malformed("too many members")
            seen.add(key)
            w.expect(":")
            if w.peek() == "[":
                w.pos += 1
                items = Items(w, max_item)
                yield key, items
                items.drain()
            else:
                yield key, w.value(max_item)
            following = w.peek()
            w.pos += 1
            if following == "}":
                break
            if following != ",":
                raise Malformed("expected ',' or '}'")
    if w.peek() != "":
        raise Malformed("text after the object")
