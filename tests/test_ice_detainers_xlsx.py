"""ICE detainer workbooks read in the capped child process (issue 12): spreadsheet row numbers with blank rows above
the title and header, date cells as days, numbers typed into text columns, notes sheets skipped, a formula without a
saved value refused, and a reader that runs out of its memory budget refused by name with nothing stored."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from fixtures.detainer_fixture import HEADER

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import ice_detainers
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.sources.safe_readers import read_xlsx_isolated

NAME = "ice_detainers_2025-06-30.xlsx"
DATE_REASON = "not a date (expected YYYY-MM-DD or M/D/YYYY)"


def _record(prepare, state: str, code) -> list:
    """One record in HEADER order (the personal columns filled, to be dropped)."""
    return [prepare, state, "PHI", "YORK COUNTY PRISON", code, "YORK", "I-247A", "1 Convicted Criminal", "",
            "MEXICO", "ACTIVE", "a1b2", "1990-01-01", 1990, "M"]  # fmt: skip


def _workbook(path: Path) -> Path:
    """Sheet 1 'Notes' (no header); sheet 2 'FY2025': rows 1, 2 and 4 blank (row 2 holds only a formatted empty
    cell), a title in row 3, the header in row 5, records from row 6; sheet 3 'FY2026': header in row 1."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    book.add_worksheet("Notes").write(0, 0, "Anonymized Identifier is consistent within this release only.")
    sheet = book.add_worksheet("FY2025")
    sheet.write_blank(1, 3, None, book.add_format({"bold": True}))
    sheet.write(2, 0, "Detainers Issued, FY2025")
    sheet.write_row(4, 0, HEADER)
    records = [
        _record(datetime(2024, 3, 5, 14, 30, 15, 250_000), "PA", 1234),  # row 6: a code typed as a number
        _record(datetime(2024, 1, 31), "PA", "YORKPA"),  # row 7: a date cell without a time
        _record("2024-02-30", "PA", "YORKPA"),  # row 8: a text date that is no date
        _record(datetime(2023, 12, 1, 8, 0), "XX", "YORKPA"),  # row 9: no such state
        _record(datetime(2024, 6, 1, 9, 0), "NJ", 12.5),  # row 10: a number with a fraction
    ]
    for r, record in enumerate(records, start=5):
        for c, value in enumerate(record):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    later = book.add_worksheet("FY2026")
    later.write_row(0, 0, HEADER)
    later.write_datetime(1, 0, datetime(2025, 1, 2), when)
    later.write_row(1, 1, _record(None, "NY", "BATAVNY")[1:])
    book.close()
    return path


def test_rows_are_spreadsheet_rows_dates_are_days_and_numbers_print_as_typed(con, tmp_path):
    _workbook(tmp_path / NAME)
    [result] = ingest_source(con, ice_detainers, Finder(tmp_path, tmp_path / "_cache", offline=True), ParseContext())
    assert (result.rows_loaded, result.rows_quarantined) == (4, 2)
    stored = con.execute("SELECT sheet, row_number, prepare_date, facility_state, facility_code FROM detainer "
                         "ORDER BY sheet, row_number").fetchall()  # fmt: skip
    assert stored == [
        ("FY2025", 6, date(2024, 3, 5), "PA", "1234"),
        ("FY2025", 7, date(2024, 1, 31), "PA", "YORKPA"),
        ("FY2025", 10, date(2024, 6, 1), "NJ", "12.5"),
        ("FY2026", 2, date(2025, 1, 2), "NY", "BATAVNY"),
    ]
    assert con.execute("SELECT row_number, field, value, reason FROM quarantine ORDER BY row_number").fetchall() == [
        (8, "Detainer Prepare Date", "2024-02-30", f"{DATE_REASON} (sheet 'FY2025')"),
        (9, "Facility State", "XX", "unknown state abbreviation (sheet 'FY2025')"),
    ]


def test_a_formula_without_a_saved_value_is_refused_naming_the_cell(tmp_path):
    import xlsxwriter

    path = tmp_path / NAME
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("FY2025")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, _record("2024-01-02", "PA", "YORKPA"))
    sheet.write_formula(2, 4, "=E2")  # saved by xlsxwriter with the value 0, removed below
    book.close()
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    assert b"</f><v>0</v>" in parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</f><v>0</v>", b"</f>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    path.write_bytes(out.getvalue())
    with pytest.raises(SourceFormatError, match=r"sheet1\.xml: formula cell\(s\) without a saved value \(E3\)"):
        read_xlsx_isolated(path, path.name)


def test_a_reader_past_its_memory_budget_is_refused_by_name(tmp_path, monkeypatch):
    """The child's address space is capped at max_xlsx_reader_bytes: with 100 MB it cannot even load its reader."""
    path = _workbook(tmp_path / NAME)
    assert read_xlsx_isolated(path, path.name).num_rows == 6  # 5 + 1 records under the headers
    monkeypatch.setenv("SANCTUARYWATCH_MAX_XLSX_READER_BYTES", "100_000_000")
    with pytest.raises(SourceFormatError) as caught:
        read_xlsx_isolated(path, path.name)
    assert caught.value.file == NAME
    assert "ran out of memory" in caught.value.problem and "max_xlsx_reader_bytes = 100,000,000" in caught.value.problem
    assert "SANCTUARYWATCH_MAX_XLSX_READER_BYTES" in caught.value.problem
