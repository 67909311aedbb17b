"""The subject descriptors (models.subjects): everything that lists subjects, fields, labels,
import kinds, figures and navigation derives from them, and they describe the schema truly."""

from __future__ import annotations

import pytest

from exports import formdata, kinds
from exports.forms import FORMS, IMPORT_KINDS, UNITS
from exports.rollup import FIGURE_KEYS
from models import codes, rules, stats
from models.changes import KEYS, Changes
from models.entities import SUBJECTS, Base
from models.subjects import SUBJECT_INFO, SUBJECT_LABELS, figure_keys, import_kinds, subject


def test_each_subject_has_one_label_and_fields_of_its_table():
    assert len(set(SUBJECT_LABELS.values())) == len(SUBJECT_LABELS)
    assert SUBJECT_LABELS["donations"] == "捐资助学"
    for key, d in SUBJECT_INFO.items():
        assert SUBJECTS[key].__name__ == d.model_name
        columns = SUBJECTS[key].__table__.columns
        keys = [fd.key for fd in d.fields]
        assert len(keys) == len(set(keys)), key
        for fd in d.fields:
            assert fd.key in columns, f"{key}.{fd.key}"
            if fd.code_table:
                assert fd.code_table in codes.DEFAULT_TABLES, f"{key}.{fd.key}"
        for start, end in d.periods:
            assert d.field(start) and d.field(end)
        for dep in d.dependants:
            table = Base.metadata.tables[dep.table_name]
            assert dep.column in table.c, f"{key} -> {dep.table_name}.{dep.column}"
            assert not dep.subject or dep.subject in SUBJECT_INFO


def test_the_rule_set_reads_labels_and_required_fields_from_the_descriptor():
    d = subject("donations")
    assert rules.label("donations", "money_fen") == d.field("money_fen").label == "捐款金额(元)"
    assert rules.label("donations", "nonsense") == "nonsense"
    problems = rules.problems("donations", {"date": None, "donor": "", "money_fen": -1})
    assert {p.key for p in problems} >= {"date", "donor", "money_fen"}
    assert any(p.message == "捐赠方不能为空" for p in problems)
    # a subject's own check speaks the field's label ({label} filled in)
    found = rules.problems("students", {"name": "甲", "categories": "|留守儿童|",
                                        "id_number": "11010519491231002X",
                                        "father_id_number": "11010519491231002X"})
    assert [p.message for p in found] == ["父亲身份证号与本人的身份证号相同，请核对"]


def test_forms_and_the_import_take_their_columns_from_the_fields():
    for key in import_kinds():
        form = FORMS[key]
        d = subject(key)
        by_column = {fd.form_key: fd for fd in d.fields}
        for col in form.columns + form.extra_import:
            fd = by_column.get(col.key)
            if fd is None or col.label != fd.label:  # a form's own column or header
                continue
            assert col.variants == fd.synonyms and col.code_table == fd.code_table
    # the contract's header of a pairing's 五老 stays, and the field's label still imports
    volunteer = FORMS["pairings"].column("volunteer")
    assert volunteer.label == "五老姓名" and "五老" in volunteer.variants
    assert IMPORT_KINDS == import_kinds() == tuple(kinds.HANDLERS)
    assert set(kinds.KEY_COLUMNS) == set(import_kinds())
    assert kinds.FORM_KEYS["money_fen"] == "money"
    # one spelling of 捐款金额(元): the 各单位汇总表 takes the donation field's label
    assert UNITS.column("donation_money").label == subject("donations").field("money_fen").label


def test_figures_are_the_subjects_sections(db):
    with db.reader() as s:
        own = stats.own_figures(s, 2025)
    assert figure_keys() == FIGURE_KEYS
    assert set(own) - {"year"} == set(FIGURE_KEYS)
    for section, keys in FIGURE_KEYS.items():
        assert set(keys) <= set(own[section]), section
    assert list(formdata.annual_rows(own))  # the annual table reads every section


def test_changes_keys_are_the_subjects_and_unknown_keys_are_refused():
    assert (*SUBJECT_INFO, "settings", "trash") == KEYS
    c = Changes.of("pairings", "students")
    assert c.pairings and c.students and not c.groups
    assert (c | Changes.of("trash")).subjects() == ["students", "pairings", "trash"]
    assert Changes.of("groups") == Changes(groups=True) and Changes() != Changes.of("groups")
    assert not Changes().any() and Changes.everything().subjects() == list(KEYS)
    with pytest.raises(TypeError):
        Changes.of("student")  # a typo never silently refreshes nothing
    with pytest.raises(AttributeError):
        _ = c.student  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        c.groups = True  # type: ignore[misc]


def test_the_window_derives_its_navigation_and_the_wizard_its_kinds(qapp):
    from gui import pages
    from gui.import_wizard import KIND_LABELS
    from gui.main_window import NAV, PAGE_CLASSES

    for key, cls in pages.SUBJECT_PAGES.items():
        assert PAGE_CLASSES[subject(key).nav] == cls and cls in pages.HOMES
    assert NAV[0] == "首页" and NAV[-1] == "设置"
    assert {k: subject(k).nav for k in import_kinds()} == KIND_LABELS
    assert KIND_LABELS["donations"] == "捐资助学"
