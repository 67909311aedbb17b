"""年度工作总结 draft (contract §9): every §3 figure in the text equals ``stats`` — for a township
and for a county roll-up database — in 公文 layout with East-Asian fonts set, no ID number or
phone, compared with the previous year; read back with python-docx."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from exports import service
from exports.report import service as report
from exports.report import wording
from models import stats
from models.db import Database
from models.entities import Activity, Volunteer
from models.errors import FileProblem
from tests.helpers import cli, demo_towns

YEAR = 2025
TODAY = dt.date(2026, 11, 22)
TOWNS = [(11, "东山镇关工委", "130102001"), (22, "西河乡关工委", "130102002")]
ID_OR_PHONE = re.compile(r"\d{6}(?:19|20)\d{2}[\d*]{7}[\dXx*]|1[3-9]\d[\d*]{8}|\*{3,}")
ZERO = re.compile(r"(?<![\d.])0(?:\.0+)?(?:个|名|场|人次|笔|次|对|项|万元|元)")


def wan(yuan: Any) -> str:
    """The money as the seeds write it, worked out here independently of the program."""
    value = Decimal(str(yuan))
    if value >= 10000:
        return f"{(value / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP)}万元"
    return f"{value.normalize():f}元" if value != value.to_integral_value() else f"{int(value)}元"


def pct(part: int, whole: int) -> str:
    return f"{(Decimal(part * 100) / whole).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def read_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def expected_phrases(f: dict[str, Any]) -> list[str]:
    """A phrase for every non-zero §3 figure, as the default wording states it."""
    g, v, st, act, don = (f["groups"], f["volunteers"], f["students"], f["activities"],
                          f["donations"])
    out = [f"基层关工组织{g['total']}个", f"{g['wuhao']}个基层关工组织达到“五好”标准",
           f"达标率{pct(g['wuhao'], g['total'])}", f"现有“五老”{v['total']}名",
           f"骨干{v['backbone']}名", f"中共党员{v['party_members']}名",
           f"新吸收“五老”{v['joined']}名", f"{v['left']}名因年龄",
           f"帮扶各类青少年{st['total']}名", f"已结对帮扶{st['paired']}名",
           f"帮扶对子{f['pairings']['active']}对", f"帮扶{f['aid']['records']}次",
           f"发放资助资金{wan(f['aid']['money_yuan'])}", f"各类教育活动{act['total']}场",
           f"“五老”参与{act['volunteer_participations']}人次",
           f"受教育青少年{act['youth_participations']}人次", f"接受捐赠{don['count']}笔",
           f"募集捐款{wan(don['money_yuan'])}", f"物资折价{wan(don['goods_value_yuan'])}",
           "捐钱捐物合计" + wan(Decimal(str(don["money_yuan"]))
                                + Decimal(str(don["goods_value_yuan"])))]
    out += [f"{k}关工组织{n}个" for k, n in g["by_type"].items() if n]
    out += [f"{k}{n}名" for k, n in v["by_category"].items() if n]
    out += [f"{k}{n}名" for k, n in st["by_category"].items() if n]
    out += [f"{k}活动{n}场" for k, n in act["by_theme"].items() if n]
    return out


def comparisons(now: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """The previous-year phrases of the main counts."""
    out = []
    for sec, key, measure in (("groups", "total", "个"), ("volunteers", "total", "名"),
                              ("students", "total", "名"), ("activities", "total", "场"),
                              ("activities", "youth_participations", "人次")):
        d = now[sec][key] - before[sec][key]
        out.append(f"比上年增加{d}{measure}" if d > 0 else f"比上年减少{-d}{measure}" if d < 0
                   else "与上年持平")
    d = Decimal(str(now["donations"]["money_yuan"])) - Decimal(str(before["donations"]["money_yuan"]))
    if d:
        out.append(("比上年增加" if d > 0 else "比上年减少") + wan(abs(d)))
    return out


def check_fonts(path: Path) -> None:
    doc = Document(str(path))
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert doc.styles["公文标题"].element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert doc.styles["公文一级标题"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert doc.styles["Normal"].font.size.pt == 16
    assert doc.styles["公文标题"].font.size.pt == 22
    runs = [r for p in doc.paragraphs for r in p.runs]
    assert runs and all(r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in runs)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and fonts.get(qn("w:eastAsiaTheme")) is None
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin,
                                  sec.right_margin)] == [37, 35, 28, 26]
    assert abs(doc.styles["Normal"].paragraph_format.line_spacing.pt - 28) < 0.1


@pytest.fixture(scope="module")
def towns(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    dbs = demo_towns(root, TOWNS, TODAY)
    yield root, dbs
    for db in dbs:
        db.close()


@pytest.fixture(scope="module")
def county(towns):
    """A county database: the two townships packaged and rolled up (as tests/test_rollup.py)."""
    root, dbs = towns
    packages = [service.build_package(db, YEAR, root / "usb" / str(i)) for i, db in enumerate(dbs)]
    path = root / "county.sqlite"
    proc = cli("rollup", *packages, "--db", path, "--json", check=True)
    assert len(json.loads(proc.stdout)["taken"]) == 2
    db = Database.open(path, upgrade_backup_dir=root / "bk")
    yield db
    db.close()


def _figures(db: Database, year: int = YEAR) -> dict[str, Any]:
    with db.reader() as s:
        return stats.year_figures(s, year)


def test_township_report_states_every_figure_of_stats_and_the_previous_year(towns, tmp_path):
    _root, dbs = towns
    db = dbs[0]
    out = report.write_report(db, YEAR, tmp_path / "总结.docx", today=TODAY)
    text = read_text(out)
    now, before = _figures(db), _figures(db, YEAR - 1)
    assert text.splitlines()[0] == "东山镇关工委2025年工作总结（草稿）"
    missing = [p for p in expected_phrases(now) if p not in text]
    assert missing == []
    missing = [p for p in comparisons(now, before) if p not in text]
    assert missing == []
    for heading in ("一、", "二、", "三、", "四、", "五、", "六、"):
        assert any(line.startswith(heading) for line in text.splitlines())
    assert "一是" in text and "二是" in text and "草稿" in text
    assert ZERO.search(text) is None
    assert ID_OR_PHONE.search(text) is None
    check_fonts(out)


def test_notable_activities_and_commendations_are_named_with_dates(towns, tmp_path):
    _root, dbs = towns
    db = dbs[1]
    text = read_text(report.write_report(db, YEAR, tmp_path / "r.docx", today=TODAY))
    with db.reader() as s:
        acts = s.query(Activity).filter(Activity.deleted_at.is_(None),
                                        Activity.date.between(dt.date(YEAR, 1, 1),
                                                              dt.date(YEAR, 12, 31))).all()
        from models.entities import Honor

        honors = s.query(Honor).filter(Honor.year == YEAR, Honor.deleted_at.is_(None)).all()
    for theme in {a.theme for a in acts}:
        best = max((a for a in acts if a.theme == theme), key=lambda a: a.youth_count)
        assert f"，{best.title}（{theme}" in text
        same = [a for a in acts if a.theme == theme and a.youth_count == best.youth_count]
        assert any(f"{a.date.month}月{a.date.day}日，{a.title}" in text for a in same)
    assert honors
    for h in honors:
        assert f"{h.recipient_name}获{h.level}“{h.title}”" in text
        assert f"{h.date.month}月{h.date.day}日，{h.recipient_name}" in text
    assert f"获得各级表彰{len(honors)}项" in text


def test_county_report_speaks_for_the_sum_and_names_each_unit(towns, county, tmp_path):
    _root, dbs = towns
    out = report.write_report(county, YEAR, tmp_path / "县.docx", today=TODAY)
    text = read_text(out)
    total = _figures(county)
    assert total["volunteers"]["total"] == sum(_figures(d)["volunteers"]["total"] for d in dbs)
    assert text.splitlines()[0] == "本县关工委2025年工作总结（草稿）"
    assert "全县" in text and "共有2个单位报送了年度数据" in text
    assert [p for p in expected_phrases(total) if p not in text] == []
    units = [line for line in text.splitlines() if line.startswith(("东山镇关工委：", "西河乡关工委："))]
    assert len(units) == 2
    for line, db in zip(units, dbs):
        f = _figures(db)
        for phrase in (f"关工组织{f['groups']['total']}个", f"“五老”{f['volunteers']['total']}名",
                       f"其中骨干{f['volunteers']['backbone']}名",
                       f"帮扶对象{f['students']['total']}名", f"已结对{f['students']['paired']}名",
                       f"开展活动{f['activities']['total']}场",
                       f"受教育青少年{f['activities']['youth_participations']}人次",
                       f"募集捐款{wan(f['donations']['money_yuan'])}",
                       f"达标率{pct(f['groups']['wuhao'], f['groups']['total'])}"):
            assert phrase in line
    assert ZERO.search(text) is None and ID_OR_PHONE.search(text) is None
    check_fonts(out)


def test_a_thin_year_leaves_zero_sentences_out_and_has_no_comparison(db, tmp_path):
    with db.session() as s:
        s.add(Activity(date=dt.date(YEAR, 3, 5), title="清明祭扫", theme="传承红色基因",
                       volunteer_count=3, youth_count=0))
        s.add(Volunteer(name="王建国", category="老教师", joined_on=dt.date(YEAR, 1, 2)))
    text = read_text(report.write_report(db, YEAR, tmp_path / "r.docx", today=TODAY))
    assert ZERO.search(text) is None, ZERO.search(text)
    assert "比上年" not in text and "与上年持平" not in text
    assert "各类教育活动1场" in text and "传承红色基因活动1场" in text
    assert "现有“五老”1名" in text and "老教师1名" in text and "老干部" not in text
    assert "受教育青少年" not in text  # 0 人次 is not written
    assert "本年度台账中暂无帮扶对象数据。" in text and "暂无捐赠记录" in text


def test_wording_comes_from_the_template_and_a_broken_one_is_named(db, tmp_path):
    tpl = json.loads(wording.TEMPLATE_FILE.read_text("utf-8"))
    tpl["title"] = "{unit}{year}年度关心下一代工作总结（征求意见稿）"
    custom = tmp_path / "t.json"
    custom.write_text(json.dumps(tpl, ensure_ascii=False), "utf-8")
    draft = report.build_draft(db, YEAR, TODAY, template=custom)
    assert draft.title.endswith("2025年度关心下一代工作总结（征求意见稿）")
    custom.write_text("{不是 JSON", "utf-8")
    with pytest.raises(FileProblem, match="措辞模板"):
        report.build_draft(db, YEAR, TODAY, template=custom)
    del tpl["measures"]
    custom.write_text(json.dumps(tpl, ensure_ascii=False), "utf-8")
    with pytest.raises(FileProblem, match="措辞模板"):
        report.build_draft(db, YEAR, TODAY, template=custom)


def test_money_and_percent_wording():
    tpl = wording.load_template()
    assert wording.money_text(1103500.0, tpl) == "110.35万元"
    assert wording.money_text(10000, tpl) == "1.00万元"
    assert wording.money_text(9999.5, tpl) == "9999.50元"
    assert wording.money_text(5230, tpl) == "5230元"
    assert wording.money_text(0.1, tpl) == "0.10元"
    assert str(wording.percent_value(35, 37)) == "94.6"
    assert str(wording.percent_value(1, 8)) == "12.5"
    assert wording.scope_word("西河乡关工委", "乡镇") == "全乡"
    assert wording.scope_word("城关街道关工委", "乡镇") == "全街道"


def test_report_command_writes_the_docx_and_refuses_other_names(towns, tmp_path):
    _root, dbs = towns
    out = tmp_path / "年度总结.docx"
    proc = cli("report", "--db", dbs[0].path, "--year", str(YEAR), "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "工作总结" in proc.stdout and out.is_file()
    assert read_text(out).startswith("东山镇关工委2025年工作总结（草稿）")
    proc = cli("report", "--db", dbs[0].path, "--year", str(YEAR), "--out", tmp_path / "x.pdf")
    assert proc.returncode == 2 and ".docx" in proc.stderr and not (tmp_path / "x.pdf").exists()
    proc = cli("report", "--db", dbs[0].path, "--year", "1800", "--out", out)
    assert proc.returncode == 2 and "年度" in proc.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts_the_draft_to_pdf(towns, tmp_path):
    _root, dbs = towns
    out = report.write_report(dbs[0], YEAR, tmp_path / "r.docx", today=TODAY)
    proc = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                          capture_output=True, timeout=180)
    pdf = tmp_path / "r.pdf"
    assert proc.returncode == 0 and pdf.is_file(), proc.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_control_characters_and_hostile_placeholders_do_not_break_the_draft(db, tmp_path):
    from models.entities import Honor

    with db.session() as s:
        s.add(Activity(date=dt.date(YEAR, 4, 1), title="红色\x0b故事会\x00", theme="理论宣讲",
                       volunteer_count=2, youth_count=40))
        s.add(Honor(year=YEAR, date=dt.date(YEAR, 5, 1), title="最美五老", level="县级",
                    recipient_name="李\x01四"))
    text = read_text(report.write_report(db, YEAR, tmp_path / "r.docx", today=TODAY))
    assert "4月1日，红色故事会（理论宣讲，受教育青少年40人次）" in text
    assert "5月1日，李四获县级“最美五老”" in text
    tpl = json.loads(wording.TEMPLATE_FILE.read_text("utf-8"))
    tpl["title"] = "{unit.__class__}{0}{year}"
    tpl["percent"] = "{value.__class__}%"
    custom = tmp_path / "t.json"
    custom.write_text(json.dumps(tpl, ensure_ascii=False), "utf-8")
    draft = report.build_draft(db, YEAR, TODAY, template=custom)
    assert draft.title == "{unit.__class__}{0}2025"


def test_the_docx_is_plain_wordprocessingml_with_hostile_text_and_font_names(tmp_path):
    """The .docx is written part by part (no python-docx in the program): markup characters in
    the text and in the template's font names are escaped, every page of the zip is XML that
    python-docx reads, no theme font is named anywhere, tabs and line breaks are Word's own."""
    import zipfile
    from xml.etree import ElementTree

    from exports.report.docx_writer import write_docx

    fonts = {"title": '小标宋"&<', "heading": "黑体'>", "body": "仿宋_GB2312", "note": "楷体",
             "page_number": "宋体", "latin": "Times & Roman"}
    draft = wording.Draft(title="<总结> & “草稿”\x07", note="说明\t一\n二", opening=["</w:t>开头"],
                          sections=[wording.Section("一、标题", ["段落 ]]> &amp;"])],
                          signature=["青山镇关工委", "2026年1月1日"], fonts=fonts)
    out = write_docx(draft, tmp_path / "r.docx")
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(data)  # well-formed
            assert b"Theme" not in data, name
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "<总结> & “草稿”" and texts[1] == "说明\t一\n二"
    assert "</w:t>开头" in texts and "段落 ]]> &amp;" in texts
    assert doc.styles["公文标题"].element.rPr.rFonts.get(qn("w:eastAsia")) == '小标宋"&<'
    assert doc.styles["公文一级标题"].element.rPr.rFonts.get(qn("w:ascii")) == "Times & Roman"
    assert doc.paragraphs[-1].alignment == 2  # right: the signature
    footer = "".join(p.text for p in doc.sections[0].footer.paragraphs)
    assert footer.startswith("— ") and footer.endswith(" —")
    assert doc.core_properties.title == "<总结> & “草稿”" and doc.core_properties.author == "关工台账"
