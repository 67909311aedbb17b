"""Exporting a form to a file and building the upward package: what the CLI and window call."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from exports import certificate, pdf, xlsx
from exports.atomic import atomic_path
from exports.formdata import FormContext, build_table
from exports.forms import FORMS
from models import (
    APP_VERSION,
    audit,
    chain,
    faults,
    quality,
    rollup,
    settings,
    sqlconnect,
    stats,
)
from models.db import Database
from models.errors import DataError, FileProblem, UserError, describe_os_error, read_only_message
from models.outputs import guard_folder, guard_output

Progress = Callable[[float, str], None]
FORMATS = ("xlsx", "pdf")
#: the upward package's format (contract §6); format 1 had no unit, sequence or data file,
#: format 2 no signature
PACKAGE_FORMAT = 3
YEAR_MIN, YEAR_MAX = 1949, 2100
#: the folder beside a package that holds its files while it is built
PARTS_SUFFIX = ".files.part"


def check_year(year: int | None) -> None:
    """Refuse a year outside 1949–2100 with a plain sentence (None: the current year)."""
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise UserError(f"年度“{year}”不对，请填写 {YEAR_MIN} 到 {YEAR_MAX} 之间的四位年份，"
                        "例如 2025。")


def export_form(db: Database, form_id: str, fmt: str, out: Path | str, year: int | None = None,
                full_id: bool = False, on_progress: Progress | None = None,
                font_name: str = pdf.DEFAULT_FONT, person: str | int | None = None) -> Path:
    """Write one form as .xlsx or .pdf and record the export in the audit log.

    Raises FileProblem (unknown form or format, the file cannot be written; no partial file is
    left). A full-ID export is logged as such (domain.md §6). From a read-only place
    (models.opening) a masked export is written without its log entry; a full-ID one is
    refused before anything is written. ``person`` (a name or ID number)
    limits a certificate form (``service-record``) to one 五老; ValidationError when it names
    nobody or several people.
    """
    if form_id in FORMS and FORMS[form_id].certificate:
        guard_output(out, fmt, db.path)
        return _export_certificates(db, form_id, fmt, out, year, full_id, font_name, person)
    if form_id not in FORMS:
        raise FileProblem(f"不认识的报表“{form_id}”。可用的报表见 python main.py forms。")
    if fmt not in FORMATS:
        raise FileProblem(f"不支持的格式“{fmt}”，请选择 xlsx 或 pdf。")
    check_year(year)
    guard_output(out, fmt, db.path)
    logged = not sqlconnect.read_only_place(db.path)  # a read-only place exports unlogged
    if full_id and not logged:
        raise FileProblem(f"{read_only_message(db.path)}完整身份证号的导出要记入操作日志，"
                          "所以不能在这里做；不带完整号码的导出可以。")
    ctx = FormContext(year=year, full_id=full_id)
    with db.reader() as s:
        table = build_table(s, form_id, ctx)
    if fmt == "xlsx":
        path = xlsx.write_form(out, table, on_progress)
    else:
        path = pdf.write_form(out, table, on_progress, font_name=font_name)
    if not logged:
        return path
    with db.session() as s:
        audit.log(s, "导出完整身份证号" if full_id else "导出", form_id, None,
                  f"{table.title} → {Path(out).name}（{len(table.rows)} 行）")
    return path


def _export_certificates(db: Database, form_id: str, fmt: str, out: Path | str,
                         year: int | None, full_id: bool, font_name: str,
                         person: str | int | None) -> Path:
    """The 志愿服务记录证明 of one 五老 or of everyone who served in the year (one page each)."""
    if fmt not in FORMATS:
        raise FileProblem(f"不支持的格式“{fmt}”，请选择 xlsx 或 pdf。")
    check_year(year)
    y = year or dt.date.today().year
    now = dt.datetime.now().replace(microsecond=0)
    with db.reader() as s:
        pages = certificate.certificates(s, y, person, full_id)
    line = certificate.provenance_line(audit.current_user(), now, full_id)
    if fmt == "pdf":
        path = certificate.write_pdf(out, pages, line, font_name)
    else:
        path = certificate.write_xlsx(out, pages, line)
    with db.session() as s:
        who = "、".join(p.record.name for p in pages[:5]) + ("等" if len(pages) > 5 else "")
        audit.log(s, "导出完整身份证号" if full_id else "导出", form_id, None,
                  f"{y}年度志愿服务记录证明 {len(pages)} 份（{who}）→ {Path(out).name}")
    return path


def safe_file_name(text: str) -> str:
    """A file name that Windows accepts."""
    return re.sub(r'[\\/:*?"<>|\s]+', "", text) or "关工委"


def package_name(committee_name: str, year: int, day: dt.date) -> str:
    return f"{safe_file_name(committee_name)}_{year}年度报表_{day:%Y%m%d}.zip"


@contextlib.contextmanager
def parts_folder(target: Path) -> Iterator[Path]:
    """A fresh folder ``<target>.files.part`` beside ``target`` for the files that go into it;
    removed when the block ends, and (left by a kill) removed by the next call."""
    folder = target.with_name(target.name + PARTS_SUFFIX)
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    except OSError as err:
        raise FileProblem(describe_os_error(err, target)) from err
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_package(db: Database, year: int, out_dir: Path | str,
                  on_progress: Progress | None = None) -> Path:
    """The upward package (contract.md §5, format 2 of §6): one zip holding every form as
    .xlsx and .pdf for ``year``, the year's figures (``stats.json``), the year's records
    (``data.json``, masked, each with its uuid), the year's self-check (``quality.json``,
    contract §8) and ``manifest.json`` with the unit, its
    ``sequence`` and each file's size and SHA-256. The unit's package counter grows in the
    transaction that logs the package.

    The zip is written under a temporary name and renamed when whole, so a pulled-out USB stick
    never leaves a package that looks complete; its files are first written into a folder
    beside it (:func:`parts_folder`), never into the system's temporary folder, so a kill
    leaves them where the package was going and the next package removes them. Raises
    DataError when the unit has no 行政区划代码 (settings.MISSING_CODE), FileProblem (also
    when ``out_dir`` is a file or the package name is taken by a file of another kind, before
    anything is written).
    """
    check_year(year)
    progress = on_progress or (lambda _f, _t: None)
    now = dt.datetime.now().replace(microsecond=0)
    with db.session() as s:  # the unit's key pair, made on its first package (contract §6)
        key = chain.signing_key(s)
    with db.reader() as s:
        committee = settings.committee(s)
        filler = settings.get(s, settings.FILLER)
        unit_code, unit_name, level = rollup.own_unit(s)
        if not unit_code:
            raise DataError(settings.MISSING_CODE)
        sequence = int(settings.get(s, settings.PACKAGE_SEQUENCE) or 0) + 1
        figures = {"format": PACKAGE_FORMAT, **stats.year_figures(s, year)}
        records = rollup.year_records(s, year)
        checked = quality.as_json(year, quality.run(s, year))
    out_dir = guard_folder(out_dir)
    target = guard_output(out_dir / package_name(committee.display_name, year, now.date()),
                          "zip", db.path)
    files: list[dict[str, object]] = []
    forms = {k: f for k, f in FORMS.items() if f.in_package}
    steps = len(forms) * 2
    with parts_folder(target) as tmp:
        n = 0
        for i, (form_id, form) in enumerate(forms.items(), start=1):
            base = f"{i:02d}_{safe_file_name(form.title.replace(chr(0x201c), '').replace(chr(0x201d), ''))}"
            for fmt in FORMATS:
                n += 1
                progress(n / (steps + 1), f"正在生成 {form.title}（{fmt}）…")
                path = export_form(db, form_id, fmt, tmp / f"{base}.{fmt}", year=year)
                files.append({"name": path.name, "form": form_id, "format": fmt,
                              "size": path.stat().st_size, "sha256": sha256_of(path)})
        for name, form_id, content in (("stats.json", "stats", figures),
                                       ("data.json", "data", records),
                                       ("quality.json", "quality", checked)):
            json_path = tmp / name
            json_path.write_text(json.dumps(content, ensure_ascii=False, indent=1), "utf-8")
            files.append({"name": name, "form": form_id, "format": "json",
                          "size": json_path.stat().st_size, "sha256": sha256_of(json_path)})
        manifest = {
            "format": PACKAGE_FORMAT, "unit_code": unit_code, "unit_name": unit_name,
            "level": level, "sequence": sequence,
            "committee": committee.display_name, "region": committee.region, "year": year,
            "program": "关工台账", "program_version": APP_VERSION,
            "exported_at": now.isoformat(), "exported_by": filler,
            "masked": True, "files": files,
        }
        manifest = chain.sign_with(key, manifest)
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        progress(steps / (steps + 1), "正在打包…")
        try:
            with atomic_path(target, "zip") as part, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
                for item in files:
                    zf.write(tmp / str(item["name"]), str(item["name"]))
                    faults.point("package.entry")
                zf.writestr("manifest.json", manifest_bytes)
        except zipfile.LargeZipFile as err:  # pragma: no cover - far beyond a township's size
            raise FileProblem("上报包太大，无法打包。") from err
    with db.session() as s:
        current = int(settings.get(s, settings.PACKAGE_SEQUENCE) or 0)
        settings.put(s, settings.PACKAGE_SEQUENCE, str(max(current, sequence)))
        quality.remember_sent(s, year, figures)
        chain.record_sent(s, year, sequence, hashlib.sha256(manifest_bytes).hexdigest(),
                          target.name)
        audit.log(s, "生成上报包", "", None, f"{target.name}（第 {sequence} 次）")
    progress(1.0, "上报包已生成")
    return target
