"""Lays a :class:`~exports.report.wording.Draft` out as a .docx in 公文 layout (GB/T 9704-2012):
A4, margins 37/35/28/26 mm (top/bottom/left/right), title in 二号 小标宋, headings in 三号 黑体,
body in 三号 仿宋 with a fixed 28 pt line and a two-character first-line indent, page numbers
“— 1 —” in 四号 宋体 at the foot.

python-docx's ``font.name`` sets only ``w:ascii``/``w:hAnsi``; Word and WPS pick Chinese
glyphs from ``w:eastAsia``, so every style and run gets its ``w:rFonts`` written out here (and
the theme-font attributes of the document defaults are removed, as they would win).
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from exports.report.wording import Draft

BODY_PT, TITLE_PT, PAGE_NO_PT = 16, 22, 14
LINE_PT = 28
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
#: characters XML 1.0 cannot hold (a name typed or imported with a control character)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters a .docx cannot hold (tabs and line breaks are kept)."""
    return _NOT_XML.sub("", text)


def set_fonts(rpr_parent: object, east_asia: str, latin: str) -> None:
    """Write ``w:rFonts`` (ascii, hAnsi, eastAsia, cs) on an element that holds an ``rPr``
    (a run, a style) and drop theme-font attributes that would override it."""
    rpr = rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _style(doc: object, name: str, east_asia: str, latin: str, size: int, bold: bool = False,
           center: bool = False, indent: bool = True, line: float = LINE_PT) -> None:
    styles = doc.styles  # type: ignore[attr-defined]
    style = styles[name] if name in [s.name for s in styles] else \
        styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        style.base_style = styles["Normal"]
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.bold = bold
    set_fonts(style.element, east_asia, latin)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(BODY_PT * 2) if indent else Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False


def _defaults(doc: object, east_asia: str, latin: str) -> None:
    """The document defaults name the fonts too (no theme fonts left to win)."""
    styles_el = doc.styles.element  # type: ignore[attr-defined]
    rpr_default = styles_el.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    if rpr_default is None:
        return
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia),
                        ("w:cs", latin)):
        fonts.set(qn(attr), value)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _para(doc: object, text: str, style: str, east_asia: str, latin: str,
          align: WD_ALIGN_PARAGRAPH | None = None) -> None:
    p = doc.add_paragraph(style=style)  # type: ignore[attr-defined]
    if align is not None:
        p.paragraph_format.alignment = align
        p.paragraph_format.first_line_indent = Pt(0)
    run = p.add_run(xml_text(text))
    set_fonts(run._r, east_asia, latin)


def _page_numbers(section: object, font: str, latin: str) -> None:
    """“— PAGE —” centred in the footer, 四号 宋体."""
    footer = section.footer  # type: ignore[attr-defined]
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)

    def run(text: str = "") -> object:
        r = p.add_run(text)
        r.font.size = Pt(PAGE_NO_PT)
        set_fonts(r._r, font, latin)
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                        ("end", None)):
        r = run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif instr == "1":
            el = OxmlElement("w:t")
            el.text = "1"
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr or ""
        r._r.append(el)  # type: ignore[attr-defined]
    run(" —")


def write_docx(draft: Draft, target: Path) -> Path:
    """Write ``draft`` to ``target`` (a path that may be replaced); returns it."""
    f = draft.fonts
    latin = f.get("latin", "Times New Roman")
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.footer_distance = Mm(25)
    _defaults(doc, f["body"], latin)
    _style(doc, "Normal", f["body"], latin, BODY_PT)
    _style(doc, "公文标题", f["title"], latin, TITLE_PT, center=True, indent=False, line=36)
    _style(doc, "公文草稿说明", f["note"], latin, BODY_PT, center=True, indent=False)
    _style(doc, "公文一级标题", f["heading"], latin, BODY_PT)
    _style(doc, "公文落款", f["body"], latin, BODY_PT, indent=False)
    _para(doc, draft.title, "公文标题", f["title"], latin)
    _para(doc, draft.note, "公文草稿说明", f["note"], latin)
    doc.add_paragraph(style="Normal")  # one empty line under the title
    for text in draft.opening:
        _para(doc, text, "Normal", f["body"], latin)
    for section in draft.sections:
        _para(doc, section.heading, "公文一级标题", f["heading"], latin)
        for text in section.paragraphs:
            _para(doc, text, "Normal", f["body"], latin)
    doc.add_paragraph(style="Normal")
    for line in draft.signature:
        _para(doc, line, "公文落款", f["body"], latin, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _page_numbers(sec, f.get("page_number", "宋体"), latin)
    props = doc.core_properties
    props.title = xml_text(draft.title)
    props.author = "关工台账"
    props.comments = "草稿"
    props.keywords = "草稿"
    doc.save(str(target))
    return target
