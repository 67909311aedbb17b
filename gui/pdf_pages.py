"""Reading back the PDFs this program writes (reportlab's output), page by page, for the print
preview: each page's size, its drawing operations and, per font, the text of its codes and their
widths. Not a general PDF reader: it reads classic cross-reference tables and the operators
reportlab writes (paths, grays/colours, text with simple fonts); anything else raises
:class:`PdfUnreadable`. No Qt here (gui/printing.py paints what this reads)."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class PdfUnreadable(ValueError):
    """The file is not a PDF this reader understands (damaged, or not written by us)."""


class Name(str):
    """A PDF name (``/Font``), without its slash."""


@dataclass(frozen=True)
class Ref:
    """An indirect reference ``N G R``."""

    num: int


class Op(str):
    """A content-stream operator (``Tj``, ``re``)."""


_TOKEN = re.compile(rb"""
    (?P<ws>(?:\s|%[^\r\n]*)+)
  | (?P<str>\((?:\\.|[^\\()])*\))
  | (?P<dict><<|>>)
  | (?P<hex><[0-9A-Fa-f\s]*>)
  | (?P<name>/[^\s/\[\]()<>{}%]*)
  | (?P<num>[+-]?(?:\d+\.?\d*|\.\d+))
  | (?P<arr>[\[\]])
  | (?P<word>[A-Za-z'"][A-Za-z0-9*'"]*|\*)
""", re.VERBOSE | re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.DOTALL)


def _unescape(m: re.Match[bytes]) -> bytes:
    code = m.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    if code in (b"\r\n", b"\n", b"\r"):
        return b""
    return _ESCAPES.get(code, code)


def tokens(data: bytes, pos: int = 0) -> Iterator[tuple[Any, int]]:
    """The PDF tokens of ``data`` from ``pos``, each with the offset after it: numbers, bytes
    (strings, hex strings), :class:`Name`, :class:`Op` (bare words), and the delimiters
    ``<<`` ``>>`` ``[`` ``]`` as 1-tuples (``("<<",)``) to tell them from strings."""
    end = len(data)
    while pos < end:
        m = _TOKEN.match(data, pos)
        if m is None:
            raise PdfUnreadable(f"unexpected byte at {pos}")
        pos = m.end()
        kind = m.lastgroup
        text = m.group()
        if kind == "ws":
            continue
        if kind == "num":
            yield (float(text) if b"." in text else int(text)), pos
        elif kind == "str":
            yield _ESCAPE.sub(_unescape, text[1:-1]), pos
        elif kind == "name":
            yield Name(re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h.group(1), 16)]),
                              text[1:]).decode("latin-1")), pos
        elif kind == "hex":
            digits = re.sub(rb"\s", b"", text[1:-1])
            yield bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()), pos
        elif kind in ("dict", "arr"):
            yield (text.decode(),), pos
        else:
            yield Op(text.decode("latin-1")), pos


def _value(stream: Iterator[tuple[Any, int]], first: Any) -> Any:
    """One object starting with token ``first`` (arrays and dictionaries read to their end;
    ``N G R`` becomes a :class:`Ref`)."""
    if first == ("[",) or first == ("<<",):
        items: list[Any] = []
        close = ("]",) if first == ("[",) else (">>",)
        for tok, _ in stream:
            if tok == close:
                break
            if tok == Op("R") and len(items) >= 2 and isinstance(items[-1], int) \
                    and isinstance(items[-2], int):
                items[-2:] = [Ref(items[-2])]
                continue
            items.append(_value(stream, tok))
        else:
            raise PdfUnreadable("an array or dictionary is not closed")
        if close == ("]",):
            return items
        if len(items) % 2:
            raise PdfUnreadable("a dictionary has a key without a value")
        return {str(items[i]): items[i + 1] for i in range(0, len(items), 2)}
    return first


@dataclass
class Font:
    """A simple font of a page: its codes' text and widths (thousandths of its size)."""

    base: str
    text: dict[int, str] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)

    def decode(self, raw: bytes) -> str:
        if not self.text:
            return raw.decode("cp1252", "replace")
        return "".join(self.text.get(b, "") for b in raw)

    def width(self, raw: bytes) -> float | None:
        """The advance of ``raw`` in thousandths of the font size (None: widths unknown)."""
        if not self.widths:
            return None
        return sum(self.widths.get(b, 0.0) for b in raw)

    @property
    def family(self) -> str:
        """The font's name without reportlab's subset prefix and subfont suffix."""
        name = self.base.split("+", 1)[-1]
        return re.sub(r"-\d+$", "", name)


@dataclass
class Page:
    """A page: its size in points, its fonts, and its content read when painted (a roster of a
    thousand pages is not held unpacked in memory)."""

    width: float
    height: float
    load: Callable[[], bytes]
    fonts: dict[str, Font]

    @property
    def content(self) -> bytes:
        """The page's content stream, unpacked (raises :class:`PdfUnreadable`)."""
        try:
            return self.load()
        except (ValueError, TypeError, zlib.error) as e:
            raise PdfUnreadable(f"damaged page: {e}") from e

    def operations(self) -> Iterator[tuple[str, list[Any]]]:
        """Each operator of the page with its operands."""
        operands: list[Any] = []
        stream = tokens(self.content)
        for tok, _ in stream:
            if isinstance(tok, Op):
                yield str(tok), operands
                operands = []
            else:
                operands.append(_value(stream, tok))


_END_STREAM = re.compile(rb"\s*endstream")
_BF = re.compile(rb"beginbf(char|range)(.*?)endbf\1", re.DOTALL)


def _unicode_map(cmap: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for kind, body in _BF.findall(cmap):
        vals = [v for v, _ in tokens(body)]
        if kind == b"char":
            for src, dst in zip(vals[0::2], vals[1::2]):
                out[int.from_bytes(src, "big")] = dst.decode("utf-16-be", "replace")
            continue
        i = 0
        while i + 2 < len(vals):
            lo, hi = int.from_bytes(vals[i], "big"), int.from_bytes(vals[i + 1], "big")
            dst = vals[i + 2]
            if dst == ("[",):
                j = i + 3
                for code in range(lo, hi + 1):
                    out[code] = vals[j].decode("utf-16-be", "replace")
                    j += 1
                i = j + 1
                continue
            start = int.from_bytes(dst, "big")
            for code in range(lo, hi + 1):
                out[code] = chr(start + code - lo)
            i += 3
    return out


class PdfFile:
    """The pages of a PDF file written by this program."""

    def __init__(self, path: Path | str) -> None:
        """Reads the file's pages (raises OSError, or :class:`PdfUnreadable`)."""
        self.data = Path(path).read_bytes()
        self.cache: dict[int, Any] = {}
        self.fonts: dict[int, Font] = {}
        try:
            self.offsets = self._xref()
            root = self.resolve(self.trailer.get("Root"))
            if not isinstance(root, dict):
                raise PdfUnreadable("no document catalogue")
            self.pages: list[Page] = list(self._pages(self.resolve(root.get("Pages")), {}))
        except PdfUnreadable:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, StopIteration,
                RecursionError, zlib.error) as e:
            raise PdfUnreadable(f"damaged PDF: {e}") from e
        if not self.pages:
            raise PdfUnreadable("no pages")

    def _xref(self) -> dict[int, int]:
        data = self.data
        m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-1024:])
        if not data.startswith(b"%PDF-") or m is None:
            raise PdfUnreadable("not a PDF file")
        pos = int(m.group(1))
        head = re.compile(rb"xref\s+").match(data, pos)
        if head is None:
            raise PdfUnreadable("no cross-reference table (compressed PDFs are not read)")
        offsets: dict[int, int] = {}
        pos = head.end()
        section = re.compile(rb"(\d+) (\d+)\s+")
        while (sec := section.match(data, pos)) is not None:
            first, count = int(sec.group(1)), int(sec.group(2))
            pos = sec.end()
            for i in range(count):
                entry = data[pos:pos + 20]
                if entry[17:18] == b"n":
                    offsets[first + i] = int(entry[:10])
                pos += 20
        trailer = re.compile(rb"trailer\s*").match(data, pos)
        if trailer is None:
            raise PdfUnreadable("no trailer")
        stream = tokens(data, trailer.end())
        first_tok, _ = next(stream)
        self.trailer = _value(stream, first_tok)
        return offsets

    def resolve(self, obj: Any) -> Any:
        """The object a reference points to (streams as ``(dict, decoded bytes)``, read again
        each time: only other objects are kept)."""
        while isinstance(obj, Ref):
            if obj.num in self.cache:
                obj = self.cache[obj.num]
                continue
            value = self._read(obj.num)
            if not isinstance(value, tuple):
                self.cache[obj.num] = value
            obj = value
        return obj

    def _read(self, num: int, decode: bool = True) -> Any:
        pos = self.offsets.get(num)
        if pos is None:
            raise PdfUnreadable(f"object {num} is missing")
        stream = tokens(self.data, pos)
        head = [next(stream)[0] for _ in range(3)]
        if head[2] != Op("obj"):
            raise PdfUnreadable(f"object {num} is damaged")
        tok, _ = next(stream)
        obj = _value(stream, tok)
        tok, after = next(stream)
        if tok != Op("stream") or not isinstance(obj, dict):
            return obj
        start = after + (2 if self.data[after:after + 2] == b"\r\n" else 1)
        length = self.resolve(obj.get("Length"))
        if not isinstance(length, int):
            raise PdfUnreadable(f"stream {num} has no length")
        raw = self.data[start:start + length]
        if len(raw) != length or _END_STREAM.match(self.data, start + length) is None:
            raise PdfUnreadable(f"stream {num} is cut short or its length is wrong")
        return obj, (self._decoded(obj, raw) if decode else b"")

    @staticmethod
    def _decoded(info: dict, raw: bytes) -> bytes:
        filters = info.get("Filter", [])
        for name in filters if isinstance(filters, list) else [filters]:
            if name == "FlateDecode":
                raw = zlib.decompress(raw)
            elif name == "ASCII85Decode":
                raw = raw.strip()
                raw = base64.a85decode(raw if raw.endswith(b"~>") else raw + b"~>", adobe=True)
            else:
                raise PdfUnreadable(f"stream filter {name} is not read")
        return raw

    def _stream(self, obj: Any) -> bytes:
        value = self.resolve(obj)
        if not isinstance(value, tuple):
            raise PdfUnreadable("a stream was expected")
        return value[1]

    def _pages(self, node: Any, inherited: dict) -> Iterator[Page]:
        if not isinstance(node, dict):
            raise PdfUnreadable("the page tree is damaged")
        inherited = {**inherited, **{k: node[k] for k in ("MediaBox", "Resources") if k in node}}
        if node.get("Type") == "Pages":
            for kid in node.get("Kids", []):
                yield from self._pages(self.resolve(kid), inherited)
            return
        box = [float(self.resolve(v)) for v in self.resolve(inherited.get("MediaBox", []))]
        if len(box) != 4:
            raise PdfUnreadable("a page has no size")
        contents = node.get("Contents", [])
        if isinstance(contents, Ref):  # one stream, or an array of streams
            head = self._read(contents.num, decode=False)
            parts = head if isinstance(head, list) else [contents]
        else:
            parts = contents if isinstance(contents, list) else [contents]
        resources = self.resolve(inherited.get("Resources", {})) or {}
        fonts = self.resolve(resources.get("Font", {})) or {}
        yield Page(box[2] - box[0], box[3] - box[1],
                   lambda: b"\n".join(self._stream(p) for p in parts),
                   {name: self._font(ref) for name, ref in fonts.items()})

    def _font(self, ref: Any) -> Font:
        key = ref.num if isinstance(ref, Ref) else id(ref)
        if key not in self.fonts:
            info = self.resolve(ref)
            font = Font(str(info.get("BaseFont", "")))
            if "ToUnicode" in info:
                font.text = _unicode_map(self._stream(info["ToUnicode"]))
            widths = self.resolve(info.get("Widths"))
            if isinstance(widths, list):
                first = int(self.resolve(info.get("FirstChar", 0)))
                font.widths = {first + i: float(self.resolve(w)) for i, w in enumerate(widths)}
            self.fonts[key] = font
        return self.fonts[key]
