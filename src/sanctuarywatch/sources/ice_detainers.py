"""ICE detainer records in the ERO FOIA release format (as published by the Deportation Data Project).

Formats: xlsx workbooks (several sheets, six title/notes rows above the column header), and Parquet or CSV
exports with the same column names. Only the columns listed in ``COLUMNS`` are read; every other column —
names, birth dates, birth years, gender, any identifier other than the release's anonymized one — is never
read into memory (Parquet, CSV) or is discarded sheet by sheet (xlsx), so it never reaches the store.

Validation and typing are set operations in an in-memory DuckDB over Arrow (not the store, not per-row
Python): a missing or unparseable prepare date, or a missing or unknown state, sends the row to quarantine.

Row numbers: xlsx — the spreadsheet row (title rows and header counted); CSV — the line in the file (header =
line 1, so the first record is row 2, assuming no line breaks inside values); Parquet — the 1-based record.

``geoid`` is left NULL: connectors never read the store. The county comes from ``ice_facility`` joined on
``facility_code`` at analysis time (``analysis/summaries.py:FACILITY_JOIN_SQL``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime
from itertools import chain
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
# Release column name (normalised) -> store column. Nothing outside this allowlist is kept.
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
XLSX_CHUNK = 100_000
BATCH = 262_144


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


def _kept(names: list[str], file: str, where: str = "") -> dict[str, str]:
    """Source column -> store column for the allowlisted columns; refuses a header without the required ones."""
    by_norm: dict[str, str] = {}
    for n in names:
        by_norm.setdefault(_norm(n), n)
    missing = [c for c in REQUIRED if c not in by_norm]
    if missing:
        shown = ", ".join(str(n) for n in names[:20]) or "nothing"
        raise SourceFormatError(
            file, f"{where}missing column(s): {', '.join(m.title() for m in missing)}; found: {shown}"
        )
    return {by_norm[norm]: store for norm, store in COLUMNS.items() if norm in by_norm}


def _as_text(column: pa.ChunkedArray | pa.Array, store: str, file: str, source: str) -> pa.ChunkedArray:
    """A column as UTF-8 text; dates and timestamps become YYYY-MM-DD, anything nested is refused."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return column.cast(pa.string())
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return column.cast(pa.date32()).cast(pa.string())
    if store == "prepare_date":
        raise SourceFormatError(file, f"column '{source}' holds {kind} values, not dates or text", field=source)
    try:
        return column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SourceFormatError(file, f"column '{source}' cannot be read as text ({kind})", field=source) from exc


def _typed(batch: pa.Table | pa.RecordBatch, keep: dict[str, str], file: str) -> pa.Table:
    """The allowlisted columns of a batch, as text, renamed to store columns (absent ones all null)."""
    present = {store: src for src, store in keep.items()}
    n = batch.num_rows
    arrays = [
        _as_text(batch.column(present[s]), s, file, present[s]) if s in present else pa.nulls(n, pa.string())
        for s in COLUMNS.values()
    ]
    return pa.Table.from_arrays(arrays, names=list(COLUMNS.values()))


def _read_parquet(path: Path, ctx: ParseContext) -> tuple[pa.Table, int]:
    try:
        book = pq.ParquetFile(path)
        keep = _kept(book.schema_arrow.names, path.name)
        total = book.metadata.num_rows
        if total == 0:
            raise SourceFormatError(path.name, "the file is empty (no records)")
        parts, done = [], 0
        for batch in book.iter_batches(batch_size=BATCH, columns=list(keep), use_threads=True):
            parts.append(_typed(batch, keep, path.name))
            done += batch.num_rows
            ctx.progress(done, total)
    except SourceFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a wrong-shape file
        raise SourceFormatError(path.name, f"not a readable Parquet file ({exc})") from exc
    return pa.concat_tables(parts), 1  # record 1 is row 1


def _read_csv(path: Path, ctx: ParseContext) -> tuple[pa.Table, int]:
    if path.stat().st_size == 0:
        raise SourceFormatError(path.name, "the file is empty")
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]), [])
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    keep = _kept(header, path.name)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(keep), column_types={c: pa.string() for c in keep}, strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        text = str(exc)
        problem = "not UTF-8 text" if "utf8" in text.lower() or "utf-8" in text.lower() else "not a readable CSV"
        raise SourceFormatError(path.name, f"{problem} ({text.splitlines()[0]})") from exc
    if table.num_rows == 0:
        raise SourceFormatError(path.name, "the file has a header but no records")
    ctx.progress(table.num_rows, table.num_rows)
    return _typed(table, keep, path.name), 2  # the header is line 1


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column(values: tuple) -> pa.Array:
    """One xlsx column chunk as text: whole-column Arrow conversion first, per-cell only for mixed cells."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_cell(v) for v in values], pa.string())
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        return arr.cast(pa.date32()).cast(pa.string())
    return pa.array([_cell(v) for v in values], pa.string())


def _sheet_chunks(
    rows: Iterator[list], header_at: int, keep: dict[str, str], header: list, sheet: tuple[int, str]
) -> Iterator[pa.Table]:
    index = {store: i for i, name in enumerate(header) if (store := keep.get(name))}
    first = header_at + 2  # spreadsheet row of the first record (1-based, header counted)
    while True:
        chunk = [r for _, r in zip(range(XLSX_CHUNK), rows, strict=False)]
        if not chunk:
            return
        columns = list(zip(*chunk, strict=True))  # calamine rows are rectangular (the sheet's used range)
        columns += [("",) * len(chunk)] * (max(index.values()) + 1 - len(columns))
        arrays = [
            _column(columns[index[s]]) if s in index else pa.nulls(len(chunk), pa.string()) for s in COLUMNS.values()
        ]
        arrays.append(pa.array(range(first, first + len(chunk)), pa.int64()))
        arrays += [pa.repeat(pa.scalar(sheet[0], pa.int32()), len(chunk)), pa.repeat(sheet[1], len(chunk))]
        first += len(chunk)
        yield pa.Table.from_arrays(arrays, names=[*COLUMNS.values(), "_row", "_part", "_sheet"])


def _read_xlsx(path: Path, ctx: ParseContext) -> pa.Table:
    """Every sheet with a detainer header, read sheet by sheet in chunks, with a ``_row`` column."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
    except Exception as exc:  # noqa: BLE001
        raise SourceFormatError(path.name, f"not a readable xlsx workbook ({exc})") from exc
    parts: list[pa.Table] = []
    done, total = 0, None
    for sheet_no, sheet_name in enumerate(names):
        try:
            sheet = book.get_sheet_by_name(sheet_name)
            total = (total or 0) + sheet.total_height
            rows = iter(sheet.iter_rows())
            top = [r for _, r in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
            header_at = next((i for i, r in enumerate(top) if "detainer prepare date" in {_norm(c) for c in r}), None)
            if header_at is None:
                continue  # a notes or summary sheet
            header = [str(c) for c in top[header_at]]
            keep = _kept(header, path.name, f"sheet '{sheet_name}': ")
            for part in _sheet_chunks(
                chain(top[header_at + 1 :], rows), header_at, keep, header, (sheet_no, sheet_name)
            ):
                parts.append(part)
                done += part.num_rows
                ctx.progress(done, total)
        except SourceFormatError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise SourceFormatError(path.name, f"sheet '{sheet_name}' cannot be read ({exc})") from exc
    if not parts:
        raise SourceFormatError(path.name, "no sheet has a 'Detainer Prepare Date' column header with records")
    return pa.concat_tables(parts)


_CHECK_SQL = """
    WITH t AS (SELECT {trimmed}, _row, _part, _sheet FROM incoming)
    SELECT *, coalesce(
        try_strptime(prepare_date, '%Y-%m-%d')::DATE, try_strptime(prepare_date, '%m/%d/%Y')::DATE,
        try_strptime(prepare_date, '%Y-%m-%d %H:%M:%S')::DATE, try_strptime(prepare_date, '%m/%d/%Y %H:%M:%S')::DATE,
        try_strptime(prepare_date, '%m/%d/%Y %H:%M')::DATE) AS _date,
        upper(facility_state) AS _state
    FROM t
"""
_BAD_SQL = """
    SELECT _row,
        CASE WHEN _date IS NULL THEN 'Detainer Prepare Date' ELSE 'Facility State' END,
        CASE WHEN _date IS NULL THEN prepare_date ELSE facility_state END,
        CASE WHEN prepare_date IS NULL THEN 'missing date'
             WHEN _date IS NULL THEN 'not a date (expected YYYY-MM-DD or M/D/YYYY)'
             WHEN _state IS NULL THEN 'missing state'
             ELSE 'unknown state abbreviation' END || coalesce(' (sheet ''' || _sheet || ''')', '')
    FROM checked WHERE _date IS NULL OR _state IS NULL OR _state NOT IN (SELECT abbr FROM states)
    ORDER BY _part, _row
"""


def _validate(table: pa.Table, file: str) -> tuple[pa.Table, list[QuarantineRow]]:
    """Typed rows and quarantine entries, as set operations in an in-memory DuckDB (never the store)."""
    con = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    try:
        con.register("incoming", table)
        trimmed = ", ".join(f"nullif(trim({c}), '') AS {c}" for c in COLUMNS.values())
        con.execute(f"CREATE TEMP VIEW checked AS {_CHECK_SQL.format(trimmed=trimmed)}")  # streamed, not stored
        con.execute("CREATE TEMP TABLE states AS SELECT unnest(?::VARCHAR[]) AS abbr", [_state_codes()])
        bad = con.execute(_BAD_SQL).fetchall()
        rest = ", ".join(c for c in COLUMNS.values() if c not in ("prepare_date", "facility_state"))
        good = con.sql(
            f"""SELECT _date AS prepare_date, _state AS facility_state, {rest}, NULL::VARCHAR AS geoid,
                       ?::VARCHAR AS file_name, _sheet AS sheet, _row AS row_number
                FROM checked WHERE _date IS NOT NULL AND _state IN (SELECT abbr FROM states)""",
            params=[file],
        ).to_arrow_table()
    finally:
        con.close()
    return good, [QuarantineRow(file, r, f, v, why) for r, f, v, why in bad]


def _state_codes() -> list[str]:
    return sorted(s.abbr for s in state_table().by_fips.values())


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    file = release.files[0]
    suffix = file.path.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(file.path, ctx)
    elif suffix in (".parquet", ".csv"):
        raw, first = _read_parquet(file.path, ctx) if suffix == ".parquet" else _read_csv(file.path, ctx)
        n = raw.num_rows
        table = raw.append_column("_row", pa.array(range(first, first + n), pa.int64()))
        table = table.append_column("_part", pa.repeat(pa.scalar(0, pa.int32()), n))
        table = table.append_column("_sheet", pa.nulls(n, pa.string()))
    else:
        raise SourceFormatError(file.name, f"unsupported file type '{suffix}' (xlsx, parquet or csv)")
    good, bad = _validate(table, file.name)
    ctx.progress(table.num_rows, table.num_rows)
    return Parsed(tables={"detainer": good}, quarantine=bad)
