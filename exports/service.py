"""Exporting a form to a file and building the upward package: what the CLI and window call."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from exports import pdf, xlsx
from exports.atomic import atomic_path
from exports.formdata import FormContext, build_table
from exports.forms import FORMS
from models import APP_VERSION, audit, faults, rollup, settings, stats
from models.db import Database
from models.errors import FileProblem, UserError

Progress = Callable[[float, str], None]
FORMATS = ("xlsx", "pdf")
#: the upward package's format (contract §6); format 1 had no unit, sequence or data file
PACKAGE_FORMAT = 2
YEAR_MIN, YEAR_MAX = 1949, 2100


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
    left). A full-ID export is logged as such (domain.md §6). ``person`` (a name or ID number)
    limits a certificate form (``service-record``) to one 五老; ValidationError when it names
    nobody or several people.
    """
    if form_id in FORMS and FORMS[form_id].certificate:
        return _export_certificates(db, form_id, fmt, out, year, full_id, font_name, person)
    if form_id not in FORMS:
        raise FileProblem(f"不认识的报表“{form_id}”。可用的报表见 python main.py forms。")
    if fmt not in FORMATS:
        raise FileProblem(f"不支持的格式“{fmt}”，请选择 xlsx 或 pdf。")
    check_year(year)
    ctx = FormContext(year=year, full_id=full_id, exported_by=audit.current_user())
    with db.reader() as s:
        table = build_table(s, form_id, ctx)
    if fmt == "xlsx":
        path = xlsx.write_form(out, table, on_progress)
    else:
        path = pdf.write_form(out, table, on_progress, font_name=font_name)
    with db.session() as s:
        audit.log(s, "导出完整身份证号" if full_id else "导出", form_id, None,
                  f"{table.title} → {Path(out).name}（{len(table.rows)} 行）")
    return path


def _export_certificates(db: Database, form_id: str, fmt: str, out: Path | str,
                         year: int | None, full_id: bool, font_name: str,
                         person: str | int | None) -> Path:
    """The 志愿服务记录证明 of one 五老 or of everyone who served in the year (one page each)."""
    from exports import certificate

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
    (``data.json``, masked, each with its uuid) and ``manifest.json`` with the unit, its
    ``sequence`` and each file's size and SHA-256. The unit's package counter grows in the
    transaction that logs the package.

    The zip is written under a temporary name and renamed when whole, so a pulled-out USB stick
    never leaves a package that looks complete. Raises FileProblem.
    """
    check_year(year)
    progress = on_progress or (lambda _f, _t: None)
    now = dt.datetime.now().replace(microsecond=0)
    with db.reader() as s:
        committee = settings.committee(s)
        unit_code, unit_name, level = rollup.own_unit(s)
        sequence = int(settings.get(s, settings.PACKAGE_SEQUENCE) or 0) + 1
        figures = {"format": PACKAGE_FORMAT, **stats.year_figures(s, year)}
        records = rollup.year_records(s, year)
    out_dir = Path(out_dir)
    target = out_dir / package_name(committee.display_name, year, now.date())
    files: list[dict[str, object]] = []
    forms = {k: f for k, f in FORMS.items() if f.in_package}
    steps = len(forms) * 2
    with tempfile.TemporaryDirectory(prefix="ggtz-package-") as tmp_name:
        tmp = Path(tmp_name)
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
                                       ("data.json", "data", records)):
            json_path = tmp / name
            json_path.write_text(json.dumps(content, ensure_ascii=False, indent=1), "utf-8")
            files.append({"name": name, "form": form_id, "format": "json",
                          "size": json_path.stat().st_size, "sha256": sha256_of(json_path)})
        manifest = {
            "format": PACKAGE_FORMAT, "unit_code": unit_code, "unit_name": unit_name,
            "level": level, "sequence": sequence,
            "committee": committee.display_name, "region": committee.region, "year": year,
            "program": "关工台账", "program_version": APP_VERSION,
            "exported_at": now.isoformat(), "exported_by": audit.current_user(),
            "masked": True, "files": files,
        }
        progress(steps / (steps + 1), "正在打包…")
        try:
            with atomic_path(target) as part, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
                for item in files:
                    zf.write(tmp / str(item["name"]), str(item["name"]))
                    faults.point("package.entry")
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        except zipfile.LargeZipFile as err:  # pragma: no cover - far beyond a township's size
            raise FileProblem("上报包太大，无法打包。") from err
    with db.session() as s:
        current = int(settings.get(s, settings.PACKAGE_SEQUENCE) or 0)
        settings.put(s, settings.PACKAGE_SEQUENCE, str(max(current, sequence)))
        audit.log(s, "生成上报包", "", None, f"{target.name}（第 {sequence} 次）")
    progress(1.0, "上报包已生成")
    return target


def verify_package(path: Path | str) -> list[str]:
    """Problems found when checking a package against its manifest (empty when whole)."""
    problems = []
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            for item in manifest["files"]:
                data = zf.read(item["name"])
                if hashlib.sha256(data).hexdigest() != item["sha256"]:
                    problems.append(f"{item['name']} 的校验值不符")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        problems.append(f"上报包无法读取：{err}")
    return problems
