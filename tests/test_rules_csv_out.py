"""The one CSV writer (csv_out.py), pinned byte for byte: what a file on disk holds, blank cells for missing values,
rows given as mappings or as sequences, the row count it returns, and the header switch. Each expected text below is
written out by hand. Found by scripts/mutation_score.py: writing to a path was only ever exercised through a CLI
subprocess, which mutants never reach."""

from __future__ import annotations

from pathlib import Path

from sanctuarywatch.csv_out import safe_cell, to_csv_text, write_csv

COLUMNS = ["geoid", "name", "count"]
# Española city, NM (Census place 3525170) carries a non-ASCII letter; None is a missing value; "extra" is ignored.
ROWS = [
    {"geoid": "3525170", "name": "Española city", "count": 3, "extra": "dropped"},
    {"geoid": "06075", "name": None, "count": 0},
]


def test_a_file_on_disk_holds_utf8_lf_lines_with_blank_missing_cells(tmp_path: Path):
    out = tmp_path / "out.csv"
    assert write_csv(ROWS, COLUMNS, out) == 2
    assert out.read_bytes() == "geoid,name,count\n3525170,Española city,3\n06075,,0\n".encode()


def test_a_file_on_disk_honours_header_and_line_ending(tmp_path: Path):
    out = tmp_path / "out.csv"
    assert write_csv([("1", "=1+1", None)], COLUMNS, out, header=False, lineterminator="\r\n") == 1
    assert out.read_bytes() == b"1,'=1+1,\r\n"


def test_writing_a_file_twice_replaces_it(tmp_path: Path):
    out = tmp_path / "out.csv"
    write_csv(ROWS, COLUMNS, out)
    assert write_csv([], COLUMNS, out) == 0
    assert out.read_text(encoding="utf-8") == "geoid,name,count\n"


def test_sequence_rows_are_written_in_column_order():
    assert to_csv_text([("36119", None, 7), ("17031", "@SUM(A1)", -2)], COLUMNS) == (
        "geoid,name,count\n36119,,7\n17031,'@SUM(A1),-2\n"
    )


def test_to_csv_text_defaults_its_columns_to_the_first_mappings_keys():
    assert to_csv_text([{"b": 1, "a": None}, {"a": 2, "b": 3}]) == "b,a\n1,\n3,2\n"
    assert to_csv_text([{"b": 1, "a": None}], header=False) == "1,\n"


def test_to_csv_text_without_rows_or_columns_is_empty_and_without_mappings_has_no_columns():
    assert to_csv_text([]) == ""
    assert to_csv_text([], ["a", "b"]) == "a,b\n"
    # Sequences name no columns: an empty header line, then the row as given.
    assert to_csv_text([("x", "y")]) == "\nx,y\n"


def test_formula_cells_and_headers_are_quoted_but_numbers_are_not():
    assert [safe_cell(v) for v in ("=A1", "+1x", "-x", "@a", "\tx", "\rx", "-12", "+3.5", "-1e3", ".5", 5, None)] == [
        "'=A1", "'+1x", "'-x", "'@a", "'\tx", "'\rx", "-12", "+3.5", "-1e3", ".5", 5, None
    ]  # fmt: skip
    assert to_csv_text([], ["=HYPERLINK(1)", "ok"]) == "'=HYPERLINK(1),ok\n"
