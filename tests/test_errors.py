"""The one error translator (models.errors.user_message): what the command line and the window
say about an exception that reached them."""

import errno
import sqlite3

from models.errors import (
    DISK_FULL,
    DataError,
    FileProblem,
    describe_os_error,
    read_only_message,
    user_message,
)


def test_a_user_error_is_its_own_sentence():
    assert user_message(DataError("第 3 行：姓名不能为空")) == "第 3 行：姓名不能为空"
    assert user_message(FileProblem("找不到文件。")) == "找不到文件。"


def test_sqlite_refusals_name_the_database_when_known():
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    assert user_message(readonly, "/u/青山镇.sqlite") == read_only_message("青山镇.sqlite")
    said = user_message(readonly)
    assert said is not None and "只读" in said and "“" not in said
    locked = sqlite3.OperationalError("database is locked")
    assert "“青山镇.sqlite”正在被另一个关工台账程序使用" in (user_message(locked, "青山镇.sqlite") or "")
    assert (user_message(locked) or "").startswith("数据库正在被另一个关工台账程序使用")


def test_a_full_disk_says_what_to_do():
    assert user_message(sqlite3.OperationalError("database or disk is full")) == DISK_FULL
    assert "请清理磁盘" in DISK_FULL


def test_anything_else_is_unexpected():
    assert user_message(ValueError("boom")) is None
    assert user_message(KeyError("full")) is None


def test_an_os_error_names_the_file_and_the_way_out():
    assert "磁盘空间不足" in describe_os_error(OSError(errno.ENOSPC, "No space"), "a.xlsx")
    assert "没有权限" in describe_os_error(PermissionError(errno.EACCES, "denied"), "a.xlsx")
    assert "找不到“a.xlsx”" in describe_os_error(FileNotFoundError(errno.ENOENT, "x"), "a.xlsx")
