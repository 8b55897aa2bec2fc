"""The static export: every state and county page, places named by sources, JSON and CSV downloads, with
relative links so the folder works from any static host."""

from __future__ import annotations

import json
import time

from sanctuarywatch.store.db import connect
from sanctuarywatch.web.export import build_site


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
    assert states <= written and len(states) >= 51
    assert {"3651000", "1714000"} <= written  # places that sources name
    page = (out / "jurisdictions" / "36119" / "index.html").read_text()
    assert 'href="../../static/style.css"' in page and 'href="../../jurisdictions/' in page
    profile = json.loads((out / "data" / "jurisdictions" / "36119.json").read_text())
    assert profile["geoid"] == "36119" and profile["lists"]
    assert (out / "data" / "map.json").is_file() and (out / "static" / "vendor" / "d3.min.js").is_file()
    assert (out / "reports" / "declined-detainers" / "index.html").is_file()
    assert (out / "data" / "reports" / "declined-detainers-2017-01-28.csv").read_text().count("\n") == 202
    flags = (out / "data" / "reports" / "declined-detainer-flags-2017-01-28.csv").read_text().splitlines()
    assert flags[0].startswith("flag,check_name,status,") and len(flags) > 1  # audit flags with their evidence
    index = json.loads((out / "data" / "index.json").read_text())
    _check_287g_files(out)
    _check_search_index(index, written)


def _check_287g_files(out):
    """The national 287(g) series and the agreements in force on each sheet date, as on the live API."""
    series = json.loads((out / "data" / "287g" / "series.json").read_text())
    points = [(i["sheet_date"], i["agreements"]) for i in series["items"]]
    assert len(points) == 15 and points[0] == ("2025-03-07", 318) and points[-1] == ("2026-05-18", 1843)
    lines = (out / "data" / "287g" / "series.csv").read_text().splitlines()
    assert lines[0].startswith("status,sheet_date,agreements,agencies,") and len(lines) == 16
    in_force = (out / "data" / "287g" / "in-force-2025-09-30.csv").read_text().splitlines()
    assert "2025-09-30,covered,2025-09-30,48167,Galveston County,TX,8,5,1,5,2" in in_force
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
    assert len(places) > 32_000
    assert "36119" in by_geoid and by_geoid["36119"]["own_page"] == 1
    # Lost Springs, WY (population 1 in the registry) is named by no source: no page, its county's instead.
    lost = by_geoid["5647805"]
    assert (lost["name"], lost["state"], lost["kind"], lost["own_page"]) == ("Lost Springs town", "WY", "town", 0)
    assert "5647805" not in written and lost["counties"] == ["56009"] and by_geoid["56009"]["name"] == "Converse County"
    cdp = by_geoid["3608026"]  # Brentwood, NY: a census-designated place, not a government
    assert cdp["name"] == "Brentwood CDP" and cdp["kind"] == "census-designated place"
    assert cdp["own_page"] == 1 or cdp["counties"] == ["36103"]  # its own page, or Suffolk County's
    assert by_geoid["3651000"]["own_page"] == 1  # New York city has its own page
    assert all(j["geoid"] in written for j in entries if j["own_page"])
    assert all(set(j["counties"]) <= written for j in entries)
