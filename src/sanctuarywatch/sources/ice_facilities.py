"""ICE detention facility lists (2017-2021): one release per list, each facility with its county.

Six real ICE workbooks are described in ``data/ice_facilities_layouts.csv`` (sheet, header row, data date,
column map); any other matching file is read by finding a header row by name. DETLOC is the key. The county
comes from the list's County column, else from the same DETLOC on a list that has one, else from the city
(a Census place and the county it lies in). Two lists print no DETLOC: their facilities are matched by name +
city + state to the lists that do; what does not match is stored with ``match_status = 'unmatched'``.
Lists needing another list (for the county or the DETLOC) carry those lists as extra release files, so the
release id changes when any input changes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.normalize import clean, split_name
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    locate_file,
)
from sanctuarywatch.sources.ice_287g import AGENCY_COLUMNS, date_in_text, lookup_state, resolve_name, table, text
from sanctuarywatch.sources.safe_readers import csv_rows, decode_text, open_workbook

_UWCHR = "https://github.com/UWCHR/ice-facilities/raw/2b4457f84feb8ac03d7b109563ec20629826a055/import/input/"
_PINNED = {
    "ICE_Facility_List_11-06-2017-web.xlsx": "d4721ff9e4b1614e2fd898389d5dec190473106457c909fa11a43ef640406c51",
    "Confidential ICE ERO Facility List 07-10-2017.xlsx": (
        "62a86ec6ce01f34637710ed1c469ab6e185d7f4a284f48a1425cbca3a4b3cfa0"
    ),
    "2019-ICFO-31121.xlsx": "1468c5ba3ca92d1ac5fc5e35a2d6eec916507383a56f184493ce2ee7bba2fb40",
    "Highlighted Copy 2019-ICFO-31806.xlsx": "eb8e14e7becc60882b662dd502760ace34b2b71bf9bc49bb4076668615fbd792",
    "FY21_detentionStats07082021.xlsx": "dca0788a3465e52f6fe19aa2936bbcea745c50e411c0561f16cb2719e153c691",
    "dedicatedNonDedicatedFacilityList.xlsx": "0922cca6333a23f75557cfdd0de3f2639c44000b64c424068f16354f8bc7f2f9",
}
SPEC = SourceSpec(
    source_id="ice_facilities",
    title="ICE detention facilities",
    publisher="U.S. Immigration and Customs Enforcement",
    url="https://www.ice.gov/detain/detention-management",
    licence="Public domain (U.S. federal government work)",
    description="Facilities ICE uses to hold people (DETLOC code, type, area of responsibility) and their county, "
    "as listed on ICE facility lists 2017-2021.",
    files=tuple(SourceFile(name, _UWCHR + name.replace(" ", "%20"), sha) for name, sha in _PINNED.items()),
    mirror_patterns=(
        *_PINNED,
        "ice_facilities*.xlsx",
        "ice_facilities*.csv",
        "*DetentionFacilit*.xlsx",
        "*detentionStats*.xlsx",
    ),
)
DIFF_KEYS: dict[str, tuple[str, ...]] = {"ice_facility": ("facility_code", "name", "city", "state_abbr")}
DIFF_IGNORE: dict[str, tuple[str, ...]] = {"ice_facility": ("list_as_of", "sheet_name")}

# Files not in the layout table: the header is found by name within the first rows (any alias below).
GENERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Facility Name", "Detention Facility"),
    "detloc": ("Code", "DETLOC", "Facility Code", "DETLOC Code"),
    "address": ("Address", "Street", "Address Line 1"),
    "city": ("City",),
    "county": ("County", "County Name"),
    "state": ("State", "ST", "State Abbr"),
    "zip": ("Zip", "ZIP Code", "Zip Code", "Postal Code"),
    "type": ("Type", "Facility Type"),
    "type_detailed": ("Type Detailed",),
    "aor": ("AOR", "Area of Responsibility", "Field Office"),
}
_DETLOC = re.compile(r"^[A-Z0-9]{3,12}$")
_REDACTED = "redacted"
_TOTAL = re.compile(r"^(grand\s+)?totals?\b", re.IGNORECASE)
_NOTE_CHARS = 60  # a lone column-A text longer than any facility name is a note, not a facility
_BLANK_RUN = 50  # rows: a run of blank rows this long ends the data (sheets may claim a million rows)
_SCAN = 15


@dataclass(frozen=True)
class Layout:
    """Where one sheet's table sits and what its columns are called (a row of the layouts CSV)."""

    file_name: str
    sheet: str | None
    header_row: int | None
    version: str
    as_of: date | None
    columns: dict[str, str]

    @property
    def has(self) -> frozenset[str]:
        return frozenset(self.columns)


@cache
def layouts() -> dict[str, tuple[Layout, ...]]:
    """File name -> its sheet layouts, in table order (which is also the county-source preference)."""
    path = resources.files("sanctuarywatch.sources") / "data" / "ice_facilities_layouts.csv"
    found: dict[str, list[Layout]] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            cols = dict(pair.split("=", 1) for pair in r["columns"].split(";"))
            layout = Layout(r["file_name"], r["sheet"], int(r["header_row"]), r["version"],
                            date.fromisoformat(r["as_of"]), cols)  # fmt: skip
            found.setdefault(r["file_name"], []).append(layout)
    return {k: tuple(v) for k, v in found.items()}


@cache
def corrections() -> dict[tuple[str, str], str]:
    """(DETLOC, county as printed) -> county to resolve instead: County column values that the facility's name
    and city contradict (data/ice_facilities_corrections.csv, each with its reason)."""
    path = resources.files("sanctuarywatch.sources") / "data" / "ice_facilities_corrections.csv"
    with path.open(encoding="utf-8") as fh:
        return {(r["detloc"], _norm(r["printed_county"])): r["county"] for r in csv.DictReader(fh)}


# -- discover --------------------------------------------------------------------------------------------------
def _role(name: str) -> frozenset[str]:
    return frozenset().union(*(lay.has for lay in layouts().get(name, ())))


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    if not mirrored:
        return [ReleaseFiles(date.today().isoformat(), tuple(finder.fetch(SPEC, SPEC.files)), "download")]
    county_lists = [p for p in mirrored if {"detloc", "county"} <= _role(p.name)]
    detloc_lists = [p for p in mirrored if "detloc" in _role(p.name)]
    order = list(layouts())
    releases = []
    for path in mirrored:
        role = _role(path.name)
        if not role:
            found = date_in_text(path.stem)
            releases.append(ReleaseFiles(found.isoformat() if found else path.stem, (locate_file(path),), "mirror"))
            continue
        refs = [] if "county" in role else county_lists if "detloc" in role else detloc_lists
        refs = sorted((p for p in refs if p != path), key=lambda p: order.index(p.name))
        files = tuple(locate_file(p, _url(p.name)) for p in [path, *refs])
        releases.append(ReleaseFiles(layouts()[path.name][0].version, files, "mirror"))
    return sorted(releases, key=lambda r: r.version)


def _url(name: str) -> str | None:
    return _UWCHR + name.replace(" ", "%20") if name in _PINNED else None


# -- reading ---------------------------------------------------------------------------------------------------
@dataclass
class Facility:
    """One facility row as printed, plus what was worked out about it."""

    file_name: str
    sheet: str | None
    row: int
    as_of: date | None
    values: dict[str, str]
    detloc: str | None = None
    match_status: str = "printed"
    matched_from: str | None = None
    geoid: str | None = None
    status: str = "unresolved"
    method: str = "unresolved"
    place: str | None = None


def _sheet_rows(path: Path) -> Iterator[tuple[str | None, Iterator[tuple[int, list[Any]]]]]:
    """Each sheet (a CSV is one unnamed sheet) with its non-blank rows as (1-based row number, cells)."""
    if path.stat().st_size == 0:
        raise SourceFormatError(path.name, "empty file (0 bytes)")
    if path.suffix.lower() == ".csv":
        body = decode_text(path.read_bytes(), path.name)
        yield None, ((n, r) for n, r in csv_rows(body, path.name) if any(map(text, r)))
        return
    try:
        book = open_workbook(path)
    except SourceFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types for broken files
        raise SourceFormatError(path.name, f"not a readable spreadsheet (truncated or corrupt?): {exc}") from exc
    for name in book.sheet_names:
        yield name, _iter_sheet(book.get_sheet_by_name(name))


def _iter_sheet(ws: Any) -> Iterator[tuple[int, list[Any]]]:
    """Rows one at a time (never a whole grid); a long run of blank rows ends the data."""
    blank = 0
    for n, row in enumerate(ws.iter_rows(), start=(ws.start[0] + 1) if ws.start else 1):
        if any(text(c) for c in row):
            blank = 0
            yield n, row
        elif (blank := blank + 1) >= _BLANK_RUN:
            return


def _norm(value: Any) -> str:
    return re.sub(r"[^A-Z0-9]+", " ", text(value).upper()).strip()


@dataclass
class Table:
    """One sheet's facility table: canonical column -> index, and the data rows below the header."""

    file_name: str
    sheet: str | None
    as_of: date | None
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    printed: dict[str, str]  # canonical column -> header as printed (for messages)


def _read_layout(path: Path, layout: Layout) -> Table:
    sheets = dict(_sheet_rows(path))
    if layout.sheet not in sheets:
        raise SourceFormatError(path.name, f"no sheet '{layout.sheet}' (sheets: {', '.join(map(str, sheets))})")
    rows = sheets[layout.sheet]
    header = next(((n, r) for n, r in rows if n >= layout.header_row), (None, []))
    if header[0] != layout.header_row:
        raise SourceFormatError(path.name, f"sheet '{layout.sheet}': header row is blank", row=layout.header_row)
    cells = [_norm(c) for c in header[1]]
    columns = {}
    for key, name in layout.columns.items():
        if _norm(name) not in cells:
            raise SourceFormatError(
                path.name, f"sheet '{layout.sheet}': missing column '{name}'", row=layout.header_row, field=name
            )
        columns[key] = cells.index(_norm(name))
    return Table(path.name, layout.sheet, layout.as_of, columns, list(rows), dict(layout.columns))


def _read_generic(path: Path) -> list[Table]:
    """Files without a layout row: every sheet whose header (within the first rows) names Name, DETLOC, State."""
    tables, best = [], ""
    for sheet, rows in _sheet_rows(path):
        for n, row in rows:
            if n > _SCAN:
                break
            cells = [_norm(c) for c in row]
            found = {k: cells.index(_norm(a)) for k, al in GENERIC_COLUMNS.items() for a in reversed(al)
                     if _norm(a) in cells}  # fmt: skip
            missing = [GENERIC_COLUMNS[k][0] for k in ("name", "detloc", "state") if k not in found]
            if missing:
                best = best or (f"missing column(s) {', '.join(missing)}" if len(found) > 1 else "")
                continue
            printed = {k: text(row[i]) for k, i in found.items()}
            tables.append(Table(path.name, sheet, date_in_text(path.stem), found, list(rows), printed))
            break
    if not tables:
        raise SourceFormatError(path.name, best or "no header row found (empty sheet or not this source's format)")
    return tables


def _not_a_facility(first: str, filled: int) -> str | None:
    """Why a row is not a facility ('Total' row, explanatory note in column A), or None."""
    if _TOTAL.match(first):
        return "total row, not a facility"
    if filled == 1 and len(first) > _NOTE_CHARS:
        return "explanatory note in column A, not a facility"
    return None


def _facilities(tab: Table, quarantine: list[QuarantineRow]) -> list[Facility]:
    """The table's facility rows; rows that are not facilities or fail validation go to quarantine."""
    out: list[Facility] = []
    seen: set[str] = set()
    for n, row in tab.rows:

        def refuse(key: str, value: Any, reason: str, n: int = n) -> None:
            quarantine.append(QuarantineRow(tab.file_name, n, tab.printed.get(key, key), text(value) or None, reason))

        values = {k: text(row[i]) if i < len(row) else "" for k, i in tab.columns.items()}
        first = text(row[0]) if row else ""
        why = _not_a_facility(first, sum(1 for c in row if text(c)))
        if why:
            refuse(next(iter(tab.columns)), first[:200], why)
            continue
        if _REDACTED in (values["name"].lower(), values.get("detloc", "").lower()):
            # ICE blanked out the facility (FOIA): it is still one of the list's facilities, kept as 'redacted'
            kept = {k: "" if v.lower() == _REDACTED else v for k, v in values.items()}
            out.append(Facility(tab.file_name, tab.sheet, n, tab.as_of, kept | {"name": "Redacted", "state": ""},
                                match_status="redacted"))  # fmt: skip
            continue
        if not values["name"]:
            refuse("name", None, "no facility name")
            continue
        state = lookup_state(values.get("state"))
        if state is None:
            refuse("state", values.get("state"), "not a state name or abbreviation")
            continue
        values["state"] = state.abbr
        fac = Facility(tab.file_name, tab.sheet, n, tab.as_of, values)
        if "detloc" in tab.columns:
            code = values["detloc"].upper()
            if not _DETLOC.match(code):
                refuse("detloc", code, "not a DETLOC facility code (3-12 letters/digits)")
                continue
            if code in seen:
                refuse("detloc", code, "facility code listed twice in this file")
                continue
            seen.add(code)
            fac.detloc = code
        out.append(fac)
    return out


def _read(file: LocatedFile, quarantine: list[QuarantineRow]) -> list[Facility]:
    pinned = _PINNED.get(file.name)
    if pinned and file.sha256 != pinned:
        raise SourceFormatError(file.name, f"sha256 {file.sha256} is not the pinned {pinned}: a new edition?")
    known = layouts().get(file.name)
    tables = [_read_layout(file.path, lay) for lay in known] if known else _read_generic(file.path)
    return [f for tab in tables for f in _facilities(tab, quarantine)]


# -- county and DETLOC -----------------------------------------------------------------------------------------
def _county_text(county: str, state_abbr: str) -> str:
    """'Alachua' -> 'Alachua County' (Parish in Louisiana); names that carry their own area word are kept."""
    if split_name(clean(county)).area_word or state_abbr == "AK":
        return county
    return f"{county} {'Parish' if state_abbr == 'LA' else 'County'}"


def _from_county_column(fac: Facility, ctx: ParseContext) -> None:
    printed = fac.values.get("county", "")
    fixed = corrections().get((fac.detloc or "", _norm(printed)))
    wanted = fixed or printed
    if not wanted:
        return
    state = lookup_state(fac.values["state"])
    geoid, status = resolve_name(ctx, _county_text(wanted, state.abbr), state, level="county")
    fac.status = status
    if geoid:
        fac.geoid, fac.method = geoid, "county column (corrected)" if fixed else "county column"


def place_county(resolver: Any, place: str) -> str | None:
    """The one county a Census place lies in: a consolidated city-county's county, or the registry's
    place->county relation when the resolver offers it (``counties_of``); None when several or unknown."""
    entry = resolver.entries.get(place)
    if entry is not None and entry.consolidated_with:
        return entry.consolidated_with
    counties_of = getattr(resolver, "counties_of", None)
    counties = tuple(counties_of(place)) if counties_of else ()
    return counties[0] if len(counties) == 1 else None


def _from_city(fac: Facility, ctx: ParseContext) -> None:
    city = fac.values.get("city", "")
    if not city or not fac.values["state"] or ctx.resolver is None:
        return
    found = ctx.resolver.resolve(city, state=fac.values["state"], level="place")
    fac.place = found.geoid
    county = place_county(ctx.resolver, fac.place) if fac.place else None
    if fac.geoid is None and county:
        fac.geoid, fac.status, fac.method = county, "accepted", "city"


_WORDS = {"CTR": "CENTER", "DET": "DETENTION", "CO": "COUNTY", "CNTY": "COUNTY", "CORR": "CORRECTIONAL",
          "FAC": "FACILITY", "JUV": "JUVENILE", "ST": "SAINT", "FT": "FORT", "PROC": "PROCESSING"}  # fmt: skip


def name_key(name: str, strict: bool = True) -> str:
    """Matching key of a facility name: upper-case words; loose keys also drop parentheses and spell out
    the abbreviations ICE lists use (DET, CTR, CO ...)."""
    if strict:
        return _norm(name)
    words = _norm(re.sub(r"\([^)]*\)", " ", name)).split()
    return " ".join(_WORDS.get(w, w) for w in words)


_RULES = (
    ("name + city + state", lambda f: (name_key(f.values["name"]), _norm(f.values.get("city")), f.values["state"])),
    ("loose name + city + state",
     lambda f: (name_key(f.values["name"], strict=False), _norm(f.values.get("city")), f.values["state"])),
    ("address + city + state",
     lambda f: (_norm(f.values.get("address")), _norm(f.values.get("city")), f.values["state"])
     if f.values.get("address") else None),
)  # fmt: skip


def _match(facs: list[Facility], known: list[Facility]) -> None:
    """Give DETLOC-less rows of one list the DETLOC of the one facility on the DETLOC lists with the same key,
    rules in order. A key naming several DETLOCs, or a DETLOC an earlier row of this list already took (e.g. an
    annex at its parent's address), leaves the row 'ambiguous'."""
    taken: dict[str, int] = {}
    for rule, key in _RULES:
        index: dict[tuple, dict[str, str]] = {}
        for k in known:
            if (kk := key(k)) is not None:
                index.setdefault(kk, {}).setdefault(k.detloc, k.file_name)
        for fac in facs:
            if fac.match_status != "unmatched" or (kk := key(fac)) is None or kk not in index:
                continue
            hits = index[kk]
            code, source = next(iter(hits.items()))
            if len(hits) > 1:
                fac.match_status, fac.matched_from = "ambiguous", f"{rule}: {', '.join(sorted(hits))}"
            elif code in taken:
                fac.match_status = "ambiguous"
                fac.matched_from = f"{rule}: {code}, already matched to row {taken[code]} of this list"
            else:
                fac.detloc, fac.match_status, fac.matched_from = code, "matched", f"{rule} in {source}"
                taken[code] = fac.row


def _settle(by_file: dict[str, list[Facility]], ctx: ParseContext) -> None:
    """County for every facility of every list in the release, in order: county column, same DETLOC in a list
    with a County column, DETLOC matched by name (lists without DETLOC), city."""
    with_county = [f for f in by_file if "county" in _role(f) or not layouts().get(f)]
    for name in with_county:
        for fac in by_file[name]:
            _from_county_column(fac, ctx)
    county_of: dict[str, tuple[str, str]] = {}
    for name in with_county:
        for fac in by_file[name]:
            if fac.detloc and fac.geoid:
                county_of.setdefault(fac.detloc, (fac.geoid, name))
    known = [f for facs in by_file.values() for f in facs if f.detloc and f.match_status == "printed"]
    for facs in by_file.values():
        no_detloc = [f for f in facs if f.detloc is None and f.match_status == "printed"]
        for fac in no_detloc:
            fac.match_status = "unmatched"
        _match(no_detloc, known)
        for fac in facs:
            if fac.geoid is None and fac.detloc in county_of:
                fac.geoid, source = county_of[fac.detloc]
                fac.status, fac.method = "accepted", f"same DETLOC in {source}"
            _from_city(fac, ctx)


# -- parse -----------------------------------------------------------------------------------------------------
def _record(fac: Facility) -> dict[str, Any]:
    v = fac.values
    return {
        "facility_code": fac.detloc,
        "name": v["name"],
        "address": v.get("address") or None,
        "city": v.get("city") or None,
        "county": v.get("county") or None,
        "state_abbr": v["state"] or None,
        "zip": _zip(v.get("zip", "")),
        "facility_type": v.get("type") or None,
        "facility_type_detailed": v.get("type_detailed") or None,
        "aor": v.get("aor") or None,
        "geoid": fac.geoid,
        "resolution_status": fac.status,
        "county_method": fac.method,
        "place_geoid": fac.place,
        "match_status": fac.match_status,
        "matched_from": fac.matched_from,
        "list_as_of": fac.as_of,
        "sheet_name": fac.sheet,
        "file_name": fac.file_name,
        "row_number": fac.row,
    }


def _zip(raw: str) -> str | None:
    raw = raw.removesuffix(".0")  # some sheets store ZIP codes as text of a float ('31815.0')
    if raw.isdigit() and len(raw) < 5:
        raw = raw.zfill(5)  # spreadsheets drop the leading zero of New England ZIP codes
    return raw or None


def _agency(fac: Facility) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", clean(fac.values["name"])).strip("-")
    agency = f"ice_facility:{fac.values['state']}:{slug}"
    values = (agency, fac.values["name"], "ice_facility", fac.geoid, fac.values["state"], fac.file_name, fac.row)
    return dict(zip(AGENCY_COLUMNS, values, strict=True))


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    """The release's first file is the list; any further files are the lists it takes counties or DETLOCs from."""
    quarantine: list[QuarantineRow] = []
    by_file: dict[str, list[Facility]] = {}
    for i, file in enumerate(release.files):
        by_file[file.name] = _read(file, quarantine if i == 0 else [])
        ctx.progress(i + 1, len(release.files))
    _settle(by_file, ctx)
    primary = by_file[release.files[0].name]
    agencies: dict[str, dict] = {}
    for fac in (f for f in primary if f.match_status != "redacted"):
        row = _agency(fac)
        agencies.setdefault(row["agency_id"], row)
    return Parsed(
        tables={"ice_facility": table([_record(f) for f in primary])},
        upserts={"agency": table(list(agencies.values()), AGENCY_COLUMNS)} if agencies else {},
        quarantine=quarantine,
    )
