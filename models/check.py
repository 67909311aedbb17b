"""``check``: SQLite integrity plus the consistency rules of the records. Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models import first_screen, first_screen_store, idcard, peek, sqlconnect
from models.backup import record_counts
from models.db import SCHEMA_VERSION, inspect_file
from models.errors import DatabaseDamaged, DatabaseTooNew


@dataclass
class CheckReport:
    path: Path
    schema_version: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


#: (description, SQL counting offending rows)
RULES: list[tuple[str, str]] = [
    ("结对的结束日期早于开始日期",
     "SELECT count(*) FROM pairings WHERE deleted_at IS NULL AND ended_on < started_on"),
    ("五老的退出时间早于加入时间",
     "SELECT count(*) FROM volunteers WHERE deleted_at IS NULL AND left_on < joined_on"),
    ("金额为负数的记录",
     "SELECT (SELECT count(*) FROM aid_records WHERE money_fen < 0)"
     " + (SELECT count(*) FROM donations WHERE money_fen < 0 OR goods_value_fen < 0)"),
    ("人数为负数的活动",
     "SELECT count(*) FROM activities WHERE volunteer_count < 0 OR youth_count < 0"),
    ("有效结对指向已删除的五老或学生",
     "SELECT count(*) FROM pairings p JOIN volunteers v ON v.id = p.volunteer_id"
     " JOIN students s ON s.id = p.student_id WHERE p.deleted_at IS NULL"
     " AND (v.deleted_at IS NOT NULL OR s.deleted_at IS NOT NULL)"),
    ("五老类别为空",
     "SELECT count(*) FROM volunteers WHERE deleted_at IS NULL AND coalesce(category,'') = ''"),
    ("重复的身份证号",
     "SELECT count(*) FROM (SELECT id_number FROM volunteers WHERE deleted_at IS NULL AND"
     " id_number IS NOT NULL GROUP BY id_number HAVING count(*) > 1)"),
]


def run(path: Path, key: sqlconnect.Key | None = None) -> CheckReport:
    """Check the database file at ``path`` (opened with ``key`` when encrypted).

    Raises DatabaseDamaged (not a database, damaged, unreadable) or DatabaseTooNew; otherwise
    returns a report whose ``problems`` lists each rule that failed, in plain Chinese.
    """
    path = Path(path)
    version, problems = inspect_file(path, key=key)
    if problems:
        raise DatabaseDamaged(
            f"数据库文件“{path.name}”已损坏：SQLite 完整性检查发现 {len(problems)} 处错误"
            f"（{problems[0]}）。请从备份恢复。")
    if version > SCHEMA_VERSION:
        raise DatabaseTooNew(f"这个数据库由更新版本的程序建立（数据版本 {version}），请升级程序后再检查。")
    report = CheckReport(path, version)
    con = sqlconnect.connect(path, readonly=True, key=key)
    try:
        report.counts = record_counts(con)
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            report.problems.append(f"有 {len(fk)} 条记录引用了不存在的记录（外键错误）")
        for text, sql in RULES:
            try:
                n = con.execute(sql).fetchone()[0]
            except sqlconnect.OperationalError as err:
                report.problems.append(f"数据表结构不完整：{err}")
                break
            if n:
                report.problems.append(f"{text}：{n} 条")
        for table in ("volunteers", "students"):
            bad = [n for (n,) in con.execute(
                f"SELECT id_number FROM {table} WHERE deleted_at IS NULL AND id_number IS NOT NULL")
                if idcard.problem(n)]
            if bad:
                label = "五老" if table == "volunteers" else "帮扶对象"
                report.problems.append(f"{label}中有 {len(bad)} 个身份证号不合规")
    except sqlconnect.DatabaseError as err:
        raise DatabaseDamaged(f"数据库文件“{path.name}”已损坏，无法读取（{err}）。请从备份恢复。") from err
    finally:
        con.close()
    if not report.problems and first_screen_disagrees(path, key):
        report.problems.append("首页保存的统计数字与记录不一致（文件可能被其他程序改动过）。"
                               "在程序里修改并保存任意一条记录后会重新计算")
    return report


def first_screen_disagrees(path: Path, key: sqlconnect.Key | None = None) -> bool:
    """True when the first screen's stored figures claim to be current but differ from the
    records (models.first_screen); False when they agree or are not claimed current."""
    stored = peek.read(path, key=key).screen
    if stored is None:
        return False
    engine = create_engine("sqlite://", creator=lambda: sqlconnect.connect(path, readonly=True, key=key))
    try:
        with Session(engine) as s:
            computed = first_screen_store.compute_screen(s, stored.year)
    finally:
        engine.dispose()
    return first_screen.payload(computed) != first_screen.payload(stored)
