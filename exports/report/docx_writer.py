"""Lays a :class:`~exports.report.wording.Draft` out as a .docx in 公文 layout (GB/T 9704-2012):
A4, margins 37/35/28/26 mm (top/bottom/left/right), title in 二号 小标宋, headings in 三号 黑体,
body in 三号 仿宋 with a fixed 28 pt line and a two-character first-line indent, page numbers
“— 1 —” in 四号 宋体 at the foot.

The WordprocessingML is written here, part by part, into the zip (no python-docx: it needs lxml,
6 MB of the bundle for one file a year). Word and WPS pick Chinese glyphs from ``w:eastAsia``,
so every style, run and the document defaults name all four fonts (``w:rFonts``), and no theme
font is named anywhere (it would win). Read back in the tests with python-docx and LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from pathlib import Path

from exports.report.wording import Draft

BODY_PT, TITLE_PT, PAGE_NO_PT = 16, 22, 14
LINE_PT = 28
#: characters XML 1.0 cannot hold (a name typed or imported with a control character)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def xml_text(text: str) -> str:
    """``text`` without the characters a .docx cannot hold (tabs and line breaks are kept)."""
    return _NOT_XML.sub("", text)


def escape(text: str) -> str:
    """``text`` as XML character data (``&``, ``<``, ``>`` escaped)."""
    return html.escape(text, quote=False)


def quoteattr(value: str) -> str:
    """``value`` as a quoted XML attribute value (xml.sax.saxutils would pull urllib and http
    into the bundle, which leaves them out)."""
    return f'"{html.escape(xml_text(value), quote=True)}"'


def _twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _fonts(east_asia: str, latin: str) -> str:
    """``w:rFonts`` naming the four fonts (ascii, hAnsi, eastAsia, cs)."""
    return (f"<w:rFonts w:ascii={quoteattr(latin)} w:hAnsi={quoteattr(latin)} "
            f"w:eastAsia={quoteattr(east_asia)} w:cs={quoteattr(latin)}/>")


def _run_props(east_asia: str, latin: str, size_pt: float | None = None,
               bold: bool | None = None) -> str:
    parts = [_fonts(east_asia, latin)]
    if bold is not None:
        parts.append("<w:b/>" if bold else '<w:b w:val="0"/>')
    if size_pt is not None:
        half = round(size_pt * 2)
        parts.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>"


def _style(style_id: str, name: str, east_asia: str, latin: str, size: int,
           center: bool = False, indent: bool = True, line: float = LINE_PT) -> str:
    """A paragraph style: the fonts, the size, an exact line, no space around, the first-line
    indent of two characters (or none), centred or justified, no widow control."""
    default = ' w:default="1"' if style_id == "Normal" else ""
    based = "" if style_id == "Normal" else '<w:basedOn w:val="Normal"/><w:qFormat/>'
    first = BODY_PT * 2 * 20 if indent else 0
    return (f'<w:style w:type="paragraph"{default} w:styleId="{style_id}">'
            f"<w:name w:val={quoteattr(name)}/>{based}"
            f'<w:pPr><w:widowControl w:val="0"/>'
            f'<w:spacing w:before="0" w:after="0" w:line="{round(line * 20)}" w:lineRule="exact"/>'
            f'<w:ind w:firstLine="{first}"/><w:jc w:val="{"center" if center else "both"}"/>'
            f"</w:pPr>{_run_props(east_asia, latin, size, bold=False)}</w:style>")


def _runs(text: str, props: str) -> str:
    """The runs of ``text`` (tabs and line breaks as Word's own elements)."""
    out = []
    for piece in re.split(r"(\t|\r\n|\n|\r)", xml_text(text)):
        if piece == "\t":
            inner = "<w:tab/>"
        elif piece in ("\r\n", "\n", "\r"):
            inner = "<w:br/>"
        elif piece:
            inner = f'<w:t xml:space="preserve">{escape(piece)}</w:t>'
        else:
            continue
        out.append(f"<w:r>{props}{inner}</w:r>")
    return "".join(out)


def _para(text: str, style: str, east_asia: str, latin: str, right: bool = False) -> str:
    extra = '<w:ind w:firstLine="0"/><w:jc w:val="right"/>' if right else ""
    return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra}</w:pPr>'
            f"{_runs(text, _run_props(east_asia, latin))}</w:p>")


def _footer(font: str, latin: str) -> str:
    """“— PAGE —” centred, 四号 宋体."""
    props = _run_props(font, latin, PAGE_NO_PT)

    def run(inner: str) -> str:
        return f"<w:r>{props}{inner}</w:r>"

    field = "".join(run(inner) for inner in (
        '<w:t xml:space="preserve">— </w:t>', '<w:fldChar w:fldCharType="begin"/>',
        '<w:instrText xml:space="preserve"> PAGE </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>', "<w:t>1</w:t>",
        '<w:fldChar w:fldCharType="end"/>', '<w:t xml:space="preserve"> —</w:t>'))
    return (f'{_HEAD}<w:ftr xmlns:w="{_W}" xmlns:r="{_R}"><w:p><w:pPr>'
            f'<w:ind w:firstLine="0"/><w:jc w:val="center"/></w:pPr>{field}</w:p></w:ftr>')


def _styles(f: dict[str, str], latin: str) -> str:
    defaults = (f"<w:docDefaults><w:rPrDefault><w:rPr>{_fonts(f['body'], latin)}"
                '<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>'
                "<w:pPrDefault/></w:docDefaults>")
    styles = [_style("Normal", "Normal", f["body"], latin, BODY_PT),
              _style("GongwenTitle", "公文标题", f["title"], latin, TITLE_PT, center=True,
                     indent=False, line=36),
              _style("GongwenNote", "公文草稿说明", f["note"], latin, BODY_PT, center=True,
                     indent=False),
              _style("GongwenHeading1", "公文一级标题", f["heading"], latin, BODY_PT),
              _style("GongwenSignature", "公文落款", f["body"], latin, BODY_PT, indent=False)]
    return f'{_HEAD}<w:styles xmlns:w="{_W}">{defaults}{"".join(styles)}</w:styles>'


def _document(draft: Draft, latin: str) -> str:
    f = draft.fonts
    body = [_para(draft.title, "GongwenTitle", f["title"], latin),
            _para(draft.note, "GongwenNote", f["note"], latin),
            '<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr></w:p>']  # an empty line
    body += [_para(text, "Normal", f["body"], latin) for text in draft.opening]
    for section in draft.sections:
        body.append(_para(section.heading, "GongwenHeading1", f["heading"], latin))
        body += [_para(text, "Normal", f["body"], latin) for text in section.paragraphs]
    body.append('<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr></w:p>')
    body += [_para(line, "GongwenSignature", f["body"], latin, right=True)
             for line in draft.signature]
    page = ('<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/>'
               f'<w:pgSz w:w="{_twips(210)}" w:h="{_twips(297)}"/>'
               f'<w:pgMar w:top="{_twips(37)}" w:right="{_twips(26)}" w:bottom="{_twips(35)}" '
               f'w:left="{_twips(28)}" w:header="{_twips(15)}" w:footer="{_twips(25)}" '
               'w:gutter="0"/></w:sectPr>')
    return (f'{_HEAD}<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>{"".join(body)}'
            f"{page}</w:body></w:document>")


def _core(title: str, now: dt.datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(xml_text(title))}</dc:title><dc:creator>关工台账</dc:creator>"
            "<cp:keywords>草稿</cp:keywords><dc:description>草稿</dc:description>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>")


def _rels(*rels: tuple[str, str, str]) -> str:
    return (f'{_HEAD}<Relationships xmlns="{_PKG}">'
            + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>'
                      for i, t, target in rels) + "</Relationships>")


def write_docx(draft: Draft, target: Path) -> Path:
    """Write ``draft`` to ``target`` (a path that may be replaced); returns it. Raises OSError
    when the file cannot be written."""
    latin = draft.fonts.get("latin", "Times New Roman")
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{_DOC}.document.main+xml"/>'
            f'<Override PartName="/word/styles.xml" ContentType="{_DOC}.styles+xml"/>'
            f'<Override PartName="/word/settings.xml" ContentType="{_DOC}.settings+xml"/>'
            f'<Override PartName="/word/footer1.xml" ContentType="{_DOC}.footer+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"),
        "_rels/.rels": _rels(
            ("rId1", f"{office}/officeDocument", "word/document.xml"),
            ("rId2", f"{_PKG}/metadata/core-properties", "docProps/core.xml")),
        "docProps/core.xml": _core(draft.title, dt.datetime.now(dt.UTC)),
        "word/_rels/document.xml.rels": _rels(
            ("rIdStyles", f"{office}/styles", "styles.xml"),
            ("rIdSettings", f"{office}/settings", "settings.xml"),
            ("rIdFooter", f"{office}/footer", "footer1.xml")),
        "word/document.xml": _document(draft, latin),
        "word/styles.xml": _styles(draft.fonts, latin),
        "word/settings.xml": (f'{_HEAD}<w:settings xmlns:w="{_W}">'
                              '<w:defaultTabStop w:val="420"/>'
                              '<w:characterSpacingControl w:val="compressPunctuation"/>'
                              "</w:settings>"),
        "word/footer1.xml": _footer(draft.fonts.get("page_number", "宋体"), latin),
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in parts.items():
            zf.writestr(name, xml.encode("utf-8"))
    return target
