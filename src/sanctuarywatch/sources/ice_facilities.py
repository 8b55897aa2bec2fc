"""ICE detention facilities: the facility list (xlsx "Facilities" sheet, or its CSV export), one release per file.

Columns read (header found by name): Name, Code (DETLOC), Address, City, County, State, Zip, Type, AOR. The
county (with the state) is resolved to a county GEOID; each facility is also an ``agency`` (kind ice_facility).
"""

from __future__ import annotations

import re
from datetime import date

from sanctuarywatch.geo.normalize import clean, split_name
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
from sanctuarywatch.sources.ice_287g import (
    AGENCY_COLUMNS,
    date_in_text,
    lookup_state,
    read_sheets,
    resolve_name,
    table,
    text,
)

SPEC = SourceSpec(
    source_id="ice_facilities",
    title="ICE detention facilities",
    publisher="U.S. Immigration and Customs Enforcement",
    url="https://www.ice.gov/detain/detention-management",
    licence="Public domain (U.S. federal government work)",
    description="Facilities ICE uses to hold people (DETLOC code, type, area of responsibility) and their county.",
    files=(SourceFile("ice_facilities.xlsx", "https://www.ice.gov/doclib/detention/FY25_detentionStats.xlsx"),),
    mirror_patterns=("ice_facilities*.xlsx", "ice_facilities*.csv", "*DetentionFacilit*.xlsx", "*detentionStats*.xlsx"),
)
DIFF_KEYS: dict[str, tuple[str, ...]] = {"ice_facility": ("facility_code",)}

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Facility Name", "Detention Facility"),
    "code": ("Code", "DETLOC", "Facility Code", "DETLOC Code", "Detloc"),
    "address": ("Address", "Street", "Address Line 1"),
    "city": ("City",),
    "county": ("County", "County Name"),
    "state": ("State", "ST", "State Abbr"),
    "zip": ("Zip", "ZIP Code", "Zip Code", "Postal Code"),
    "type": ("Type", "Type Detailed", "Facility Type"),
    "aor": ("AOR", "Area of Responsibility", "Field Office"),
}
REQUIRED = ("name", "code", "state")
_CODE = re.compile(r"^[A-Z0-9]{3,12}$")


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    if not mirrored:
        return [ReleaseFiles(date.today().isoformat(), tuple(finder.fetch(SPEC, SPEC.files)), "download")]
    releases = []
    for path in mirrored:
        found = date_in_text(path.stem)
        releases.append(ReleaseFiles(found.isoformat() if found else path.stem, (locate_file(path),), "mirror"))
    return sorted(releases, key=lambda r: r.version)


def _zip(value: object) -> str | None:
    raw = text(value)
    if raw.isdigit() and len(raw) < 5:
        raw = raw.zfill(5)  # spreadsheets drop the leading zero of New England ZIP codes
    return raw or None


def _county_text(county: str, state_abbr: str) -> str:
    """'Alachua' -> 'Alachua County' (Parish in Louisiana); names that carry their own area word are kept."""
    if split_name(clean(county)).area_word or state_abbr == "AK":
        return county
    return f"{county} {'Parish' if state_abbr == 'LA' else 'County'}"


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    facilities: list[dict] = []
    agencies: dict[str, dict] = {}
    quarantine: list[QuarantineRow] = []
    for file in release.files:
        seen: set[str] = set()
        for sheet in read_sheets(file.path, COLUMNS, REQUIRED):
            for done, (n, row) in enumerate(sheet.rows, start=1):
                ctx.progress(done, len(sheet.rows))

                def refuse(column: str, value: object, reason: str, n: int = n, name: str = file.name) -> None:
                    quarantine.append(QuarantineRow(name, n, column, text(value) or None, reason))

                name, code = text(sheet.value(row, "name")), text(sheet.value(row, "code")).upper()
                if not name:
                    refuse("Name", None, "no facility name")
                    continue
                if not _CODE.match(code):
                    refuse("Code", code, "not a DETLOC facility code (3-12 letters/digits)")
                    continue
                if code in seen:
                    refuse("Code", code, "facility code listed twice in this file")
                    continue
                state = lookup_state(sheet.value(row, "state"))
                if state is None:
                    refuse("State", sheet.value(row, "state"), "not a state name or abbreviation")
                    continue
                seen.add(code)
                county = text(sheet.value(row, "county"))
                geoid, status = (
                    resolve_name(ctx, _county_text(county, state.abbr), state, level="county")
                    if county
                    else (None, "unresolved")
                )
                rec = {
                    "facility_code": code,
                    "name": name,
                    "address": text(sheet.value(row, "address")) or None,
                    "city": text(sheet.value(row, "city")) or None,
                    "county": county or None,
                    "state_abbr": state.abbr,
                    "zip": _zip(sheet.value(row, "zip")),
                    "facility_type": text(sheet.value(row, "type")) or None,
                    "aor": text(sheet.value(row, "aor")) or None,
                    "geoid": geoid,
                    "resolution_status": status,
                    "file_name": file.name,
                    "row_number": n,
                }
                facilities.append(rec)
                slug = re.sub(r"[^a-z0-9]+", "-", clean(name)).strip("-")
                agency = f"ice_facility:{state.abbr}:{slug}"
                values = (agency, name, "ice_facility", geoid, state.abbr, file.name, n)
                agencies.setdefault(agency, dict(zip(AGENCY_COLUMNS, values, strict=True)))
    return Parsed(
        tables={"ice_facility": table(facilities)},
        upserts={"agency": table(list(agencies.values()), AGENCY_COLUMNS)} if agencies else {},
        quarantine=quarantine,
    )
