"""The JSON/CSV API through its public face (TestClient), on a store filled from fixtures by every connector."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from sanctuarywatch.api.app import create_app


@pytest.fixture(scope="module")
def client(full_store):
    return TestClient(create_app(full_store))


def test_jurisdiction_listing_paginates(client):
    first = client.get("/api/jurisdictions", params={"level": "county", "state": "NY", "limit": 50}).json()
    assert first["total"] == 62 and len(first["items"]) == 50 and first["next_offset"] == 50
    rest = client.get("/api/jurisdictions", params={"level": "county", "state": "ny", "limit": 50, "offset": 50})
    assert len(rest.json()["items"]) == 12 and rest.json()["next_offset"] is None
    names = {r["name"] for r in first["items"] + rest.json()["items"]}
    assert "Westchester County" in names


def test_search_resolves_and_returns_csv(client):
    found = client.get("/api/jurisdictions", params={"q": "Westchester County, NY"}).json()
    assert found["status"] == "accepted" and found["geoid"] == "36119"
    as_csv = client.get("/api/jurisdictions", params={"q": "Washington County", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) >= 2 and {"geoid", "name", "confidence"} <= set(rows[0])


def test_profile_and_one_jurisdiction(client):
    one = client.get("/api/jurisdictions/42101").json()
    assert one["name"] == "Philadelphia County"
    profile = client.get("/api/jurisdictions/42101/profile").json()
    # The real Pennsylvania records (pa_detainers.csv): Philadelphia's jails, 2007-10 to 2015-07.
    assert (profile["detainers"]["total"], profile["detainers"]["declined"]) == (4760, 193)
    by_year = {y["year"]: (y["total"], y["declined"]) for y in profile["detainers"]["by_year"]}
    assert by_year["2013"] == (522, 16) and by_year["2014"] == (358, 148)
    assert profile["detainers"]["coverage"]["status"] == "covered"
    assert "partial coverage" in profile["detainers"]["coverage"]["caveats"][0]
    # doj_oig_2016 is the generated fixture of a table that cannot be mirrored; the others are real.
    assert {x["list_id"] for x in profile["lists"]} == {"doj_1373_letters", "dhs_2025", "doj_2025", "doj_oig_2016"}
    assert any(s["source_id"] == "ice_detainers" and s["coverage"] == "partial" for s in profile["sources"])
    earlier = client.get("/api/jurisdictions/42101/profile", params={"as_of": "2010-01-01"}).json()
    assert earlier["lists"] == [] and earlier["detainers"]["total"] == 1558


def test_a_source_that_does_not_cover_a_place_is_null_not_zero(client):
    westchester = client.get("/api/jurisdictions/36119/profile").json()
    detainers = westchester["detainers"]
    assert detainers["total"] is None and detainers["declined"] is None and detainers["by_year"] == []
    assert detainers["coverage"]["status"] == "not_covered" and detainers["coverage"]["covered_states"] == ["PA"]
    assert "unknown, not zero" in detainers["coverage"]["message"]


@pytest.mark.parametrize(
    ("url", "status"),
    [("/api/jurisdictions/99999", 404), ("/api/jurisdictions/abc", 422),
     ("/api/jurisdictions/36119/profile?as_of=soon", 422),
     ("/api/reports/declined-detainers?week=2017-02-30", 422), ("/api/reports/declined-detainers", 422),
     ("/api/jurisdictions?limit=5000", 422), ("/api/jurisdictions?level=planet", 422),
     ("/api/exposure/no_such_scenario", 422), ("/api/jurisdictions?q=", 422)],
)  # fmt: skip
def test_bad_requests_get_clear_4xx(client, url, status):
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.json()


def test_reports_exposure_lists_litigation_sources(client):
    report = client.get("/api/reports/declined-detainers", params={"week": "2017-01-28"}).json()
    assert report["basis"] == "ddor" and report["declined_detainers"] == 201
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/reports/declined-detainers", params={"week": "2017-01-28", "format": "csv"}).text
            )
        )
    )
    assert len(rows) == 201
    exposure = client.get("/api/exposure/eo13768_fy2017_jag", params={"as_of": "2018-09-01"}).json()
    assert exposure["totals"]["gross"] == sum(a["amount"] for a in exposure["awards"])
    compare = client.get("/api/lists/compare").json()
    assert {p["list_a"] for p in compare["pairwise"]} and compare["flag_counts"]
    assert client.get("/api/litigation").json()["items"]
    sources = client.get("/api/sources", params={"format": "csv"}).text
    assert "ice_287g" in sources and "release_id" in sources.splitlines()[0]


def test_openapi_spec_describes_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert {
        "/api/jurisdictions",
        "/api/jurisdictions/{geoid}/profile",
        "/api/lists/compare",
        "/api/reports/declined-detainers",
        "/api/exposure/{scenario}",
        "/api/sources",
    } <= set(spec["paths"])


def test_api_is_read_only(client):
    assert client.post("/api/jurisdictions").status_code == 405
    assert client.delete("/api/jurisdictions/36119").status_code == 405


def test_lists_and_members_with_pagination_and_accept_csv(client):
    lists = {x["list_id"]: x for x in client.get("/api/lists").json()["items"]}
    assert {"doj_2025", "dhs_2025", "doj_1373_letters", "doj_oig_2016"} <= set(lists)
    assert (lists["doj_2025"]["entries"], lists["dhs_2025"]["entries"]) == (35, 605)
    first = client.get("/api/lists/doj_2025/members", params={"limit": 20}).json()
    assert first["total"] == 35 and len(first["items"]) == 20 and "offset=20" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["items"]) == 15 and second["next"] is None
    as_csv = client.get("/api/lists/doj_oig_2016/members", headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.text.count("\n") == 11
    assert client.get("/api/lists/no_such_list/members").status_code == 404
