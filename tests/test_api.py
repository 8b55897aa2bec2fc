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
    # 30 counties of that name in the Gazetteer, none preferred: the first five candidates, by state
    assert as_csv.text.splitlines() == [
        "geoid,name,level,state_abbr,confidence,reason",
        "01129,Washington County,county,AL,0.96,exact name",
        "05143,Washington County,county,AR,0.96,exact name",
        "08121,Washington County,county,CO,0.96,exact name",
        "12133,Washington County,county,FL,0.96,exact name",
        "13303,Washington County,county,GA,0.96,exact name",
    ]


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
    ("url", "status", "names"),
    [("/api/jurisdictions/99999", 404, "No jurisdiction with GEOID '99999'."), ("/api/jurisdictions/abc", 422, "geoid"),
     ("/api/jurisdictions/36119/profile?as_of=soon", 422, "as_of"),
     ("/api/reports/declined-detainers?week=2017-02-30", 422, "'2017-02-30' is not a day: give YYYY-MM-DD."),
     ("/api/reports/declined-detainers", 422, "week"),
     ("/api/jurisdictions?limit=5000", 422, "limit"), ("/api/jurisdictions?level=planet", 422, "level"),
     ("/api/exposure/no_such_scenario", 422, "Unknown scenario 'no_such_scenario'. Known: dhs_2025_all_doj, "
                                             "doj_2025_jag_scaap, doj_fy2017_jag_conditions."),
     ("/api/jurisdictions?q=", 422, "q is empty: give a name to search for.")],
)  # fmt: skip
def test_bad_requests_get_clear_4xx(client, url, status, names):
    """Each refusal names what was wrong: the API's own sentence, or the parameter FastAPI's validation refused."""
    response = client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    if "detail" in body:
        assert body["detail"][0]["loc"][-1] == names, body
    else:
        assert body == {"error": names}



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
    assert len(rows) == 201  # ddor_fixture: 206 rows printed, 5 refused at the boundary
    exposure = client.get("/api/exposure/eo13768_fy2017_jag", params={"as_of": "2018-09-01"}).json()
    # FY2017 JAG awards of the generated OJP table (sources_fixture.ojp_rows(): base x (100 + (2017*7 + i*13) % 23)
    # / 100) for the designated grantees: California 17,500,000 x 109%, San Francisco 840,000 x 106%, Miami-Dade
    # 1,300,000 x 111%, Chicago 2,300,000 x 103%, Cook 620,000 x 113%, New York City 4,900,000 x 115%.
    # On 2018-09-01 no award is fully enjoined yet (SF's judgment: 2018-10-05); Chicago's is partly.
    assert [(a["award_id"], a["amount"], a["enjoined_by"], a["partly_enjoined_by"]) for a in exposure["awards"]] == [
        ("2017-DJ-BX-0008", 19075000.0, None, None), ("2017-DJ-BX-0006", 890400.0, None, None),
        ("2017-DJ-BX-0017", 1443000.0, None, None), ("2017-DJ-BX-0004", 2369000.0, None, "chicago-permanent-2018"),
        ("2017-DJ-BX-0003", 700600.0, None, None), ("2017-DJ-BX-0012", 5635000.0, None, None),
    ]  # fmt: skip
    assert (exposure["totals"]["gross"], exposure["totals"]["net"]) == (30113000.0, 30113000.0)
    later = client.get("/api/exposure/eo13768_fy2017_jag", params={"as_of": "2019-01-01"}).json()
    # California (19,075,000; its own permanent injunction), SF (890,400) and NYC (5,635,000) are fully enjoined
    # by then (Oct-Nov 2018 judgments): enjoined 25,600,400, net 30,113,000 - 25,600,400
    assert [a["enjoined_by"] for a in later["awards"]] == [
        "california-v-sessions-permanent-2018", "sf-v-sessions-permanent-2018", None, None, None,
        "new-york-city-sdny-2018"]  # fmt: skip
    assert (later["totals"]["net"], later["totals"]["enjoined"]) == (4512600.0, 25600400.0)
    compare = client.get("/api/lists/compare").json()
    pairs = {(p["list_a"], p["list_b"]): (p["overlap"], p["jaccard"]) for p in compare["pairwise"]}
    # DOJ's April 2017 letters (doj_letters_2017_2018/doj_1373_letters_2017-04-21.csv) went to 9 of the OIG's 10
    # jurisdictions (New Orleans = Orleans Parish); only Connecticut got none: 9 / 10
    assert pairs[("doj_1373_letters@2017-04-21", "doj_oig_2016")] == (9, 0.9)
    assert len(pairs) == 15  # 6 list editions in force today (DDOR table, 3 letter rounds, DOJ 2025, OIG): 6 x 5 / 2
    cases = client.get("/api/litigation").json()["items"]
    assert len(cases) == 12  # the data rows of the packaged sources/data/litigation_cases.csv
    assert {"chicago-v-sessions", "san-francisco-v-trump-2025"} <= {c["case_id"] for c in cases}
    sources = client.get("/api/sources", params={"format": "csv"}).text.splitlines()
    ice_287g = [line for line in sources if line.startswith("ice_287g,")]
    assert len(ice_287g) == 26  # one release per sheet: 15 participating + 11 pending (ice_287g/PROVENANCE.md)


# Each CSV download's exact header: rows that come from a source file carry their provenance (release, file, row);
# per-county 287(g) counts carry the sheet they were counted from (release, file); the list summary is an aggregate
# of many releases and carries none (each list's members do).
CSV_HEADERS = {
    "/api/jurisdictions?level=county&state=NY&limit=3": "geoid,name,level,lsad,state_abbr,population,consolidated_with,"
                                                        "release_id,file_name,row_number",
    "/api/lists": "list_id,title,publisher,kind,url,entries,editions,first_edition,latest_edition,withdrawn_date,"
                  "resolved",
    "/api/lists/doj_2025/members": "edition,edition_date,withdrawn_date,as_printed,state_as_printed,category,geoid,"
                                   "level,confidence,resolution_status,page_order,note,source_address,flags,"
                                   "release_id,file_name,row_number",
    "/api/reports/declined-detainers?week=2017-01-28": "jurisdiction,state_abbr,geoid,resolution_status,facility,"
                                                       "citizenship_country,criminality,detainer_issued_date,"
                                                       "declined_date,report_issue,release_id,file_name,sheet,"
                                                       "row_number,flags,flags_not_checked,flag_details",
    "/api/reports/declined-detainers?week=2017-01-28&part=flags": "flag,check_name,status,subject_table,release_id,"
                                                                  "file_name,sheet,row_number,state_abbr,geoid,"
                                                                  "facility,subject_date,detail,evidence",
    "/api/exposure/eo13768_fy2017_jag?as_of=2018-09-01": "award_id,fiscal_year,program,recipient_name,geoid,"
                                                         "jurisdiction,state_abbr,amount,is_pass_through,"
                                                         "exposed_because,enjoined_by,enjoined_conditions,"
                                                         "partly_enjoined_by,release_id,file_name,row_number",
    "/api/287g/series": "status,sheet_date,agreements,agencies,jail_enforcement_model,task_force_model,"
                        "warrant_service_officer,release_id,file_name",
    "/api/287g/in-force?date=2025-09-30": "date,status,sheet_date,geoid,name,state_abbr,agreements,agencies,"
                                          "jail_enforcement_model,task_force_model,warrant_service_officer,"
                                          "release_id,file_name",
    "/api/litigation": "case_id,name,court,docket,filed_date,status,case_release_id,case_file_name,case_row_number,"
                       "order_id,order_date,kind,enjoins,scope,plaintiff_groups,programs,conditions,effective_from,"
                       "effective_to,ends_because,in_force,url,order_release_id,order_file_name,order_row_number",
    "/api/policies?as_of=2026-01-02": "policy_id,state_abbr,jurisdiction,level,geoid,instrument_type,name,citation,"
                                      "change,amends,enacted_date,effective_date,ended_date,direction,official_url,"
                                      "second_url,second_source,sources_disagree,notes,release_id,file_name,"
                                      "row_number,effects",
    "/api/sources": "source_id,title,publisher,url,licence,release_id,version,content_sha256,origin,retrieved_at,"
                    "ingested_at,rows_loaded,rows_quarantined,kind,coverage,coverage_note",
}  # fmt: skip


@pytest.mark.parametrize("url", list(CSV_HEADERS))
def test_csv_downloads_have_their_exact_header(client, url):
    response = client.get(url + ("&" if "?" in url else "?") + "format=csv")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[0] == CSV_HEADERS[url]


def test_exposure_csv_rows_cite_the_award_rows(client):
    text = client.get("/api/exposure/eo13768_fy2017_jag", params={"as_of": "2018-09-01", "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    # the generated OJP file: header on row 1, FY2016's 20 awards on rows 2-21, so FY2017's grantee i on row 22 + i
    assert [(r["award_id"], r["file_name"], r["row_number"]) for r in rows] == [
        ("2017-DJ-BX-0008", "ojp_awards_2025-09-30.csv", "30"), ("2017-DJ-BX-0006", "ojp_awards_2025-09-30.csv", "28"),
        ("2017-DJ-BX-0017", "ojp_awards_2025-09-30.csv", "39"), ("2017-DJ-BX-0004", "ojp_awards_2025-09-30.csv", "26"),
        ("2017-DJ-BX-0003", "ojp_awards_2025-09-30.csv", "25"), ("2017-DJ-BX-0012", "ojp_awards_2025-09-30.csv", "34"),
    ]  # fmt: skip
    assert rows[3]["enjoined_conditions"] == "access;notice" and rows[3]["amount"] == "2369000.00"


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


def test_litigation_csv_is_one_row_per_order_citing_both_source_rows(client):
    text = client.get("/api/litigation", params={"as_of": "2018-09-01", "format": "csv"}).text
    rows = {r["order_id"]: r for r in csv.DictReader(io.StringIO(text))}
    # sources/data/litigation_orders.csv line 5 (header on line 1); its case on litigation_cases.csv line 3
    sf = rows["sf-pi-2017"]
    assert (sf["case_id"], sf["order_date"], sf["kind"], sf["conditions"]) == (
        "san-francisco-v-trump-2017", "2017-04-25", "preliminary_injunction", "eo13768_s9a")  # fmt: skip
    assert (sf["order_file_name"], sf["order_row_number"], sf["case_file_name"], sf["case_row_number"]) == (
        "litigation_orders.csv", "5", "litigation_cases.csv", "3")  # fmt: skip
    assert sf["order_release_id"].startswith("litigation@") and sf["in_force"] == "False"


def test_policies_csv_rows_cite_the_register_row(client):
    text = client.get("/api/policies", params={"as_of": "2026-01-02", "state": "AL", "format": "csv"}).text
    rows = {r["policy_id"]: r for r in csv.DictReader(io.StringIO(text))}
    # sources/data/policies_state.csv line 16; effects joined by ';' as in that file
    hb56 = rows["al-hb56-2011"]
    assert (hb56["effective_date"], hb56["file_name"], hb56["row_number"], hb56["effects"]) == (
        "2011-09-01", "policies_state.csv", "16", "status_inquiries_required")  # fmt: skip
    assert hb56["release_id"].startswith("policy_register@")


@pytest.mark.parametrize("how", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
def test_scenario_list_refuses_csv_rather_than_answering_json(client, how):
    response = client.get("/api/exposure", **how)
    assert response.status_code == 406 and response.json() == {
        "error": "/api/exposure has no CSV form; formats offered: json "
                 "(per-scenario awards: /api/exposure/{scenario}?format=csv)."}  # fmt: skip
    assert client.get("/api/exposure").status_code == 200
