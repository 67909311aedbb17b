"""The bundle carries the CJK font packed with xz (build.spec): the PDF writer, the window and
the print preview unpack it (models.resources.font_data) and use the same font."""

from __future__ import annotations

import lzma

import pytest

from models import resources


@pytest.fixture
def packed_only(tmp_path, monkeypatch):
    """The resources as in the bundle: no .ttc, only the .ttc.xz."""
    original = resources.FONT_FILE.read_bytes()
    packed = tmp_path / "wqy-microhei.ttc.xz"
    packed.write_bytes(lzma.compress(original, preset=0))
    monkeypatch.setattr(resources, "FONT_FILE", tmp_path / "wqy-microhei.ttc")
    monkeypatch.setattr(resources, "FONT_PACKED", packed)
    return original


def test_the_packed_font_is_unpacked(packed_only, tmp_path, monkeypatch):
    assert resources.font_data() == packed_only
    monkeypatch.setattr(resources, "FONT_PACKED", tmp_path / "none.xz")
    assert resources.font_data() is None
    (tmp_path / "bad.xz").write_bytes(b"\xfd7zXZ\x00 damaged")
    monkeypatch.setattr(resources, "FONT_PACKED", tmp_path / "bad.xz")
    with pytest.raises(lzma.LZMAError):
        resources.font_data()


def test_pdfs_embed_the_packed_font(packed_only, db, tmp_path):
    from pypdf import PdfReader

    from exports import pdf, service
    from models import demo

    with db.session() as s:
        demo.build(s, scale=1)
    pdf.register_font.cache_clear()
    try:
        out = service.export_form(db, "groups", "pdf", tmp_path / "g.pdf")
    finally:
        pdf.register_font.cache_clear()
    page = PdfReader(out).pages[0]
    assert "关工" in page.extract_text()
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    assert any("WenQuanYi" in str(f["/BaseFont"]) and "/FontFile2" in f["/FontDescriptor"]
               for f in fonts)


def test_the_window_registers_the_packed_font(packed_only, qapp, monkeypatch):
    from gui import fonts as gui_app

    gui_app.register_bundled_font.cache_clear()
    try:
        families = gui_app.register_bundled_font()
        monkeypatch.setattr(gui_app.sys, "platform", "linux")
        assert gui_app.load_fonts(qapp) == families[0] == "WenQuanYi Micro Hei"
        assert qapp.font().family() == "WenQuanYi Micro Hei"
    finally:
        gui_app.register_bundled_font.cache_clear()
