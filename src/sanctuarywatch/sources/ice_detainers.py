"""ICE detainer records from ERO FOIA releases, in either layout of ``data/detainer_layouts.csv``.

- ``ero_foia``: the national release (Deportation Data Project): xlsx workbooks (several sheets, title rows above
  the header), Parquet or CSV, with a Detainer Facility Code that links to ``ice_facility`` at analysis time.
- ``npr_lea_2016``: six snake_case columns, state spelled out, no facility code (``pa_detainers.csv``, the
  Pennsylvania subset of NPR's 2016 cleaning of ICE's FY2008-FY2015 LEA detainer files; derived, partial). Its
  facilities get a county from ``data/detainer_facilities.csv`` (name as printed + state -> GEOID, with method and
  evidence); each release also writes ``detainer_facility_match``: every facility it prints, with its county or
  ``unresolved``, so nothing unplaced is hidden.

Only mapped columns are read; every other column (names, birth dates, gender, other identifiers) is never read
into memory (Parquet, CSV) or, for xlsx, is dropped sheet by sheet in the child process that reads the workbook
under capped memory and CPU time (``xlsx_worker``; it never reaches the ingest process). Validation is set work in an
in-memory DuckDB: a missing or unparseable prepare date, or a missing or unknown state, sends the row to quarantine.

Row numbers: xlsx, the spreadsheet row (title rows and header counted); CSV, the line (header = 1); Parquet, the
1-based record.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sanctuarywatch.config import limit
from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.states import state_table
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    VerifiedStream,
    locate_file,
)
from sanctuarywatch.sources.safe_readers import duplicate_header, read_xlsx_isolated, refuse

if TYPE_CHECKING:
    import duckdb

PA_URL = "https://raw.githubusercontent.com/eads/geocode-pa-detainers/bbd824aadcddee2cece66fe8bf69e9e1aa717ed2/pa_detainers.csv"
SPEC = SourceSpec(
    source_id="ice_detainers",
    title="ICE detainers (ERO FOIA releases)",
    publisher="U.S. Immigration and Customs Enforcement (ERO), released under FOIA; national files via the "
    "Deportation Data Project; the Pennsylvania FY2008-FY2015 file as cleaned by NPR (likely; derived, partial)",
    url="https://deportationdata.org/data/ice.html",
    licence="Released under FOIA; public records.",
    description="One row per detainer ICE issued: prepare date, facility, type, criminality, lift reason, "
    "citizenship and case status. Personal columns are dropped at ingest. pa_detainers.csv is derived and partial: "
    "Pennsylvania facilities only, 2007-10 to 2015-07, six columns, no facility code (likely the Pennsylvania subset "
    "of NPR's cleaning of ICE's FY2008-FY2015 LEA detainer FOIA files, nprapps/sanctuary-cities; unverified).",
    files=(
        SourceFile("pa_detainers.csv", PA_URL, "50e4f3e3d94ff600d36e9d68817ece298713cf751c4d080145935fceae73f525"),
        SourceFile("ice_detainers.parquet"),  # national FOIA: no stable public address, a mirror is required
    ),
    mirror_patterns=(
        "*detainer*.xlsx",
        "*Detainer*.xlsx",
        "*detainer*.parquet",
        "*Detainer*.parquet",
        "*detainer*.csv",
        "*Detainer*.csv",
    ),  # fmt: skip
)
DATA = Path(__file__).resolve().parent / "data"
# Store columns a detainer row can carry; each release layout maps its own column names onto them.
STORE_COLUMNS = (
    "prepare_date", "facility_state", "facility_aor", "facility_name", "facility_code", "facility_city",
    "detainer_type", "criminality", "lift_reason", "citizenship_country", "case_status", "anonymized_id",
)  # fmt: skip
DIFF_KEYS = {
    "detainer": ("anonymized_id", "prepare_date", "facility_code", "row_number"),
    "detainer_facility_match": ("facility_state", "facility_name"),
}
DIFF_IGNORE: dict[str, tuple[str, ...]] = {}
FACILITY_COLUMNS = ("det_facility", "state_abbr", "geoid", "county_name", "facility_type", "method", "evidence")
HEADER_SEARCH_ROWS = 20
HEADER_MAX_BYTES = 1 << 20  # a CSV header line longer than this is refused, not read into memory
# CSV is read in one pass, in place, through a VerifiedStream: the ingest makes no private copy of it.
READ_ONCE_SUFFIXES = (".csv",)
BATCH = 262_144
_TEXT = pa.dictionary(pa.int32(), pa.string())
# What SQL trim() strips from both ends of a value: the Unicode space separators (Zs), not tabs or line breaks.
# Trimming happens in Arrow before the checks, where it costs a tenth of DuckDB's trim and, on a dictionary-encoded
# column, touches only the distinct values.
SPACES = "".join(chr(c) for c in range(0x3001) if unicodedata.category(chr(c)) == "Zs")


def discover(finder: Finder) -> list[ReleaseFiles]:
    found = finder.in_mirror(SPEC.mirror_patterns)
    if not found:
        finder.fetch(SPEC, SPEC.files)  # raises the clear "not mirrored / offline" message
    # a file read once, in place (CSV) is hashed by that read, not at discovery too
    return [ReleaseFiles(_version(p), (locate_file(p, checksum=p.suffix.lower() not in READ_ONCE_SUFFIXES),), "mirror")
            for p in found]  # fmt: skip


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


@cache
def layouts() -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    """Release layouts (``data/detainer_layouts.csv``): layout -> (normalised column -> store column, required)."""
    out: dict[str, tuple[dict[str, str], list[str]]] = {}
    with (DATA / "detainer_layouts.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            columns, required = out.setdefault(row["layout"], ({}, []))
            columns[_norm(row["column"])] = row["store_column"]
            if row["required"] == "yes":
                required.append(row["column"])
    return {name: (columns, tuple(required)) for name, (columns, required) in out.items()}


def _date_headers() -> set[str]:
    return {n for columns, _ in layouts().values() for n, store in columns.items() if store == "prepare_date"}


def _kept(names: list[str], file: str, where: str = "") -> dict[str, str]:
    """Source column -> store column under the first layout whose required columns are all present; else refuses
    the header, naming what the closest layout misses."""
    by_norm: dict[str, str] = {}
    for n in names:
        by_norm.setdefault(_norm(n), n)
    best: tuple[int, list[str]] | None = None
    for columns, required in layouts().values():
        missing = [c for c in required if _norm(c) not in by_norm]
        if not missing:
            return {by_norm[norm]: store for norm, store in columns.items() if norm in by_norm}
        overlap = sum(n in by_norm for n in columns)
        if best is None or overlap > best[0]:
            best = (overlap, missing)
    shown = ", ".join(str(n) for n in names[:20]) or "nothing"
    raise SourceFormatError(file, f"{where}missing column(s): {', '.join(best[1])}; found: {shown}")


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _as_text(column: pa.ChunkedArray | pa.Array, store: str, file: str, source: str) -> pa.ChunkedArray:
    """A column as UTF-8 text; dates and timestamps become YYYY-MM-DD, anything nested is refused."""
    kind = column.type
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
        return column.cast(pa.dictionary(kind.index_type, pa.string()))  # kept encoded: trimmed value by value
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
        for s in STORE_COLUMNS
    ]
    return pa.Table.from_arrays(arrays, names=list(STORE_COLUMNS))


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Spaces (``SPACES``) stripped from both ends of every value, and a value left empty made missing; a
    dictionary chunk has only its distinct values trimmed."""
    if pa.types.is_null(column.type):
        return column
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            values = pc.utf8_trim(chunk.dictionary, SPACES)
            empty = pc.equal(values, "")
            indices = chunk.indices
            if pc.any(empty).as_py():  # only then is a pass over every row's index needed
                blank = pc.fill_null(pc.take(empty, indices), False)
                indices = pc.if_else(blank, pa.scalar(None, indices.type), indices)
            chunks.append(pa.DictionaryArray.from_arrays(indices, values))
        else:
            values = pc.utf8_trim(chunk, SPACES)
            chunks.append(pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values))
    return pa.chunked_array(chunks, column.type)


def _read_parquet(path: Path, ctx: ParseContext) -> tuple[pa.Table, int]:
    try:
        schema = pq.ParquetFile(path).schema_arrow
        keep = _kept(schema.names, path.name)
        # Text columns read dictionary-encoded: ICE's categories repeat, so decoding, trimming and checking work on
        # the distinct values and DuckDB receives them encoded.
        text = [f.name for f in schema if f.name in keep and _is_text(f.type)]
        book = pq.ParquetFile(path, read_dictionary=text)
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


def _read_csv(file: LocatedFile, ctx: ParseContext) -> tuple[pa.Table, int, tuple[str, int]]:
    """The file read once, in place, through a VerifiedStream (no private copy: see READ_ONCE_SUFFIXES): its
    records, the line of the first, and the (sha256, bytes) of what was read."""
    name = file.name
    if file.path.stat().st_size == 0:
        raise SourceFormatError(name, "the file is empty")
    with VerifiedStream(file) as raw, io.BufferedReader(raw, buffer_size=1 << 20) as stream:
        first = stream.readline(HEADER_MAX_BYTES)
        if first.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise SourceFormatError(name, "UTF-16 text, not UTF-8: re-save it as UTF-8 (CSV UTF-8)")
        if len(first) == HEADER_MAX_BYTES and not first.endswith(b"\n"):
            raise SourceFormatError(name, f"the header line is longer than {HEADER_MAX_BYTES:,} bytes", row=1)
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]), [])
        except UnicodeDecodeError as exc:
            raise SourceFormatError(name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        duplicate_header(header, name)
        keep = _kept(header, name)
        try:
            table = pacsv.read_csv(
                stream,  # the header line is already read: the stream goes on at line 2
                read_options=pacsv.ReadOptions(column_names=header, block_size=1 << 24),
                # dictionary-encoded as read (no dearer than plain text): checks then work on distinct values
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(keep), column_types=dict.fromkeys(keep, _TEXT), strings_can_be_null=True
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            text = str(exc)
            if "empty csv" not in text.lower():  # an empty rest (header only) is refused below
                utf8 = "utf8" in text.lower() or "utf-8" in text.lower()
                problem = "not UTF-8 text" if utf8 else "not a readable CSV"
                raise SourceFormatError(name, f"{problem} ({text.splitlines()[0]})") from exc
            table = None
        read = raw.verify()
    if table is None or table.num_rows == 0:
        raise SourceFormatError(name, "the file has a header but no records")
    _check_text(table, name, 2)
    ctx.progress(table.num_rows, table.num_rows)
    return _typed(table, keep, name), 2, read  # the header is line 1


def _per_row(column: pa.ChunkedArray, test: Callable[[pa.Array], pa.Array]) -> pa.ChunkedArray | None:
    """``test`` for every row, or None when no row passes it; on a dictionary chunk it runs on the distinct values
    (a CSV chunk's dictionary holds only values it uses) and is spread to the rows only when some value passes."""
    chunks, hit = [], False
    for c in column.chunks:
        if pa.types.is_dictionary(c.type):
            found = test(c.dictionary)
            hit = hit or bool(pc.any(found).as_py())
            chunks.append((found, c.indices))
        else:
            found = test(c)
            hit = hit or bool(pc.any(found).as_py())
            chunks.append((found, None))
    if not hit:
        return None
    return pa.chunked_array([pc.take(f, i) if i is not None else f for f, i in chunks], pa.bool_())


def _check_text(table: pa.Table, file: str, first_row: int) -> None:
    """Refuse a NUL byte or a field over the limit (column-wise, no row loop), naming the row and field."""
    cap = limit("max_field_chars")
    for name in table.column_names:
        column = table[name]
        if not (pa.types.is_string(column.type) or column.type == _TEXT):
            continue
        nul = _per_row(column, lambda values: pc.match_substring(values, "\0"))
        if nul is not None:
            row = pc.index(nul, True).as_py() + first_row
            raise SourceFormatError(file, "a NUL byte in the field: a damaged file", row=row, field=name)
        long = _per_row(column, lambda values: pc.greater(pc.utf8_length(values), cap))
        if long is not None:
            row = pc.index(long, True).as_py() + first_row
            raise SourceFormatError(file, f"a field longer than {cap:,} characters (limit max_field_chars)",
                                    row=row, field=name)  # fmt: skip
    if table.num_rows > limit("max_rows"):
        raise SourceFormatError(file, f"{table.num_rows:,} records pass the limit max_rows = {limit('max_rows'):,}")


# fastexcel prints a date or datetime cell as chrono does: YYYY-MM-DD HH:MM:SS, with a fraction when it has one.
_DATETIME_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$"


def _as_days(values: pa.Array) -> pa.Array:
    """Values printed like a date or datetime cell cut to their date, YYYY-MM-DD (a release's date cells are days);
    every other value as it is, so a text date such as '2024-02-30' stays as typed and is quarantined."""
    shaped = pc.fill_null(pc.match_substring_regex(values, _DATETIME_TEXT), False)
    if not pc.any(shaped).as_py():
        return values
    day = pc.utf8_slice_codeunits(values, 0, 10)
    real = pc.is_valid(pc.strptime(day, "%Y-%m-%d", "s", error_is_null=True))
    return pc.if_else(pc.and_(shaped, real), day, values)


def _sheet_table(batch: pa.RecordBatch, file: str, sheet_no: int, sheet_name: str) -> pa.Table | None:
    """The records of one sheet read whole as text (row 0 = spreadsheet row 1): the store columns, dictionary
    encoded (checks then work on distinct values), with ``_row``, ``_part`` and ``_sheet``; None for a sheet with
    no detainer header in its top rows (a notes or summary sheet) or no records under it."""
    columns = [batch.column(i).cast(pa.string()) for i in range(batch.num_columns)]
    top = list(zip(*(c.slice(0, HEADER_SEARCH_ROWS).to_pylist() for c in columns), strict=True))
    dates = _date_headers()
    header_at = next((i for i, r in enumerate(top) if dates & {_norm(c) for c in r}), None)
    if header_at is None:
        return None
    header = ["" if c is None else c for c in top[header_at]]
    keep = _kept(header, file, f"sheet '{sheet_name}': ")
    index = {store: i for i, name in enumerate(header) if (store := keep.get(name))}  # a repeated name: the last
    n = batch.num_rows - header_at - 1
    if n <= 0:
        return None
    arrays = []
    for store in STORE_COLUMNS:
        if store not in index:
            arrays.append(pa.nulls(n, _TEXT))
            continue
        encoded = pc.dictionary_encode(columns[index[store]].slice(header_at + 1))
        arrays.append(pa.DictionaryArray.from_arrays(encoded.indices, _as_days(encoded.dictionary)))
    first = header_at + 2  # spreadsheet row of the first record (1-based, title rows and header counted)
    arrays.append(pa.array(np.arange(first, first + n, dtype=np.int64)))
    arrays += [pa.repeat(pa.scalar(sheet_no, pa.int32()), n), pa.repeat(pa.scalar(sheet_name, pa.string()), n)]
    return pa.Table.from_arrays(arrays, names=[*STORE_COLUMNS, "_row", "_part", "_sheet"])


def read_workbook(source: str, file: str) -> pa.Table:
    """Every sheet with a detainer header, each read whole (fastexcel, all cells as text, leading empty rows kept
    so row numbers are the spreadsheet's). Runs in the capped child of :func:`read_xlsx_isolated` (xlsx_worker):
    never call it on an unchecked file in the ingest process."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(source)
        names = reader.sheet_names
    except Exception as exc:  # noqa: BLE001 - any reader failure is a wrong-shape file
        raise SourceFormatError(file, f"not a readable xlsx workbook ({exc})") from exc
    parts = []
    for sheet_no, sheet_name in enumerate(names):
        try:
            batch = reader.load_sheet(sheet_no, header_row=None, skip_rows=0, dtypes="string", eager=True)
        except Exception as exc:  # noqa: BLE001
            raise SourceFormatError(file, f"sheet '{sheet_name}' cannot be read ({exc})") from exc
        rows, grid = batch.num_rows, batch.num_rows * batch.num_columns
        if grid > limit("max_xlsx_cells"):
            raise refuse(file, f"sheet '{sheet_name}' spans {rows:,} rows x {batch.num_columns:,} columns "
                               f"({grid:,} cells)", "max_xlsx_cells")  # fmt: skip
        if rows > limit("max_rows"):
            raise refuse(file, f"sheet '{sheet_name}' has {rows:,} rows", "max_rows")
        part = _sheet_table(batch, file, sheet_no, sheet_name)
        del batch
        if part is not None:
            parts.append(part)
    if not parts:
        raise SourceFormatError(file, "no sheet has a 'Detainer Prepare Date' column header with records")
    return pa.concat_tables(parts)


def _read_xlsx(path: Path, ctx: ParseContext) -> pa.Table:
    """Every sheet with a detainer header, with a ``_row`` column, read in a child process with capped memory and
    time (:func:`read_xlsx_isolated`)."""
    table = read_xlsx_isolated(path, path.name)
    ctx.progress(table.num_rows, table.num_rows)
    return table


# The accepted date formats are the strptime chain below. Its two commonest shapes, exactly YYYY-MM-DD and
# YYYY-MM-DD HH:MM:SS with an in-range time, are first read by a cast (a fifth of the cost): for text of those
# shapes the cast gives the chain's date or, when the chain refuses it too, NULL (then the chain decides).
_DATE_SQL = """coalesce(
    CASE WHEN length(v) = 10 AND regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN try_cast(v AS DATE)
         WHEN length(v) = 19
              AND regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]')
             THEN try_cast(v AS TIMESTAMP)::DATE END,
    try_strptime(v, '%Y-%m-%d')::DATE, try_strptime(v, '%m/%d/%Y')::DATE, try_strptime(v, '%Y-%m-%d %H:%M:%S')::DATE,
    try_strptime(v, '%m/%d/%Y %H:%M:%S')::DATE, try_strptime(v, '%m/%d/%Y %H:%M')::DATE)"""
# Each check is a function of one printed value (or, for the crosswalk, of a facility name and a state), so it is
# evaluated once per distinct value (``values``, in order ``_i``) and spread back to the rows by index.
_PER_VALUE_SQL = {
    "date": f"SELECT {_DATE_SQL} FROM values ORDER BY _i",
    "state": "SELECT s.abbr FROM values LEFT JOIN states s ON s.key = upper(v) ORDER BY _i",
    # Facilities printed without a code get their county from the crosswalk (name as printed + state).
    "geoid": "SELECT x.geoid FROM values LEFT JOIN crosswalk x ON x.det_facility = upper(v) AND x.state_abbr = state "
    "ORDER BY _i",
}
_MATCH_SQL = """
    SELECT g.facility_state, coalesce(g.facility_name, '') AS facility_name, count(*) AS detainers,
           any_value(x.geoid) AS geoid,
           any_value(x.county_name) AS county_name, any_value(x.facility_type) AS facility_type,
           any_value(x.method) AS method, any_value(x.evidence) AS evidence,
           CASE WHEN any_value(x.geoid) IS NOT NULL THEN 'crosswalk'
                WHEN bool_or(g.facility_code IS NOT NULL) THEN 'facility_code' ELSE 'unresolved' END
               AS resolution_status,
           any_value(g.file_name) AS file_name, min(g.row_number) AS row_number
    FROM good g LEFT JOIN crosswalk x ON x.det_facility = upper(g.facility_name) AND x.state_abbr = g.facility_state
    GROUP BY g.facility_state, g.facility_name ORDER BY detainers DESC, g.facility_name
"""


def _distinct(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(distinct values, per-row index into them; null for a missing value) of a text column."""
    if pa.types.is_null(column.type):
        column = column.cast(pa.string())
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    whole = column.unify_dictionaries().combine_chunks() if column.num_chunks else pa.array([], column.type)
    return whole.dictionary, whole.indices


def _per_value(con: duckdb.DuckDBPyConnection, check: str, values: pa.Table) -> pa.Array:
    """One check's answer for each row of ``values`` (column ``v``, plus ``state`` for the crosswalk)."""
    con.register("values", values.append_column("_i", pa.array(np.arange(values.num_rows, dtype=np.int64))))
    try:
        return con.sql(_PER_VALUE_SQL[check]).to_arrow_table().column(0).combine_chunks()
    finally:
        con.unregister("values")


def _validate(table: pa.Table, file: str) -> tuple[pa.Table, pa.Table, list[QuarantineRow]]:
    """Typed rows, the facility match table and quarantine entries. Each check runs in an in-memory DuckDB (never
    the store) on the distinct values it reads; rows keep their Arrow columns (dictionary-encoded where read so)."""
    import duckdb  # here, not at the top: the xlsx reader's child process imports this module and needs no DuckDB

    con = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    try:
        con.execute("CREATE TEMP TABLE states (key VARCHAR, abbr VARCHAR)")
        con.executemany("INSERT INTO states VALUES (?, ?)", _state_keys())
        con.register("crosswalk", facility_crosswalk())
        date_values, date_at = _distinct(table["prepare_date"])
        dates = pc.take(_per_value(con, "date", pa.table({"v": date_values})), date_at)
        state_values, state_at = _distinct(table["facility_state"])
        abbr = _per_value(con, "state", pa.table({"v": state_values}))
        states = pc.take(abbr, state_at)
        ok = pc.and_(pc.is_valid(dates), pc.is_valid(states))
        # Crosswalk keys: the (printed name, printed state) pairs that occur, numbered name * states + state.
        name_values, name_at = _distinct(table["facility_name"])
        width = max(len(state_values), 1)
        pair = pc.add(pc.multiply(name_at.cast(pa.int64()), width), state_at.cast(pa.int64()))
        pairs = pc.unique(pc.drop_null(pair))
        keys = pa.table(
            {
                "v": pc.take(name_values, pc.divide(pairs, width)),
                "state": pc.take(abbr, pc.subtract(pairs, pc.multiply(pc.divide(pairs, width), width))),
            }
        )
        geoids = pc.take(_per_value(con, "geoid", keys), pc.index_in(pair, value_set=pairs))
        n = int(pc.sum(ok).as_py() or 0)
        good = table.filter(ok)
        columns = {
            "prepare_date": dates.filter(ok),
            "facility_state": states.filter(ok),
            **{c: good[c] for c in STORE_COLUMNS if c not in ("prepare_date", "facility_state")},
            "geoid": geoids.filter(ok),
            "file_name": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([file])),
            "sheet": good["_sheet"],
            "row_number": good["_row"],
        }
        good = pa.table(columns)
        con.register("good", good)
        match = con.sql(_MATCH_SQL).to_arrow_table()
    finally:
        con.close()
    return good, match, _quarantine(table, dates, states, ok, file)


def _quarantine(table: pa.Table, dates: pa.Array, states: pa.Array, ok: pa.Array, file: str) -> list[QuarantineRow]:
    """A row per refused record, in file order: the date is named first when both checks fail."""
    refused = pc.invert(ok)
    bad = table.filter(refused).select(["_part", "_row", "_sheet", "prepare_date", "facility_state"])
    bad = bad.append_column("_date_ok", pc.is_valid(dates.filter(refused)))
    out = []
    for row in bad.sort_by([("_part", "ascending"), ("_row", "ascending")]).to_pylist():
        printed, state = row["prepare_date"], row["facility_state"]
        if not row["_date_ok"]:
            field, value = "Detainer Prepare Date", printed
            reason = "missing date" if printed is None else "not a date (expected YYYY-MM-DD or M/D/YYYY)"
        else:
            field, value = "Facility State", state
            reason = "missing state" if state is None else "unknown state abbreviation"
        where = f" (sheet '{row['_sheet']}')" if row["_sheet"] is not None else ""
        out.append(QuarantineRow(file, row["_row"], field, value, reason + where))
    return out


def _state_keys() -> list[tuple[str, str]]:
    """What a release may print for a state (postal code or name, upper case) -> postal code."""
    table = state_table()
    keys = {s.abbr: s.abbr for s in table.states}
    keys.update({name.upper(): s.abbr for name, s in table.by_clean_name.items()})
    keys.update({s.name.upper(): s.abbr for s in table.states})
    return sorted(keys.items())


@cache
def facility_crosswalk() -> pa.Table:
    """``data/detainer_facilities.csv``: facility name as printed + state -> county GEOID, with method and evidence."""
    return pacsv.read_csv(
        DATA / "detainer_facilities.csv",
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(FACILITY_COLUMNS, pa.string())),
    ).select(list(FACILITY_COLUMNS))


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    file = release.files[0]  # its pin and manifest checksum are checked by the pipeline (check_files)
    suffix = file.path.suffix.lower()
    checksums = {}
    if suffix == ".xlsx":
        table = _read_xlsx(file.path, ctx)
    elif suffix in (".parquet", ".csv"):
        if suffix == ".parquet":
            raw, first = _read_parquet(file.path, ctx)
        else:
            raw, first, checksums[file.name] = _read_csv(file, ctx)
        n = raw.num_rows
        table = raw.append_column("_row", pa.array(np.arange(first, first + n, dtype=np.int64)))
        table = table.append_column("_part", pa.repeat(pa.scalar(0, pa.int32()), n))
        table = table.append_column("_sheet", pa.nulls(n, pa.string()))
    else:
        raise SourceFormatError(file.name, f"unsupported file type '{suffix}' (xlsx, parquet or csv)")
    for name in STORE_COLUMNS:
        table = table.set_column(table.schema.get_field_index(name), name, _trimmed(table[name]))
    good, match, bad = _validate(table, file.name)
    ctx.progress(table.num_rows, table.num_rows)
    # the match table is per-release reference rows (upserts), so rows_loaded stays the number of detainers
    return Parsed(tables={"detainer": good}, upserts={"detainer_facility_match": match}, quarantine=bad,
                  checksums=checksums)  # fmt: skip
