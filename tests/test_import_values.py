"""Values the import does not know are questions (contract.md §2.13, issues 21 and 27):
collected with their rows and a guess, answered with --map or the wizard, remembered only by an
import that is written, never stored as 其他 or empty without a word. Every file is built here."""

from __future__ import annotations

import json

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from exports import importer
from exports.importer import ImportOptions, run_import
from exports.values import Vocabulary, value_key
from models import aliases, groups
from models.codes import DEFAULT_TABLES
from models.db import Database
from models.entities import Activity, Donation, Group, Pairing, Student, Volunteer
from models.errors import FileProblem
from models.synonyms import CREATE, FIXED_CODES, GUESSES, SYNONYMS
from tests.factories import add_volunteer
from tests.helpers import cli
from tests.sheets import vid, xlsx

V_HEADER = ["姓名", "性别", "出生年月", "政治面貌", "五老类别"]


def roster(path, rows, title=None, sheet="花名册"):
    return xlsx(path, V_HEADER, rows, title=title, sheet=sheet)


def by_value(report):
    return {q.value: q for q in report.unknown_values}


def people(db, model=Volunteer):
    with db.reader() as s:
        return {v.name: v for v in s.scalars(select(model))}


# -- questions --------------------------------------------------------------------------------
def test_unknown_values_are_collected_once_with_their_rows_and_a_guess(db, tmp_path):
    rows = [["王德", "男性", "1950.01", "中国共产党党员", "退休教师"],
            ["李明", "男", "1951.02", "共青团员", "老同志"],
            ["张三", "女", "1952.03", "群众", "离退休干部"],
            ["赵四", "女士", "1953.04", "党员", "老同志"],
            ["钱五", "男", "1954.05", "群众", "退役军人"],
            ["孙六", "男", "1955.06", "群众", "劳模"],
            ["周七", "男", "1956.07", "群众", "看大门的"]]
    report = run_import(db, "volunteers", roster(tmp_path / "v.xlsx", rows),
                        ImportOptions(dry_run=True))
    asked = by_value(report)
    assert set(asked) == {"共青团员", "老同志", "看大门的"}
    old = asked["老同志"]
    assert (old.column, old.rows, old.guess, old.required) == ("五老类别", [3, 5], "老干部", True)
    assert asked["看大门的"].guess is None
    league = asked["共青团员"]  # not a 政治面貌 of ours: asked, with a sensible guess
    assert (league.rows, league.guess, league.required) == ([3], "群众", False)
    out = report.as_json()["unknown_values"]
    assert {"column": "五老类别", "value": "老同志", "rows": [3, 5], "guess": "老干部"}.items() \
        <= next(q for q in out if q["value"] == "老同志").items()
    # a required code left unknown refuses its row, naming the value; an optional one warns
    errors = {(e.row, e.column): e.message for e in report.errors}
    assert set(errors) == {(3, "五老类别"), (5, "五老类别"), (8, "五老类别")}
    assert "“老同志”" in errors[(3, "五老类别")] and "老干部" in errors[(3, "五老类别")]
    warned = [w for w in report.warnings if w.column == "政治面貌"]
    assert [(w.row, "“共青团员”" in w.message and "已留空" in w.message) for w in warned] == \
        [(3, True)]


def test_built_in_ways_of_writing_codes_are_taken_silently(db, tmp_path):
    rows = [["王德", "男性", "1950.01", "中国共产党党员", "退休教师"],
            ["张三", "女", "1952.03", "预备党员", "离退休干部"],
            ["赵四", "女士", "1953.04", "民盟盟员", "老劳模"],
            ["钱五", "男", "1954.05", "群众", "退役军人"],
            ["孙六", "Ｍ", "1955.06", "普通群众", "劳动模范"],
            ["周七", "男", "1956.07", "群众", "老干部（退休）"]]
    report = run_import(db, "volunteers", roster(tmp_path / "v.xlsx", rows))
    assert report.written and not report.errors and not report.unknown_values
    got = {n: (v.sex, v.political_status, v.category) for n, v in people(db).items()}
    assert got == {"王德": ("男", "中共党员", "老教师"), "张三": ("女", "中共预备党员", "老干部"),
                   "赵四": ("女", "民主党派", "老模范"), "钱五": ("男", "群众", "老战士"),
                   "孙六": ("男", "群众", "老模范"), "周七": ("男", "群众", "老干部")}
    assert [w.row for w in report.warnings if "按“老干部”处理" in w.message] == [7]


def test_students_categories_status_and_the_words_of_other_systems(db, tmp_path):
    header = ["姓名", "帮扶类别", "状态"]
    rows = [["小明", "留守", "在帮"], ["小红", "单亲、贫困生", "已毕业"],
            ["小刚", "建档立卡贫困户", ""], ["小丽", "五保户", ""], ["小军", "留守、五保户", "帮扶中"],
            ["小华", "孤儿", "不清楚"]]
    report = run_import(db, "students", xlsx(tmp_path / "s.xlsx", header, rows),
                        ImportOptions(skip_invalid=True))
    asked = by_value(report)
    assert (asked["五保户"].rows, asked["五保户"].guess) == ([5, 6], "困境儿童")
    assert asked["不清楚"].required and asked["不清楚"].rows == [7]
    # only unknown: refused; with a known one beside it: imported, the unknown part said
    assert sorted({e.row for e in report.errors}) == [5, 7]
    got = {n: (s.categories, s.status) for n, s in people(db, Student).items()}
    assert got == {"小明": ("|留守儿童|", "在帮"), "小红": ("|单亲家庭子女|贫困学生|", "完成学业"),
                   "小刚": ("|贫困学生|", "在帮"), "小军": ("|留守儿童|", "在帮")}
    assert any(w.row == 6 and "“五保户”" in w.message for w in report.warnings)


def test_no_value_is_stored_as_其他_because_it_was_not_understood(db, tmp_path):
    acts = xlsx(tmp_path / "a.xlsx", ["日期", "活动名称", "主题类别"],
                [["2025-03-05", "学雷锋", "学雷锋"], ["2025-03-06", "看电影", "观影"],
                 ["2025-03-07", "空主题", ""]])
    report = run_import(db, "activities", acts, ImportOptions(skip_invalid=True))
    assert [(e.row, "“观影”" in e.message) for e in report.errors] == [(3, True)]
    dons = xlsx(tmp_path / "d.xlsx", ["日期", "捐赠方", "捐赠方类型", "捐款金额"],
                [["2025-01-02", "某公司", "企业", "100"], ["2025-01-03", "某某", "外星人", "50"]])
    report = run_import(db, "donations", dons, ImportOptions(skip_invalid=True))
    assert [(e.row, e.column) for e in report.errors] == [(3, "捐赠方类型")]
    grps = xlsx(tmp_path / "g.xlsx", ["组织名称", "类型"], [["甲村关工小组", "行政村"],
                                                          ["乙关工小组", "什么都不是"]])
    report = run_import(db, "groups", grps, ImportOptions(skip_invalid=True))
    assert [(e.row, e.column) for e in report.errors] == [(3, "类型")]
    with db.reader() as s:
        assert {a.title: a.theme for a in s.scalars(select(Activity))} == \
            {"学雷锋": "学雷锋志愿服务", "空主题": "其他"}  # an empty cell is not a misunderstanding
        assert [d.donor_type for d in s.scalars(select(Donation))] == ["爱心企业"]
        assert s.scalar(select(Group.type).where(Group.name == "甲村关工小组")) == "村"


# -- answers ----------------------------------------------------------------------------------
def test_map_answers_a_question_and_a_bad_answer_is_refused(db, tmp_path):
    path = roster(tmp_path / "v.xlsx", [["李明", "男", "1951.02", "团员", "老同志"]])
    report = run_import(db, "volunteers", path, ImportOptions(
        answers=["五老类别:老同志=老干部", "政治面貌:团员=群众"]))
    assert report.written and not report.unknown_values and report.remembered == 2
    assert (people(db)["李明"].category, people(db)["李明"].political_status) == ("老干部", "群众")
    for bad, said in (("五老类别:老同志=老同事", "不是可选的五老类别"),
                      ("籍贯:甲=乙", "不是这类导入里有代码的列"), ("老同志老干部", "看不懂")):
        with pytest.raises(FileProblem, match=said):
            run_import(db, "volunteers", path, ImportOptions(dry_run=True, answers=[bad]))


def test_answers_are_remembered_after_a_written_import_not_after_a_dry_run(tmp_path, db_path):
    """Through the command line, as the held-back check does it."""
    Database.open(db_path).close()  # an empty database, as the window's first run leaves it
    first = roster(tmp_path / "一.xlsx", [["李明", "男", "1951.02", "群众", "老同志"]])
    second = roster(tmp_path / "二.xlsx", [["赵四", "男", "1952.02", "群众", "老同志"]])

    def run(path, *extra):
        proc = cli("import", "volunteers", path, "--db", db_path, "--json", *extra)
        return proc.returncode, json.loads(proc.stdout)

    code, out = run(first, "--dry-run", "--map", "五老类别:老同志=老干部")
    assert code == 0 and out["imported"] == 1 and out["unknown_values"] == []
    book = tmp_path / "出错.xlsx"
    code, out = run(second, "--dry-run", "--errors-out", book)  # the dry run taught nothing
    assert code == 1 and [q["value"] for q in out["unknown_values"]] == ["老同志"]
    asked = list(openpyxl.load_workbook(book)["不认识的值"].iter_rows(min_row=2, values_only=True))
    assert [r[1:5] for r in asked] == [("五老类别", "老同志", 1, "2")]
    assert json.loads(cli("aliases", "--db", db_path, "--json").stdout) == []
    code, out = run(first, "--map", "五老类别:老同志=老干部")
    assert code == 0 and out["written"] and out["remembered"] == 1
    taught = json.loads(cli("aliases", "--db", db_path, "--json").stdout)
    assert [(t["column"], t["value"], t["code"]) for t in taught] == [("五老类别", "老同志", "老干部")]
    code, out = run(second)  # remembered: the next import takes it without asking
    assert code == 0 and out["written"] and out["unknown_values"] == []
    assert "老同志" in cli("aliases", "--db", db_path).stdout


def test_remembered_answers_can_be_removed(db, tmp_path):
    path = roster(tmp_path / "v.xlsx", [["李明", "男", "1951.02", "群众", "老同志"]])
    run_import(db, "volunteers", path, ImportOptions(answers=["五老类别:老同志=老干部"]))
    with db.session() as s:
        (taught,) = aliases.listing(s)
        aliases.remove(s, taught.id)
    report = run_import(db, "volunteers", path, ImportOptions(dry_run=True, update=True))
    assert [q.value for q in report.unknown_values] == ["老同志"]


# -- codes the file explains ------------------------------------------------------------------
def test_a_sex_coded_1_2_takes_the_legend_of_the_title_row(db, tmp_path):
    rows = [["王德", 1, "1950.01", "群众", "老干部"], ["李芳", "2", "1951.02", "群众", "老教师"],
            ["张三", 1, "1952.03", "群众", "老战士"]]
    report = run_import(db, "volunteers", roster(tmp_path / "v.xlsx", rows,
                                                 title="青山镇五老花名册（性别：1男 2女）"))
    assert report.written and not report.errors
    assert {n: v.sex for n, v in people(db).items()} == {"王德": "男", "李芳": "女", "张三": "男"}
    asked = by_value(report)  # still shown as a question, with the legend's answer
    assert (asked["1"].rows, asked["1"].guess, asked["1"].taken) == ([3, 5], "男", "男")
    assert any("1男 2女" in n for n in report.notes)


def test_a_说明_sheet_explains_the_codes(db, tmp_path):
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "填表说明"
    info.append(["填表说明"])
    info.append(["性别填代码：1-男，2-女"])
    ws = wb.create_sheet("名单")
    ws.append(V_HEADER)
    ws.append(["王德", 2, "1950.01", "群众", "老干部"])
    wb.save(tmp_path / "v.xlsx")
    report = run_import(db, "volunteers", tmp_path / "v.xlsx")
    assert report.written and people(db)["王德"].sex == "女"


def test_without_a_legend_1_2_is_a_question_never_a_silent_guess(db, tmp_path):
    report = run_import(db, "volunteers", roster(tmp_path / "v.xlsx", [
        ["王德", 1, "1950.01", "群众", "老干部"],
        ["李芳", 2, "1951.02", "群众", "老教师", ],
        ["张三", "1", "1952.03", "群众", "老战士"]]))
    asked = by_value(report)
    assert (asked["1"].rows, asked["1"].guess, asked["1"].taken) == ([2, 4], "男", None)
    assert {n: v.sex for n, v in people(db).items()} == {"王德": "", "李芳": "", "张三": ""}
    assert all("可能是“" in w.message for w in report.warnings if w.column == "性别")
    report = run_import(db, "volunteers", roster(tmp_path / "w.xlsx", [
        ["刘一", 1, "1950.01", "群众", "老干部"]]), ImportOptions(answers=["性别:1=男"]))
    assert people(db)["刘一"].sex == "男"


def test_the_id_number_still_decides_the_sex(db, tmp_path):
    report = run_import(db, "volunteers", xlsx(tmp_path / "v.xlsx", ["姓名", "性别", "身份证号", "五老类别"],
                                               [["王德", "9", vid(1950, 1, 1, 101), "老干部"]]))
    assert people(db)["王德"].sex == "男" and by_value(report)["9"].taken is None


# -- names ------------------------------------------------------------------------------------
def test_group_names_are_offered_as_the_same_or_new(db, tmp_path):
    with db.session() as s:
        groups.create(s, groups.GroupInput("红旗村关工小组"))
        groups.create(s, groups.GroupInput("柳树村关工小组"))
    path = xlsx(tmp_path / "v.xlsx", ["姓名", "五老类别", "所在关工小组"],
                [["王德", "老干部", "红旗"], ["李明", "老教师", "柳树湾村"], ["张三", "老战士", "红旗"]])
    report = run_import(db, "volunteers", path, ImportOptions(dry_run=True))
    asked = by_value(report)
    assert (asked["红旗"].rows, asked["红旗"].guess) == ([2, 4], "红旗村关工小组")
    assert asked["柳树湾村"].guess == CREATE  # a similar name is another village
    assert report.choices["group"] == ["红旗村关工小组", "柳树村关工小组"]
    report = run_import(db, "volunteers", path, ImportOptions(
        answers=["关工小组:红旗=红旗村关工小组", "所在关工小组:柳树湾村=新建"]))
    assert report.written and report.remembered == 1  # 新建 is done, not remembered
    with db.reader() as s:
        names = {v: g for v, g in s.execute(select(Volunteer.name, Group.name)
                                                 .join(Group, Volunteer.group_id == Group.id))}
    assert names == {"王德": "红旗村关工小组", "李明": "柳树湾村", "张三": "红旗村关工小组"}


def test_a_paired_volunteer_not_found_is_a_question(db, tmp_path):
    add_volunteer(db, "王德华", "老干部")
    path = xlsx(tmp_path / "s.xlsx", ["姓名", "帮扶类别", "结对五老"], [["小明", "留守儿童", "王德化"]])
    report = run_import(db, "students", path, ImportOptions(dry_run=True))
    q = by_value(report)["王德化"]
    assert (q.table, q.guess, q.required) == ("volunteer", "王德华", False)
    report = run_import(db, "students", path, ImportOptions(answers=["结对五老:王德化=王德华"]))
    assert report.pairings_created == 1
    with db.reader() as s:
        assert len(s.scalars(select(Pairing)).all()) == 1


# -- the command line and the error workbook --------------------------------------------------
def test_json_prints_one_object_for_a_refused_file(tmp_path, db_path):
    Database.open(db_path).close()
    bad = tmp_path / "信.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    proc = cli("import", "volunteers", bad, "--db", db_path, "--json")
    assert proc.returncode == 2
    out = json.loads(proc.stdout)
    assert out["kind"] == "volunteers" and out["file"] == str(bad) and out["written"] is False
    assert out["refused"] and "。" in out["refused"]
    proc = cli("import", "volunteers", roster(tmp_path / "v.xlsx", [["王", "男", "", "", "老干部"]]),
               "--db", db_path, "--json", "--map", "五老类别:x=不存在的")
    assert proc.returncode == 2 and "不是可选的五老类别" in json.loads(proc.stdout)["refused"]


def test_the_error_workbook_says_what_was_asked_taken_and_left(db, tmp_path):
    from exports import workbooks

    rows = [["王德", 1, "1950.01", "团员", "老同志"], ["李芳", 2, "1951.02", "群众", "老教师"]]
    report = run_import(db, "volunteers", roster(tmp_path / "v.xlsx", rows, title="性别：1男 2女"))
    out = workbooks.write_error_book(tmp_path / "出错.xlsx", report)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["出错的行", "导入情况", "不认识的值", "提示"]
    lines = {r[2]: r for r in wb["不认识的值"].iter_rows(min_row=2, values_only=True)}
    assert lines["老同志"][:6] == ("花名册", "五老类别", "老同志", 1, "3", "老干部")
    assert "没有导入" in lines["老同志"][6] and "--map" in lines["老同志"][7]
    assert "留空" in lines["团员"][6]
    assert "按文件里的说明记为“男”" in lines["1"][6]
    sheet = list(wb["导入情况"].iter_rows(min_row=2, values_only=True))
    assert sheet[0][:3] == ("花名册", 2, 1)


# -- the tables -------------------------------------------------------------------------------
def test_every_synonym_and_guess_names_a_code_of_its_table():
    tables = {**DEFAULT_TABLES, **FIXED_CODES}
    for source in (SYNONYMS, GUESSES):
        for table, words in source.items():
            assert table in tables, table
            for word, code in words.items():
                assert code in tables[table], (table, word, code)
    # a synonym never shadows another code of the same table
    for table, words in SYNONYMS.items():
        codes = {value_key(c) for c in tables[table]}
        assert not any(value_key(w) in codes and value_key(words[w]) != value_key(w)
                       for w in words), table
    # 团员 is not one of our 政治面貌: asked, not taken
    assert "共青团员" not in SYNONYMS["political_status"]


def test_the_vocabulary_answers_in_order(db):
    with db.reader() as s:
        vocab = Vocabulary(s)
        assert vocab.resolve("volunteer_category", " 退休 教师 ") == ("老教师", "synonym")
        assert vocab.resolve("volunteer_category", "老干部") == ("老干部", "exact")
        assert vocab.resolve("volunteer_category", "退休教师（小学）")[0] == "老教师"
        assert vocab.resolve("volunteer_category", "老干部、老教师") == (None, "")
        vocab.answer("volunteer_category", "老干部、老教师", "老干部")
        assert vocab.resolve("volunteer_category", "老干部、老教师") == ("老干部", "answer")


def test_the_wizard_asks_about_unknown_values_and_remembers_the_answers(db, qtbot, tmp_path,
                                                                         monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.context import AppContext
    from gui.import_wizard import STEP_CHECK, STEP_QUESTIONS, ImportWizard
    from gui.pages.settings import SettingsPage

    said = []
    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda _p, title, text, *a, **k: said.append(
            (title, text)) or QMessageBox.StandardButton.Ok)
    path = roster(tmp_path / "v.xlsx", [["李明", "男", "1951.02", "团员", "老同志"],
                                        ["赵四", "男", "1952.02", "群众", "老同志"],
                                        ["钱五", "男", "1953.02", "群众", "看门的"]])
    ctx = AppContext(db)
    wizard = ImportWizard(ctx, None)
    qtbot.addWidget(wizard)
    wizard.file.setText(str(path))
    wizard.go_next()
    wizard.go_next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    assert wizard.steps.currentIndex() == STEP_QUESTIONS
    boxes = {key[2]: box for key, box in wizard.question_boxes.items()}
    assert set(boxes) == {"团员", "老同志", "看门的"}
    assert boxes["老同志"].currentData() == "老干部"  # preset to the guess
    assert boxes["团员"].currentData() == "群众"
    assert boxes["看门的"].currentData() == ""  # no guess: nothing chosen
    grid = wizard.questions_grid
    texts = [grid.itemAt(i).widget().text() for i in range(grid.count())
             if hasattr(grid.itemAt(i).widget(), "text")]
    assert "2 行" in texts and "老同志" in texts
    boxes["看门的"].setCurrentIndex(boxes["看门的"].findData("老模范"))
    wizard.report = None
    wizard.go_next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=10000)
    assert wizard.steps.currentIndex() == STEP_CHECK
    assert not wizard.report.errors and "已按你的选择处理 3 个" in wizard.summary.text()
    wizard.go_next()
    qtbot.waitUntil(lambda: any(t == "导入完成" for t, _ in said), timeout=10000)
    got = {n: (v.category, v.political_status) for n, v in people(db).items()}
    assert got == {"李明": ("老干部", "群众"), "赵四": ("老干部", "群众"), "钱五": ("老模范", "群众")}
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    assert sorted(r[1] for r in page.taught.rows) == ["团员", "看门的", "老同志"]
    page.taught_view.selectRow(next(i for i, r in enumerate(page.taught.rows) if r[1] == "看门的"))
    page.forget_selected()
    assert sorted(r[1] for r in page.taught.rows) == ["团员", "老同志"]
    with db.reader() as s:
        assert sorted(t.value for t in aliases.listing(s)) == ["团员", "老同志"]


def test_peek_and_import_module_stay_importable_without_qt():
    assert importer.answer_table(importer.FORMS["volunteers"], "“五老”类别") == "volunteer_category"
    assert importer.answer_table(importer.FORMS["students"], "结对五老") == "volunteer"
    assert importer.answer_table(importer.FORMS["volunteers"], "籍贯") is None


def test_the_roll_up_counts_a_units_words_under_the_code_they_mean():
    from models.rollup import fold_codes

    figures = {"year": 2025, "students": {"total": 4, "by_category": {"留守": 2, "留守儿童": 1,
                                                                      "奇怪的类别": 1}},
               "activities": {"total": 1, "by_theme": {"普法": 1}}}
    out = fold_codes(figures, {("student_category", "奇怪的类别"): "孤儿"})
    assert out["students"] == {"total": 4, "by_category": {"留守儿童": 3, "孤儿": 1}}
    assert out["activities"]["by_theme"] == {"关爱明天普法先行": 1}
    assert figures["students"]["by_category"]["留守"] == 2  # the package's own figures untouched


def test_a_pairing_names_a_volunteer_another_way(db, tmp_path):
    from tests.factories import add_student

    add_volunteer(db, "王德华", "老干部")
    add_student(db, "李小明")
    path = xlsx(tmp_path / "p.xlsx", ["五老姓名", "帮扶对象"], [["王德化", "李小明"]])
    report = run_import(db, "pairings", path, ImportOptions(dry_run=True))
    assert [(q.value, q.guess, q.required) for q in report.unknown_values] == \
        [("王德化", "王德华", True)]
    assert "没有找到五老“王德化”" in report.errors[0].message
    report = run_import(db, "pairings", path, ImportOptions(answers=["五老姓名:王德化=王德华"]))
    assert report.written and report.imported == 1 and report.remembered == 1
    with db.reader() as s:
        assert len(s.scalars(select(Pairing)).all()) == 1


def test_a_legend_in_the_header_cell_or_split_over_title_cells(db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["说明：", "1=男", "2=女"])
    ws.append(["姓名", "性别(1男2女)", "五老类别"])
    ws.append(["王德", 2, "老干部"])
    wb.save(tmp_path / "v.xlsx")
    report = run_import(db, "volunteers", tmp_path / "v.xlsx")
    assert report.written and people(db)["王德"].sex == "女"
    assert by_value(report)["2"].taken == "女"


def test_several_sheets_ask_per_sheet(db, tmp_path):
    wb = openpyxl.Workbook()
    for i, name in enumerate(("新华村", "红旗村")):
        ws = wb.active if i == 0 else wb.create_sheet(name)
        ws.title = name
        ws.append(["姓名", "五老类别"])
        ws.append([f"甲{i}", "老同志"])
        ws.append([f"乙{i}", "老同志"])
    wb.save(tmp_path / "v.xlsx")
    report = run_import(db, "volunteers", tmp_path / "v.xlsx", ImportOptions(dry_run=True))
    out = report.as_json()["unknown_values"]
    assert [(q["sheet"], q["value"], q["rows"]) for q in out] == \
        [("新华村", "老同志", [2, 3]), ("红旗村", "老同志", [2, 3])]
    report = run_import(db, "volunteers", tmp_path / "v.xlsx",
                        ImportOptions(answers=["五老类别:老同志=老干部"]))
    assert report.imported == 4 and report.remembered == 1


def test_a_yes_no_cell_not_understood_is_asked_not_taken_as_no(db, tmp_path):
    path = xlsx(tmp_path / "v.xlsx", ["姓名", "五老类别", "是否骨干"],
                [["王德", "老干部", "骨干"], ["李明", "老教师", "重点"], ["张三", "老战士", "√"]])
    report = run_import(db, "volunteers", path)
    assert [(q.value, q.rows, q.table) for q in report.unknown_values] == [("重点", [3], "yes_no")]
    assert any(w.row == 3 and "“重点”" in w.message and "否" in w.message for w in report.warnings)
    assert {n: v.is_backbone for n, v in people(db).items()} == \
        {"王德": True, "李明": False, "张三": True}
    other = xlsx(tmp_path / "w.xlsx", ["姓名", "五老类别", "是否骨干"], [["赵六", "老干部", "重点"]])
    run_import(db, "volunteers", other, ImportOptions(answers=["是否骨干:重点=是"]))
    assert people(db)["赵六"].is_backbone is True


CODED = [("activities", "theme", "activity_theme"), ("donations", "donor_type", "donor_type"),
         ("groups", "type", "group_type"), ("students", "status", "student_status")]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(which=st.sampled_from(CODED), raw=st.text(max_size=8))
def test_a_coded_cell_is_a_code_it_names_or_a_question_never_a_fallback(db, which, raw):
    """Whatever is typed into a coded column: the record holds the code the text names
    (exactly, by a synonym, or inside other words), or the row is refused asking about it."""
    from exports import kinds
    from exports.forms import FORMS

    kind, key, table = which
    form = FORMS[kind]
    base = {"activities": {"date": "2025-01-02", "title": "活动"},
            "donations": {"date": "2025-01-02", "donor": "某人", "money": "100"},
            "groups": {"name": "某组"}, "students": {"name": "小明", "categories": "留守儿童"}}
    values = {**base[kind], key: raw}
    labels = {c.key: c.label for c in form.import_columns()}
    with db.reader() as s:
        handler = kinds.HANDLERS[kind](s, False)
        row = kinds.RowReader(2, values, labels)
        handler.read(row)
        code, _how = handler.vocab.resolve(table, raw)
    stored = handler.new[0][key] if handler.new else None
    from exports.cells import squash

    if not value_key(squash(raw)):
        return  # an empty cell (or only invisible characters) takes the column's default
    if code is None:
        assert stored is None and row.errors and handler.vocab.questions
    else:
        assert stored == code and not handler.vocab.questions
