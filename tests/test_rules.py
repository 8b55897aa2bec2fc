"""The rules users rely on, each pinned by values a person can work out by hand: the declined-detainer rule, small-cell
suppression, all-or-nothing writes, resolver acceptance, list categories, litigation dates and program scope, grant
exposure in dollars, CSV headers with their provenance columns, and detainer dates as ICE prints them.

Every test here was checked against a planted bug (scripts/known_mutants.py applies each one in a scratch copy)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from sanctuarywatch.analysis.ddor_report import _top
from sanctuarywatch.analysis.exposure import grant_exposure
from sanctuarywatch.analysis.litigation import coverage, in_force_sql
from sanctuarywatch.analysis.summaries import DECLINED_SQL, refresh_summaries
from sanctuarywatch.api.app import create_app
from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.batch import resolve_csv
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import doj_grants, ice_detainers, litigation
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.sources.listpage import infer_category
from sanctuarywatch.store.db import connect, transaction
from sanctuarywatch.store.registry import build_resolver
from sanctuarywatch.web.pages import _small

# --- the declined rule (analysis/summaries.py) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lift_reason", "declined"),
    [
        ("Detainer Declined by LEA", True),  # the wording of the real PA file (225 records)
        ("DETAINER DECLINED", True),
        ("Detainer not honored", True),
        ("LEA refused detainer", True),
        ("Refusal by local agency", True),
        ("LEA did not accept detainer", True),
        ("Detainer not accepted", True),
        ("Case Closed", False),  # the commonest lift reason in the PA file: not a refusal
        ("Detainer closed", False),
        ("Removed", False),
        ("Prosecutorial Discretion", False),
        ("", False),
        (None, False),
    ],
)
def test_lift_reason_counts_as_declined_exactly_when_the_rule_says(lift_reason, declined):
    con = duckdb.connect()
    got = con.execute(f"SELECT {DECLINED_SQL} FROM (SELECT ?::VARCHAR AS lift_reason)", [lift_reason]).fetchone()
    con.close()
    assert got[0] is declined


# --- small-cell suppression: 0 is shown, 1-4 are "<5", 5 is shown -----------------------------------------------


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (1234, "1,234")])
def test_pages_suppress_counts_of_one_to_four(n, shown):
    assert _small(n) == shown


def _declined_rows(counts: dict[str, int]) -> list[dict]:
    return [{"state_abbr": "NY", "geoid": g, "jurisdiction": g} for g, n in counts.items() for _ in range(n)]


def test_report_suppresses_four_but_not_five():
    rows = _declined_rows({"five": 5, "four": 4})
    assert [(r["jurisdiction"], r["declined"]) for r in _top(rows, suppress=True)] == [("five", 5), ("four", "<5")]
    assert [r["declined"] for r in _top(rows, suppress=False)] == [5, 4]


# --- all-or-nothing writes (store/db.py) ----------------------------------------------------------------------


def test_a_raise_inside_transaction_leaves_the_store_as_it_was(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError, match="planted"), transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
        con.execute("DELETE FROM t WHERE x = 1")
        raise RuntimeError("planted")
    assert con.execute("SELECT list(x ORDER BY x) FROM t").fetchone()[0] == [1]
    with transaction(con):
        con.execute("INSERT INTO t VALUES (3)")
    assert con.execute("SELECT list(x ORDER BY x) FROM t").fetchone()[0] == [1, 3]


# --- list category inference (sources/listpage.py) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state", "category"),
    [
        ("Orleans Parish", "LA", "county"),
        ("Jefferson Parish", None, "county"),
        ("Cook County", "IL", "county"),
        ("Bethel Census Area", "AK", "county"),
        ("Juneau Borough", "AK", "county"),
        ("Princeton Borough", "NJ", "city"),  # a New Jersey borough is a municipality
        ("Oregon", None, "state"),
        ("State of Oregon", "OR", "state"),
        ("New York", "NY", "state"),
        ("Oregon", "WI", "city"),  # Oregon, Wisconsin is a village: a state name under another state
        ("Chicago", "IL", "city"),
    ],
)
def test_list_entries_printed_without_a_category(name, state, category):
    assert infer_category(name, state) == category


# --- resolver acceptance: threshold, margin, conflicts -------------------------------------------------------


def test_a_census_designated_place_at_its_ceiling_is_never_accepted(resolver):
    # Brentwood, NY is a CDP: the only candidate, at the 0.85 CDP ceiling, below the 0.90 threshold.
    result = resolver.resolve("Brentwood", state="NY")
    assert (result.status, result.best.geoid, round(result.best.confidence, 2)) == ("needs_review", "3608026", 0.85)


def test_a_fuzzy_near_miss_in_state_stays_in_review(resolver):
    # One letter wrong in a long name: 'Westchestr County' is 97% like 'westchester' -> 0.97 - 0.04 = 0.93 accepted;
    # two letters wrong ('Wstchestr') is below the 0.90 bar and waits for a person.
    assert resolver.resolve("Westchestr County", state="NY").geoid == "36119"
    review = resolver.resolve("Wsetchestr County", state="NY")
    assert review.status == "needs_review" and 0.80 <= review.best.confidence < 0.90, review


def test_a_state_given_that_the_text_contradicts_is_never_accepted(resolver):
    assert resolver.resolve("Westchester County, NY", state="NY").geoid == "36119"
    conflict = resolver.resolve("Westchester County, CA", state="NY")
    assert conflict.status == "needs_review" and "text names CA but state NY was given" in conflict.note
    assert conflict.best.geoid == "36119"


@pytest.mark.parametrize(
    ("text", "state", "top", "runner_up"),
    [("St. Louiss County", "MO", ("29189", 0.917), ("29510", 0.88)), ("Baltimor County", "MD", ("24005", 0.901),
     ("24510", 0.88))],
)  # fmt: skip
def test_two_candidates_closer_than_the_margin_go_to_review(resolver, text, state, top, runner_up):
    # Misspelt county names whose independent city of the same name is a close second: above the 0.90 bar but
    # less than 0.05 ahead, so a person decides.
    result = resolver.resolve(text, state=state)
    got = [(c.geoid, round(c.confidence, 3)) for c in result.candidates[:2]]
    assert result.status == "needs_review" and got == [top, runner_up], result


# --- resolve --csv (geo/batch.py) -----------------------------------------------------------------------------


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_resolve_csv_writes_confidence_on_accepted_rows(resolver, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("name,state\nWestchester County,NY\nBrentwood,NY\nQwxz Florp Jail,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    resolve_csv(resolver, src, "name", out, state_column="state")
    rows = _read(out)
    assert list(rows[0]) == ["name", "state", "id", "resolved_name", "level", "confidence", "status", "note"]
    assert [(r["id"], r["confidence"], r["status"]) for r in rows] == [
        ("36119", "1.000", "accepted"),
        ("", "0.850", "needs_review"),
        ("", "", "unresolved"),
    ]


def test_resolve_csv_keeps_the_old_output_when_a_row_is_refused(resolver, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("name\nWestchester County NY\nCook County, IL,extra\n", encoding="utf-8")  # row 3: extra field
    out = tmp_path / "out.csv"
    out.write_text("previous answer\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3"):
        resolve_csv(resolver, src, "name", out)
    assert out.read_text(encoding="utf-8") == "previous answer\n"
    assert not out.with_suffix(".csv.partial").exists()


# --- a small store worked out by hand: litigation, grants, a withdrawn list, detainers ------------------------

FACILITY = "MONTGOMERY CNTY JAIL, PA"  # a real facility name of the PA file, linked to Montgomery County (42091)
# Four records in 2013 (M/D/YYYY, one declined) and five in 2014 (YYYY-MM-DD hh:mm:ss, none declined).
DETAINER_ROWS = [
    ("3/7/2013", "Detainer Declined by LEA"),
    ("3/8/2013", "Case Closed"),
    ("11/30/2013", "Case Closed"),
    ("12/31/2013", "Removed"),
    *[(f"2014-0{m}-02 00:00:00", "Case Closed") for m in range(1, 6)],
]
# Hand-made FY2025 awards. The DHS list (29 May 2025, withdrawn 1 June 2025) names San Francisco and Chicago.
AWARDS = [
    # award_id, fiscal_year, program, recipient, state, amount, pass-through, geoid
    ("A1", 2025, "byrne_jag", "City and County of San Francisco", "CA", "100000.00", False, "06075"),
    ("A2", 2025, "scaap", "City of Chicago", "IL", "40000.00", False, "1714000"),
    ("A3", 2025, "byrne_jag", "City of Chicago", "IL", "5000.00", True, "1714000"),  # through Illinois: not counted
    ("A4", 2025, "byrne_jag", "Westchester County", "NY", "7000.00", False, "36119"),  # not on the list
    ("A5", 2024, "byrne_jag", "City and County of San Francisco", "CA", "999.00", False, "06075"),  # FY2024
]


@pytest.fixture(scope="module")
def rules_store(registry_template, tmp_path_factory) -> Path:
    from fixtures.sources_fixture import write_jag_allocations, write_ojp_awards

    root = tmp_path_factory.mktemp("rules")
    mirror = root / "mirror"
    write_ojp_awards(mirror / "doj" / "ojp_awards_2025-09-30.csv")
    write_jag_allocations(mirror / "doj" / "FY2024_JAG_Allocations.xlsx")
    with (mirror / "pa_detainers_sample.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["date", "lift_reason", "det_facility", "city", "state", "detainer_type"])
        writer.writerows([day, lift, FACILITY, "NORRISTOWN", "PENNSYLVANIA", ""] for day, lift in DETAINER_ROWS)
    path = root / "store.duckdb"
    shutil.copy(registry_template, path)
    con = connect(path)
    finder = Finder(mirror, root / "cache", offline=True)
    for module in (litigation, doj_grants, ice_detainers):
        ingest_source(con, module, finder, ParseContext(resolver=build_resolver(con)))
    con.execute("DELETE FROM grant_award")
    for award_id, fy, program, name, state, amount, passed, geoid in AWARDS:
        con.execute(
            "INSERT INTO grant_award (award_id, fiscal_year, program, recipient_name, state_abbr, amount,"
            " is_pass_through, geoid, resolution_status, release_id, file_name, row_number)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'accepted', 'hand', 'awards.csv', ?)",
            [award_id, fy, program, name, state, Decimal(amount), passed, geoid, int(award_id[1:]) + 1],
        )
    for n, (text, geoid) in enumerate([("San Francisco", "06075"), ("Chicago", "1714000")], start=2):
        con.execute(
            "INSERT INTO list_membership (list_id, edition, edition_date, withdrawn_date, as_printed, geoid,"
            " resolution_status, release_id, file_name, row_number) VALUES ('dhs_2025', '2025-05-29', '2025-05-29',"
            " '2025-06-01', ?, ?, 'accepted', 'hand', 'dhs.csv', ?)",
            [text, geoid, n],
        )
    refresh_summaries(con)
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture
def rcon(rules_store):
    con = connect(rules_store, read_only=True)
    yield con
    con.close()


def test_detainer_dates_in_m_d_yyyy_are_read(rcon):
    assert rcon.execute("SELECT count(*) FROM quarantine WHERE field = 'Detainer Prepare Date'").fetchone()[0] == 0
    assert rcon.execute(
        "SELECT year(prepare_date), count(*), min(prepare_date), max(prepare_date) FROM detainer GROUP BY 1 ORDER BY 1"
    ).fetchall() == [(2013, 4, date(2013, 3, 7), date(2013, 12, 31)), (2014, 5, date(2014, 1, 2), date(2014, 5, 2))]


def test_exposure_in_dollars_worked_by_hand(rcon):
    on_list = grant_exposure(rcon, "dhs_2025_all_doj", as_of=date(2025, 5, 30))
    # A1 (SF, $100,000) and A2 (Chicago, $40,000): both direct FY2025 awards to listed jurisdictions. A3 is passed
    # through Illinois (the scenario counts direct awards only), A4's county is not listed, A5 is FY2024.
    # San Francisco is a first-amended-complaint plaintiff: EO 14287 is enjoined for it by the 9 May 2025
    # clarification; Chicago joined with the second amended complaint (22 Aug 2025), so it is not yet protected.
    assert [(a["award_id"], a["enjoined_by"]) for a in on_list.awards] == [
        ("A1", "sf-pi-2025-clarified"),
        ("A2", None),
    ]
    assert {k: on_list.totals[k] for k in ("gross", "net", "enjoined", "awards")} == {
        "gross": Decimal("140000.00"),
        "net": Decimal("40000.00"),
        "enjoined": Decimal("100000.00"),
        "awards": 2,
    }
    assert {s["state_abbr"]: (s["gross"], s["net"]) for s in on_list.by_state} == {
        "CA": (Decimal("100000.00"), Decimal("0.00")),
        "IL": (Decimal("40000.00"), Decimal("40000.00")),
    }


def test_a_withdrawn_list_no_longer_triggers_exposure(rcon):
    last_day = grant_exposure(rcon, "dhs_2025_all_doj", as_of=date(2025, 5, 31))
    assert last_day.totals["gross"] == Decimal("140000.00")
    withdrawn = grant_exposure(rcon, "dhs_2025_all_doj", as_of=date(2025, 6, 1))  # withdrawn that day
    assert withdrawn.awards == [] and withdrawn.totals["gross"] == 0 and withdrawn.designated == []


def test_every_order_is_in_force_on_its_start_day_and_not_on_its_end_day(rcon):
    orders = rcon.execute(
        "SELECT DISTINCT order_id, effective_from, effective_to FROM litigation_relief ORDER BY 1"
    ).fetchall()
    assert len(orders) >= 20
    in_force = in_force_sql("r", "$on")

    def answer(order_id: str, day: date) -> bool:
        return rcon.execute(
            f"SELECT bool_or({in_force}) FROM litigation_relief r WHERE r.order_id = $id", {"on": day, "id": order_id}
        ).fetchone()[0]

    for order_id, start, end in orders:
        assert answer(order_id, start), (order_id, "start day")
        assert not answer(order_id, start - timedelta(days=1)), (order_id, "day before start")
        if end is not None:
            assert not answer(order_id, end), (order_id, "end day")
            assert answer(order_id, end - timedelta(days=1)), (order_id, "last day")
    ended = {o: e for o, _, e in orders if e is not None}
    assert ended["chicago-pi-2017"] == date(2018, 6, 26) and ended["new-york-city-sdny-2018"] == date(2020, 2, 26)


def test_coverage_lists_only_the_conditions_of_the_program_asked(rcon):
    jag = {c["condition_id"] for c in coverage(rcon, "1714000", "byrne_jag", date(2017, 10, 1)).conditions}
    scaap = {c["condition_id"] for c in coverage(rcon, "1714000", "scaap", date(2017, 10, 1)).conditions}
    everywhere = {"eo13768_s9a", "eo14159_s17", "eo14218_s2a2", "ag_directive_2025_02_05", "eo14287"}
    assert scaap == everywhere  # the three FY2017 Byrne JAG conditions do not attach to SCAAP
    assert jag == everywhere | {"notice", "access", "section_1373_certification"}


# --- the faces: CSV headers with provenance, page content ------------------------------------------------------

EXPOSURE_CSV_HEADER = (
    "award_id,fiscal_year,program,recipient_name,geoid,jurisdiction,state_abbr,amount,is_pass_through,"
    "exposed_because,enjoined_by,enjoined_conditions,partly_enjoined_by,release_id,file_name,row_number"
)


@pytest.fixture(scope="module")
def rules_client(rules_store):
    return TestClient(create_app(rules_store))


def test_exposure_csv_carries_every_column_and_the_provenance(rules_client):
    got = rules_client.get("/api/exposure/dhs_2025_all_doj", params={"as_of": "2025-05-30", "format": "csv"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    lines = got.text.splitlines()
    assert lines[0] == EXPOSURE_CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [(r["award_id"], r["amount"], r["file_name"], r["row_number"]) for r in rows] == [
        ("A1", "100000.00", "awards.csv", "2"),
        ("A2", "40000.00", "awards.csv", "3"),
    ]


def test_profile_page_shows_one_to_four_as_less_than_five(rules_client):
    html = rules_client.get("/jurisdictions/42091/").text
    cells = re.findall(r"<tr><td>(\d{4})</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert ("2013", "&lt;5", "&lt;5") in cells and ("2014", "5", "0") in cells, cells
