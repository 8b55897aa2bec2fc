"""The dashboard's 287(g) story on the real mirror, through the API and the home page: the national series of
ICE's participating sheets, agreements in force per county on a date, and "not covered / not loaded" as null.

Figures a person can check by opening the sheets in ../shared/data/ice_287g/sheets/:
- participatingAgencies03072025am.xlsx has 318 data rows (73 JEM, 117 TFM, 128 WSO); 05182026am has 1,843.
- On 2025-10-15 the sheet in force is participatingAgencies10012025am.xlsx (as of 2025-09-30). Its COUNTY column
  says "Galveston County" on 8 TX rows: three constables' offices (TFM), the sheriff (JEM, WSO, TFM) and League City
  PD (TFM, WSO). League City lies partly in Harris County, so Harris counts League City's 2.
- On 2026-05-18 Pulaski County AR has the sheriff (WSO) and Sherwood PD (TFM); three Arkansas state agencies whose
  COUNTY cell says Pulaski do not count (state agencies do not colour counties).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from sanctuarywatch.analysis import agreements, catalog
from sanctuarywatch.api.app import create_app
from sanctuarywatch.store.db import connect
from sanctuarywatch.web import pages

SHEET_DATES = ["2025-03-07", "2025-04-30", "2025-05-29", "2025-06-27", "2025-07-30", "2025-08-29", "2025-09-30",
               "2025-10-31", "2025-11-26", "2025-12-30", "2026-01-31", "2026-02-27", "2026-03-31", "2026-04-30",
               "2026-05-18"]  # fmt: skip
SERIES_HEADER = ("status,sheet_date,agreements,agencies,jail_enforcement_model,task_force_model,"
                 "warrant_service_officer,release_id,file_name")  # fmt: skip
IN_FORCE_HEADER = ("date,status,sheet_date,geoid,name,state_abbr,agreements,agencies,jail_enforcement_model,"
                   "task_force_model,warrant_service_officer,release_id,file_name")  # fmt: skip


@pytest.fixture(scope="module")
def client(full_store):
    return TestClient(create_app(full_store))


def _county(result: dict, geoid: str) -> dict:
    return next(c for c in result["counties"] if c["geoid"] == geoid)


def test_series_runs_from_318_to_1843_over_the_fifteen_real_sheets(client):
    series = client.get("/api/287g/series").json()
    assert series["status"] == "loaded" and series["caveat"] is None  # ICE's own sheets: original, complete
    items = series["items"]
    assert [i["sheet_date"] for i in items] == SHEET_DATES
    first, last = items[0], items[-1]
    assert (first["agreements"], first["agencies"]) == (318, 239)
    assert (first["jail_enforcement_model"], first["task_force_model"], first["warrant_service_officer"]) == (
        73, 117, 128)  # fmt: skip
    assert first["file_name"] == "participatingAgencies03072025am.xlsx"
    assert (last["sheet_date"], last["agreements"], last["agencies"]) == ("2026-05-18", 1843, 1549)
    assert all(i["agreements"] == i["jail_enforcement_model"] + i["task_force_model"] + i["warrant_service_officer"]
               for i in items)  # fmt: skip
    assert [i["agreements"] for i in items] == sorted(i["agreements"] for i in items)  # it only grew


def test_series_csv_has_the_exact_header(client):
    for url in ("/api/287g/series?format=csv", "/data/287g/series.csv"):
        response = client.get(url)
        assert response.headers["content-type"].startswith("text/csv")
        lines = response.text.splitlines()
        assert lines[0] == SERIES_HEADER
        assert lines[1].startswith("covered,2025-03-07,318,239,73,117,128,") and lines[-1].startswith(
            "covered,2026-05-18,1843,1549,")  # fmt: skip
        assert len(lines) == 16


def test_in_force_galveston_on_2025_10_15_from_the_september_sheet(client):
    result = client.get("/api/287g/in-force", params={"date": "2025-10-15"}).json()
    assert result["status"] == "covered"
    assert result["sheet"]["sheet_date"] == "2025-09-30"
    assert result["sheet"]["file_name"] == "participatingAgencies10012025am.xlsx"
    galveston = _county(result, "48167")
    assert (galveston["agreements"], galveston["agencies"]) == (8, 5)
    assert (galveston["jail_enforcement_model"], galveston["task_force_model"],
            galveston["warrant_service_officer"]) == (1, 5, 2)  # fmt: skip
    assert _county(result, "48201")["agreements"] == 2  # League City, partly in Harris County
    assert _county(result, "06075")["agreements"] == 0  # a real zero: the sheet is national
    totals = result["totals"]
    assert totals["agreements"] == 1035
    assert totals["agreements"] == totals["county_agreements"] + totals["state_agency_agreements"] + totals[
        "unplaced_agreements"]  # fmt: skip


def test_state_agencies_do_not_colour_counties(client):
    result = client.get("/api/287g/in-force", params={"date": "2026-05-18"}).json()
    pulaski = _county(result, "05119")
    assert (pulaski["agreements"], pulaski["task_force_model"], pulaski["warrant_service_officer"]) == (2, 1, 1)
    assert result["totals"]["state_agency_agreements"] == 78


def test_a_date_after_the_last_sheet_uses_the_last_sheet(client):
    result = client.get("/api/287g/in-force", params={"date": "2027-01-01"}).json()
    assert result["sheet"]["sheet_date"] == "2026-05-18" and result["totals"]["agreements"] == 1843


def test_before_the_first_sheet_is_not_covered_null_never_zero(client):
    result = client.get("/api/287g/in-force", params={"date": "2025-03-06"}).json()
    assert result["status"] == "not_covered" and result["sheet"] is None
    assert "not covered" in result["reason"].lower() and "2025-03-07" in result["reason"]
    assert set(result["totals"].values()) == {None}
    assert _county(result, "48167")["agreements"] is None
    assert all(c["agreements"] is None for c in result["counties"])
    as_csv = client.get("/api/287g/in-force", params={"date": "2025-03-06", "format": "csv"}).text.splitlines()
    assert as_csv[0] == IN_FORCE_HEADER
    galveston = next(line for line in as_csv if ",48167," in line)
    assert galveston == "2025-03-06,not_covered,,48167,Galveston County,TX,,,,,,,"


def test_in_force_csv_lists_every_county_with_the_exact_header(client):
    response = client.get("/api/287g/in-force", params={"date": "2025-10-15"}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.text.splitlines()[0] == IN_FORCE_HEADER
    assert len(rows) == 3234  # every county in the registry (incl. Puerto Rico and the former CT counties)
    galveston = next(r for r in rows if r["geoid"] == "48167")
    assert galveston == {
        "date": "2025-10-15", "status": "covered", "sheet_date": "2025-09-30", "geoid": "48167",
        "name": "Galveston County", "state_abbr": "TX", "agreements": "8", "agencies": "5",
        "jail_enforcement_model": "1", "task_force_model": "5", "warrant_service_officer": "2",
        # the sheet dated 30 Sep 2025 is ICE's file named 10012025 (ice_287g/PROVENANCE.md)
        "release_id": "ice_287g@dc5fcce32c1d", "file_name": "participatingAgencies10012025am.xlsx",
    }  # fmt: skip


@pytest.mark.parametrize("value", ["1999-12-31", "2101-01-01", "2025-02-30", "15/10/2025", "", "2025-10-15T00:00"])
def test_in_force_dates_are_validated(client, value):
    assert client.get("/api/287g/in-force", params={"date": value}).status_code == 422


def test_in_force_needs_a_date(client):
    assert client.get("/api/287g/in-force").status_code == 422


def test_map_data_colours_by_sheet_date_and_keeps_unknown_null(client):
    data = client.get("/data/map.json").json()
    agreements_287g = data["measures"]["agreements_287g"]
    assert agreements_287g["status"] == "loaded" and agreements_287g["sheet_dates"] == SHEET_DATES
    galveston = data["counties"]["48167"]["agreements_287g"]
    assert galveston[0] == 1 and galveston[SHEET_DATES.index("2025-09-30")] == 8  # the sheriff's JEM alone in March
    philadelphia = data["counties"]["42101"]
    assert (philadelphia["detainers"], philadelphia["declined"]) == (4760, 193)
    assert data["counties"]["42003"]["detainers"] is not None  # Allegheny: covered (Pennsylvania records)
    westchester = data["counties"]["36119"]
    assert westchester["detainers"] is None and westchester["declined"] is None  # not covered, not 0
    assert westchester["lists"] >= 1
    assert data["measures"]["detainers"]["covered_states"] == ["PA"]
    assert "partial coverage" in data["measures"]["detainers"]["caveat"]


def test_home_page_has_the_chart_the_date_select_and_the_series_table(client):
    html = client.get("/").text
    assert 'id="agreements-chart"' in html and 'id="agreements-spec"' in html
    select = re.search(r'<select id="sheet-date">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'data-date="([0-9-]+)"', select) == SHEET_DATES
    assert 'data-date="2026-05-18" selected' in select
    assert '<option value="agreements_287g">287(g) agreements in force</option>' in html
    table = re.search(r'<table id="series-table">(.*?)</table>', html, re.S).group(1)
    assert table.count("<tr>") == 16 and "<td>2025-03-07</td><td>318</td>" in table
    assert "<td>2026-05-18</td><td>1,843</td>" in table
    assert "318 agreements (239 agencies) on 2025-03-07" in html and "1,843 (1,549 agencies) on 2026-05-18" in html
    assert "state agencies" in html  # the legend's note: they are not on the map
    top = re.search(r'<table id="top-287g">(.*?)</table>', html, re.S).group(1)
    assert "jurisdictions/12099/" in top  # Palm Beach: most agreements in force on the latest sheet


def test_without_the_287g_source_everything_says_not_loaded(store_path):
    """A store with only the Census registry: no 287(g) sheet is loaded."""
    con = connect(store_path, read_only=True)
    try:
        series = agreements.national_series(con)
        result = agreements.in_force(con, date(2025, 10, 15))
        measures = catalog.map_measures(con)
        html = pages.home_page(con, "/")
    finally:
        con.close()
    assert series["status"] == "not_loaded" and series["items"] == []
    assert agreements.series_rows(series)[0]["agreements"] is None
    assert result["status"] == "not_loaded" and _county(result, "48167")["agreements"] is None
    assert measures["measures"]["agreements_287g"]["status"] == "not_loaded"
    assert measures["counties"]["48167"] == {"lists": None, "detainers": None, "declined": None,
                                             "agreements_287g": None}  # fmt: skip
    assert "287(g) agreements: not loaded" in html and 'id="agreements-chart"' not in html
    assert '<option value="agreements_287g" disabled>' in html


def test_any_census_place_is_findable_by_name_on_the_live_site(client):
    """A town named by no source and a CDP: the search finds them and their pages answer."""
    found = client.get("/search/", params={"q": "Lost Springs, WY"}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == "/jurisdictions/5647805/"
    assert "Lost Springs town" in client.get("/jurisdictions/5647805/").text
    cdp = client.get("/search/", params={"q": "Brentwood, NY"})  # a CDP is never accepted alone: a candidate
    assert cdp.status_code == 200 and 'href="/jurisdictions/3608026/">Brentwood CDP, NY</a>' in cdp.text
