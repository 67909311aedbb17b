"""汇总 page (contract §6, §7): choose the units' package files, see the dry-run summary, take
them; the grid of units × state (未上报/待审核/已退回/已通过) with 通过 / 退回… per unit, the
comment and date, the key fingerprint to read over the phone and the unit's 自查 findings; the
units' figures with a 合计 row; 可能重复 and 相同记录."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.context import AppContext
from gui.files import open_files, pick_folder
from gui.ops import Op, perform, run_op
from models import chain, rollup, rollup_status, settings
from models.changes import Changes
from models.subjects import subject

STATUS_WORDS = {"new": "新收下", "replaced": "替换为新的", "unchanged": "已收过，没有变化"}
DRY_WORDS = {"new": "将新收下", "replaced": "将替换旧的", "unchanged": "已收过，没有变化"}
#: the figures of the units preview: (header, section, key)
FIGURES = (("组织数", "groups", "total"), ("五老人数", "volunteers", "total"),
           ("帮扶对象", "students", "total"), ("活动场次", "activities", "total"),
           ("受教育人次", "activities", "youth_participations"),
           (subject("donations").label_of("money_fen"), "donations", "money_yuan"))
UNIT_HEADERS = (["单位", "区划代码", "上报情况", "审核状态", "审核", "意见", "审核日期", "自查"]
                + [h for h, _s, _k in FIGURES] + ["收下日期", "次数", "密钥指纹"])
STATE_COLUMN, BUTTON_COLUMN = 3, 4


def _fill(table: QTableWidget, headers: list[str], rows: list[list[Any]]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))


def _money(value: Any) -> str:
    return f"{value:,.2f}"


def _quality_text(findings: list[dict[str, Any]] | None) -> str:
    if findings is None:
        return ""
    if not findings:
        return "未发现问题"
    errors = sum(f.get("level") == "错误" for f in findings)
    first = "；".join(f"{f.get('title', '')}（{f.get('count', 0)}）" for f in findings[:2])
    return (f"{errors} 项错误，" if errors else "") + first


class RollupPage(QWidget):
    """Packages are checked in a dry run first; 收下 takes exactly the files shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.files: list[str] = []
        self.new_keys: set[str] = set()
        self.last_op: Op | None = None
        self.last_receipt: Path | None = None
        head = QLabel("汇总")
        head.setObjectName("pageTitle")
        hint = QLabel("把各乡镇（或各县）报来的上报包（.zip）收进来：先“选择上报包”检查，"
                      "看过结果再点“收下”。坏包不收，不影响同时选的其他包和已收的数据。"
                      "看过各单位的报表后，在下表点“通过”或“退回…”，程序写出回执交给该单位。")
        hint.setWordWrap(True)
        choose = QPushButton("选择上报包…")
        choose.clicked.connect(self.choose)
        self.take_button = QPushButton("收下")
        self.take_button.setEnabled(False)
        self.take_button.clicked.connect(self.take)
        expected = QPushButton("应报单位…")
        expected.setToolTip("填写应当上报的单位的区划代码，没报的会显示为“未上报”")
        expected.clicked.connect(self.edit_expected)
        self.year = QComboBox()
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.checked = QTableWidget()
        self.checked.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.units = QTableWidget()
        self.units.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.units_line = QLabel("")
        self.units_line.setWordWrap(True)
        self.own_key = QLabel("")
        self.own_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(choose)
        buttons.addWidget(self.take_button)
        buttons.addWidget(expected)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("年度："))
        buttons.addWidget(self.year)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.checked, 1)
        layout.addWidget(self.units_line)
        layout.addWidget(self.units, 2)
        layout.addWidget(self.own_key)
        self._fill_years()
        self.refresh()

    # -- years ------------------------------------------------------------------------------
    def _fill_years(self, prefer: int | None = None) -> None:
        """Years with packages (newest first) and the current one; shows ``prefer``, else the
        newest year with packages, else the current year."""
        with self.ctx.db.reader() as s:
            have = rollup.years_with_packages(s)
        this_year = dt.date.today().year
        years = sorted(set(have) | set(range(this_year - 5, this_year + 1)), reverse=True)
        target = prefer or (have[0] if have else this_year)
        self.year.blockSignals(True)
        self.year.clear()
        for y in years:
            self.year.addItem(f"{y}年度" + ("" if y in have else "（未收到）"), y)
        self.year.setCurrentIndex(max(self.year.findData(target), 0))
        self.year.blockSignals(False)

    def selected_year(self) -> int:
        return int(self.year.currentData())

    # -- packages ---------------------------------------------------------------------------
    def choose(self) -> None:
        files = open_files(self, "选择上报包（可以一次选多个）", "上报包 (*.zip)")
        if files:
            self.check(files)

    def check(self, files: list[str]) -> Op:
        """Dry run of ``files``: shows what 收下 would do, writes nothing."""
        self.files = list(files)
        self.new_keys = set()
        self.take_button.setEnabled(False)
        return self._run(dry_run=True)

    def take(self) -> Op | None:
        if not self.files:
            return None
        return self._run(dry_run=False)

    def _run(self, dry_run: bool) -> Op:
        from exports.rollup import take_packages

        files = [Path(f) for f in self.files]
        trusted = set(self.new_keys)

        def work(_progress: Any) -> dict[str, Any]:
            return take_packages(self.ctx.db, list(files), dry_run=dry_run,
                                 trust_new_keys=trusted)

        def done(result: dict[str, Any]) -> None:
            self._show(result)
            if dry_run:
                self._ask_new_keys(result)
                self.take_button.setEnabled(any(t["status"] != "unchanged"
                                                for t in result["taken"]) or bool(self.new_keys))
            else:
                self.files = []
                self.new_keys = set()
                self.take_button.setEnabled(False)
                self.ctx.bus.publish(Changes.of("settings"))
                years = [t["year"] for t in result["taken"]]
                self._fill_years(max(years) if years else self.selected_year())
                self.refresh()

        self.last_op = run_op(self, work, done,
                              label="正在检查上报包…" if dry_run else "正在收下上报包…")
        return self.last_op

    def _ask_new_keys(self, result: dict[str, Any]) -> None:
        """A unit whose package is signed by another key: confirm (after a phone call) to trust
        the new key; 收下 then takes it."""
        for r in result["refused"]:
            code = r.get("key_changed")
            if not code:
                continue
            answer = QMessageBox.question(
                self, "对方换了签名密钥",
                r["reason"] + "\n\n已经打电话和对方核对过新指纹、确认是对方重装了程序吗？"
                "选“是”后点“收下”即可收下这个包。",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Yes:
                self.new_keys.add(code)

    def _show(self, result: dict[str, Any]) -> None:
        words = DRY_WORDS if result["dry_run"] else STATUS_WORDS
        rows = [[t["file"], t["unit_name"], t["unit_code"], t["year"],
                 words[t["status"]] + "".join(f"（{w}）" for w in t.get("warnings", [])),
                 t.get("fingerprint") or "未签名"]
                for t in result["taken"]]
        rows += [[r["file"], "", "", "", "不收：" + r["reason"], ""] for r in result["refused"]]
        _fill(self.checked, ["文件", "单位", "区划代码", "年度", "结果", "密钥指纹"], rows)
        self.checked.resizeColumnsToContents()
        counts = {k: sum(t["status"] == k for t in result["taken"]) for k in STATUS_WORDS}
        text = (f"新收 {counts['new']} 个，替换 {counts['replaced']} 个，没有变化 "
                f"{counts['unchanged']} 个，不收 {len(result['refused'])} 个。")
        for c in result.get("copies", []):
            text += (f"相同记录：{' 与 '.join(c['unit_codes'])} 有 {c['count']} 条记录完全相同"
                     "（可能拷贝了别的单位的数据库），请核实。")
        self.summary.setText(("检查结果（还没有收下）：" if result["dry_run"] else "已收下：")
                             + text)

    # -- units grid -------------------------------------------------------------------------
    def refresh(self) -> None:
        year = self.selected_year()
        with self.ctx.db.reader() as s:
            status = rollup_status.status(s, year)
            figures = {p.unit_code: rollup.package_figures(p)
                       for p in rollup.latest_packages(s, year)}
            total = rollup.add_figures(list(figures.values()), year) if figures else None
            own = chain.own_fingerprint_if_made(s)
        rows: list[list[Any]] = []
        for u in status["units"]:
            f = figures.get(u["unit_code"])
            rows.append([u["unit_name"] or "（名称未知）", u["unit_code"],
                         "已上报" if u["status"] == "reported" else "未上报", u["state"], "",
                         u["comment"], (u["decided_at"] or "")[:10], _quality_text(u["quality"])]
                        + [(_money(f[sec][k]) if k.endswith("_yuan") else f[sec][k]) if f else ""
                           for _h, sec, k in FIGURES]
                        + [(u["taken_at"] or "")[:10], u["sequence"],
                           u["fingerprint"] or ("未签名" if f else "")])
        if total is not None:
            rows.append(["合计", "", f"{len(figures)} 个单位", "", "", "", "", ""]
                        + [_money(total[sec][k]) if k.endswith("_yuan") else total[sec][k]
                           for _h, sec, k in FIGURES] + ["", "", ""])
        _fill(self.units, UNIT_HEADERS, rows)
        for r, u in enumerate(status["units"]):
            if u["status"] == "reported":
                self.units.setCellWidget(r, BUTTON_COLUMN, self._review_buttons(u))
        self.units.resizeColumnsToContents()
        self.units.setColumnWidth(BUTTON_COLUMN, 150)
        counts = {state: sum(u["state"] == state for u in status["units"])
                  for state in chain.STATES}
        line = f"{year}年度：" + "，".join(f"{k} {v} 个" for k, v in counts.items())
        if status["duplicates"]:
            names = "、".join(f"{d['name']}（{'/'.join(d['unit_codes'])}）"
                             for d in status["duplicates"][:5])
            line += (f"；可能重复：{len(status['duplicates'])} 人同时出现在两个单位的名单里"
                     f"（同名同出生年月，如 {names}），请核实")
        for c in status["copies"]:
            line += (f"；相同记录：{' 与 '.join(c['unit_codes'])} 有 {c['count']} 条记录完全相同"
                     "（可能拷贝了别的单位的数据库）")
        self.units_line.setText(line + "。")
        self.own_key.setText(f"本单位的密钥指纹：{own}（上级第一次收本单位的包时，可电话核对）"
                             if own else "")

    def _review_buttons(self, unit: dict[str, Any]) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(2, 0, 2, 0)
        accept = QPushButton("通过")
        accept.setObjectName(f"accept_{unit['unit_code']}")
        give_back = QPushButton("退回…")
        give_back.setObjectName(f"return_{unit['unit_code']}")
        accept.clicked.connect(lambda _c=False, u=unit: self.review(u, True))
        give_back.clicked.connect(lambda _c=False, u=unit: self.review(u, False))
        row.addWidget(accept)
        row.addWidget(give_back)
        return box

    def review(self, unit: dict[str, Any], accept: bool, comment: str | None = None,
               folder: str | None = None) -> Path | None:
        """通过 / 退回…: the decision and its 回执 written into a folder the clerk picks."""
        from exports import receipts

        name = unit["unit_name"] or unit["unit_code"]
        if not accept and comment is None:
            suggestion = "；".join(f"{f.get('title', '')}（{f.get('count', 0)}）"
                                  for f in (unit.get("quality") or [])
                                  if f.get("level") == "错误")[:200]
            comment, ok = QInputDialog.getMultiLineText(
                self, "退回上报包", f"退回{name}的上报包，请写明要对方核实或修改什么：",
                f"请核实：{suggestion}" if suggestion else "")
            if not ok:
                return None
        folder = folder or pick_folder(self, "回执保存到哪个文件夹（如U盘）")
        if not folder:
            return None
        year = self.selected_year()
        done = perform(self.ctx, self, receipts.write_review, year, unit["unit_code"], accept,
                       comment or "", folder, title="审核没有完成")
        if not done:
            return None
        out = done[0]
        self.last_receipt = out
        self.refresh()
        QMessageBox.information(self, "回执已写出",
                                f"{name}{year}年度：{'已通过' if accept else '已退回'}。\n"
                                f"回执已保存为“{out}”，请交给该单位（U盘或邮件），"
                                "对方在程序里“收下回执”即可。")
        return Path(out)

    def edit_expected(self) -> None:
        with self.ctx.db.reader() as s:
            current = "，".join(rollup.expected_units(s))
        text, ok = QInputDialog.getMultiLineText(
            self, "应报单位", "应当上报的单位的区划代码（用逗号或空格分开）；"
            "报过的单位会自动列出：", current)
        if ok:
            perform(self.ctx, self, lambda s: settings.put(
                s, settings.EXPECTED_UNITS, "，".join(text.replace(",", " ").replace("，", " ")
                                                      .split())))
            self.refresh()
