"""ICE detainer records in the ERO FOIA release format (as published by the Deportation Data Project).

Formats: xlsx workbooks (several sheets, title and notes rows above the column header), and Parquet or CSV
exports with the same column names. Only the columns listed in ``COLUMNS`` are read; every other column —
names, birth dates, birth years, gender, any identifier other than the release's anonymized one — is dropped
here and never reaches the store. Validation is vectorised (DuckDB over Arrow), so a million rows take seconds:
a missing or unparseable prepare date or an unknown state sends the row to quarantine with its row number.

Row numbers: for xlsx, the spreadsheet row (title rows and header counted); for CSV, the line (header = 1);
for Parquet, the 1-based record number.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.states import state_table
from sanctuarywatch.sources.base import (
    Finder,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    locate_file,
)

SPEC = SourceSpec(
    source_id="ice_detainers",
    title="ICE detainers (ERO FOIA release)",
    publisher="U.S. Immigration and Customs Enforcement, via the Deportation Data Project",
    url="https://deportationdata.org/data/ice.html",
    licence="Released under FOIA; public records.",
    description="One row per detainer ICE issued: prepare date, facility, type, criminality, lift reason, "
    "citizenship and case status. Personal columns are dropped at ingest.",
    files=(SourceFile("ice_detainers.parquet"),),  # no stable public address: a mirror is required
    mirror_patterns=(
        "*detainer*.xlsx",
        "*Detainer*.xlsx",
        "*detainer*.parquet",
        "*Detainer*.parquet",
        "*detainer*.csv",
        "*Detainer*.csv",
    ),  # fmt: skip
)
# Release column name -> store column. Nothing outside this allowlist is kept (personal data stays out).
COLUMNS = {
    "detainer prepare date": "prepare_date",
    "facility state": "facility_state",
    "facility aor": "facility_aor",
    "detainer facility": "facility_name",
    "detainer facility code": "facility_code",
    "facility city": "facility_city",
    "detainer type": "detainer_type",
    "detainer criminality": "criminality",
    "detainer lift reason": "lift_reason",
    "citizenship country": "citizenship_country",
    "case status": "case_status",
    "anonymized identifier": "anonymized_id",
}
REQUIRED = ("detainer prepare date", "facility state", "detainer facility code")
DIFF_KEYS = {"detainer": ("anonymized_id", "prepare_date", "facility_code", "row_number")}
DIFF_IGNORE: dict[str, tuple[str, ...]] = {}
HEADER_SEARCH_ROWS = 20


def discover(finder: Finder) -> list[ReleaseFiles]:
    found = finder.in_mirror(SPEC.mirror_patterns)
    if not found:
        finder.fetch(SPEC, SPEC.files)  # raises the clear "not mirrored / offline" message
    return [ReleaseFiles(_version(p), (locate_file(p),), "mirror") for p in found]


def _version(path: Path) -> str:
    match = re.search(r"(20\d\d)[-_]?(\d\d)[-_]?(\d\d)", path.name)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            pass
    return path.stem


def _norm(name: object) -> str:
    return " ".join(str(name or "").replace("_", " ").split()).lower()


def _select(table: pa.Table, file: str) -> pa.Table:
    """Keep the allowlisted columns (as strings, renamed), refusing a table without the required ones."""
    by_norm = {_norm(n): n for n in table.column_names}
    missing = [c for c in REQUIRED if c not in by_norm]
    if missing:
        raise SourceFormatError(
            file, f"missing column(s): {', '.join(m.title() for m in missing)}; found: {', '.join(table.column_names)}"
        )
    arrays, names = [], []
    for norm, store in COLUMNS.items():
        if norm in by_norm:
            column = table.column(by_norm[norm])
            try:
                arrays.append(column if pa.types.is_string(column.type) else column.cast(pa.string()))
            except pa.ArrowInvalid as exc:
                raise SourceFormatError(file, f"column '{by_norm[norm]}' cannot be read as text ({exc})") from exc
        else:
            arrays.append(pa.nulls(table.num_rows, pa.string()))
        names.append(store)
    return pa.table(arrays, names=names)


def _read_parquet(path: Path) -> tuple[pa.Table, int]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a wrong-shape file
        raise SourceFormatError(path.name, f"not a readable Parquet file ({exc})") from exc
    return table, 1  # record 1 is row 1


def _read_csv(path: Path) -> tuple[pa.Table, int]:
    if path.stat().st_size == 0:
        raise SourceFormatError(path.name, "the file is empty")
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True, column_types={}, auto_dict_encode=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
        )
    except pa.ArrowInvalid as exc:
        problem = "not UTF-8" if "UTF8" in str(exc) or "utf-8" in str(exc).lower() else "not a readable CSV"
        raise SourceFormatError(path.name, f"{problem} ({exc})") from exc
    for field in table.schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            raise SourceFormatError(path.name, f"not UTF-8 (column '{field.name}' holds bytes that are not UTF-8)")
    return table, 2  # the header is line 1


def _read_xlsx(path: Path, ctx: ParseContext) -> list[tuple[pa.Table, str]]:
    """Each sheet with a detainer header: (table with a _row column, sheet name)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001
        raise SourceFormatError(path.name, f"not a readable xlsx workbook ({exc})") from exc
    out = []
    for sheet_name in book.sheet_names:
        try:
            grid = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001
            raise SourceFormatError(path.name, f"sheet '{sheet_name}' cannot be read ({exc})") from exc
        header_at = next((i for i, row in enumerate(grid[:HEADER_SEARCH_ROWS])
                          if "detainer prepare date" in {_norm(c) for c in row}), None)  # fmt: skip
        if header_at is None:
            continue
        header = [str(c) for c in grid[header_at]]
        body = grid[header_at + 1 :]
        columns = {
            name: pa.array([_cell(r[i]) if i < len(r) else None for r in body], pa.string())
            for i, name in enumerate(header) if _norm(name) in COLUMNS
        }  # fmt: skip
        table = pa.table(columns) if columns else pa.table({})
        table = table.append_column("_row", pa.array(range(header_at + 2, header_at + 2 + len(body)), pa.int64()))
        out.append((table, sheet_name))
        ctx.progress(sum(t.num_rows for t, _ in out), None)
    if not out:
        raise SourceFormatError(path.name, "no sheet has a 'Detainer Prepare Date' column header")
    return out


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_VALIDATE_SQL = """
    SELECT *, coalesce(
        try_strptime(trim(prepare_date), '%Y-%m-%d')::DATE, try_strptime(trim(prepare_date), '%m/%d/%Y')::DATE,
        try_strptime(trim(prepare_date), '%Y-%m-%d %H:%M:%S')::DATE,
        try_strptime(trim(prepare_date), '%m/%d/%Y %H:%M:%S')::DATE) AS _date,
        upper(trim(facility_state)) AS _state
    FROM incoming
"""


def _validate(table: pa.Table, file: str, valid_states: list[str]) -> tuple[pa.Table, list[QuarantineRow]]:
    """Typed rows and quarantine entries, computed as set operations in an in-memory DuckDB (not the store)."""
    con = duckdb.connect()
    con.register("incoming", table)
    con.execute(f"CREATE TEMP TABLE checked AS {_VALIDATE_SQL}")
    con.execute("CREATE TEMP TABLE states AS SELECT unnest(?) AS abbr", [valid_states])
    bad = con.execute(
        """SELECT _row, CASE WHEN _date IS NULL THEN 'Detainer Prepare Date' ELSE 'Facility State' END,
                  CASE WHEN _date IS NULL THEN nullif(trim(prepare_date), '') ELSE nullif(trim(facility_state), '') END,
                  CASE WHEN prepare_date IS NULL OR trim(prepare_date) = '' THEN 'missing date'
                       WHEN _date IS NULL THEN 'not a date (expected YYYY-MM-DD or M/D/YYYY)'
                       WHEN _state IS NULL OR _state = '' THEN 'missing state'
                       ELSE 'unknown state abbreviation' END
           FROM checked WHERE _date IS NULL OR _state NOT IN (SELECT abbr FROM states) OR _state IS NULL
           ORDER BY _row"""
    ).fetchall()
    good = con.sql(
        f"""SELECT _date AS prepare_date, _state AS facility_state,
                   {", ".join(c for c in COLUMNS.values() if c not in ("prepare_date", "facility_state"))},
                   NULL::VARCHAR AS geoid, ? AS file_name, _row AS row_number
            FROM checked WHERE _date IS NOT NULL AND _state IN (SELECT abbr FROM states) ORDER BY _row""",
        params=[file],
    ).to_arrow_table()
    con.close()
    return good, [QuarantineRow(file, r, f, v, why) for r, f, v, why in bad]


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    file = release.files[0]
    suffix = file.path.suffix.lower()
    if suffix == ".xlsx":
        parts = [
            (_select(t, file.name).append_column("_row", t.column("_row")), s) for t, s in _read_xlsx(file.path, ctx)
        ]
        table = pa.concat_tables([t for t, _ in parts])
    elif suffix in (".parquet", ".csv"):
        raw, first = _read_parquet(file.path) if suffix == ".parquet" else _read_csv(file.path)
        table = _select(raw, file.name)
        table = table.append_column("_row", pa.array(range(first, first + table.num_rows), pa.int64()))
    else:
        raise SourceFormatError(file.name, f"unsupported file type '{suffix}' (xlsx, parquet or csv)")
    states = sorted(s.abbr for s in state_table().by_fips.values())
    good, bad = _validate(table, file.name, states)
    ctx.progress(table.num_rows, table.num_rows)
    return Parsed(tables={"detainer": good}, quarantine=bad)
