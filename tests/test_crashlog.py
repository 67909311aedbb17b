"""The crash log keeps the frames of an error and never a record value."""

from __future__ import annotations

import traceback

import pytest
from sqlalchemy import text

from models.crashlog import write_crash_log
from models.paths import data_dir

NAME, ID, PHONE = "欧阳秀英", "230221195203150024", "13945678901"


def _log_of(exc_raiser) -> str:
    try:
        exc_raiser()
    except Exception:
        path = write_crash_log(traceback.format_exc())
    else:  # pragma: no cover
        pytest.fail("no error raised")
    assert path == data_dir() / "logs" / "错误日志.txt"
    return path.read_text(encoding="utf-8")


def test_a_failed_insert_with_an_id_number_leaves_no_value_in_the_log(db):
    def insert_twice():
        for _ in range(2):
            with db.session() as s:
                s.execute(text("INSERT INTO volunteers (name, id_number, phone, category, "
                               "created_at, updated_at) VALUES (:n, :i, :p, '老干部', "
                               "'2025-01-01', '2025-01-01')"), {"n": NAME, "i": ID, "p": PHONE})

    log = _log_of(insert_twice)
    assert "IntegrityError" in log and "insert_twice" in log and "test_crashlog.py" in log
    for value in (NAME, ID, PHONE, ID[:14], "1952"):
        assert value not in log, value
    assert "[parameters: hidden]" in log


def test_an_exception_message_with_values_is_scrubbed(db):
    def fail():
        raise ValueError(f"bad row {NAME} 身份证 {ID} 电话 {PHONE} '{NAME}' 0451-86001234")

    log = _log_of(fail)
    assert "ValueError" in log and "in fail" in log
    for value in (NAME, ID, PHONE, "86001234"):
        assert value not in log, value


def test_the_cli_unexpected_error_sentence_claims_nothing_unchecked(tmp_path, monkeypatch):
    import main

    def boom(_args):
        raise RuntimeError(f"{NAME} {ID}")

    monkeypatch.setitem(main.COMMANDS, "forms", boom)
    assert main.main(["forms"]) == 2
    log = (data_dir() / "logs" / "错误日志.txt").read_text(encoding="utf-8")
    assert "RuntimeError" in log and NAME not in log and ID not in log
