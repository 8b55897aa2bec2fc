"""Census geography: states, counties (and equivalents) and incorporated places, keyed by GEOID.

Preferred input is the Census Gazetteer (tab-separated national files) found in the mirror folder or
downloaded; with neither, the registry falls back to the county list the ``addfips`` package ships (2020
vintage, corrected by ``geo/data/county_corrections.csv``) plus the curated place list
``geo/data/places_seed.csv``. The release records which it was.

Gazetteer formats (2020): counties ``USPS GEOID ANSICODE NAME ALAND AWATER ...``; places
``USPS GEOID ANSICODE NAME LSAD FUNCSTAT ALAND ...``. Optional place-to-county relationship file
``national_place_by_county2020.txt`` (pipe-separated: STATEFP|COUNTYFP|...|PLACEFP|...).
"""

from __future__ import annotations

import csv
import io
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

GAZ = "https://www2.census.gov/geo/docs/maps-data/data/gazetteer/2020_Gazetteer"
SPEC = SourceSpec(
    source_id="census_geography",
    title="Census Gazetteer: counties and places (2020 vintage)",
    publisher="U.S. Census Bureau",
    url="https://www.census.gov/geographies/reference-files/time-series/geo/gazetteer-files.html",
    licence="Public domain (U.S. federal government work)",
    description="States, counties and county-equivalents, incorporated places, with Census GEOIDs.",
    files=(
        SourceFile("2020_Gaz_counties_national.txt", f"{GAZ}/2020_Gaz_counties_national.zip"),
        SourceFile("2020_Gaz_place_national.txt", f"{GAZ}/2020_Gaz_place_national.zip"),
    ),
    mirror_patterns=("*_Gaz_counties_national.txt", "*_Gaz_place_national.txt", "national_place_by_county*.txt"),
)
VINTAGE = 2020
_COUNTY_AREA_SUFFIXES = (
    "City and Borough",
    "Census Area",
    "County",
    "Parish",
    "Borough",
    "Municipality",
    "Municipio",
    "District",
    "city",
    "City",
)
_PLACE_LSAD = {
    "25": "city",
    "43": "town",
    "47": "village",
    "21": "borough",
    "53": "city and borough",
    "37": "municipality",
    "44": "township",
    "06": "city",
    "00": None,
}
JURISDICTION_COLUMNS = (
    "geoid",
    "level",
    "name",
    "lsad",
    "state_fips",
    "state_abbr",
    "population",
    "population_year",
    "consolidated_with",
    "file_name",
    "row_number",
)


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror(SPEC.mirror_patterns)
    counties = [p for p in mirrored if "_Gaz_counties_" in p.name]
    if counties:
        files = tuple(locate_file(p) for p in mirrored)
        return [ReleaseFiles(f"gazetteer {counties[-1].name[:4]}", files, "mirror")]
    if not finder.offline:
        try:
            return [ReleaseFiles(f"gazetteer {VINTAGE}", tuple(finder.fetch(SPEC, SPEC.files)), "download")]
        except SourceUnavailableError:
            pass
    return [_package_release()]


def _package_file(package: str, *parts: str) -> LocatedFile:
    target = resources.files(package)
    for part in parts:
        target = target / part
    path = Path(str(target))
    return locate_file(path)


def _package_release() -> ReleaseFiles:
    files = (
        _package_file("addfips", "data", "counties_2020.csv"),
        _package_file("sanctuarywatch.geo", "data", "county_corrections.csv"),
        _package_file("sanctuarywatch.geo", "data", "places_seed.csv"),
    )
    return ReleaseFiles(f"addfips {VINTAGE} counties + curated places", files, "package")


def county_area_word(name: str) -> str | None:
    for suffix in _COUNTY_AREA_SUFFIXES:
        if name.endswith(" " + suffix):
            return suffix.lower()
    return None


def _state_rows(file_name: str) -> list[dict]:
    return [
        {
            "geoid": s.fips,
            "level": "state",
            "name": s.name,
            "lsad": "state" if s.fips != "11" else "district",
            "state_fips": s.fips,
            "state_abbr": s.abbr,
            "file_name": file_name,
            "row_number": None,
        }
        for s in state_table().states
    ]


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _read_tsv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")  # older gazetteer vintages are Latin-1
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    reader.fieldnames = [f.strip() for f in reader.fieldnames or []]
    missing = [c for c in required if c not in reader.fieldnames]
    if missing:
        raise SourceFormatError(path.name, f"missing column(s) {', '.join(missing)}; found {reader.fieldnames}")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    if release.origin == "package":
        return _parse_package(release)
    return _parse_gazetteer(release)


def _finish(rows: list[dict], relations: list[dict], quarantine: list[QuarantineRow]) -> Parsed:
    states = state_table()
    known = {r["geoid"] for r in rows}
    for r in rows:
        r.setdefault("population", None)
        r.setdefault("population_year", None)
        r.setdefault("consolidated_with", None)
        if r["level"] == "county" and r["state_fips"] in states.by_fips:
            relations.append(
                {
                    "child_geoid": r["geoid"],
                    "parent_geoid": r["state_fips"],
                    "relation": "in_state",
                    "file_name": r["file_name"],
                    "row_number": r["row_number"],
                }
            )
    relations = [x for x in relations if x["child_geoid"] in known and x["parent_geoid"] in known]
    unique = {(x["child_geoid"], x["parent_geoid"], x["relation"]): x for x in relations}
    return Parsed(
        tables={
            "jurisdiction": pa.Table.from_pylist([{c: r[c] for c in JURISDICTION_COLUMNS} for r in rows]),
            "jurisdiction_relation": pa.Table.from_pylist(list(unique.values())),
        },
        quarantine=quarantine,
        replace=frozenset({"jurisdiction", "jurisdiction_relation"}),
    )


def _seed_places(path: Path, counties: set[str], quarantine: list[QuarantineRow]) -> tuple[list[dict], list[dict]]:
    states = state_table()
    rows, relations = [], []
    for n, r in enumerate(_read_csv(path), start=2):
        geoid = r["geoid"].strip()
        state = states.by_fips.get(geoid[:2])
        if len(geoid) != 7 or not geoid.isdigit() or state is None:
            quarantine.append(QuarantineRow(path.name, n, "geoid", geoid, "not a 7-digit place GEOID of a known state"))
            continue
        lsad = r.get("lsad") or None
        name = r["name"].strip()
        full = f"{name} {lsad}" if lsad and not name.endswith(lsad) and "(balance)" not in name else name
        consolidated = (r.get("consolidated_county_geoid") or "").strip() or None
        rows.append(
            {
                "geoid": geoid,
                "level": "place",
                "name": full,
                "lsad": lsad,
                "state_fips": state.fips,
                "state_abbr": state.abbr,
                "consolidated_with": consolidated if consolidated in counties else None,
                "file_name": path.name,
                "row_number": n,
            }
        )
        for county in filter(None, (c.strip() for c in (r.get("county_geoids") or "").split(";"))):
            if county not in counties:
                quarantine.append(QuarantineRow(path.name, n, "county_geoids", county, "unknown county GEOID"))
                continue
            relation = "borough_of" if geoid == "3651000" else "in_county"
            child, parent = (county, geoid) if relation == "borough_of" else (geoid, county)
            relations.append(
                {
                    "child_geoid": child,
                    "parent_geoid": parent,
                    "relation": relation,
                    "file_name": path.name,
                    "row_number": n,
                }
            )
    return rows, relations


def _mark_consolidated(rows: list[dict]) -> None:
    by_geoid = {r["geoid"]: r for r in rows}
    for r in rows:
        if r["level"] == "place" and r.get("consolidated_with") in by_geoid:
            by_geoid[r["consolidated_with"]]["consolidated_with"] = r["geoid"]


def _parse_package(release: ReleaseFiles) -> Parsed:
    states = state_table()
    counties_path = release.path("counties_2020.csv")
    corrections = _read_csv(release.path("county_corrections.csv"))
    removed = {c["geoid"] for c in corrections if c["action"] == "remove"}
    official = {c["geoid"]: c["name"] for c in corrections if c["action"] in ("name", "add")}
    quarantine: list[QuarantineRow] = []
    rows = _state_rows(counties_path.name)
    seen: set[str] = set()
    for n, r in enumerate(_read_csv(counties_path), start=2):
        geoid = r["statefp"].zfill(2) + r["countyfp"].zfill(3)
        state = states.by_fips.get(geoid[:2])
        if geoid in removed or geoid in seen or state is None:
            continue  # a former or variant name of a county already listed: the resolver's aliases keep it
        seen.add(geoid)
        name = official.get(geoid, r["name"])
        rows.append(
            {
                "geoid": geoid,
                "level": "county",
                "name": name,
                "lsad": county_area_word(name),
                "state_fips": state.fips,
                "state_abbr": state.abbr,
                "file_name": counties_path.name,
                "row_number": n,
            }
        )
    for c in corrections:
        if c["action"] == "add" and c["geoid"] not in seen:
            state = states.by_fips[c["geoid"][:2]]
            seen.add(c["geoid"])
            rows.append(
                {
                    "geoid": c["geoid"],
                    "level": "county",
                    "name": c["name"],
                    "lsad": county_area_word(c["name"]),
                    "state_fips": state.fips,
                    "state_abbr": state.abbr,
                    "file_name": "county_corrections.csv",
                    "row_number": None,
                }
            )
    places, relations = _seed_places(release.path("places_seed.csv"), seen, quarantine)
    rows += places
    _mark_consolidated(rows)
    return _finish(rows, relations, quarantine)


def _parse_gazetteer(release: ReleaseFiles) -> Parsed:
    states = state_table()
    quarantine: list[QuarantineRow] = []
    county_file = next(f for f in release.files if "_Gaz_counties_" in f.name)
    rows = _state_rows(county_file.name)
    counties: set[str] = set()
    for n, r in enumerate(_read_tsv(county_file.path, ("USPS", "GEOID", "NAME")), start=2):
        state = states.by_fips.get(r["GEOID"][:2])
        if len(r["GEOID"]) != 5 or state is None:
            quarantine.append(QuarantineRow(county_file.name, n, "GEOID", r["GEOID"], "not a county GEOID"))
            continue
        counties.add(r["GEOID"])
        rows.append(
            {
                "geoid": r["GEOID"],
                "level": "county",
                "name": r["NAME"],
                "lsad": county_area_word(r["NAME"]),
                "state_fips": state.fips,
                "state_abbr": state.abbr,
                "file_name": county_file.name,
                "row_number": n,
            }
        )
    seed = {
        r["geoid"]: r for r in _read_csv(Path(str(resources.files("sanctuarywatch.geo") / "data" / "places_seed.csv")))
    }
    place_file = next((f for f in release.files if "_Gaz_place_" in f.name), None)
    relations: list[dict] = []
    if place_file:
        for n, r in enumerate(_read_tsv(place_file.path, ("USPS", "GEOID", "NAME", "LSAD", "FUNCSTAT")), start=2):
            if r["FUNCSTAT"] == "S" or r["LSAD"] == "57":
                continue  # census-designated places are statistical, not governments
            state = states.by_fips.get(r["GEOID"][:2])
            if len(r["GEOID"]) != 7 or state is None:
                quarantine.append(QuarantineRow(place_file.name, n, "GEOID", r["GEOID"], "not a place GEOID"))
                continue
            consolidated = (seed.get(r["GEOID"], {}).get("consolidated_county_geoid") or "").strip() or None
            rows.append(
                {
                    "geoid": r["GEOID"],
                    "level": "place",
                    "name": r["NAME"],
                    "lsad": _PLACE_LSAD.get(r["LSAD"]),
                    "state_fips": state.fips,
                    "state_abbr": state.abbr,
                    "consolidated_with": consolidated if consolidated in counties else None,
                    "file_name": place_file.name,
                    "row_number": n,
                }
            )
    relation_file = next((f for f in release.files if f.name.startswith("national_place_by_county")), None)
    if relation_file:
        relations += _place_county_relations(relation_file)
    _mark_consolidated(rows)
    return _finish(rows, relations, quarantine)


def _place_county_relations(file: LocatedFile) -> list[dict]:
    text = file.path.read_text(encoding="latin-1")
    reader = csv.DictReader(io.StringIO(text), delimiter="|")
    out = []
    for n, r in enumerate(reader, start=2):
        place = r["STATEFP"] + r["PLACEFP"]
        county = r["STATEFP"] + r["COUNTYFP"]
        out.append(
            {
                "child_geoid": place,
                "parent_geoid": county,
                "relation": "in_county",
                "file_name": file.name,
                "row_number": n,
            }
        )
    return out
