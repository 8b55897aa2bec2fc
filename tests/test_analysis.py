"""Analyses over a store built by the real connectors from format-exact fixtures (DDOR PDF, 287(g) sheets,
facilities, OJP awards, litigation) plus a few detainer records: DDOR rebuild, profile, exposure, litigation,
list reconciliation and the CLI commands over them."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures.ddor_fixture import BAD_ROWS, EXPECTED, FILE_NAMES, UNRESOLVABLE, UNRESOLVED_ROWS, write_issue
from fixtures.sources_fixture import write_all
from typer.testing import CliRunner

from sanctuarywatch.analysis.ddor_report import declined_detainer_report
from sanctuarywatch.analysis.exposure import grant_exposure, parse_scenario
from sanctuarywatch.analysis.litigation import coverage
from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.analysis.reconcile import list_comparison
from sanctuarywatch.analysis.summaries import refresh_summaries
from sanctuarywatch.cli import app
from sanctuarywatch.errors import InputError, NotFoundError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import connectors
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver

runner = CliRunner()

# Detainer records for two weeks: a 2024 week (no ICE table: rebuilt from records) and the DDOR week, where
# two records match ICE's rows and one does not. Lift reasons follow the FOIA release's wording.
DETAINERS = [
    ("2024-03-04", "NY", "WESTCNY", "Detainer Declined by LEA", "Mexico"),
    ("2024-03-05", "NY", "WESTCNY", "Detainer Declined by LEA", "Guatemala"),
    ("2024-03-06", "NY", "WESTCNY", "Removed", "Honduras"),
    ("2024-03-07", "IL", "COOKCIL", "Detainer not honored", "Mexico"),
    ("2024-03-09", "IL", "COOKCIL", "", "Poland"),
    ("2024-03-20", "NY", "WESTCNY", "Detainer Declined by LEA", "Mexico"),
]


@pytest.fixture(scope="module")
def analysis_store(registry_template, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("analysis")
    mirror = root / "mirror"
    write_all(mirror)
    write_issue(mirror / "ddor2017_01-28to02-03.pdf", 1)
    path = root / "store.duckdb"
    shutil.copy(registry_template, path)
    con = connect(path)
    finder = Finder(mirror, root / "cache", offline=True)
    for sid, module in connectors().items():
        if sid not in ("litigation", "ice_facilities", "ddor_2017", "ice_287g", "doj_grants"):
            continue  # lists and detainer records are set up by each test with known contents
        ingest_source(con, module, finder, ParseContext(resolver=build_resolver(con)))
    con.execute(
        "INSERT INTO ice_facility (facility_code, name, state_abbr, geoid, resolution_status, release_id, file_name)"
        " VALUES ('WESTCNY', 'Westchester County Jail', 'NY', '36119', 'accepted', 'test', 'test'),"
        " ('COOKCIL', 'Cook County Jail', 'IL', '17031', 'accepted', 'test', 'test')"
    )
    for n, (day, state, code, lift, country) in enumerate(DETAINERS, start=1):
        con.execute(
            "INSERT INTO detainer (prepare_date, facility_state, facility_code, lift_reason, citizenship_country,"
            " release_id, file_name, row_number) VALUES (?, ?, ?, ?, ?, 'test', 'detainers.csv', ?)",
            [day, state, code, lift or None, country, n + 1],
        )
    refresh_summaries(con)
    con.close()
    return path


@pytest.fixture
def acon(analysis_store):
    con = connect(analysis_store, read_only=True)
    yield con
    con.close()


def test_ddor_rebuild_reproduces_ices_counts_and_lists_unresolved(acon):
    report = declined_detainer_report(acon, date(2017, 1, 28))
    kept = EXPECTED[1]["declined"] - EXPECTED[1]["quarantined"]  # 206 printed, 5 refused at the boundary
    stored = acon.execute(
        "SELECT count(*), count(DISTINCT state_abbr || jurisdiction_printed) FROM ddor_declined_detainer"
    ).fetchone()
    assert report.basis == "ddor"
    assert len(report.rows) == stored[0] == kept == 201
    assert report.jurisdiction_count == stored[1] == 42
    assert len(report.policy_jurisdictions) == 118
    # the fixture's unresolvable names (regional jails, facilities) at the table rows it planted them on
    assert [(u["jurisdiction"], u["row_number"]) for u in report.unresolved] == [
        (name, row) for (name, _), row in zip(UNRESOLVABLE, UNRESOLVED_ROWS[1], strict=True)
    ]
    # every kept row cites the PDF and its own table row: rows 1-206 but the 5 quarantined ones
    assert {r["file_name"] for r in report.rows} == {FILE_NAMES[1]}
    assert sorted(r["row_number"] for r in report.rows) == sorted(set(range(1, 207)) - set(BAD_ROWS[1]))


def test_report_from_records_uses_the_declined_rule(acon):
    report = declined_detainer_report(acon, date(2024, 3, 4))
    assert report.basis == "detainer_records"
    assert [(r["geoid"], r["citizenship_country"]) for r in report.rows] == [
        ("36119", "Mexico"),
        ("36119", "Guatemala"),
        ("17031", "Mexico"),
    ]
    assert report.top_jurisdictions[0] == {
        "jurisdiction": "Westchester County",
        "state_abbr": "NY",
        "geoid": "36119",
        "declined": "<5",
    }
    unsuppressed = declined_detainer_report(acon, date(2024, 3, 4), suppress=False)
    assert unsuppressed.top_jurisdictions[0]["declined"] == 2


def test_profile_is_complete_and_answers_as_of(acon):
    p = jurisdiction_profile(acon, "36119")
    assert p["name"] == "Westchester County" and p["state_abbr"] == "NY"
    assert p["detainers"]["total"] == 4 and p["detainers"]["declined"] == 3
    # sources_fixture.ojp_rows(): County of Westchester's JAG (base 95,000) and SCAAP (base 410,000) awards of
    # FY2016-2025, each base x (100 + (fy*7 + i*13) % 23) / 100, sum to 5,616,500.00; plus its FY2024 JAG
    # allocation of 21,906 (JAG_LOCAL) = 5,638,406.00
    assert p["grants"]["total"] == Decimal("5638406.00") and len(p["grants"]["rows"]) == 20
    assert p["grants"]["rows"][0] == {"program": "byrne_jag", "fiscal_year": 2016, "amount": Decimal("107350.00"),
                                      "awards": 1, "award_ids": ["2016-DJ-BX-0000"]}  # 95,000 x 113%  # fmt: skip
    # the registry, and the two doj_grants releases (OJP awards, JAG allocations) behind the grant figures
    assert sorted(s["source_id"] for s in p["sources"]) == ["census_geography", "doj_grants", "doj_grants"]
    earlier = jurisdiction_profile(acon, "36119", as_of=date(2024, 3, 31))
    assert earlier["detainers"]["total"] == 4
    before = jurisdiction_profile(acon, "36119", as_of=date(2023, 12, 31))
    # before the first record the store holds, the count is unknown, not zero
    assert before["detainers"]["total"] is None and before["detainers"]["coverage"]["status"] == "not_covered"
    # FY2024 and FY2025 drop out: 5,638,406 - (95,000 + 21,906 + 463,300 + 101,650 + 492,000)
    assert before["grants"]["total"] == Decimal("4464550.00")
    with pytest.raises(NotFoundError):
        jurisdiction_profile(acon, "99999")


def test_chicago_profile_shows_its_lawsuit_and_consolidated_sf(acon):
    chicago = jurisdiction_profile(acon, "1714000", as_of=date(2018, 1, 1))
    assert [c["case_id"] for c in chicago["litigation"] if c["is_plaintiff"]] == ["chicago-v-sessions"]
    sf = jurisdiction_profile(acon, "0667000")  # the place half of the city-county sees the county's facts
    assert sf["consolidated_with"] == "06075"
    assert any(c["case_id"] == "san-francisco-v-trump-2025" for c in sf["litigation"])


def test_litigation_coverage_follows_order_dates_and_scope(acon):
    assert not coverage(acon, "1714000", "byrne_jag", date(2017, 1, 1)).enjoined
    during = coverage(acon, "1714000", "byrne_jag", date(2017, 10, 1))
    assert during.enjoined and "chicago-pi-2017" in {o["order_id"] for o in during.orders}
    # After the en banc stay (June 2018) and the 9th Circuit's narrowing (Aug 2018), Cook County is not covered
    assert coverage(acon, "17031", "byrne_jag", date(2017, 10, 1)).enjoined  # nationwide then
    assert not coverage(acon, "17031", "byrne_jag", date(2018, 9, 1)).enjoined
    assert coverage(acon, "1714000", "byrne_jag", date(2018, 9, 1)).enjoined  # named plaintiff


def test_exposure_totals_are_the_hand_worked_fy2017_jag_awards(acon):
    gross_era = grant_exposure(acon, "doj_fy2017_jag_conditions", as_of=date(2019, 1, 1))
    # FY2017 JAG awards of the grantees the fixture DDOR policy table names (sources_fixture.ojp_rows(): base x
    # (100 + (2017*7 + i*13) % 23) / 100): San Francisco 840,000 x 106%, Miami-Dade 1,300,000 x 111%, Chicago
    # 2,300,000 x 103%, Cook County 620,000 x 113%, New York City 4,900,000 x 115%. Westchester is on no list here.
    assert [(a["award_id"], a["amount"]) for a in gross_era.awards] == [
        ("2017-DJ-BX-0006", Decimal("890400.00")),
        ("2017-DJ-BX-0017", Decimal("1443000.00")),
        ("2017-DJ-BX-0004", Decimal("2369000.00")),
        ("2017-DJ-BX-0003", Decimal("700600.00")),
        ("2017-DJ-BX-0012", Decimal("5635000.00")),
    ]
    # net: San Francisco's and New York City's awards are fully enjoined (890,400 + 5,635,000 = 6,525,400)
    assert gross_era.totals == {"gross": Decimal("11038000.00"), "net": Decimal("4512600.00"),
                                "enjoined": Decimal("6525400.00"), "partly_enjoined": Decimal("2369000.00"),
                                "awards": 5}  # fmt: skip
    assert [(g["state_abbr"], g["gross"], g["net"]) for g in gross_era.by_state] == [
        ("NY", Decimal("5635000.00"), Decimal("0.00")),
        ("IL", Decimal("3069600.00"), Decimal("3069600.00")),  # Chicago + Cook County, neither fully enjoined
        ("FL", Decimal("1443000.00"), Decimal("1443000.00")),
        ("CA", Decimal("890400.00"), Decimal("0.00")),
    ]
    assert [(g["program"], g["gross"], g["net"]) for g in gross_era.by_program] == [
        ("byrne_jag", Decimal("11038000.00"), Decimal("4512600.00"))
    ]
    before_list = grant_exposure(acon, "doj_fy2017_jag_conditions", as_of=date(2017, 1, 1))
    assert before_list.totals["gross"] == 0 and before_list.awards == []  # the DDOR table was not yet published


def test_exposure_nets_an_award_only_when_every_condition_is_enjoined(acon):
    by_geoid = {a["geoid"]: a for a in grant_exposure(acon, "doj_fy2017_jag_conditions", date(2019, 1, 1)).awards}
    # San Francisco and New York City: all three FY2017 conditions enjoined (Oct and Nov 2018 judgments)
    assert by_geoid["06075"]["enjoined_by"] == "sf-v-sessions-permanent-2018"
    assert by_geoid["3651000"]["enjoined_by"] == "new-york-city-sdny-2018"
    # Chicago: notice and access enjoined, the section 1373 certification not: partly enjoined, stays in net
    chicago = by_geoid["1714000"]
    assert chicago["enjoined_by"] is None and chicago["enjoined_conditions"] == "access;notice"
    assert chicago["partly_enjoined_by"] == "chicago-permanent-2018"
    # EO 13768 s9(a) orders do not reach DOJ's own conditions: Cook County is not enjoined at all
    assert by_geoid["17031"]["enjoined_conditions"] is None
    assert by_geoid["12086"]["enjoined_by"] is None  # Miami-Dade: no order
    earlier = grant_exposure(acon, "doj_fy2017_jag_conditions", date(2018, 9, 1))
    # before the 5 Oct 2018 judgment nothing is fully enjoined: net is the whole 11,038,000
    assert [(a["award_id"], a["enjoined_by"]) for a in earlier.awards] == [
        ("2017-DJ-BX-0006", None), ("2017-DJ-BX-0017", None), ("2017-DJ-BX-0004", None), ("2017-DJ-BX-0003", None),
        ("2017-DJ-BX-0012", None),
    ]  # fmt: skip
    assert earlier.totals["net"] == earlier.totals["gross"] == Decimal("11038000.00")


def test_renamed_scenarios_keep_their_old_ids_and_say_what_they_compute(acon):
    old = grant_exposure(acon, "eo13768_fy2017_jag", as_of=date(2019, 1, 1))
    assert old.scenario.scenario_id == "doj_fy2017_jag_conditions" and "not an application of EO 13768" in (
        old.scenario.description
    )
    formula = grant_exposure(acon, "doj_2025_all_ojp_formula").scenario
    assert formula.scenario_id == "doj_2025_jag_scaap" and formula.programs == ("byrne_jag", "scaap")
    assert "two" in formula.title.lower()
    assert len(old.to_dict()["simplifications"]) == 5


def test_2025_list_exposure_follows_the_san_francisco_injunction_and_its_extension(analysis_store, tmp_path):
    path = tmp_path / "doj2025.duckdb"
    shutil.copy(analysis_store, path)
    con = connect(path)
    for n, (text, geoid) in enumerate([("San Francisco", "06075"), ("Chicago", "1714000"), ("Cook County", "17031")]):
        con.execute(
            "INSERT INTO list_membership (list_id, edition, edition_date, as_printed, geoid, resolution_status, "
            "release_id, file_name, row_number) VALUES ('doj_2025', '2025-08-05', '2025-08-05', ?, ?, 'accepted', "
            "'test', 'doj.csv', ?)",
            [text, geoid, n + 2],
        )
    after = {a["geoid"]: a["enjoined_by"] for a in grant_exposure(con, "doj_2025_jag_scaap", date(2025, 9, 1)).awards}
    assert (after["06075"], after["1714000"], after["17031"]) == ("sf-pi-2025-clarified", "sf-pi-2025-extended", None)
    before = {a["geoid"]: a["enjoined_by"] for a in grant_exposure(con, "doj_2025_jag_scaap", date(2025, 8, 21)).awards}
    assert before["1714000"] is None and before["06075"] == "sf-pi-2025-clarified"
    con.close()


def test_bad_scenario_names_the_field():
    with pytest.raises(InputError, match="bad.yaml: field 'fiscal_years'"):
        parse_scenario(
            "id: x\ntitle: t\ntrigger: {lists: [doj_2025]}\nprograms: [byrne_jag]\n"
            "fiscal_years: [seventeen]\npass_through_counts: false\n",
            "bad.yaml",
        )
    with pytest.raises(InputError, match="missing field 'trigger'"):
        parse_scenario("id: x\ntitle: t\n", "bad.yaml")


def test_reconciliation_overlap_and_flags(analysis_store, tmp_path):
    path = tmp_path / "lists.duckdb"
    shutil.copy(analysis_store, path)
    con = connect(path)
    con.execute(
        "INSERT INTO designation_list VALUES ('doj_oig_2016', 'DOJ OIG 2016', 'DOJ OIG', 'oversight', NULL, NULL)"
    )
    for n, (text, geoid) in enumerate(
        [
            ("City of Chicago", "1714000"),
            ("Cook County", "17031"),
            ("Miami-Dade County", "12086"),
            ("New York City", "3651000"),
            ("Westchester County", "36119"),
        ],
        start=2,
    ):
        con.execute(
            "INSERT INTO list_membership (list_id, edition, edition_date, as_printed, geoid, "
            "resolution_status, release_id, file_name, row_number) VALUES ('doj_oig_2016', '2016-05-31', "
            "'2016-05-31', ?, ?, 'accepted', 'test', 'oig.csv', ?)",
            [text, geoid, n],
        )
    refresh_summaries(con)
    result = list_comparison(con, as_of=date(2018, 1, 1))
    ddor = {
        r[0]
        for r in con.execute("SELECT DISTINCT geoid FROM ddor_policy_jurisdiction WHERE geoid IS NOT NULL").fetchall()
    }
    oig = {"1714000", "17031", "12086", "3651000", "36119"}
    pair = next(p for p in result.pairwise if {p["list_a"], p["list_b"]} == {"ddor_2017_policy", "doj_oig_2016"})
    # 4 of the 5 OIG entries are in the fixture's DDOR policy table (not Westchester), whose 115 placed entries
    # make the union 116: Jaccard 4 / 116
    assert len(ddor) == 115 and ddor & oig == {"1714000", "17031", "12086", "3651000"}
    assert (pair["overlap"], pair["jaccard"]) == (4, 0.0345)
    flags = result.flag_counts()
    assert flags.get("listed_but_honors_detainers", 0) == 0  # Westchester declined 3 of 4
    con.execute("UPDATE detainer SET lift_reason = 'Removed'")
    refresh_summaries(con)
    after = list_comparison(con, as_of=date(2025, 1, 1))
    honors = [f for f in after.flags if f["flag"] == "listed_but_honors_detainers"]
    # DETAINERS above: 4 records at Westchester's jail and 2 at Cook County's, none declined any more
    assert {f["geoid"]: (f["evidence"][0]["detainers"], f["evidence"][0]["declined"]) for f in honors} == {
        "36119": (4, 0), "17031": (2, 0)}
    con.close()


def test_cli_profile_report_exposure_and_lists(analysis_store, monkeypatch, tmp_path):
    monkeypatch.setenv("SANCTUARYWATCH_DB", str(analysis_store))
    out = runner.invoke(app, ["profile", "Westchester County, NY"])
    assert out.exit_code == 0, out.output
    assert "GEOID 36119" in out.output and "DOJ grants (total $5,638,406)" in out.output  # hand-worked above
    as_json = runner.invoke(app, ["profile", "36119", "--format", "json"])
    assert json.loads(as_json.output)["geoid"] == "36119"
    csv_out = runner.invoke(app, ["report", "declined-detainers", "--week", "2024-03-04", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(csv_out.output)))
    assert len(rows) == 3 and rows[0]["geoid"] == "36119"
    html = tmp_path / "report.html"
    runner.invoke(app, ["report", "declined-detainers", "--week", "2017-01-28", "--format", "html", "--out", str(html)])
    assert "<table>" in html.read_text() and "Travis County" in html.read_text()
    exp = runner.invoke(app, ["exposure", "eo13768_fy2017_jag", "--as-of", "2018-09-01"])  # old id kept
    # the five FY2017 JAG awards worked out in test_exposure_totals_are_the_hand_worked_fy2017_jag_awards
    assert exp.exit_code == 0 and "5 awards. Gross $11,038,000, enjoined $0, net $11,038,000" in exp.output
    bad = runner.invoke(app, ["report", "declined-detainers", "--week", "last tuesday"])
    assert isinstance(bad.exception, InputError) and "'last tuesday' is not a date" in str(bad.exception)
    compare = runner.invoke(app, ["lists", "compare"])
    # the fixture DDOR policy table: 118 entries, 115 placed; Hartford, Amherst and Baltimore are not (ambiguous)
    assert compare.exit_code == 0
    assert re.search(r"ICE DDOR 2017 policy table\W+official\W+118\W+115\W+3\W", compare.output)
