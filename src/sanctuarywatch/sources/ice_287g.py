"""ICE 287(g) participating agencies: one release per published sheet (``participatingAgencies<MMDDYYYY>.xlsx``).

Columns read (header row found by name, title rows above it are skipped): STATE, LAW ENFORCEMENT AGENCY, TYPE,
SUPPORT TYPE, SIGNED, MOA (cell text or its hyperlink). EXTENSION / ADDENDUM columns are tolerated and not stored.
Each row becomes an ``agreement_287g`` row; each agency an ``agency`` upsert. History across sheets is left to
analysis (rows carry ``sheet_date``). Also holds the table-reading and name helpers the ICE/DOJ connectors share.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.normalize import COUNTY_LEVEL_AREA_WORDS, clean, split_name
from sanctuarywatch.geo.states import State, state_table
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

ICE = "https://www.ice.gov"
SPEC = SourceSpec(
    source_id="ice_287g",
    title="ICE 287(g) participating agencies",
    publisher="U.S. Immigration and Customs Enforcement",
    url=f"{ICE}/identify-and-arrest/287g",
    licence="Public domain (U.S. federal government work)",
    description="Law enforcement agencies with a signed 287(g) agreement, by support model, as listed on each sheet.",
    files=(
        SourceFile("participatingAgencies.xlsx", f"{ICE}/doclib/about/offices/ero/287g/participatingAgencies.xlsx"),
    ),
    mirror_patterns=("participatingAgencies*.xlsx", "participatingAgencies*.csv"),
)
DIFF_KEYS: dict[str, tuple[str, ...]] = {"agreement_287g": ("state_abbr", "agency_name", "support_model")}
# sheet_date differs on every sheet by design; store.diff counts it as a change unless told to ignore it.
DIFF_IGNORE: dict[str, tuple[str, ...]] = {"agreement_287g": ("sheet_date",)}

COLUMNS: dict[str, tuple[str, ...]] = {
    "state": ("STATE",),
    "agency": ("LAW ENFORCEMENT AGENCY", "AGENCY", "AGENCY NAME"),
    "type": ("TYPE", "AGENCY TYPE"),
    "support": ("SUPPORT TYPE", "SUPPORT MODEL", "MODEL"),
    "signed": ("SIGNED", "DATE SIGNED", "SIGNED DATE"),
    "moa": ("MOA", "MOA LINK"),
}
REQUIRED = ("state", "agency", "support")
_MODEL_ABBR = {"Jail Enforcement Model": "jem", "Task Force Model": "tfm", "Warrant Service Officer": "wso"}
MODELS = {
    key: model
    for model, abbr in _MODEL_ABBR.items()
    for key in (clean(model), abbr, clean(model).removesuffix(" model"), clean(model) + " program")
}
AGENCY_COLUMNS = ("agency_id", "name", "kind", "geoid", "state_abbr", "file_name", "row_number")


# -- shared table reading -------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """One table found in a file: canonical column -> index, data rows with their 1-based row numbers."""

    file_name: str
    sheet_name: str | None
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    preamble: list[str] = field(default_factory=list)

    def value(self, row: list[Any], key: str) -> Any:
        index = self.columns.get(key)
        return row[index] if index is not None and index < len(row) else None


def _norm_header(value: Any) -> str:
    return re.sub(r"[^A-Z0-9]+", " ", str(value or "").upper()).strip()


def _header_map(row: Sequence[Any], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    cells = [_norm_header(c) for c in row]
    found: dict[str, int] = {}
    for key, aliases in columns.items():
        wanted = {_norm_header(a) for a in aliases}
        for i, cell in enumerate(cells):
            if cell in wanted and key not in found:
                found[key] = i
    return found


def _raw_grids(path: Path) -> list[tuple[str | None, list[list[Any]]]]:
    if path.stat().st_size == 0:
        raise SourceFormatError(path.name, "empty file (0 bytes)")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
            return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
        except Exception as exc:  # noqa: BLE001 - calamine raises several error types for broken files
            raise SourceFormatError(path.name, f"not a readable spreadsheet (truncated or corrupt?): {exc}") from exc
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return [(None, [list(r) for r in csv.reader(io.StringIO(text))])]


def read_sheets(
    path: Path, columns: dict[str, tuple[str, ...]], required: Sequence[str], scan: int = 15
) -> list[Sheet]:
    """Every sheet (or the CSV) whose header row, within the first ``scan`` rows, names the required columns."""
    sheets: list[Sheet] = []
    best: tuple[int, list[str]] = (-1, [])
    for name, grid in _raw_grids(path):
        for i, row in enumerate(grid[:scan]):
            mapping = _header_map(row, columns)
            missing = [k for k in required if k not in mapping]
            if len(mapping) > best[0]:
                best = (len(mapping), [columns[k][0] for k in missing])
            if missing:
                continue
            preamble = [" ".join(str(c) for c in r if c not in (None, "")) for r in grid[:i]]
            data = [(n, list(r)) for n, r in enumerate(grid[i + 1 :], start=i + 2) if any(text(c) for c in r)]
            sheets.append(Sheet(path.name, name, mapping, data, [p for p in preamble if p]))
            break
    if not sheets:
        if best[0] <= 0:
            raise SourceFormatError(path.name, "no header row found (empty sheet or not this source's format)")
        raise SourceFormatError(path.name, f"missing column(s) {', '.join(best[1])}")
    return sheets


def text(value: Any) -> str:
    """A cell as trimmed text ('' for empty; 12.0 -> '12')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y", "%Y/%m/%d")


def parse_date(value: Any) -> date | None:
    """A date from a spreadsheet cell or text; None when blank; ValueError when present but not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:
        return date(1899, 12, 30) + timedelta(days=int(value))  # Excel serial day
    raw = text(value).split(" ")[0] if re.match(r"\d{4}-\d\d-\d\d \d", text(value)) else text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {raw!r}")


def date_in_text(name: str) -> date | None:
    """The first date written as MMDDYYYY, YYYYMMDD, YYYY-MM-DD or M/D/YYYY in a file name or title."""
    for match in re.finditer(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4})|(?<!\d)(\d{8})(?!\d)", name):
        try:
            if match.group(1):
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if match.group(4):
                return date(int(match.group(6)), int(match.group(4)), int(match.group(5)))
            digits = match.group(7)
            for y, m, d in ((digits[4:], digits[:2], digits[2:4]), (digits[:4], digits[4:6], digits[6:])):
                if 1990 <= int(y) <= 2100 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
                    return date(int(y), int(m), int(d))
        except ValueError:
            continue
    return None


def lookup_state(value: Any) -> State | None:
    raw = text(value)
    return state_table().lookup(raw) if raw else None


_BODY_SUFFIX = re.compile(
    r"\s+(board of (county )?(commissioners|supervisors)|commissioners court|county commission|fiscal court|"
    r"city council|board of aldermen|(county )?government|office of the mayor|mayor'?s office|county executive|"
    r"(department|dept\.?|office|division|bureau|board|commission)\b.*)$",
    re.IGNORECASE,
)
_BODY_PREFIX = re.compile(
    r"^(board of (county )?(commissioners|supervisors)|office of the mayor|mayor'?s office)( of)?( the)?\s+",
    re.IGNORECASE,
)
_CITY_AND_COUNTY = re.compile(r"^(.+?),? city and county$", re.IGNORECASE)
_STATE_AGENCY_WORDS = re.compile(
    r"\b(department|office|division|authority|commission|bureau|patrol|agency|council|governor|police|corrections|"
    r"administration|services|board|law enforcement|criminal justice|attorney general)\b"
)


def _state_agency(name: str, state: State | None) -> str | None:
    """'State of California', 'Texas Department of Criminal Justice' -> the state's name, else None."""
    words = clean(name)
    for prefix in ("state of ", "commonwealth of ", "the "):
        words = words.removeprefix(prefix)
    if state and {"governor", "governors"} & set(words.split()):
        return state.name
    for st in [state] if state else state_table().states:
        key = clean(st.name)
        if words == key or (words.startswith(key + " ") and _STATE_AGENCY_WORDS.search(words[len(key) :])):
            return st.name
    return None


def resolve_name(ctx: ParseContext, name: str, state: State | None, level: str | None = None) -> tuple[str | None, str]:
    """(geoid, status): the resolver's answer, retried on the bare government name when the agency text defeats it."""
    if ctx.resolver is None:
        return None, "unresolved"
    abbr = state.abbr if state else None
    first = ctx.resolver.resolve(name, state=abbr, level=level)
    if first.status == "accepted":
        return first.geoid, first.status
    retries = []
    stripped = _BODY_SUFFIX.sub("", name).strip(" ,-")
    if stripped and stripped != name and split_name(clean(stripped)).area_word:
        retries.append((stripped, level))
    state_name = _state_agency(name, state)
    flipped = _CITY_AND_COUNTY.match(name.strip())
    if flipped:
        retries.append((f"City and County of {flipped.group(1)}", level))
    body = _BODY_PREFIX.sub("", name).strip()
    if body != name and body:
        retries.append((body, level))
    if state_name and level in (None, "state"):
        retries.append((state_name, "state"))
    for text_, lvl in retries:
        again = ctx.resolver.resolve(text_, state=abbr, level=lvl)
        if again.status == "accepted":
            return again.geoid, again.status
    return None, first.status


_KINDS = ("sheriff", "police", "jail", "corrections", "state_agency")


def agency_kind(name: str, state: State | None, geoid: str | None, hint: str = "") -> str:
    """sheriff, police, jail, corrections, state_agency or other, from the name (and the sheet's TYPE)."""
    kind = split_name(clean(name)).agency_kind
    if kind == "state_agency" and geoid and len(geoid) > 2:
        kind = "other"  # e.g. 'Westchester County Department of Public Safety' is a county agency
    if kind in _KINDS:
        return kind
    if hint.strip().lower() == "state" or _state_agency(name, state) or (geoid and len(geoid) == 2):
        return "state_agency"
    return "other"


def agency_id(kind: str, state_abbr: str | None, name: str) -> str:
    """Stable id: kind, state and the name without its agency phrase, e.g. 'sheriff:FL:alachua-county'."""
    cleaned = clean(name)
    parts = split_name(cleaned)
    area = parts.area_word if parts.area_word in COUNTY_LEVEL_AREA_WORDS else None  # 'City of Tampa PD' = 'Tampa PD'
    core = " ".join(filter(None, [parts.base, area]))
    if kind not in ("sheriff", "police", "jail") or not parts.base:
        core = cleaned  # state agencies share the state's name: keep the whole name ('florida-highway-patrol')
    return f"{kind}:{state_abbr or 'US'}:{re.sub(r'[^a-z0-9]+', '-', core).strip('-')}"


def table(rows: list[dict], columns: Sequence[str] | None = None) -> pa.Table:
    """Arrow table of the rows (every row has the same keys); ``columns`` picks and orders them."""
    return pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows] if columns else rows)


# -- 287(g) ----------------------------------------------------------------------------------------------------
def _sheet_date(path: Path) -> date | None:
    found = date_in_text(path.stem)
    if found:
        return found
    for sheet in read_sheets(path, COLUMNS, REQUIRED):
        for line in sheet.preamble:
            found = date_in_text(line)
            if found:
                return found
    return None


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    if not mirrored:
        return [ReleaseFiles(date.today().isoformat(), tuple(finder.fetch(SPEC, SPEC.files)), "download")]
    by_version: dict[str, list[Path]] = {}
    for path in mirrored:
        found = _sheet_date(path)
        by_version.setdefault(found.isoformat() if found else path.stem, []).append(path)
    return [
        ReleaseFiles(version, tuple(locate_file(p) for p in paths), "mirror")
        for version, paths in sorted(by_version.items())
    ]


def _moa_links(path: Path, sheet: Sheet) -> dict[int, str]:
    """Row number -> hyperlink target of the MOA cell (calamine reads only the cell text)."""
    if path.suffix.lower() != ".xlsx" or "moa" not in sheet.columns:
        return {}
    import openpyxl

    book = openpyxl.load_workbook(path)  # not read-only: hyperlinks are only loaded in normal mode
    ws = book[sheet.sheet_name] if sheet.sheet_name in book.sheetnames else book.worksheets[0]
    col = sheet.columns["moa"] + 1
    return {r: c.hyperlink.target for r in range(1, ws.max_row + 1) if (c := ws.cell(r, col)).hyperlink}


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    agreements: list[dict] = []
    agencies: dict[str, dict] = {}
    quarantine: list[QuarantineRow] = []
    try:
        sheet_date = date.fromisoformat(release.version)
    except ValueError:
        raise SourceFormatError(release.files[0].name, "no sheet date in the file name or title rows") from None
    for file in release.files:
        for sheet in read_sheets(file.path, COLUMNS, REQUIRED):
            links = _moa_links(file.path, sheet)
            seen: set[tuple[str, str, str]] = set()
            for done, (n, row) in enumerate(sheet.rows, start=1):
                ctx.progress(done, len(sheet.rows))
                rec = _agreement(sheet, n, row, links, sheet_date, quarantine)
                if rec is None:
                    continue
                key = (rec["state_abbr"], rec["agency_name"].lower(), rec["support_model"])
                if key in seen:
                    reason = f"duplicate row for {rec['support_model']} on this sheet"
                    quarantine.append(QuarantineRow(file.name, n, "LAW ENFORCEMENT AGENCY", rec["agency_name"], reason))
                    continue
                seen.add(key)
                state = state_table().by_abbr[rec["state_abbr"]]
                rec["geoid"], rec["resolution_status"] = resolve_name(ctx, rec["agency_name"], state)
                kind = agency_kind(rec["agency_name"], state, rec["geoid"], rec["agency_type"] or "")
                rec["agency_id"] = agency_id(kind, state.abbr, rec["agency_name"])
                agreements.append(rec)
                values = (rec["agency_id"], rec["agency_name"], kind, rec["geoid"], state.abbr, file.name, n)
                agencies.setdefault(rec["agency_id"], dict(zip(AGENCY_COLUMNS, values, strict=True)))
    return Parsed(
        tables={"agreement_287g": table(agreements)},
        upserts={"agency": table(list(agencies.values()), AGENCY_COLUMNS)} if agencies else {},
        quarantine=quarantine,
    )


def _agreement(
    sheet: Sheet, n: int, row: list[Any], links: dict[int, str], sheet_date: date, quarantine: list[QuarantineRow]
) -> dict | None:
    def refuse(column: str, value: Any, reason: str) -> None:
        quarantine.append(QuarantineRow(sheet.file_name, n, column, text(value) or None, reason))

    name = text(sheet.value(row, "agency"))
    if not name:
        refuse("LAW ENFORCEMENT AGENCY", None, "no agency name")
        return None
    state = lookup_state(sheet.value(row, "state"))
    if state is None:
        refuse("STATE", sheet.value(row, "state"), "not a state name or abbreviation")
        return None
    model = MODELS.get(clean(text(sheet.value(row, "support"))))
    if model is None:
        refuse("SUPPORT TYPE", sheet.value(row, "support"), "not a known 287(g) support model")
        return None
    try:
        signed = parse_date(sheet.value(row, "signed"))
    except ValueError as exc:
        refuse("SIGNED", sheet.value(row, "signed"), str(exc))
        return None
    moa = text(sheet.value(row, "moa"))
    moa_url = links.get(n) or (moa if moa.lower().startswith("http") else None)
    return {
        "sheet_date": sheet_date,
        "state_abbr": state.abbr,
        "agency_name": name,
        "agency_type": text(sheet.value(row, "type")) or None,
        "support_model": model,
        "signed_date": signed,
        "moa_url": moa_url,
        "file_name": sheet.file_name,
        "row_number": n,
    }
