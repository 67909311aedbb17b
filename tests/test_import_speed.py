"""The import's fast paths give what the plain ones give (issue 25 item 1).

Each shortcut taken for speed — a row's cell texts made at once, blank known from the text, a
plain name as its own header key, date texts read once, one parse of an ID number, tags found
by ``bytes.find`` — is checked against the general function it stands in for.
"""

from __future__ import annotations

import datetime as dt
import operator
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from exports import cells, kinds
from exports.readers import _tags
from models import idcard
from models.entities import Volunteer

#: characters the shortcuts treat specially: white space of every kind, invisible ones, quotes,
#: stars, full-width forms, brackets, colons, Excel's apostrophe
SPECIAL = (" \u3000\u00a0\t\n\r\u200b\u200e\ufeff\u00ad\u2060\x1f\u202a'\"“”「」*＊★※"
           "０９．，：（）()):例姓名王德aX1")
texts = st.text(alphabet=SPECIAL, max_size=8)
cell_values = st.one_of(st.none(), texts, st.integers(-5, 5), st.floats(allow_nan=False),
                        st.booleans(), st.dates())


class _Str(str):
    """A str subclass: takes the general path of the functions that test ``type(v) is str``."""


@given(texts)
def test_header_key_of_a_plain_text_is_the_general_one(value: str) -> None:
    assert cells.header_key(value) == cells.header_key(_Str(value))


@given(texts)
def test_text_and_blank_agree_with_their_definitions(value: str) -> None:
    ws = re.compile(r"[\s\u3000\u00a0\ufeff\u200b-\u200d\u2060\u00ad]+")
    assert cells.is_blank(value) == (not ws.sub("", value))
    assert cells.text(value) == cells.text(_Str(value))


@given(st.lists(cell_values, max_size=6))
def test_filled_cells_are_the_ones_that_are_not_blank(values: list[object]) -> None:
    assert cells.filled(values) == [i for i, v in enumerate(values) if not cells.is_blank(v)]


@given(st.lists(st.one_of(cell_values, st.datetimes(), st.floats(), st.integers()), max_size=8))
def test_a_rows_texts_are_each_cells_text(values: list[object]) -> None:
    assert cells.texts(values) == [cells.text(v) for v in values]
    assert cells.filled_of(values, cells.texts(values)) == cells.filled(values)


@given(st.dictionaries(st.sampled_from(["name", "note", "phone", "sex"]), cell_values))
def test_a_row_reader_makes_each_cell_text_as_cells_text(values: dict[str, object]) -> None:
    row = kinds.RowReader(2, values, {})
    for key in ("name", "note", "phone", "sex", "absent"):
        assert row.text(key) == cells.text(values.get(key))
        assert row.blank(key) == cells.is_blank(values.get(key))


def test_a_date_text_read_again_answers_for_its_own_context() -> None:
    """The cache of date texts is keyed by the context: the same 3月5日 takes each sheet's year,
    and is a NoYear problem (a fresh exception of that class) where no year is known."""
    first = cells.read_date("3月5日", cells.DateContext(2024, "表格标题"))
    second = cells.read_date("3月5日", cells.DateContext(2025, "文件名"))
    assert (first.date, second.date) == (dt.date(2024, 3, 5), dt.date(2025, 3, 5))
    errors = []
    for _ in range(2):
        with pytest.raises(cells.NoYear) as err:
            cells.read_date("3月5日")
        errors.append(err.value)
    assert errors[0] is not errors[1] and "没有写年份" in str(errors[1])
    with pytest.raises(cells.Ambiguous):
        cells.read_date(1955.1)
    assert cells.read_date("1955.03").month_only
    # an int and the equal float are the same key and read alike
    assert cells.read_date(45809) == cells.read_date(45809.0)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_of_ascii_digits_is_the_weighted_sum(first17: str) -> None:
    total = sum(map(operator.mul, map(int, first17), idcard.WEIGHTS))
    assert idcard.check_char(first17) == idcard.CHECK_CHARS[total % 11]


def test_one_parse_of_an_id_number_tells_everything() -> None:
    number = idcard.make("230221", dt.date(1955, 3, 12), 123)
    info = idcard.examine(number)
    assert isinstance(info, idcard.IdInfo)
    assert (info.number, info.birth_date, info.sex) == (number, dt.date(1955, 3, 12), "男")
    assert idcard.examine(number[:-1] + ("0" if number[-1] != "0" else "1")) == \
        "身份证号校验位不对，请核对"
    with pytest.raises(ValueError):
        idcard.check_char("1234567890123456X")
    row = kinds.RowReader(2, {"id_number": " " + number.lower() + " "}, {})
    assert row.id_number("id_number") == (number, True)
    assert row.id_info["id_number"] == info


def test_an_old_15_digit_number_is_upgraded_once_with_its_warning() -> None:
    new = idcard.make("230221", dt.date(1955, 3, 12), 123)
    old = new[:6] + new[8:17]
    row = kinds.RowReader(2, {"id_number": old}, {"id_number": "身份证号"})
    assert row.id_number("id_number") == (new, True)
    assert row.warnings == [("身份证号", f"15位老身份证号“{old}”已换算为18位“{new}”，请核对")]


def _regex_tags(buf: bytes, cut: int, name: bytes) -> list[bytes]:
    pattern = re.compile(rb"<(?:\w+:)?(row|mergeCell)\s([^>]*)>")
    return [m[2] for m in pattern.finditer(buf, 0, cut) if m[1] == name]


PIECES = [b"<", b">", b"row", b"mergeCell", b"x:", b"ab:", b":", b" ", b"\t", b'r="3"', b"/",
          b"rows", b"<row ", b"<x:row ", b"</row>", b'hidden="1"', b'<mergeCell ref="A1:B2"/>',
          b"<c r=\"A1\"><v>1</v></c>", b"<mergeCells count=\"1\">"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(PIECES), max_size=14), st.floats(0, 1))
def test_tags_are_found_as_the_regex_finds_them(pieces: list[bytes], where: float) -> None:
    """In XML whose tags hold no ``<`` (every well-formed sheet), ``_tags`` finds what the
    regex of the earlier scan found, with or without a namespace prefix, up to ``cut``."""
    buf = b"".join(pieces)
    cut = int(len(buf) * where)
    found = {name: _regex_tags(buf, cut, name) for name in (b"row", b"mergeCell")}
    if any(b"<" in body for bodies in found.values() for body in bodies):
        return  # not XML: a tag inside another tag's attributes
    for name, bodies in found.items():
        assert list(_tags(buf, cut, name)) == bodies


def test_bulk_insert_gives_every_row_its_timestamps_and_own_uuid(db) -> None:
    rows = [{"name": f"人{i}", "name_initials": "r", "category": "老干部"} for i in range(3)]
    rows.append({**rows[0], "name": "有号", "uuid": "00000000-0000-4000-8000-000000000001"})
    with db.session() as s:
        kinds.core_insert(s, Volunteer, rows)
    with db.reader() as s:
        got = s.execute(select(Volunteer.name, Volunteer.uuid, Volunteer.created_at,
                               Volunteer.updated_at).order_by(Volunteer.id)).all()
    assert [g.name for g in got] == ["人0", "人1", "人2", "有号"]
    assert len({g.uuid for g in got}) == 4 and got[3].uuid.endswith("0001")
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            g.uuid) for g in got[:3])
    assert all(g.created_at == g.updated_at and g.created_at.microsecond == 0 for g in got)


@pytest.mark.parametrize("n", [0, 1, 7, 2000])
def test_new_uuids_are_random_version_4_uuids_as_uuid4_makes_them(n: int) -> None:
    import uuid

    made = kinds.new_uuids(n)
    assert len(made) == len(set(made)) == n
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_the_cursor_insert_stores_what_sqlalchemys_insert_stores(db) -> None:
    """Every column type and default: the tuples given to the DBAPI cursor make the same rows
    as SQLAlchemy's own insert of the same dicts (dates as text, booleans as 0/1, None, the
    constant defaults, a datetime in a DATE column)."""
    from sqlalchemy import insert

    from models.entities import Student

    base = {"name": "王德", "name_initials": "wd", "sex": "男", "id_number": None,
            "birth_date": dt.date(2012, 3, 4), "categories": "|留守儿童|", "status": "在帮"}
    rows = [base, {**base, "name": "李华", "birth_date": None, "closed_on": dt.date(2025, 1, 2)},
            {**base, "name": "张三", "birth_date": dt.datetime(2011, 5, 6, 7, 8, 9)},
            {**base, "name": "赵四", "birth_date": dt.date(999, 1, 1)}]
    with db.session() as s:
        kinds.core_insert(s, Student, [dict(r) for r in rows])
        s.execute(insert(Student), [{**r, "uuid": f"u{i}"} for i, r in enumerate(rows)])
    with db.reader() as s:
        conn = s.connection()
        got = conn.exec_driver_sql("SELECT * FROM students ORDER BY id").all()
        names = [d[1] for d in conn.exec_driver_sql("PRAGMA table_info(students)").all()]
    skip = {names.index(k) for k in ("id", "uuid", "created_at", "updated_at")}
    ours, theirs = got[:4], got[4:]
    assert [[v for i, v in enumerate(r) if i not in skip] for r in ours] == \
        [[v for i, v in enumerate(r) if i not in skip] for r in theirs]
    assert [r[names.index("birth_date")] for r in ours] == \
        ["2012-03-04", None, "2011-05-06", "0999-01-01"]
    assert len({r[names.index("uuid")] for r in ours}) == 4


def test_the_cursor_insert_is_refused_in_an_accepted_year(db) -> None:
    """The year lock sees the rows the cursor inserts: nothing is written."""
    from models.entities import Activity, ChainYear
    from models.yearlock import YearLocked

    with db.session() as s:
        s.add(ChainYear(year=2024, locked=True, needs_resend=False, reason=""))
    rows = [{"date": dt.date(2025, 5, 4), "title": "报告会", "theme": "其他"},
            {"date": dt.date(2024, 5, 4), "title": "辅导", "theme": "其他"}]
    with pytest.raises(YearLocked), db.session() as s:
        kinds.core_insert(s, Activity, rows)
    with db.reader() as s:
        assert s.scalars(select(Activity.id)).all() == []


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_is_the_weighted_sum_of_gb_11643(first17: str) -> None:
    weighted = sum(int(d) * w for d, w in zip(first17, idcard.WEIGHTS))
    assert idcard.check_char(first17) == idcard.CHECK_CHARS[weighted % 11]


def test_a_number_recorded_while_the_file_was_checked_refuses_the_write(db, tmp_path) -> None:
    """The recheck under the write lock (one pass over the table's numbers) finds the person
    recorded meanwhile and names the file's first row that clashes; nothing is written."""
    from exports.importer import run_import
    from models.errors import DataError
    from tests.sheets import vid, xlsx

    first, second = vid(1950, 1, 2, 11), vid(1951, 3, 4, 22)
    path = xlsx(tmp_path / "五老.xlsx", ["姓名", "身份证号", "五老类别"],
                [["王德", first, "老干部"], ["李华", second, "老教师"], ["张三", "", "老战士"]],
                text_cols=(1,))

    def meanwhile() -> None:
        with db.session() as s:
            for name, number in (("李华", second), ("王德", first)):
                s.add(Volunteer(name=name, name_initials="x", id_number=number,
                                category="老干部"))

    with pytest.raises(DataError) as err:
        run_import(db, "volunteers", path, before_write=meanwhile)
    assert "第 2 行" in str(err.value) and "王德" in str(err.value)
    with db.reader() as s:
        assert sorted(s.scalars(select(Volunteer.name))) == ["李华", "王德"]


def _schema(db) -> set[tuple[str, str, str]]:
    with db.reader() as s:
        return set(s.connection().exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master").all())


def _fresh(s) -> int:
    return s.connection().exec_driver_sql("SELECT fresh FROM first_screen WHERE id = 1").scalar()


def test_a_bulk_insert_sets_the_first_screen_trigger_aside_and_puts_it_back(db) -> None:
    """The stale-marking trigger, dropped for a bulk insert, is there again with its own text
    after it (the file's schema unchanged), the figures were marked stale in the transaction and
    are recomputed at its commit; a failed bulk insert leaves the schema and no row either."""
    from sqlalchemy import func
    from sqlalchemy.exc import IntegrityError

    from models import first_screen_store

    with db.session() as s:
        first_screen_store.mark_stale(s)  # recomputed at this commit: fresh
    with db.reader() as s:
        assert _fresh(s) == 1
    before = _schema(db)
    assert ("trigger", "first_screen_stale_volunteers_insert") in {(t, n) for t, n, _ in before}
    rows = [{"name": f"人{i}", "name_initials": "r", "category": "老干部"}
            for i in range(kinds.BULK_TRIGGER_ROWS)]
    with db.session() as s:
        kinds.core_insert(s, Volunteer, [dict(r) for r in rows])
        assert _fresh(s) == 0  # what the trigger would have done
        assert s.connection().exec_driver_sql(kinds._TRIGGER_SQL, (
            "first_screen_stale_volunteers_insert",)).scalar() is not None
    assert _schema(db) == before
    with db.reader() as s:
        assert _fresh(s) == 1
        assert s.scalar(select(func.count()).select_from(Volunteer)) == len(rows)
    clash = [dict(r, uuid="00000000-0000-4000-8000-000000000009") for r in rows]
    with pytest.raises(IntegrityError), db.session() as s:
        kinds.core_insert(s, Volunteer, clash)
    assert _schema(db) == before
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == len(rows)


def _volunteer_indexes(db) -> set[str]:
    with db.reader() as s:
        return set(s.connection().exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'volunteers' "
            "AND sql IS NOT NULL").scalars())


def test_a_bulk_insert_sets_the_indexes_aside_and_builds_them_again(db) -> None:
    """The table's indexes, dropped while the rows of a bulk insert into a small table go in,
    are there again after it with their own text, and answer for the new rows; a row breaking a
    unique index fails the whole insert (IntegrityError) with the schema as before."""
    from sqlalchemy import func
    from sqlalchemy.exc import IntegrityError

    before = _schema(db)
    assert "ux_volunteers_id_number" in _volunteer_indexes(db)
    rows = [{"name": f"人{i}", "name_initials": "r", "category": "老干部",
             "id_number": f"N{i:05d}"} for i in range(kinds.BULK_INDEX_ROWS)]
    seen: list[set[str]] = []
    with db.session() as s, kinds.indexes_set_aside(s, "volunteers", len(rows)):
        seen.append(_names_in(s))
        kinds.core_insert(s, Volunteer, [dict(r) for r in rows])
    assert seen == [set()]  # they were set aside
    assert _schema(db) == before
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == len(rows)
        plan = s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM volunteers WHERE id_number = 'N00007' "
            "AND deleted_at IS NULL").all()
        assert "ux_volunteers_id_number" in str(plan)
        assert s.scalar(select(Volunteer.name).where(Volunteer.id_number == "N00007")) == "人7"
    # now the table holds as many rows as a second insert brings, and one of them clashes
    clash = [dict(r, id_number=f"M{i:05d}") for i, r in enumerate(rows)]
    clash[-1]["id_number"] = "N00003"
    with pytest.raises(IntegrityError), db.session() as s, \
            kinds.indexes_set_aside(s, "volunteers", len(clash)):
        kinds.core_insert(s, Volunteer, clash)
    assert _schema(db) == before
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == len(rows)


def test_indexes_set_aside_are_back_when_the_insert_fails_and_the_transaction_goes_on(db) -> None:
    """An exception inside the set-aside undoes its rows and drops (a savepoint): a caller that
    catches it and commits keeps the schema whole and stores none of those rows."""
    from sqlalchemy import func

    before = _schema(db)
    rows = [{"name": f"人{i}", "name_initials": "r", "category": "老干部"}
            for i in range(kinds.BULK_INDEX_ROWS)]
    with db.session() as s:
        with pytest.raises(RuntimeError), kinds.indexes_set_aside(s, "volunteers", len(rows)):
            kinds.core_insert(s, Volunteer, [dict(r) for r in rows])
            raise RuntimeError("stop")
        s.add(Volunteer(name="王德", name_initials="wd", category="老干部"))
    assert _schema(db) == before
    with db.reader() as s:
        assert s.scalars(select(Volunteer.name)).all() == ["王德"]
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 1


def test_indexes_stay_for_a_small_insert_or_a_larger_table(db) -> None:
    kept: list[set[str]] = []
    small = [{"name": "人", "name_initials": "r", "category": "老干部"}]
    with db.session() as s:
        with kinds.indexes_set_aside(s, "volunteers", kinds.BULK_INDEX_ROWS - 1):
            kinds.core_insert(s, Volunteer, [dict(r) for r in small])
            kept.append(_names_in(s))
        s.connection().exec_driver_sql(  # the table's largest rowid now exceeds the insert
            "UPDATE volunteers SET id = ?", (kinds.BULK_INDEX_ROWS + 1,))
        with kinds.indexes_set_aside(s, "volunteers", kinds.BULK_INDEX_ROWS):
            kept.append(_names_in(s))
    assert kept == [_volunteer_indexes(db)] * 2 and kept[0]


def _names_in(s) -> set[str]:
    return set(s.connection().exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'volunteers' "
        "AND sql IS NOT NULL").scalars())


def test_an_import_runs_no_full_collection_and_gives_the_collector_back(tmp_path):
    """The command line's import (main thread, automatic collector): no full collection while
    it runs, the thresholds as they were afterwards; on another thread (the window's worker)
    nothing is changed."""
    import gc
    import threading

    from exports import importer

    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    with importer._young_collections_only():
        seen.append(gc.get_threshold())
    assert seen[0][2] > 10**6 and seen[0][0] >= before[0]
    assert gc.get_threshold() == before

    def in_worker() -> None:
        with importer._young_collections_only():
            seen.append(gc.get_threshold())

    worker = threading.Thread(target=in_worker)
    worker.start()
    worker.join()
    assert seen[1] == before
    with pytest.raises(RuntimeError), importer._young_collections_only():
        raise RuntimeError("the import failed")
    assert gc.get_threshold() == before
