"""Reading clerks' files, by what the bytes are rather than what the name says.

 (openpyxl read-only, merged ranges and hidden rows from the sheet XML), .xls (xlrd),
an "xls" that is really an HTML table, Excel's "Unicode 文本" (UTF-16, tab-separated) and CSV
in UTF-8 or GBK. A reader yields sheets; a sheet yields ``(row_number, values)`` with the
sheet's own row numbers (1-based, as Excel shows them). A merged range gives its value to every
cell it covers. Everything that goes wrong with the file itself is a :class:`FileProblem` with a
plain Chinese sentence.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

import python_calamine as pc
from defusedxml import ElementTree

from exports.cells import visible
from models.errors import FileProblem

MAX_BYTES = 200 * 1024 * 1024
#: the unpacked contents of an xlsx may not exceed this, nor any member inflate more than 100×
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100
#: no clerk's sheet is wider; cells further right are never read
MAX_COLS = 256
Row = tuple[int, list[Any]]
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


@dataclass
class Sheet:
    name: str
    rows: Iterator[Row]
    #: row numbers that are hidden in Excel
    hidden: set[int] = field(default_factory=set)
    #: the rows' text cells are :func:`exports.cells.visible` already (the import then does
    #: not clean them again)
    clean: bool = False


SAVE_AS = ("请用 Excel 或 WPS 打开它，选“文件 → 另存为”，保存类型选“Excel 工作簿(*.xlsx)”，"
           "再导入保存后的文件。")


def _not_readable(path: Path, what: str = "") -> FileProblem:
    extra = f"（{what}）" if what else ""
    return FileProblem(f"无法读取“{path.name}”{extra}：它不是能打开的 Excel/CSV 文件，或文件已损坏。"
                       "请用 Excel 或 WPS 打开确认后，另存为 .xlsx 再导入。")


def _seems(path: Path, what: str) -> FileProblem:
    return FileProblem(f"“{path.name}”看起来是{what}，不是 Excel 表格，无法导入。"
                       f"如果它是由表格转换来的，{SAVE_AS}")


_FOREIGN = ((b"%PDF", "PDF 文件"), (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
            (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPG 图片"), (b"GIF8", "GIF 图片"),
            (b"BM", "BMP 图片"), (b"{\\rtf", "RTF 文档"), (b"\x1f\x8b", "gzip 压缩包"))


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff(path: Path, head: bytes) -> str:
    """What the file is: xlsx, ods, xls, html, utf16, csv. Raises FileProblem for anything else."""
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mimetype = b""
                if "mimetype" in names:
                    with z.open("mimetype") as f:
                        mimetype = f.read(200).strip()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
            raise _not_readable(path, "压缩结构损坏") from err
        if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
            return "xlsx"
        if mimetype == ODS_MIMETYPE and "content.xml" in names:
            return "ods"
        if any(n.startswith("word/") for n in names):
            raise _seems(path, " Word 文档（.docx）。请把其中的表格复制到 Excel 里")
        if any(n.startswith("ppt/") for n in names):
            raise _seems(path, " PowerPoint 演示文稿")
        if "content.xml" in names:
            raise _seems(path, " WPS/LibreOffice 的文字或演示文档（ODF，不是 .ods 表格）。"
                               "请把其中的表格复制到 Excel 或 WPS 表格里")
        raise _seems(path, " ZIP 压缩包。请先解压，再导入里面的 Excel 文件")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    for magic, what in _FOREIGN:
        if head.startswith(magic):
            raise _seems(path, what)
    if "urn:schemas-microsoft-com:office:spreadsheet" in _decode_any(head) and \
            "<html" not in _decode_any(head).lower():
        raise FileProblem(f"“{path.name}”是 Excel 2003 的 XML 表格格式，无法直接导入。{SAVE_AS}")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "html" if _looks_html(_decode_any(head)) else "utf16"
    if _looks_html(_decode_any(head)):
        return "html"
    return "csv"


def _decode_any(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="ignore")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="ignore")


def _looks_html(start: str) -> bool:
    head = start.lstrip("\ufeff \t\r\n").lower()
    return head.startswith(("<html", "<table", "<!doctype html", "<meta", "<?xml")) and (
        "<table" in start.lower() or head.startswith(("<html", "<!doctype html")))


def open_sheets(path: Path) -> Iterator[Sheet]:
    """The sheets of a spreadsheet file, in order. Raises FileProblem."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"找不到文件“{path}”。请检查路径。")
    size = path.stat().st_size
    if size == 0:
        raise FileProblem(f"文件“{path.name}”是空的（0 字节）。请检查是否选错了文件。")
    if size > MAX_BYTES:
        raise FileProblem(f"文件“{path.name}”太大（超过 200MB），请拆分后再导入。")
    with path.open("rb") as f:
        head = f.read(4096)
    kind = sniff(path, head)
    if kind in ("xlsx", "ods"):
        return _calamine(path, kind)
    if kind == "xls":
        return _xls(path)
    if kind == "html":
        return _html(path)
    if kind == "utf16":
        return _csv(path, utf16=True)
    return _csv(path)


# -- xlsx -------------------------------------------------------------------------------------
def check_zip(path: Path) -> None:
    """Refuse an xlsx that unpacks to more than 200 MB or inflates a member more than 100×."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise _not_readable(path, "压缩结构损坏") from err
    total = sum(i.file_size for i in infos)
    bomb = any(i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1)
               for i in infos)
    if total > MAX_UNPACKED or bomb:
        raise FileProblem(f"“{path.name}”解压后异常庞大（约 {total // (1024 * 1024)} MB），"
                          "不像正常的表格，已拒绝读取。请用 Excel 打开确认内容后另存为新的 .xlsx，"
                          "或把数据拆成几个小文件再导入。")


def _xml_problem(path: Path, err: BaseException) -> FileProblem:
    return FileProblem(f"“{path.name}”里的表格数据格式不正确（{type(err).__name__}），无法读取。"
                       "请用 Excel 或 WPS 打开后另存为新的 .xlsx 再导入。")


_XML_ERRORS: tuple[type[Exception], ...]
try:
    from defusedxml import DefusedXmlException
    _XML_ERRORS = (DefusedXmlException,)
except ImportError:  # pragma: no cover
    _XML_ERRORS = ()
#: what a broken or hostile XML part raises (xml.etree's ParseError is a SyntaxError)
_BAD_XML: tuple[type[Exception], ...] = (SyntaxError, *_XML_ERRORS)


#: python-calamine builds a whole sheet as a dense grid (about 32 bytes a cell) before the
#: first row is read; an .xlsx sheet whose grid would be larger is streamed by openpyxl instead,
#: an .ods one refused
DENSE_CELLS = 4_000_000
#: a cell reference beyond column Z (``r="AB12"``); the ``r`` must start a word (checked
#: apart: a pattern that begins with ``\b`` is scanned five times slower)
_WIDE_RE = re.compile(rb"r=[\"']([A-Z]{2,3})[0-9]")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DTD = (b"<!DOCTYPE", b"<!ENTITY")


@dataclass
class Layout:
    """What a bounded pass over a sheet's XML tells and calamine does not: merged ranges,
    hidden rows, and the size of the grid calamine would build."""

    merges: list[Merge] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    rows: int = 0
    cols: int = 0
    #: cells without their ``r="B2"`` reference: the width is unknown
    unplaced: bool = False

    def too_big(self) -> bool:
        return self.cols > MAX_COLS or self.unplaced or self.rows * max(self.cols, 1) > DENSE_CELLS


def _calamine_problem(path: Path, err: Exception) -> FileProblem:
    if isinstance(err, pc.XmlError):
        return _xml_problem(path, err)
    return _not_readable(path, type(err).__name__)


def _calamine(path: Path, kind: str) -> Iterator[Sheet]:
    """The sheets of an .xlsx or .ods, read by python-calamine (Rust), one sheet at a time."""
    check_zip(path)
    layouts = ods_layouts(path) if kind == "ods" else {}
    members = {} if kind == "ods" else xlsx_sheet_members(path)
    handle = path.open("rb")
    try:
        book = pc.CalamineWorkbook.from_filelike(handle)
    except (pc.CalamineError, OSError, ValueError) as err:
        handle.close()
        raise _calamine_problem(path, err) from err
    except BaseException:
        handle.close()
        raise

    def gen() -> Iterator[Sheet]:
        fallback: Any = None
        try:
            for index, meta in enumerate(book.sheets_metadata):
                if meta.typ != pc.SheetTypeEnum.WorkSheet:
                    continue
                if kind == "ods":
                    layout = layouts.get(meta.name, Layout())
                    if layout.too_big():
                        raise FileProblem(f"“{path.name}”的工作表“{meta.name}”太大或太宽（超过 "
                                          f"{MAX_COLS} 列），无法读取。请用 WPS 或 LibreOffice 打开，"
                                          "删去多余的行列后另存为 .xlsx 再导入。")
                else:
                    member = members.get(meta.name) or members.get(f"#{index}")
                    layout = xlsx_layout(path, member) if member else Layout()
                    if layout.too_big():
                        if fallback is None:
                            fallback = _OpenpyxlBook(path)
                        yield fallback.sheet(meta.name, layout)
                        continue
                try:
                    sheet = book.get_sheet_by_index(index)
                except (pc.CalamineError, ValueError) as err:
                    raise _calamine_problem(path, err) from err
                rows = _calamine_rows(path, sheet, layout.rows if kind == "xlsx" else 0)
                yield Sheet(meta.name, fill_merges(rows, layout.merges), layout.hidden, clean=True)
        finally:
            book.close()
            handle.close()
            if fallback is not None:
                fallback.close()

    return gen()


def _calamine_rows(path: Path, sheet: Any, last: int = 0) -> Iterator[Row]:
    """``(row number, values)`` of a calamine sheet: empty cells (calamine's ``""``) are None,
    text cells :func:`exports.cells.visible`, rows without their empty cells at the end, at
    most MAX_COLS wide; empty rows up to row ``last`` (the XML's last row element), as openpyxl
    gives them."""
    counter = [0]
    yield from _calamine_cells(path, sheet, counter)
    number = counter[0]
    while number < last:
        number += 1
        yield number, []


def _calamine_cells(path: Path, sheet: Any, counter: list[int]) -> Iterator[Row]:
    if sheet.start is None:  # an empty sheet
        return
    start_row, start_col = sheet.start
    try:
        rows = iter(sheet.iter_rows())
        first = next(rows, None)
        if first is None:
            return
        # python-calamine 0.9 yields rows from row 1 but columns from the first used one; should
        # a version yield from the first used row, that row is the one with a filled cell
        number = start_row if start_row and any(v != "" for v in first) else 0
        pad: list[Any] = [None] * start_col
        keep = max(MAX_COLS - start_col, 0)
        row: list[Any] | None = first
        while row is not None:
            number += 1
            # every INVISIBLE character is unprintable: a printable text has none (no copy)
            values = [None if v == "" else visible(v) if type(v) is str and not v.isprintable()
                      else v for v in (row if len(row) <= keep else row[:keep])]
            if pad:
                values = pad + values
            n = len(values)
            while n and values[n - 1] is None:
                n -= 1
            if n < len(values):
                del values[n:]
            counter[0] = number
            yield number, values
            row = next(rows, None)
    except (pc.CalamineError, ValueError) as err:
        raise _calamine_problem(path, err) from err


class _OpenpyxlBook:
    """openpyxl's streaming reader, for the rare sheet too big for calamine's grid."""

    def __init__(self, path: Path) -> None:
        import openpyxl  # heavy (0.2 s): only for the rare sheet calamine cannot hold
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        self.handle = path.open("rb")  # a file object: openpyxl judges a name by its extension
        try:
            self.book = openpyxl.load_workbook(self.handle, read_only=True, data_only=True)
        except _BAD_XML as err:
            self.handle.close()
            raise _xml_problem(path, err) from err
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
                TypeError, AttributeError, IndexError) as err:
            self.handle.close()
            if isinstance(err.__cause__, _BAD_XML) or "invalid XML" in str(err):
                raise _xml_problem(path, err.__cause__ or err) from err
            raise _not_readable(path, type(err).__name__) from err

    def sheet(self, name: str, layout: Layout) -> Sheet:
        try:
            ws = self.book[name]
        except KeyError as err:
            raise _not_readable(self.path, f"找不到工作表“{name}”") from err
        ws.reset_dimensions()
        return Sheet(ws.title, _xlsx_rows(self.path, ws, layout.merges), layout.hidden)

    def close(self) -> None:
        self.book.close()
        self.handle.close()


#: the workbook's own small parts (sheet list, relationships) may not be larger than this
_SMALL_PART = 16 * 1024 * 1024


def _small_xml(z: zipfile.ZipFile, name: str) -> Any:
    if z.getinfo(name).file_size > _SMALL_PART:
        raise ValueError(name)
    return ElementTree.fromstring(z.read(name))


def xlsx_sheet_members(path: Path) -> dict[str, str]:
    """Sheet name (and ``#index``) -> its worksheet part in the zip (``xl/worksheets/sheet1.xml``),
    from xl/workbook.xml and its relationships. Empty when they cannot be read (calamine then
    says what is wrong)."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    out: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            wb_name = "xl/workbook.xml"
            rels_name = "xl/_rels/workbook.xml.rels"
            if wb_name not in names or rels_name not in names:
                return out
            workbook, rels = _small_xml(z, wb_name), _small_xml(z, rels_name)
    except _BAD_XML:
        return out
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return out
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for index, sheet in enumerate(workbook.iter(f"{ns_main}sheet")):
        target = targets.get(sheet.get(f"{ns_rel}id"), "")
        if not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        member = member.replace("xl/./", "xl/")
        out.setdefault(sheet.get("name", ""), member)
        out[f"#{index}"] = member
    return out


_REF_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _cell_ref(ref: str) -> tuple[int, int] | None:
    m = _REF_RE.match(ref.strip().upper().replace("$", ""))
    if not m:
        return None
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col


def parse_range(ref: str) -> Merge | None:
    first, _, last = ref.partition(":")
    a, b = _cell_ref(first), _cell_ref(last or first)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


_ATTR_RE = re.compile(rb"\b(r|hidden|ref)\s*=\s*[\"']([^\"']*)[\"']")
#: a row's ``r`` (valid XML has one; :data:`_ATTR_RE` is for the rarer tags and attributes)
_ROW_NUMBER_RE = re.compile(rb"\br\s*=\s*[\"']([^\"']*)[\"']")
_CELL_RE = re.compile(rb"<(?:\w+:)?c[\s>/]([^>]*)")
_PLACED_RE = re.compile(rb"\br\s*=")


_XML_SPACE = frozenset(b" \t\n\r\f\v")


def _tags(buf: bytes, cut: int, name: bytes) -> Iterator[bytes]:
    """The attributes of every ``<name …>`` or ``<prefix:name …>`` tag that starts before
    ``cut``, in order: what ``<(?:\\w+:)?name\\s([^>]*)>`` finds, by ``bytes.find`` (a regex
    beginning with ``<`` tries every tag of the sheet; this looks only where the name is)."""
    size = len(name)
    i = buf.find(name, 0, cut)
    while i >= 0:
        after = i + size
        start = i - 1
        if start >= 0 and buf[start] == 0x3A:  # ':' — a prefix of word characters and '<' before it
            while start > 0 and buf[start - 1] in _WORD_BYTES:
                start -= 1
            start = start - 1 if start < i - 1 else -1
        if start >= 0 and buf[start] == 0x3C and after < cut and buf[after] in _XML_SPACE:
            end = buf.find(b">", after, cut)
            if end < 0:
                return
            yield buf[after + 1:end]
            i = buf.find(name, end, cut)
        else:
            i = buf.find(name, after, cut)


def _column_number(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


def xlsx_layout(path: Path, member: str) -> Layout:
    """Merged ranges, hidden rows and grid size of one worksheet.

    A streaming scan of the sheet XML for ``<row … hidden="1">`` and ``<mergeCell ref=…>``
    tags and for cell references beyond column Z, in 1 MB pieces: no tree is built, no entity
    is expanded (a DTD is refused), and XML that Excel tolerates is tolerated here too.
    """
    layout = Layout()
    rows = 0
    try:
        with zipfile.ZipFile(path) as z, z.open(member.lstrip("/")) as f:
            first = True  # until the first cell: are cells placed by their reference?
            for buf, cut in _xml_windows(f, path):
                for body in _tags(buf, cut, b"row"):
                    placed = _ROW_NUMBER_RE.search(body)
                    r = placed[1] if placed is not None else b""
                    rows = int(r) if r.isdigit() else rows + 1
                    if rows > layout.rows:
                        layout.rows = rows
                    if b"hidden" in body and \
                            dict(_ATTR_RE.findall(body)).get(b"hidden") in (b"1", b"true"):
                        layout.hidden.add(rows)
                for body in _tags(buf, cut, b"mergeCell"):
                    attrs = dict(_ATTR_RE.findall(body))
                    merge = parse_range(attrs.get(b"ref", b"").decode("ascii", "replace"))
                    if merge is not None:
                        layout.merges.append(merge)
                wide = {w[1] for w in _WIDE_RE.finditer(buf, 0, cut)
                        if w.start() == 0 or buf[w.start() - 1] not in _WORD_BYTES}
                if wide:
                    layout.cols = max(layout.cols, *(_column_number(w) for w in wide))
                cell = _CELL_RE.search(buf, 0, cut) if first else None
                if cell is not None:
                    layout.unplaced = _PLACED_RE.search(cell[1]) is None
                    first = False
    except KeyError:
        return Layout()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise _not_readable(path, "读取工作表时出错") from err
    layout.cols = max(layout.cols, 26)
    return layout


# -- ods --------------------------------------------------------------------------------------
_ODS_TAG_RE = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)([\s/>])")
_ODS_ATTR_RE = re.compile(rb"table:([\w-]+)\s*=\s*[\"']([^\"']*)[\"']")
#: a repeated hidden row block longer than this is the sheet's empty tail, not data
_ODS_HIDDEN_RUN = 1000


def _int_attr(attrs: dict[bytes, bytes], name: bytes) -> int:
    raw = attrs.get(name, b"1")
    return max(1, min(int(raw), 1 << 21)) if raw.isdigit() else 1


def ods_layouts(path: Path) -> dict[str, Layout]:
    """Merged ranges (``table:number-columns-spanned`` / ``rows-spanned``), hidden rows
    (``table:visibility="collapse"``) and grid size of every sheet of an .ods, by sheet name.

    One streaming pass over content.xml in 1 MB pieces, like :func:`xlsx_layout`: repeated rows
    and cells are counted, never expanded; a DTD is refused."""
    out: dict[str, Layout] = {}
    layout: Layout | None = None
    row = col = 0
    repeat_rows = 1
    try:
        with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
            for buf, cut in _xml_windows(f, path):
                for m in _ODS_TAG_RE.finditer(buf, 0, cut):
                    closing, tag = m[1], m[2]
                    if closing:
                        if tag == b"table-row":
                            row += repeat_rows - 1
                        continue
                    # the tag's attributes end at its ">" (already consumed by a bare tag)
                    end = m.end() - 1 if m[3] == b">" else buf.find(b">", m.end(), cut)
                    if end < 0:
                        continue
                    raw = buf[m.start():end]
                    attrs = dict(_ODS_ATTR_RE.findall(raw))
                    if tag == b"table":
                        name = unescape(attrs.get(b"name", b"").decode("utf-8", "replace"),
                                        {"&quot;": '"', "&apos;": "'"})
                        layout = out.setdefault(name, Layout())
                        row = 0
                    elif layout is None:
                        continue
                    elif tag == b"table-row":
                        repeat_rows = _int_attr(attrs, b"number-rows-repeated")
                        row, col = row + 1, 0
                        if attrs.get(b"visibility") in (b"collapse", b"filter") and \
                                repeat_rows <= _ODS_HIDDEN_RUN:
                            layout.hidden.update(range(row, row + repeat_rows))
                        if raw.endswith(b"/"):
                            row += repeat_rows - 1
                    else:
                        repeat = _int_attr(attrs, b"number-columns-repeated")
                        filled = b"value-type" in raw
                        if filled and tag == b"table-cell":
                            layout.rows = max(layout.rows, row + repeat_rows - 1)
                            layout.cols = max(layout.cols, col + repeat)
                        spans = (_int_attr(attrs, b"number-rows-spanned"),
                                 _int_attr(attrs, b"number-columns-spanned"))
                        if spans != (1, 1) and col + 1 <= MAX_COLS:
                            layout.merges.append((row, col + 1, row + spans[0] - 1,
                                                  col + spans[1]))
                        col += repeat
    except KeyError:
        return {}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise _not_readable(path, "读取工作表时出错") from err
    return out



def _xml_windows(f: Any, path: Path) -> Iterator[tuple[bytes, int]]:
    """An XML member read in 1 MB chunks, as (buffer, cut): every tag before ``cut`` is whole;
    what follows it is carried into the next buffer (at most 64 KB of it). A DTD anywhere is
    refused (FileProblem), so no entity can expand."""
    tail = b""
    while True:
        chunk = f.read(1 << 20)
        buf = tail + chunk
        if any(d in buf for d in _DTD):
            raise _xml_problem(path, SyntaxError("DTD"))
        cut = buf.rfind(b"<") if chunk else len(buf)
        if cut < 0:
            cut = len(buf)
        yield buf, cut
        tail = buf[cut:][-65536:]
        if not chunk:
            return

def fill_merges(rows: Iterable[Row], merges: list[Merge]) -> Iterator[Row]:
    """Give every cell of a merged range the value of its top-left cell (the rows themselves
    when the sheet has no merged range)."""
    pending = sorted((m for m in merges if m[1] <= MAX_COLS), reverse=True)
    return _filled(rows, pending) if pending else iter(rows)


def _filled(rows: Iterable[Row], pending: list[Merge]) -> Iterator[Row]:
    active: list[tuple[Merge, Any]] = []
    for number, values in rows:
        while pending and pending[-1][0] <= number:
            merge = pending.pop()
            if merge[0] == number:
                c = merge[1] - 1
                value = values[c] if c < len(values) else None
                if value is not None and merge != (merge[0], merge[1], merge[0], merge[1]):
                    active.append((merge, value))
        active = [(m, v) for m, v in active if m[2] >= number]
        for (r1, c1, _r2, c2), value in active:
            last = min(c2, MAX_COLS)
            if len(values) < last:
                values = values + [None] * (last - len(values))
            for c in range(c1 - 1, last):
                if c == c1 - 1 and number == r1:
                    continue
                values[c] = value
        yield number, values


def _parsed_rows(ws: Any) -> Iterator[Row]:
    """The rows of a read-only sheet straight from openpyxl's parser: only as wide as the row's
    last filled cell (at most MAX_COLS), so a stray cell in column XFD costs nothing."""
    from openpyxl.worksheet._reader import WorkSheetParser  # heavy: the rare big sheet only

    book = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=book.data_only,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        expected = 1
        for number, cells in parser.parse():
            while expected < number:  # rows missing from the XML are empty rows
                yield expected, []
                expected += 1
            width = max((c["column"] for c in cells
                         if c["value"] is not None and c["column"] <= MAX_COLS), default=0)
            values: list[Any] = [None] * width
            for c in cells:
                if c["column"] <= width:
                    values[c["column"] - 1] = c["value"]
            yield number, values
            expected = number + 1


def _xlsx_rows(path: Path, ws: Any, merges: list[Merge]) -> Iterator[Row]:
    def raw() -> Iterator[Row]:
        if hasattr(ws, "_get_source") and hasattr(ws, "_shared_strings"):
            yield from _parsed_rows(ws)
            return
        for number, values in enumerate(ws.iter_rows(max_col=MAX_COLS, values_only=True), start=1):
            yield number, _trim(list(values))

    try:
        yield from fill_merges(raw(), merges)
    except _BAD_XML as err:
        raise _xml_problem(path, err) from err
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as err:
        raise _not_readable(path, f"读到工作表“{ws.title}”时出错") from err


def _trim(values: list[Any]) -> list[Any]:
    """Without the empty cells at the end of the row."""
    n = len(values)
    while n and values[n - 1] is None:
        n -= 1
    return values[:n] if n < len(values) else values


# -- xls --------------------------------------------------------------------------------------
def _xls(path: Path) -> Iterator[Sheet]:
    import xlrd  # heavy (0.1 s): only for an old .xls file

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except Exception:
        try:
            book = xlrd.open_workbook(str(path))
        except Exception as err:
            if "workbook" in str(err).lower():  # an OLE2 file without a workbook: .doc, .ppt …
                raise _seems(path, " Word 或其他 Office 文档（不是 Excel 表格）") from err
            raise _not_readable(path, type(err).__name__) from err

    def rows(sh: Any) -> Iterator[Row]:
        for r in range(sh.nrows):
            values = []
            for c in range(min(sh.ncols, MAX_COLS)):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError):
                        values.append(cell.value)
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    values.append(None)
                else:
                    values.append(cell.value)
            yield r + 1, _trim(values)

    sheets = []
    for sh in book.sheets():
        merges = [(r1 + 1, c1 + 1, r2, c2) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]
        hidden = {r + 1 for r, info in getattr(sh, "rowinfo_map", {}).items()
                  if getattr(info, "hidden", 0)}
        sheets.append(Sheet(sh.name, fill_merges(rows(sh), merges), hidden))
    return iter(sheets)


# -- HTML tables ("xls" exported by government systems) --------------------------------------
class _Tables(HTMLParser):
    """Cells of every <table>, with colspan/rowspan expanded like merges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.stack: list[tuple[list[list[str]], dict[tuple[int, int], str]]] = []
        self.cell: list[str] | None = None
        self.span = (1, 1)
        self.row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.stack.append(([], {}))
        elif not self.stack:
            return
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row = []
            a = dict(attrs)
            self.span = (_span(a.get("rowspan")), _span(a.get("colspan")))
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            self._end_row()
            rows, _ = self.stack.pop()
            self.tables.append(rows)

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def _carry(self, r: int) -> None:
        assert self.row is not None
        carried = self.stack[-1][1]
        while (r, len(self.row)) in carried:
            self.row.append(carried.pop((r, len(self.row))))

    def _end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        joined = "".join(self.cell)
        value = joined.strip() if "\n" in joined else " ".join(joined.split())
        rows, carried = self.stack[-1]
        r = len(rows)
        self._carry(r)
        c = len(self.row)
        rowspan, colspan = self.span
        for dc in range(colspan):
            self.row.append(value)
            for dr in range(1, rowspan):
                carried[(r + dr, c + dc)] = value
        self.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is None or not self.stack:
            return
        rows = self.stack[-1][0]
        self._carry(len(rows))
        rows.append(self.row[:MAX_COLS])
        self.row = None


def _span(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), MAX_COLS))
    except ValueError:
        return 1


def _html(path: Path) -> Iterator[Sheet]:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        content = raw.decode("utf-16", errors="replace")
    else:
        m = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", raw[:4096])
        content = ""
        if m:
            try:
                content = raw.decode(m[1].decode("ascii").lower().replace("gb2312", "gb18030"))
            except (LookupError, UnicodeDecodeError):
                content = ""
        if not content:
            content = _decode_any(raw)
    parser = _Tables()
    parser.feed(content)
    parser.close()
    tables = [t for t in parser.tables if any(any(c for c in row) for row in t)]
    if not tables:
        raise FileProblem(f"“{path.name}”是网页格式的文件，但里面没有表格。{SAVE_AS}")
    return iter([Sheet(f"表{i}" if len(tables) > 1 else path.stem,
                       iter([(n, [v if v != "" else None for v in row][:MAX_COLS])
                             for n, row in enumerate(t, start=1)]))
                 for i, t in enumerate(tables, start=1)])


# -- text -------------------------------------------------------------------------------------
def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030 as Excel saves CSV on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "not UTF-8 or GBK")


def _csv(path: Path, utf16: bool = False) -> Iterator[Sheet]:
    raw = path.read_bytes()
    if utf16:
        try:
            content = raw.decode("utf-16")
        except UnicodeDecodeError as err:
            raise _not_readable(path, "Unicode 文本的编码不完整") from err
    else:
        if b"\x00" in raw[:4096]:
            raise FileProblem(f"“{path.name}”看起来是某种程序的二进制文件，不是 Excel 表格或 CSV 文本，"
                              f"无法导入。{SAVE_AS}")
        try:
            content = decode_text(raw)
        except UnicodeDecodeError as err:
            raise FileProblem(f"“{path.name}”的文字编码无法识别。"
                              "请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入。") from err
    if utf16:
        dialect: Any = csv.excel_tab
    else:
        try:
            dialect = csv.Sniffer().sniff(content[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel

    def rows() -> Iterator[Row]:
        reader = csv.reader(io.StringIO(content), dialect)
        try:
            for number, values in enumerate(reader, start=1):
                # every INVISIBLE character is unprintable: a printable text has none
                yield number, [None if v == "" else v if v.isprintable() else visible(v)
                               for v in (values if len(values) <= MAX_COLS else values[:MAX_COLS])]
        except csv.Error as err:
            raise _not_readable(path, str(err)) from err

    return iter([Sheet(path.stem, rows(), clean=True)])
