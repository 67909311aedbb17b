"""关工台账 — entry point: parses the command line (contract.md §1) and dispatches.

No business logic lives here: every command calls the same services the window uses.
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()  # --smoke reports start-up from here

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:  # (the window's start does without argparse: see _window_args)
    import argparse

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.errors import UserError, user_message  # noqa: E402

#: argparse's own English words -> the clerk's (help and refusals are Chinese throughout)
_ARGPARSE_WORDS = (
    ("usage: ", "用法："), ("positional arguments:", "参数："), ("options:", "选项："),
    ("optional arguments:", "选项："), ("show this help message and exit", "显示这段说明后退出"),
    ("the following arguments are required: ", "缺少参数 "),
    ("unrecognized arguments: ", "不认识的参数 "), ("invalid choice: ", "没有这个选项："),
    ("choose from ", "可选 "), ("invalid int value: ", "应为整数："),
    ("expected one argument", "后面缺少一个值"), ("argument ", "参数 "),
    ("not allowed with argument ", "不能与此参数同用："),
)


def _chinese(text: str) -> str:
    for english, chinese in _ARGPARSE_WORDS:
        text = text.replace(english, chinese)
    return text


def cmd_aliases(args: argparse.Namespace) -> int:
    from models import aliases

    with _open(args) as db, db.reader() as s:
        taught = aliases.listing(s)
    if args.json:
        print(json.dumps([{"id": t.id, "table": t.table, "column": t.column, "value": t.value,
                           "code": t.code, "created_at": t.created_at.isoformat(sep=" ")}
                          for t in taught], ensure_ascii=False))
    elif not taught:
        print("还没有记住任何值。导入时回答程序不认识的值（--map 或导入向导），导入写入后就会记住。")
    else:
        for t in taught:
            print(f"{t.column}\t{t.value}\t→ {t.code}\t{t.created_at:%Y-%m-%d %H:%M}")
    return 0


def _parser_class() -> type[argparse.ArgumentParser]:
    """argparse whose help is Chinese and whose refusals are a Chinese sentence and exit
    status 2 (made when a command line needs it: argparse is not imported for the window)."""
    import argparse

    class ChineseParser(argparse.ArgumentParser):
        def format_help(self) -> str:
            return _chinese(super().format_help())

        def format_usage(self) -> str:
            return _chinese(super().format_usage())

        def error(self, message: str) -> None:  # type: ignore[override]
            print(f"命令参数不对（{_chinese(message)}）。请用 python main.py --help 查看用法。",
                  file=sys.stderr)
            raise SystemExit(2)

    return ChineseParser


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser_class = _parser_class()
    p = parser_class(prog="main.py", description="关工台账：乡镇关工委工作台账")
    p.add_argument("--db", type=Path, help="数据库文件（默认在用户数据文件夹）")
    p.add_argument("--smoke", action="store_true", help="打开主窗口，显示首页后退出")
    sub = p.add_subparsers(dest="command", parser_class=parser_class)

    def cmd(name: str, help_: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_)
        c.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="数据库文件")
        return c

    c = cmd("init", "为一个单位建立新的空数据库")
    c.add_argument("--committee", required=True, help="关工委名称，例如 青山镇关工委")
    c.add_argument("--code", required=True, help="行政区划代码（6、9 或 12 位数字）")
    c.add_argument("--level", choices=("乡镇", "县", "市"), help="单位级别（默认按代码：6 位为县）")
    c = cmd("demo", "建立演示乡镇数据")
    c.add_argument("--scale", type=int, default=1)
    c.add_argument("--seed", type=int, default=2025)
    c.add_argument("--committee", default="青山镇关工委")
    c.add_argument("--code", default="")
    c = cmd("import", "从 Excel 导入")
    c.add_argument("kind")
    c.add_argument("file", type=Path)
    c.add_argument("--dry-run", action="store_true")
    c.add_argument("--skip-invalid", action="store_true")
    c.add_argument("--update", action="store_true")
    c.add_argument("--json", action="store_true")
    c.add_argument("--errors-out", type=Path, help="把出错的行另存为 Excel 文件")
    c.add_argument("--create-groups", action="store_true",
                   help="文件里出现、程序里还没有的关工小组一并新建")
    c.add_argument("--sheet", help="只导入这个工作表（默认导入所有有表头的工作表）")
    c.add_argument("--map", action="append", default=[], metavar="列名:值=代码",
                   help="回答程序不认识的值，如 --map \"五老类别:老同志=老干部\"（可重复）；"
                        "导入写入后会记住")
    c = cmd("template", "生成空白导入模板")
    c.add_argument("kind")
    c.add_argument("--out", type=Path, required=True)
    cmd("forms", "列出标准报表")
    c = cmd("export", "导出报表")
    c.add_argument("form")
    c.add_argument("--format", choices=("xlsx", "pdf"), required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--year", type=int)
    c.add_argument("--full-id", action="store_true")
    c.add_argument("--person", help="志愿服务记录证明只出这一位五老（姓名或身份证号）")
    c = cmd("stats", "年度统计数字")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--json", action="store_true")
    c = cmd("package", "生成上报包")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--out", type=Path, required=True)
    c = cmd("backup", "备份数据库")
    c.add_argument("--out", type=Path, required=True)
    c = cmd("restore", "从备份恢复")
    c.add_argument("file", type=Path)
    c = cmd("check", "检查数据库")
    c.add_argument("--json", action="store_true")
    c = cmd("password", "设置、修改或取消密码（数据库加密）")
    c.add_argument("--remove", action="store_true", help="取消密码（数据库不再加密）")
    c = cmd("rollup", "收下下级单位的上报包（县级汇总）")
    c.add_argument("packages", nargs="+", type=Path)
    c.add_argument("--dry-run", action="store_true")
    c.add_argument("--json", action="store_true")
    c.add_argument("--trust-new-key", action="append", default=[], metavar="CODE",
                   help="确认该单位换了签名密钥（已电话核对新指纹）")
    c = cmd("wuhao-rubric", "五好考核细则：查看、导出给下级、导入上级发来的文件")
    way = c.add_mutually_exclusive_group()
    way.add_argument("--out", type=Path, help="把本单位的考核细则导出成文件（发给下级乡镇）")
    way.add_argument("--load", type=Path, help="导入上级发来的考核细则文件")
    c.add_argument("--json", action="store_true")
    c = cmd("rollup-status", "各单位上报情况")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--json", action="store_true")
    c = cmd("quality", "上报前自查：本年度数据中值得核实的问题")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--json", action="store_true")
    c = cmd("report", "生成年度工作总结（草稿，Word 文件）")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--out", type=Path, required=True)
    c = cmd("aliases", "导入时记住的值的含义")
    c.add_argument("--json", action="store_true")
    c = cmd("review", "审核下级单位的上报包并写出回执")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--unit", required=True, help="单位的区划代码")
    how = c.add_mutually_exclusive_group(required=True)
    how.add_argument("--accept", action="store_true", help="通过")
    how.add_argument("--return", dest="return_text", metavar="TEXT", help="退回，并写明原因")
    c.add_argument("--out", type=Path, required=True)
    c = cmd("receipt", "收下上级的回执")
    c.add_argument("file", type=Path)
    c.add_argument("--json", action="store_true")
    c.add_argument("--trust-new-key", action="store_true",
                   help="确认上级换了签名密钥（已电话核对新指纹）")
    c = cmd("reopen", "重新打开已通过审核的年度")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--reason", required=True)
    return p


def _window_args(argv: list[str]) -> tuple[Path | None, bool] | None:
    """(--db, --smoke) of a command line that only starts the window — ``[--db FILE]
    [--smoke]``, each at most once — read without argparse (importing it and building every
    command's parser costs the first screen ≈10 ms); None for any other command line, which
    argparse then reads (and refuses with its sentence)."""
    db: Path | None = None
    smoke = False
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--smoke" and not smoke:
            smoke = True
            continue
        if arg == "--db" and rest:
            value = rest.pop(0)
        elif arg.startswith("--db="):
            value = arg[len("--db="):]
        else:
            return None
        if db is not None or not value or value.startswith("-"):
            return None
        db = Path(value)
    return db, smoke


def run(argv: list[str]) -> int:
    window = _window_args(argv)
    if window is None:
        args = build_parser().parse_args(argv)
        if args.command is None:
            window = args.db, args.smoke
    if window is not None:  # the window (it clears the temporary folder once it is up)
        from gui.app import run_app

        return run_app(window[0], smoke=window[1], started=PROCESS_START)
    from models.outputs import remove_stale_temp

    remove_stale_temp()  # what a killed print preview left in the system's temp folder
    if args.command not in NO_DATABASE:  # every command with a --db: the one rule
        from models import opening, sqlitefile
        from models.db import Database

        path = opening.check_place(_db_path(args), args.command,
                                   write=None if not getattr(args, "dry_run", False) else False)
        Database(path).remove_leftovers()
        if args.command in EARLY_CHECK:
            sqlitefile.check_early(path)  # beside the imports (SQLAlchemy's first of all)
        try:
            from models import first_screen_store

            first_screen_store.install()
            return COMMANDS[args.command](args)
        finally:
            sqlitefile.finish_early()
    return COMMANDS[args.command](args)


# -- command handlers: open the database, call one service, print the result ---------------

#: commands that open no database (all others follow models.opening.check_place)
NO_DATABASE = frozenset({"forms", "template"})
#: commands whose opening's quick check starts before their imports (models.sqlitefile.
#: check_early); the others check in full, create, or replace the file
EARLY_CHECK = frozenset({"stats", "export", "package", "import", "quality", "report",
                         "rollup-status", "aliases"})


def _db_path(args: argparse.Namespace) -> Path:
    from models.paths import default_db_path

    return Path(args.db) if getattr(args, "db", None) else default_db_path()


def _guard_out(args: argparse.Namespace, kind: str, out: Path | None = None) -> None:
    """The output guard (models.outputs) on ``--out`` before anything is opened or written."""
    from models.outputs import guard_output

    guard_output(args.out if out is None else out, kind,
                 None if args.command in NO_DATABASE else _db_path(args))


def _ask(env: str, prompt: str) -> str | None:
    """A password from the environment variable ``env``, else asked on the terminal without
    echo; None when neither is possible (no terminal)."""
    value = os.environ.get(env)
    if value:  # an empty variable is no password (never a guess, never a removal)
        return _readable(value, env)
    if value is None and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return _readable(getpass.getpass(prompt), env) or None
    return None


def _readable(password: str, env: str) -> str:
    """``password`` when it is text; bytes that are not UTF-8 (a terminal or variable in
    another encoding) are refused with a sentence, never tried as a guess."""
    from models.errors import FileProblem

    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise FileProblem(f"密码里有无法识别的字符（不是 UTF-8 编码的文字），没有拿它去试。请检查终端或"
                          f"环境变量 {env} 的编码设置（例如改用 UTF-8）后再试。") from None
    return password


def _unlock(db: Any, what: str = "数据库") -> None:
    """Before a command opens the file of ``db`` (models.db.Database): its password
    (GGTZ_PASSWORD or asked) when it has one. An older file that holds only a password hash is
    encrypted with its password now (it must not stay unprotected). Raises PasswordNeeded /
    WrongPassword (exit 2)."""
    from models.db import FileKind

    if not db.locked:
        return  # no password, or unlocked already
    legacy = db.kind is FileKind.LEGACY
    password = _ask("GGTZ_PASSWORD", f"请输入{what}“{db.path.name}”的密码：")
    if password is None:
        raise db.needs_password()
    db.unlock(password)
    if legacy:
        print(f"“{db.path.name}”设置过密码但还没有加密，现已用这个密码加密。", file=sys.stderr)


def _open(args: argparse.Namespace, create: bool = False, load: bool = True) -> Any:
    """The command's database (models.db.Database), for ``with _open(args) as db:`` (closed at
    the block's end): held from before the file is first opened (a password change or restore
    started meanwhile is told it is in use), its password given, and loaded (``load``; a
    missing file is created when ``create``)."""
    from models.db import Database, FileKind

    db = Database(_db_path(args))
    try:
        if db.kind is FileKind.LEGACY:  # encrypted now, under the exclusive lock of its own
            _unlock(db)
        db.hold()
        _unlock(db)
        if load:
            db.load(create=create)
    except BaseException:
        db.close()
        raise
    return db


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1))


def cmd_init(args: argparse.Namespace) -> int:
    """A new, empty database for one unit (contract §1); an existing file is refused."""
    from models import opening

    path = opening.init_database(_db_path(args), args.committee, args.code, args.level)
    with_code = f"，区划代码 {''.join(args.code.split())}" if args.code.strip() else ""
    print(f"已建立数据库“{path}”：{' '.join(args.committee.split())}{with_code}。")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from models import demo
    from models.subjects import SUBJECT_LABELS

    # the demo's tables in the clerk's words: the subjects' labels and the rows that are none
    words = {**SUBJECT_LABELS, "wuhao": "五好评定", "participants": "活动参与", "recipients": "受助"}
    with _open(args, create=True) as db, db.session() as s:
        written = demo.build(s, scale=args.scale, seed=args.seed,
                             committee=args.committee, code=args.code)
    print("已建立演示乡镇：" + "，".join(f"{words.get(k, k)} {v} 条"
                                        for k, v in written.items()))
    return 0


def _read_year(args: argparse.Namespace, read: Any) -> Any:
    """``read(session, year)`` on the database of ``args`` (the year checked first)."""
    from exports.service import check_year

    check_year(args.year)
    with _open(args) as db, db.reader() as s:
        return read(s, args.year)


def cmd_stats(args: argparse.Namespace) -> int:
    from models import stats

    figures = _read_year(args, stats.year_figures)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        _print_json(figures)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    _guard_out(args, "sqlite")
    with _open(args) as db:
        out = db.copy_to(args.out)
    print(f"已备份到“{out}”。")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from models.db import UNPROTECTED, Database, FileKind

    source = Database(args.file)
    if source.path.is_file():
        _unlock(source, "备份文件")
    db = Database(_db_path(args))  # not held: the restore has the file alone
    db.borrow(source.key)  # a backup made with the database's password
    _unlock(db)
    was_encrypted = db.kind is FileKind.ENCRYPTED
    kept = db.restore(source)
    note = f"原来的数据已另存为“{kept}”。" if kept else ""
    print(f"已从“{args.file}”恢复数据。{note}")
    if was_encrypted and db.kind is not FileKind.ENCRYPTED:
        print(UNPROTECTED, file=sys.stderr)
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from models import security
    from models.db import Database, FileKind
    from models.errors import FileProblem, ValidationError

    db = Database(_db_path(args))
    path = db.path
    if not path.is_file():
        raise FileProblem(f"找不到数据库文件“{_db_path(args)}”。请检查路径。")
    legacy = db.kind is FileKind.LEGACY
    if db.kind is FileKind.ENCRYPTED:
        _unlock(db)
    elif legacy:
        old = _ask("GGTZ_PASSWORD", f"请输入数据库“{path.name}”现在的密码：")
        if old is None:
            raise db.needs_password()
        security.verify_legacy(path, old)
    new: str | None = None
    if not args.remove:
        new = _ask("GGTZ_NEW_PASSWORD", "请输入新密码：")
        if new is None:
            raise FileProblem("没有给出新密码。请用环境变量 GGTZ_NEW_PASSWORD 给出，或在终端里运行后输入。")
        if "GGTZ_NEW_PASSWORD" not in os.environ and \
                _ask("GGTZ_NEW_PASSWORD", "请再输入一次新密码：") != new:
            raise ValidationError("密码", "两次输入的新密码不一样，密码没有修改")
    db.change_password(new)
    if new:
        print(f"已设置密码，数据库“{path.name}”和备份文件夹里的备份已加密，以后的备份也会加密。"
              "命令行请用环境变量 GGTZ_PASSWORD 给出密码。请记住这个密码：忘记了就无法打开数据。"
              "以前复制到U盘等处的备份没有加密，请换成新的备份。")
    else:
        print(f"已取消密码，数据库“{path.name}”不再加密（以前做的加密备份仍需原来的密码）。")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from models import check

    with _open(args, load=False) as db:
        report = check.run(db.path, db.key)
    if args.json:
        print(json.dumps({"ok": report.ok, "schema_version": report.schema_version,
                          "counts": report.counts, "problems": report.problems},
                         ensure_ascii=False))
    elif report.ok:
        print("检查通过：" + "，".join(f"{k} {v} 条" for k, v in report.counts.items()))
    else:
        print("检查发现问题：\n" + "\n".join(f"- {p}" for p in report.problems))
    return 0 if report.ok else 1


def cmd_import(args: argparse.Namespace) -> int:
    if not args.json:
        return _import(args)
    try:
        return _import(args)
    except UserError as err:  # a refused file is one object too (contract §2)
        print(json.dumps({"kind": args.kind, "file": str(args.file), "refused": err.message,
                          "written": False}, ensure_ascii=False))
        print(err.message, file=sys.stderr)
        return err.exit_code


def _import(args: argparse.Namespace) -> int:
    from exports import importer, workbooks
    from models import backup

    if args.errors_out:
        _guard_out(args, "xlsx", args.errors_out)
    with _open(args) as db:
        options = importer.ImportOptions(dry_run=args.dry_run, skip_invalid=args.skip_invalid,
                                         update=args.update, create_groups=args.create_groups,
                                         sheet=args.sheet, answers=list(args.map))
        report = importer.run_import(
            db, args.kind, args.file, options,
            before_write=lambda: backup.make_backup(db, kind="导入前"))
    if args.errors_out and (report.error_rows or report.unknown_values):
        workbooks.write_error_book(args.errors_out, report)
    if args.json:
        print(json.dumps({**report.as_json(), "file": str(args.file)}, ensure_ascii=False))
    else:
        print(report.summary())
        for note in report.notes:
            print(f"  {note}。")
        for q in report.unknown_values:
            if q.taken is None:
                guess = f"，可能是“{q.guess}”" if q.guess else ""
                print(f"  不认识：{q.column}“{q.value}”（{len(q.rows)} 行{guess}）"
                      f"——回答：--map \"{q.column}:{q.value}={q.guess or '代码'}\"")
        for issue in report.errors[:50]:
            print(f"  {issue.where()} {issue.column}：{issue.message}")
        if len(report.errors) > 50:
            print(f"  ……共 {len(report.errors)} 处错误")
        for issue in report.warnings[:50]:
            if not issue.column:  # sheet-level notices: passed-over sheets, where reading stopped
                print(f"  提示：{issue.where()} {issue.message}")
    refused = bool(report.errors) and not args.skip_invalid
    return 1 if refused else 0


def cmd_template(args: argparse.Namespace) -> int:
    from exports import workbooks

    _guard_out(args, "xlsx")
    out = workbooks.write_template(args.kind, args.out)
    print(f"已生成导入模板“{out}”。")
    return 0


def cmd_forms(_args: argparse.Namespace) -> int:
    from exports.forms import FORMS

    for form in FORMS.values():
        print(f"{form.id}\t{form.title}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from exports import service

    service.check_year(args.year)
    _guard_out(args, args.format)
    with _open(args) as db:
        out = service.export_form(db, args.form, args.format, args.out, year=args.year,
                                  full_id=args.full_id, person=args.person)
    print(f"已导出“{out}”。")
    return 0


def cmd_package(args: argparse.Namespace) -> int:
    from exports import service
    from models.outputs import guard_folder

    service.check_year(args.year)
    guard_folder(args.out)
    with _open(args) as db:
        out = service.build_package(db, args.year, args.out)
    print(f"已生成上报包“{out}”。")
    return 0


_STATUS_WORDS = {"new": "新收下", "replaced": "已替换为新的", "unchanged": "已收过，没有变化"}


def cmd_rollup(args: argparse.Namespace) -> int:
    import tempfile
    from argparse import Namespace

    from exports import rollup

    path = _db_path(args)
    with tempfile.TemporaryDirectory(prefix="ggtz-dry-") as tmp:
        if args.dry_run and not path.exists():
            path = Path(tmp) / "empty.sqlite"  # nothing to compare with, and nothing written
        with _open(Namespace(db=path), create=True) as db:
            result = rollup.take_packages(db, list(args.packages), dry_run=args.dry_run,
                                          trust_new_keys=set(args.trust_new_key))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for t in result["taken"]:
            key = f"，密钥指纹 {t['fingerprint']}" if t.get("fingerprint") else ""
            print(f"{t['file']}：{t['unit_name']}（{t['unit_code']}）{t['year']}年度，"
                  f"{_STATUS_WORDS[t['status']]}{key}"
                  + ("（首次收到，请电话核对指纹）" if t.get("key") == "pinned" else ""))
            for w in t.get("warnings", []):
                print(f"  注意：{w}")
        for c in result.get("copies", []):
            print(f"相同记录：{c['year']}年度 {' 与 '.join(c['unit_codes'])} 有 {c['count']} 条"
                  "记录完全相同（可能是拷贝了别的单位的数据库），请核实。")
        for r in result["refused"]:
            print(r["reason"], file=sys.stderr)
        if args.dry_run:
            print("这是试算（--dry-run），数据库没有改动。")
    return 1 if result["refused"] else 0


def cmd_rollup_status(args: argparse.Namespace) -> int:
    from models import rollup_status

    result = _read_year(args, rollup_status.status)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    states = {s: sum(u["state"] == s for u in result["units"]) for s in ("待审核", "已退回", "已通过")}
    print(f"{args.year}年度：已上报 {result['reported']} 个单位，未上报 {result['missing']} 个"
          f"（{'，'.join(f'{k} {v}' for k, v in states.items())}）。")
    for u in result["units"]:
        state = (f"{u['state']}（{u['taken_at'][:10]} 收下，第 {u['sequence']} 次"
                 + ("" if u["signed"] else "，未签名") + "）"
                 if u["status"] == "reported" else u["state"])
        if u["comment"]:
            state += f"：{u['comment']}"
        key = f"\t指纹 {u['fingerprint']}" if u["fingerprint"] else ""
        print(f"{u['unit_name'] or '（名称未知）'}\t{u['unit_code']}\t{state}{key}")
    for d in result["duplicates"]:
        print(f"可能重复：{d['name']}（{d['birth_date']}）同时出现在 {'、'.join(d['unit_codes'])}")
    for c in result["copies"]:
        print(f"相同记录：{' 与 '.join(c['unit_codes'])} 有 {c['count']} 条记录完全相同"
              "（可能是拷贝了别的单位的数据库），请核实。")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from exports import receipts, service

    service.check_year(args.year)
    with _open(args) as db:
        out, receipt = receipts.review(db, args.year, args.unit, args.accept,
                                       args.return_text or "", args.out)
    print(f"{receipt['unit_name']}{args.year}年度第 {receipt['sequence']} 次上报包："
          f"{receipt['status']}。回执已写到“{out}”，请交给该单位。")
    return 0


def cmd_receipt(args: argparse.Namespace) -> int:
    from exports import receipts

    with _open(args) as db:
        result = receipts.take_receipt(db, args.file, trust_new_key=args.trust_new_key)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"已收下{result['year']}年度第 {result['sequence']} 次上报包的回执：{result['status']}"
              + (f"：{result['comment']}" if result["comment"] else "")
              + ("（这是旧上报包的回执，已有更新的上报包，仅作记录）" if result["superseded"] else ""))
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    from exports.service import check_year
    from models import chain

    check_year(args.year)
    with _open(args) as db, db.session() as s:
        chain.reopen(s, args.year, args.reason)
    print(f"{args.year}年度已重新打开，可以修改了。改完后请重新生成上报包报上去。")
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from models import quality

    findings = _read_year(args, quality.run)
    if args.json:
        print(json.dumps(quality.as_json(args.year, findings), ensure_ascii=False))
        return 0
    print(f"{args.year}年度{quality.summary(findings)}")
    for f in findings:
        print(f"【{f.level}】{f.title}：{f.count} 条")
        for r in f.records[:20]:
            print(f"    {r['name']}：{r['detail']}")
        if f.count > 20:
            print(f"    ……共 {f.count} 条")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from exports.report import service as report
    from exports.service import check_year

    check_year(args.year)
    with _open(args) as db:
        out = report.write_report(db, args.year, args.out)
    print(f"已生成{args.year}年度工作总结（草稿）“{out}”。请核对数字、补充文字后使用。")
    return 0


def cmd_wuhao_rubric(args: argparse.Namespace) -> int:
    """Show the 五好 rubric in force, write it for the townships (--out), or take the
    county's file (--load)."""
    from models import settings, wuhao

    with _open(args) as db:
        if args.load:
            with db.session() as s:
                rubric, _changes = wuhao.load_file(s, args.load)
            print(f"已导入考核细则“{args.load.name}”（{rubric.issuer or '未注明单位'}），"
                  "今后的五好评定按它打分；已有的评定不变。")
        with db.reader() as s:
            rubric = wuhao.current(s)
            issuer = settings.committee(s).display_name
    if args.out:
        wuhao.write_file(rubric, args.out, issuer)
        print(f"已导出考核细则“{args.out}”，请发给下级乡镇用 wuhao-rubric --load 导入。")
    elif args.json:
        _print_json(rubric.to_json())
    elif not args.load:
        for d in rubric.dimensions:
            print(f"{d.name}（{wuhao.points_text(d.points)}分）")
            for item in d.items:
                print(f"  {item.text}\t{wuhao.points_text(item.points)}分")
        print(f"达标分数线：{wuhao.points_text(rubric.threshold)}分（总分 "
              f"{wuhao.points_text(rubric.points)}分）")
    return 0


COMMANDS = {
    "wuhao-rubric": cmd_wuhao_rubric,
    "quality": cmd_quality,
    "report": cmd_report,
    "init": cmd_init,
    "rollup": cmd_rollup,
    "rollup-status": cmd_rollup_status,
    "review": cmd_review,
    "receipt": cmd_receipt,
    "reopen": cmd_reopen,
    "forms": cmd_forms,
    "export": cmd_export,
    "package": cmd_package,
    "import": cmd_import,
    "template": cmd_template,
    "demo": cmd_demo,
    "stats": cmd_stats,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "check": cmd_check,
    "password": cmd_password,
    "aliases": cmd_aliases,
}


def main(argv: list[str] | None = None) -> int:
    from models import console

    if argv is None:
        console.utf8_or_restart()
    streams = console.quiet_pipes()
    args = sys.argv[1:] if argv is None else argv
    try:
        return _main(args)
    finally:
        for guard in (sys.stdout, sys.stderr):
            try:
                guard.flush()  # a closed pipe is silenced here, not at the interpreter's exit
            except (OSError, ValueError, AttributeError):
                pass
        sys.stdout, sys.stderr = streams


def _main(args: list[str]) -> int:
    try:
        return run(args)
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away before the work's status was known
        return 0
    except Exception as err:
        said = user_message(err, _db_of(args))
        if said is None:
            return _unexpected()
        print(said, file=sys.stderr)
        return err.exit_code if isinstance(err, UserError) else 2


def _db_of(argv: list[str]) -> Path | None:
    """The --db of a command line, for a sentence about it (None when not given)."""
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--db="):
            return Path(arg[5:])
    return None


def _unexpected() -> int:
    """Any other error: the details go to the crash log, the clerk gets a plain sentence."""
    import traceback

    from models.crashlog import write_crash_log

    where = write_crash_log(traceback.format_exc())
    print(f"程序遇到意外错误，操作没有完成。错误详情已保存到“{where}”（其中不含任何记录的内容），"
          "请把这个文件发给技术支持人员。", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
