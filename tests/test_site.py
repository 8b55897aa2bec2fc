"""The static export: every state and county page, places named by sources, JSON and CSV downloads, with
relative links so the folder works from any static host. The default test builds a sample (three states' profiles,
every other page in full) through the CLI and follows every link in it; the whole site is built by the slow test."""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import pytest
from conftest import real_file
from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.errors import InputError
from sanctuarywatch.store.db import connect
from sanctuarywatch.web.export import build_site

runner = CliRunner()
# Every attribute a page uses to point at another file of the site (the map and search read data-* addresses).
LINK = re.compile(r'\b(?:href|src|action|data-atlas|data-measures|data-index)="([^"]*)"')
PROFILE_LINK = re.compile(r"(?:\.\./)*jurisdictions/(\d+)/")


def _broken_links(out: Path) -> dict[str, set[str]]:
    """Internal links of every page that do not resolve to a file: target -> pages holding it. A folder link
    resolves to its index.html, as on a static host."""
    broken: dict[str, set[str]] = {}
    for page in out.rglob("*.html"):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:|#|//", target):
                continue  # another site, an e-mail address or an anchor on the same page
            path = (page.parent / target.split("#")[0].split("?")[0]).resolve()
            inside = path == out.resolve() or out.resolve() in path.parents
            if not inside or not (path / "index.html" if path.is_dir() else path).is_file():
                broken.setdefault(target, set()).add(str(page.relative_to(out)))
    return broken


def _gazetteer_counties(states: set[str]) -> set[str]:
    """County GEOIDs of these states in the raw 2025 Gazetteer file (pipe-separated, USPS|GEOID|...)."""
    with real_file("census_geography/2025_Gaz_counties_national.txt").open(encoding="latin-1") as fh:
        return {r["GEOID"] for r in csv.DictReader(fh, delimiter="|") if r["USPS"] in states}


def test_sample_build_of_three_states_has_every_link_resolving(full_store, tmp_path):
    """NY (Westchester, New York city), WY (Lost Springs) and AK (boroughs that are one government with a city
    without a page of its own: Anchorage, Juneau, Sitka)."""
    out = tmp_path / "site"
    started = time.perf_counter()
    built = runner.invoke(app, ["build-site", str(out), "--state", "NY", "--state", "wy", "--state", "AK",
                                "--db", str(full_store)])  # fmt: skip
    print(f"\nbuild-site --state NY --state WY --state AK: {time.perf_counter() - started:.1f} s")
    assert built.exit_code == 0, built.output
    written = {p.parent.name for p in (out / "jurisdictions").glob("*/index.html")}
    counties = _gazetteer_counties({"NY", "WY", "AK"})
    assert len(counties) == 62 + 23 + 30  # the raw Gazetteer's NY, WY and AK rows
    assert {"36", "56", "02"} | counties | {"3651000"} <= written  # New York city: named by lists
    assert {g[:2] for g in written} == {"36", "56", "02"}  # no other state's profile
    assert f"({len(written)} jurisdictions)" in built.output
    broken = _broken_links(out)
    # Only profiles of other states are missing: the home page, lists and the report link them (Chicago, Cook Co.)
    missing = {PROFILE_LINK.fullmatch(t).group(1) if PROFILE_LINK.fullmatch(t) else t for t in broken}
    assert {"1714000", "17031"} <= missing and all(g.isdigit() and g[:2] not in ("36", "56", "02") for g in missing)
    # Westchester's page names the villages it contains; those without a page of their own are not links
    westchester = (out / "jurisdictions" / "36119" / "index.html").read_text()
    assert "Contains: Ardsley village" in westchester and 'href="../../static/style.css"' in westchester
    anchorage = (out / "jurisdictions" / "02020" / "index.html").read_text()  # Anchorage city: no page
    assert "consolidated city-county (one government with 0203000)" in anchorage
    assert (out / "policies" / "index.html").is_file() and (out / "corrections" / "index.html").is_file()
    _check_downloads(out)
    _check_287g_files(out)
    _check_search_index(json.loads((out / "data" / "index.json").read_text()), written)


def test_sample_of_an_unknown_state_is_refused_and_writes_nothing(full_store, tmp_path):
    out = tmp_path / "site"
    refused = runner.invoke(app, ["build-site", str(out), "--state", "ZZ", "--db", str(full_store)])
    assert isinstance(refused.exception, InputError) and "Unknown state abbreviation(s) ZZ" in str(refused.exception)
    assert not out.exists() and list(tmp_path.iterdir()) == []  # the hidden build folder is removed too


@pytest.mark.slow
def test_build_site_writes_every_state_and_county(full_store, tmp_path):
    out = tmp_path / "site"
    started = time.perf_counter()
    summary = build_site(full_store, out, workers=2)
    seconds = time.perf_counter() - started
    print(f"\nbuild-site: {summary.pages:,} pages, {summary.jurisdictions:,} jurisdictions in {seconds:.1f} s")
    written = {p.parent.name for p in (out / "jurisdictions").glob("*/index.html")}
    con = connect(full_store, read_only=True)
    sql = "SELECT geoid FROM jurisdiction WHERE level = 'county' AND state_fips <= '56' AND valid_to IS NULL"
    counties = {r[0] for r in con.execute(sql).fetchall()}
    states = {r[0] for r in con.execute("SELECT geoid FROM jurisdiction WHERE level = 'state'").fetchall()}
    con.close()
    # every current county and equivalent of the 50 states + DC (Connecticut's 9 planning regions, not its 8 former
    # counties, which keep their pages too for older sources)
    assert len(counties) == 3144 and counties <= written
    assert len(states) == 56 and states <= written  # 50 states, DC, Puerto Rico and 4 island areas
    assert {"3651000", "1714000"} <= written  # places that sources name
    assert _broken_links(out) == {}  # the whole site: every link of every page resolves
    _check_downloads(out)
    _check_287g_files(out)
    _check_search_index(json.loads((out / "data" / "index.json").read_text()), written)


def _check_downloads(out):
    profile = json.loads((out / "data" / "jurisdictions" / "36119.json").read_text())
    # Westchester is on one list: the May 2025 DHS list (the PDF's entry 455); not on DOJ's (grep of the raw CSV)
    assert [(x["list_id"], x["as_printed"], x["row_number"]) for x in profile["lists"]] == [
        ("dhs_2025", "Westchester County", 455)
    ]
    assert (out / "data" / "map.json").is_file() and (out / "static" / "vendor" / "d3.min.js").is_file()
    assert (out / "reports" / "declined-detainers" / "index.html").is_file()
    # the fixture issue: 206 rows printed, 5 refused at the boundary -> 201 rows + the header
    assert (out / "data" / "reports" / "declined-detainers-2017-01-28.csv").read_text().count("\n") == 202
    flags = (out / "data" / "reports" / "declined-detainer-flags-2017-01-28.csv").read_text().splitlines()
    assert flags[0] == ("flag,check_name,status,subject_table,release_id,file_name,sheet,row_number,state_abbr,geoid,"
                        "facility,subject_date,detail,evidence")  # fmt: skip
    # audit flags with their evidence: the fixture prints 3 declines at Johnson County, IA on 2017-01-28
    assert any(f.startswith("batch_dated,declines_per_day,flagged,ddor_declined_detainer,") and
               ",IA,19103,Johnson County,2017-01-28,3 declines at Johnson County dated 2017-01-28" in f
               for f in flags)  # fmt: skip


def _check_287g_files(out):
    """The national 287(g) series and the agreements in force on each sheet date, as on the live API."""
    series = json.loads((out / "data" / "287g" / "series.json").read_text())
    points = [(i["sheet_date"], i["agreements"]) for i in series["items"]]
    # ice_287g/PROVENANCE.md: 15 participating sheets, 318 data rows on 2025-03-07 and 1,843 on 2026-05-18
    assert len(points) == 15 and points[0] == ("2025-03-07", 318) and points[-1] == ("2026-05-18", 1843)
    lines = (out / "data" / "287g" / "series.csv").read_text().splitlines()
    assert lines[0] == ("status,sheet_date,agreements,agencies,jail_enforcement_model,task_force_model,"
                        "warrant_service_officer,release_id,file_name") and len(lines) == 16  # fmt: skip
    in_force = (out / "data" / "287g" / "in-force-2025-09-30.csv").read_text().splitlines()
    assert ("2025-09-30,covered,2025-09-30,48167,Galveston County,TX,8,5,1,5,2,ice_287g@dc5fcce32c1d,"
            "participatingAgencies10012025am.xlsx") in in_force
    measures = json.loads((out / "data" / "map.json").read_text())
    assert len(measures["measures"]["agreements_287g"]["sheet_dates"]) == 15
    assert measures["counties"]["36119"]["detainers"] is None  # Westchester: not covered, not 0
    home = (out / "index.html").read_text()
    assert 'id="agreements-chart"' in home and 'href="data/287g/series.csv"' in home


def _decode(index: dict) -> list[dict]:
    """data/index.json's compact rows as dictionaries (what static/search.js does)."""
    assert index["columns"] == ["geoid", "name", "state", "level", "kind", "population", "own_page", "counties"]
    return [{**dict(zip(index["columns"], row, strict=True)), "kind": index["kinds"][row[4]]} for row in index["rows"]]


def _check_search_index(index, written):
    """Every Census place is findable by name; one without a page of its own points at its county's page."""
    entries = _decode(index)
    by_geoid = {j["geoid"]: j for j in entries}
    places = [j for j in entries if j["level"] == "place"]
    assert len(places) == 32_350  # the data rows of the raw 2025_Gaz_place_national.txt
    assert "36119" in by_geoid and by_geoid["36119"]["own_page"] == 1
    # Lost Springs, WY (population 1 in the registry) is named by no source: no page, its county's instead.
    lost = by_geoid["5647805"]
    assert (lost["name"], lost["state"], lost["kind"], lost["own_page"]) == ("Lost Springs town", "WY", "town", 0)
    assert "5647805" not in written and lost["counties"] == ["56009"] and by_geoid["56009"]["name"] == "Converse County"
    cdp = by_geoid["3608026"]  # Brentwood, NY: a census-designated place, not a government
    assert cdp["name"] == "Brentwood CDP" and cdp["kind"] == "census-designated place"
    assert cdp["own_page"] == 1 or cdp["counties"] == ["36103"]  # its own page, or Suffolk County's
    assert by_geoid["3651000"]["own_page"] == 1  # New York city has its own page
    assert {j["geoid"] for j in entries if j["own_page"]} == written  # a page for each entry saying so, and no more
    assert all(set(j["counties"]) <= written for j in entries)
