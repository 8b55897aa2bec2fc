"""Census geography: states, counties (and equivalents) and every place, keyed by GEOID.

Real input (the mirror): the 2025 Census Gazetteer (pipe-separated, UTF-8) for counties and all 32,350
places (incorporated places keep FUNCSTAT A; census-designated places keep LSAD 57 / FUNCSTAT S, so a CDP is
never shown as a city); ACS 2019-2023 5-year population for places and counties (saved Census API JSON);
PEP county (Vintage 2021) and state (Vintage 2022) estimates; the 2020 place-to-county relation (derived by
us_geo from the Census relationship files); and the 2010 Gazetteer for counties that no longer exist
(Connecticut's 8 counties, named by 2017-era sources; see ``geo/data/county_history.csv``). Curated data
adds only what the Census does not give: which place and county are one government
(``geo/data/consolidated_governments.csv``).

Without a mirror and without the network, the registry falls back to the county list the ``addfips``
package ships (2020, corrected by ``geo/data/county_corrections.csv``) plus those consolidated governments;
the release's version says so.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from pathlib import Path

import pyarrow as pa

from sanctuarywatch.errors import SourceFormatError, SourceUnavailableError
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
    locate_file,
)

GAZ = "https://www2.census.gov/geo/docs/maps-data/data/gazetteer/2025_Gazetteer"
COUNTIES_2025 = "2025_Gaz_counties_national.txt"
PLACES_2025 = "2025_Gaz_place_national.txt"
ACS_PLACES = "place_2023.json"
ACS_COUNTIES = "county_2023.json"
PEP_COUNTIES = "co-est2021-alldata.csv"
PEP_STATES = "NST-EST2022-POPCHG2020_2022.csv"
PLACE_COUNTIES = "us_geo_2020_place_counties.csv"
COUNTIES_2010 = "Gaz_counties_national.txt"
SPEC = SourceSpec(
    source_id="census_geography",
    title="Census geography: 2025 Gazetteer counties and places, ACS and PEP population",
    publisher="U.S. Census Bureau",
    url="https://www.census.gov/geographies/reference-files/time-series/geo/gazetteer-files.html",
    licence="Public domain (U.S. federal government work); the place-county relation file is us_geo's (MIT)",
    description="States, counties and county equivalents (2025, plus former counties with end dates), every "
    "place (incorporated places and census-designated places, flagged), population and place-county relations.",
    files=(
        SourceFile(
            COUNTIES_2025,
            f"{GAZ}/{COUNTIES_2025.replace('.txt', '.zip')}",
            "1914f0d83243362de83b8ddd298c213b1768d63d62d19464743289abd8bb35b1",
        ),
        SourceFile(
            PLACES_2025,
            f"{GAZ}/{PLACES_2025.replace('.txt', '.zip')}",
            "15f4977a010cc42308f4d5ddc5e19f26ef63fc035f20745333a14b78aa08d3fa",
        ),
        SourceFile(
            ACS_PLACES,
            "https://api.census.gov/data/2023/acs/acs5?get=NAME,B01003_001E,B25001_001E&for=place:*",
            "437dbe1152ea17b6fa27d4e0557208fdc8dc1ea22279dbdc378b2ee74ede15f3",
        ),
        SourceFile(
            ACS_COUNTIES,
            "https://api.census.gov/data/2023/acs/acs5?get=NAME,B01003_001E,B25001_001E&for=county:*",
            "75cf42b2fe4cd3e0b01d9db817dc61da4db2fa1a5ac2585c89ee777a40a98c67",
        ),
        SourceFile(
            PEP_COUNTIES,
            "https://www2.census.gov/programs-surveys/popest/datasets/2020-2021/counties/totals/co-est2021-alldata.csv",
            "684883133405a88edbd43156382ccd7771fe1d6608b7ea1b992cb28bb6d31c83",
        ),
        SourceFile(PEP_STATES, None, "ea3f5e65bbd298bd17ea6c13629adb8fd37358091ef2a239bfdf85f89d5e642d"),
        SourceFile(PLACE_COUNTIES, None, "89e7cc6d3527e74ad31f1cb2ed439ff11fb11f3591f1f266eecaed8ce41d905a"),
        SourceFile(COUNTIES_2010, None, "9da8e2a3dc963fffaba466a617eba2df52287e391e174f0ca6ee16ce74b18c28"),
    ),  # fmt: skip
    mirror_patterns=(
        COUNTIES_2025,
        PLACES_2025,
        ACS_PLACES,
        ACS_COUNTIES,
        PEP_COUNTIES,
        PEP_STATES,
        PLACE_COUNTIES,
        COUNTIES_2010,
    ),  # fmt: skip
)
CURATED = ("consolidated_governments.csv", "county_history.csv")
_COUNTY_AREA_SUFFIXES = (
    "City and Borough",
    "Census Area",
    "Planning Region",
    "County",
    "Parish",
    "Borough",
    "Municipality",
    "Municipio",
    "District",
    "city",
    "City",
)
# Census LSAD code -> the area word kept in jurisdiction.lsad (what the resolver compares with a name's word).
PLACE_LSAD = {
    "25": "city", "43": "town", "47": "village", "21": "borough", "53": "city and borough", "37": "municipality",
    "44": "township", "06": "city", "57": "CDP", "55": "comunidad", "62": "zona urbana", "UG": "unified government",
    "UC": "urban county", "MG": "metropolitan government", "CG": "consolidated government", "CN": "corporation",
    "00": None,
}  # fmt: skip
JURISDICTION_COLUMNS = (
    "geoid", "level", "name", "lsad", "lsad_code", "funcstat", "state_fips", "state_abbr", "population",
    "population_year", "population_source", "consolidated_with", "valid_from", "valid_to", "vintage", "file_name",
    "row_number",
)  # fmt: skip
ACS = "ACS 2019-2023 5-year"


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    if any(p.name == COUNTIES_2025 for p in mirrored):
        files = tuple(locate_file(p) for p in mirrored) + _curated_files()
        return [ReleaseFiles("gazetteer 2025", files, "mirror")]
    if not finder.offline:
        try:
            files = tuple(finder.fetch(SPEC, SPEC.files[:2])) + _curated_files()
            return [ReleaseFiles("gazetteer 2025", files, "download")]
        except SourceUnavailableError:
            pass
    return [_package_release()]


def _package_file(package: str, *parts: str) -> LocatedFile:
    target = resources.files(package)
    for part in parts:
        target = target / part
    return locate_file(Path(str(target)))


def _curated_files() -> tuple[LocatedFile, ...]:
    return tuple(_package_file("sanctuarywatch.geo", "data", name) for name in CURATED)


def _package_release() -> ReleaseFiles:
    files = (
        _package_file("addfips", "data", "counties_2020.csv"),
        _package_file("sanctuarywatch.geo", "data", "county_corrections.csv"),
        *_curated_files(),
    )
    return ReleaseFiles("addfips 2020 counties (no places: Census files not found)", files, "package")


def county_area_word(name: str) -> str | None:
    for suffix in _COUNTY_AREA_SUFFIXES:
        if name.endswith(" " + suffix):
            return suffix.lower()
    return None


def _read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    try:
        with path.open(encoding=encoding, newline="") as fh:
            return list(csv.DictReader(fh))
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not {encoding} text ({exc.reason} at byte {exc.start})") from exc


def read_gazetteer(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """A Gazetteer file of any vintage: pipe-separated UTF-8 (2024-) or tab-separated Latin-1 with padding."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # the 2010-2020 files are Latin-1 ('Doña Ana County' is byte 0xF1)
    first = text.split("\n", 1)[0]
    delimiter = "|" if first.count("|") > first.count("\t") else "\t"
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    missing = [c for c in required if c not in fields]
    if missing:
        raise SourceFormatError(path.name, f"missing column(s) {', '.join(missing)}; found {', '.join(fields)}")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    if release.origin == "package":
        return _parse_package(release)
    return _parse_census(release)


# -- rows ----------------------------------------------------------------------------------------------
def _row(geoid: str, level: str, name: str, file_name: str, row_number: int | None, **extra: object) -> dict:
    states = state_table()
    state = states.by_fips[geoid[:2]]
    row = dict.fromkeys(JURISDICTION_COLUMNS)
    row.update(geoid=geoid, level=level, name=name, state_fips=state.fips, state_abbr=state.abbr,
               file_name=file_name, row_number=row_number)  # fmt: skip
    row.update(extra)
    return row


def _state_rows(file_name: str) -> list[dict]:
    return [
        _row(s.fips, "state", s.name, file_name, None, lsad="state" if s.fips != "11" else "district")
        for s in state_table().states
    ]


def _relation(child: str, parent: str, relation: str, file_name: str, row: int | None, vintage: str) -> dict:
    return {"child_geoid": child, "parent_geoid": parent, "relation": relation, "file_name": file_name,
            "row_number": row, "vintage": vintage}  # fmt: skip


def _finish(rows: list[dict], relations: list[dict], estimates: list[dict], quarantine: list[QuarantineRow]) -> Parsed:
    known = {r["geoid"] for r in rows}
    for r in rows:
        if r["level"] == "county":
            relations.append(_relation(r["geoid"], r["state_fips"], "in_state", r["file_name"], r["row_number"],
                                       r["vintage"] or ""))  # fmt: skip
    relations = [x for x in relations if x["child_geoid"] in known and x["parent_geoid"] in known]
    unique = {(x["child_geoid"], x["parent_geoid"], x["relation"]): x for x in relations}
    tables = {
        "jurisdiction": pa.Table.from_pylist(rows),
        "jurisdiction_relation": pa.Table.from_pylist(list(unique.values())),
    }
    replace = {"jurisdiction", "jurisdiction_relation"}
    if estimates:
        tables["population_estimate"] = pa.Table.from_pylist([e for e in estimates if e["geoid"] in known])
        replace.add("population_estimate")
    return Parsed(tables=tables, quarantine=quarantine, replace=frozenset(replace))


def _consolidated(path: Path, rows: list[dict], relations: list[dict]) -> None:
    """Mark place and county rows that are one government; NYC's boroughs become borough_of its place."""
    by_geoid = {r["geoid"]: r for r in rows}
    for n, c in enumerate(_read_csv(path), start=2):
        place, counties = c["place_geoid"], c["county_geoid"].split(";")
        if place not in by_geoid or any(g not in by_geoid for g in counties):
            continue  # the fallback registry has no such place
        if len(counties) > 1:
            relations[:] = [x for x in relations if not (x["child_geoid"] == place and x["relation"] == "in_county")]
            relations += [_relation(g, place, "borough_of", path.name, n, "curated") for g in counties]
            continue
        by_geoid[place]["consolidated_with"] = counties[0]
        by_geoid[counties[0]]["consolidated_with"] = place


def _independent_cities(rows: list[dict], relations: list[dict]) -> None:
    """A place that shares its exact name with its only county, a county equivalent called '... city'
    (Virginia's independent cities, Baltimore, St. Louis): one government, derived from the Census names."""
    parents: dict[str, list[str]] = {}
    for x in relations:
        if x["relation"] == "in_county":
            parents.setdefault(x["child_geoid"], []).append(x["parent_geoid"])
    by_geoid = {r["geoid"]: r for r in rows}
    for r in rows:
        ps = parents.get(r["geoid"], [])
        if r["level"] == "place" and len(ps) == 1 and r["consolidated_with"] is None:
            county = by_geoid.get(ps[0])
            if county and county["name"] == r["name"] and county["name"].endswith(" city"):
                r["consolidated_with"], county["consolidated_with"] = county["geoid"], r["geoid"]


# -- the real Census files -----------------------------------------------------------------------------
def _population(release: ReleaseFiles, quarantine: list[QuarantineRow]) -> list[dict]:
    """Every population figure: ACS 5-year (places, counties), PEP Vintage 2021 counties, Vintage 2022 states."""
    out: list[dict] = []
    names = {f.name for f in release.files}
    for name, unit in ((ACS_PLACES, "place"), (ACS_COUNTIES, "county")):
        if name not in names:
            continue
        path = release.path(name)
        try:
            grid = json.loads(path.read_text(encoding="utf-8"))
            header = grid[0]
            i_pop, i_state, i_unit = header.index("B01003_001E"), header.index("state"), header.index(unit)
        except (ValueError, IndexError, KeyError, TypeError) as exc:
            raise SourceFormatError(name, f"not a Census API table with B01003_001E, state, {unit} ({exc})") from exc
        for n, rec in enumerate(grid[1:], start=2):
            value = str(rec[i_pop])
            if not value.lstrip("-").isdigit() or int(value) < 0:
                quarantine.append(QuarantineRow(name, n, "B01003_001E", value, "not a population count"))
                continue
            out.append(_estimate(rec[i_state] + rec[i_unit], ACS, 2023, int(value), name, n))
    if PEP_COUNTIES in names:
        for n, r in enumerate(_read_csv(release.path(PEP_COUNTIES), "latin-1"), start=2):
            if r.get("SUMLEV") == "050":
                out.append(_estimate(r["STATE"] + r["COUNTY"], "PEP Vintage 2021", 2021, int(r["POPESTIMATE2021"]),
                                     PEP_COUNTIES, n))  # fmt: skip
    if PEP_STATES in names:
        for n, r in enumerate(_read_csv(release.path(PEP_STATES), "latin-1"), start=2):
            if r.get("SUMLEV") == "040":
                out.append(_estimate(r["STATE"], "PEP Vintage 2022", 2022, int(r["POPESTIMATE2022"]), PEP_STATES, n))
    return out


def _estimate(geoid: str, program: str, year: int, population: int, file_name: str, row: int) -> dict:
    return {"geoid": geoid, "program": program, "reference_year": year, "population": population,
            "file_name": file_name, "row_number": row}  # fmt: skip


def _prefer_population(rows: list[dict], estimates: list[dict]) -> None:
    """States: PEP Vintage 2022; counties and places: ACS 2019-2023; former counties: their last PEP estimate."""
    rank = {"PEP Vintage 2022": 0, ACS: 1, "PEP Vintage 2021": 2, "Census 2010": 3}
    best: dict[str, dict] = {}
    for e in estimates:
        held = best.get(e["geoid"])
        if held is None or rank[e["program"]] < rank[held["program"]]:
            best[e["geoid"]] = e
    for r in rows:
        e = best.get(r["geoid"])
        if e:
            r.update(population=e["population"], population_year=e["reference_year"], population_source=e["program"])


def _counties(path: Path, vintage: str, quarantine: list[QuarantineRow]) -> list[dict]:
    states = state_table()
    out = []
    for n, r in enumerate(read_gazetteer(path, ("USPS", "GEOID", "NAME")), start=2):
        geoid = r["GEOID"]
        if len(geoid) != 5 or not geoid.isdigit() or geoid[:2] not in states.by_fips:
            quarantine.append(QuarantineRow(path.name, n, "GEOID", geoid, "not a county GEOID of a known state"))
            continue
        out.append(_row(geoid, "county", r["NAME"], path.name, n, lsad=county_area_word(r["NAME"]), vintage=vintage,
                        population=int(r["POP10"]) if r.get("POP10", "").isdigit() else None))  # fmt: skip
    return out


def _places(path: Path, quarantine: list[QuarantineRow]) -> list[dict]:
    states = state_table()
    out = []
    required = ("USPS", "GEOID", "NAME", "LSAD", "FUNCSTAT")
    for n, r in enumerate(read_gazetteer(path, required), start=2):
        geoid = r["GEOID"]
        if len(geoid) != 7 or not geoid.isdigit() or geoid[:2] not in states.by_fips:
            quarantine.append(QuarantineRow(path.name, n, "GEOID", geoid, "not a place GEOID of a known state"))
            continue
        if r["LSAD"] not in PLACE_LSAD:
            quarantine.append(QuarantineRow(path.name, n, "LSAD", r["LSAD"], "unknown LSAD code"))
            continue
        out.append(_row(geoid, "place", r["NAME"], path.name, n, lsad=PLACE_LSAD[r["LSAD"]], lsad_code=r["LSAD"],
                        funcstat=r["FUNCSTAT"], vintage="2025 Gazetteer"))  # fmt: skip
    return out


def _former_counties(release: ReleaseFiles, current: set[str], quarantine: list[QuarantineRow]) -> list[dict]:
    """Counties in the 2010 Gazetteer but not in 2025, each with its end date from county_history.csv."""
    if COUNTIES_2010 not in {f.name for f in release.files}:
        return []
    history = {h["geoid"]: h for h in _read_csv(release.path("county_history.csv"))}
    out = []
    for r in _counties(release.path(COUNTIES_2010), "2010 Gazetteer (former county)", quarantine):
        if r["geoid"] in current:
            continue
        h = history.get(r["geoid"])
        if h is None:
            quarantine.append(
                QuarantineRow(
                    COUNTIES_2010,
                    r["row_number"],
                    "GEOID",
                    r["geoid"],
                    "a 2010 county missing from 2025 with no entry in county_history.csv",
                )
            )
            continue  # fmt: skip
        r["valid_to"] = h["valid_to"]
        out.append(r)
    return out


def _place_counties(release: ReleaseFiles, places: set[str], counties: set[str]) -> list[dict]:
    if PLACE_COUNTIES not in {f.name for f in release.files}:
        return []
    path = release.path(PLACE_COUNTIES)
    rows = _read_csv(path)
    if rows and not {"Place GEOID", "County GEOID"} <= set(rows[0]):
        raise SourceFormatError(path.name, f"missing column(s) Place GEOID, County GEOID; found {', '.join(rows[0])}")
    return [
        _relation(r["Place GEOID"], r["County GEOID"], "in_county", path.name, n, "2020")
        for n, r in enumerate(rows, start=2)
        if r["Place GEOID"] in places and r["County GEOID"] in counties  # also lists county subdivisions: skipped
    ]


def _parse_census(release: ReleaseFiles) -> Parsed:
    quarantine: list[QuarantineRow] = []
    rows = _state_rows(COUNTIES_2025)
    counties = _counties(release.path(COUNTIES_2025), "2025 Gazetteer", quarantine)
    current = {r["geoid"] for r in counties}
    for r in counties:
        if r["geoid"] in {"09110", "09120", "09130", "09140", "09150", "09160", "09170", "09180", "09190"}:
            r["valid_from"] = "2022-01-01"  # Connecticut's planning regions (county_history.csv)
    former = _former_counties(release, current, quarantine)
    places = _places(release.path(PLACES_2025), quarantine) if PLACES_2025 in {f.name for f in release.files} else []
    rows += counties + former + places
    estimates = _population(release, quarantine)
    for r in former:
        if r["population"] is not None:
            estimates.append(_estimate(r["geoid"], "Census 2010", 2010, r["population"], r["file_name"],
                                       r["row_number"]))  # fmt: skip
        r["population"] = None
    _prefer_population(rows, estimates)
    relations = _place_counties(release, {r["geoid"] for r in places}, current | {r["geoid"] for r in former})
    _consolidated(release.path("consolidated_governments.csv"), rows, relations)
    _independent_cities(rows, relations)
    return _finish(rows, relations, estimates, quarantine)


# -- the package fallback (no Census files) --------------------------------------------------------------
def _parse_package(release: ReleaseFiles) -> Parsed:
    states = state_table()
    counties_path = release.path("counties_2020.csv")
    corrections = _read_csv(release.path("county_corrections.csv"))
    removed = {c["geoid"] for c in corrections if c["action"] == "remove"}
    official = {c["geoid"]: c["name"] for c in corrections if c["action"] in ("name", "add")}
    rows = _state_rows(counties_path.name)
    seen: set[str] = set()
    for n, r in enumerate(_read_csv(counties_path), start=2):
        geoid = r["statefp"].zfill(2) + r["countyfp"].zfill(3)
        if geoid in removed or geoid in seen or geoid[:2] not in states.by_fips:
            continue  # a former or variant name of a county already listed: the resolver's aliases keep it
        seen.add(geoid)
        name = official.get(geoid, r["name"])
        rows.append(_row(geoid, "county", name, counties_path.name, n, lsad=county_area_word(name), vintage="addfips"))
    for c in corrections:
        if c["action"] == "add" and c["geoid"] not in seen:
            seen.add(c["geoid"])
            rows.append(_row(c["geoid"], "county", c["name"], "county_corrections.csv", None,
                             lsad=county_area_word(c["name"]), vintage="addfips"))  # fmt: skip
    return _finish(rows, [], [], [])
