"""Years outside 1949–2100 get a plain sentence everywhere (command line and services)."""

from __future__ import annotations

import pytest

from exports import service
from models.errors import UserError
from tests.helpers import cli


@pytest.mark.parametrize("year", ["0", "-1", "10000"])
def test_absurd_years_are_refused_plainly(db, db_path, tmp_path, year):
    for args in (("stats", "--year", year, "--json"),
                 ("export", "volunteers", "--format", "xlsx", "--out", tmp_path / "v.xlsx",
                  "--year", year),
                 ("package", "--year", year, "--out", tmp_path / "pkg")):
        proc = cli(*args, "--db", db_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "1949 到 2100" in proc.stderr and "意外错误" not in proc.stderr, proc.stderr
    assert not (tmp_path / "v.xlsx").exists() and not (tmp_path / "pkg").exists()


def test_services_refuse_year_zero_instead_of_exporting_this_year(db, tmp_path):
    with pytest.raises(UserError, match="1949 到 2100"):
        service.export_form(db, "activities", "xlsx", tmp_path / "a.xlsx", year=0)
    with pytest.raises(UserError, match="1949 到 2100"):
        service.build_package(db, 0, tmp_path)
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob("*.zip"))
