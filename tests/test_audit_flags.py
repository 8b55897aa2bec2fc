"""Audit flags on declined-detainer figures: the 2017 DDOR's error types, on the real Pennsylvania records and on
a DDOR issue generated in ICE's layout with planted errors (the real PDFs cannot be mirrored)."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from conftest import real_file

from sanctuarywatch.analysis import audit_flags
from sanctuarywatch.analysis.ddor_report import declined_detainer_report

PA_START, PA_END = date(2007, 10, 1), date(2015, 12, 31)


def _counts(audit: dict) -> dict[str, dict]:
    return {c["flag"]: c for c in audit["counts"]}


# -- the real Pennsylvania records (pa_detainers.csv, 32,757 rows, 2007-10 .. 2015-07) ------------------------
@pytest.fixture(scope="module")
def pa_report(real_store):
    from sanctuarywatch.store.db import connect

    con = connect(real_store, read_only=True)
    try:
        yield declined_detainer_report(con, PA_START, PA_END).to_dict()
    finally:
        con.close()


def test_pa_readings_side_by_side(pa_report):
    """225 'Detainer Declined by LEA', 233 'Transferred', 33 'Early Release' in the real file."""
    readings = {r["reading"]: r["declined"] for r in pa_report["audit"]["readings"]}
    assert readings == {"strict": 225, "with_transfers": 225 + 233, "broad": 225 + 233 + 33}
    assert pa_report["declined_detainers"] == readings["strict"] == len(pa_report["rows"])


def test_pa_every_flag_type_counted_and_every_row_has_a_status(pa_report):
    counts = _counts(pa_report["audit"])
    assert list(counts) == list(audit_flags.FLAGS)
    for c in counts.values():
        assert c["flagged"] + c["not_checked"] + c["clean"] == c["subjects"] == 491
    assert counts["transfer"]["flagged"] == 233  # every 'Transferred' row, and no other
    assert counts["same_name"]["flagged"] == 0  # every PA facility is placed by the crosswalk
    # 287(g) sheets start in 2025 and no cooperation-policy source is loaded: never clean, only flagged/unchecked.
    assert counts["cooperating"]["clean"] == 0 and counts["cooperating"]["not_checked"] > 0
    unchecked = {(n["flag"], n["check_name"]): n for n in pa_report["audit"]["not_checked"]}
    assert unchecked[("cooperating", "agreement_287g")]["rows"] == 491
    assert "2025-03-07" in unchecked[("cooperating", "agreement_287g")]["example"]
    assert unchecked[("transfer", "records_around")]["rows"] == 225 + 33  # no person id in the PA file


def test_pa_batch_days_found_with_facility_and_source_rows(pa_report):
    days = pa_report["audit"]["batch_days"]
    assert [(b["day"], b["facility"]) for b in days] == [
        ("2014-05-19", "PHILADELPHIA DETENTION CT"),
        ("2014-07-18", "PHILADELPHIA DETENTION CT"),
        ("2014-11-18", "PHILADELPHIA DETENTION CT"),
    ]
    assert [len(b["source_rows"]) for b in days] == [3, 3, 4]
    assert all(b["declines"] == "<5" for b in days)  # small cells suppressed; the rows are still cited
    # The cited rows are what the real file says: that facility, that day, declined by the agency.
    lines = list(csv.reader(real_file("ice_detainers/pa_detainers.csv").open(encoding="utf-8")))
    for ref in days[2]["source_rows"]:
        row = lines[int(ref.split(":")[1]) - 1]
        assert row[0].startswith("2014-11-18") and row[1] == "Detainer Declined by LEA"
        assert row[2] == "PHILADELPHIA DETENTION CT"


def test_pa_wrong_place_and_cooperating_evidence(pa_report):
    flagged = pa_report["audit"]["flags"]
    held = [f for f in flagged if f["check_name"] == "holding_agency"]
    strict_rows = {(r["file_name"], r["row_number"]) for r in pa_report["rows"]}
    # Strict declines at state or federal sites: FDC Philadelphia 2, Moshannon 1, SCI Dallas 1, Lewisburg 1, USMS 1.
    assert len([f for f in held if (f["file_name"], f["row_number"]) in strict_rows]) == 6
    honoured = {(f["geoid"], f["subject_date"].year) for f in flagged if f["check_name"] == "honoured_most"}
    assert ("42101", 2013) in honoured  # Philadelphia honoured 329 of 345 in 2013
    assert ("42101", 2014) not in honoured  # ... but 76 of 224 in 2014, after its policy change
    assert ("42043", 2014) not in honoured  # Dauphin: 11 honoured, 15 declined
    top = pa_report["audit"]["most_flagged_facilities"]
    assert len(top) == 3 and top[0]["facility"] == "MOSHANNON VALLEY CORRECTIONAL"


def test_pa_rows_carry_flags_in_csv_columns(pa_report):
    row = next(r for r in pa_report["rows"] if r["row_number"] == 32681)  # on the 2014-11-18 batch day
    assert "batch_dated" in row["flags"].split(";")
    assert "transfer" in row["flags_not_checked"].split(";")
    assert "2014-11-18" in row["flag_details"]


def test_profile_shows_flag_counts(real_con):
    from sanctuarywatch.analysis.profile import jurisdiction_profile

    flags = jurisdiction_profile(real_con, "42101", date(2015, 12, 31))["detainers"]["flags"]
    counts = _counts(flags)
    assert counts["batch_dated"]["flagged"] == 10
    readings = {r["reading"]: r["declined"] for r in flags["readings"]}
    assert readings["strict"] == 193 and readings["with_transfers"] > readings["strict"]


def test_flag_table_rows_have_evidence_and_provenance(real_con):
    bad = real_con.execute(
        """SELECT count(*) FROM detainer_flag WHERE evidence IS NULL OR detail IS NULL
           OR json_array_length(evidence -> 'source_rows') < 1 OR status NOT IN ('flagged', 'not_checked')"""
    ).fetchone()[0]
    assert bad == 0
    by_year = audit_flags.flag_counts_by_year(real_con, "PA")
    assert {r["year"] for r in by_year} == set(range(2007, 2016))


# -- a DDOR issue in ICE's layout with planted errors ---------------------------------------------------------
def _row(name: str, state: str, issued: str, declined: str, crime: str = "Assault") -> dict[str, str]:
    return {"Jurisdiction": name, "State": state, "Citizenship": "Mexico", "Notable Criminal Activity": crime,
            "Detainer Issued Date": issued, "Declined Date": declined}  # fmt: skip


PLANTED = [
    _row("Clackamas County", "OR", "1/10/2017", "1/30/2017"),  # row 1: clean
    _row("Franklin County", "IA", "1/12/2017", "1/31/2017"),  # row 2: same-name county (24 states)
    _row("Bastrop County", "TX", "1/20/2017", "2/2/2017"),  # row 3: a transfer (record lifted 'Transferred')
    *[_row("Travis County", "TX", f"1/{d}/2017", "2/1/2017") for d in range(3, 9)],  # rows 4-9: one batch day
    _row("Travis County", "TX", "1/2/2017", "1/29/2017"),  # row 10: Travis on another day
]


@pytest.fixture
def ddor_con(con, tmp_path, monkeypatch):
    from fixtures import ddor_fixture

    from sanctuarywatch.pipeline.ingest_all import ingest_sources
    from sanctuarywatch.sources import ddor_2017
    from sanctuarywatch.sources.base import Finder

    monkeypatch.setattr(ddor_fixture, "declined_rows", lambda issue: PLANTED)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    ddor_fixture.write_issue(mirror, 1)
    outcomes = ingest_sources(con, [ddor_2017], Finder(mirror, tmp_path / "cache", offline=True))
    assert [o.status for o in outcomes] == ["loaded"], outcomes
    return con


def _flags(con, row: int, status: str = "flagged") -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for flag, check, detail, evidence in con.execute(
        "SELECT flag, check_name, detail, evidence FROM detainer_flag WHERE subject_table = 'ddor_declined_detainer' "
        "AND row_number = ? AND status = ?",
        [row, status],
    ).fetchall():
        found.setdefault(flag, []).append({"check": check, "detail": detail, "evidence": json.loads(evidence)})
    return found


def _plant_transfer_record(con) -> None:
    """A detainer record for Bastrop County, prepared on the DDOR row's issue date, lifted as transferred."""
    con.execute(
        """INSERT INTO detainer (prepare_date, facility_state, facility_name, lift_reason, geoid, release_id,
                                 file_name, row_number)
           VALUES (DATE '2017-01-20', 'TX', 'BASTROP COUNTY JAIL', 'Transferred', '48021', 'planted@0',
                   'planted.csv', 2)"""
    )
    audit_flags.compute_flags(con)


def test_ddor_planted_same_name_is_flagged_with_candidates(ddor_con):
    same = _flags(ddor_con, 2)["same_name"][0]
    geoids = {c["geoid"] for c in same["evidence"]["candidates"]}
    assert {"19069", "36033", "42055"} <= geoids and len(geoids) == 24
    assert "Bastrop" not in str(_flags(ddor_con, 3).get("same_name", ""))  # one Bastrop County (TX)


def test_ddor_planted_transfer_is_flagged_and_unchecked_without_records(ddor_con):
    assert "transfer" not in _flags(ddor_con, 3)  # no record covers Texas in 2017: not checked ...
    assert {f["check"] for f in _flags(ddor_con, 3, "not_checked")["transfer"]} == {"records_around"}
    _plant_transfer_record(ddor_con)
    transfer = _flags(ddor_con, 3)["transfer"][0]  # ... and flagged once the record is there
    assert transfer["check"] == "records_around"
    assert transfer["evidence"]["records_around"] == [{"release_id": "planted@0", "file": "planted.csv", "row": 2}]


def test_ddor_planted_batch_day_is_flagged(ddor_con):
    for row in range(4, 10):
        batch = _flags(ddor_con, row)["batch_dated"][0]
        assert batch["evidence"]["day"] == "2017-02-01" and batch["evidence"]["declines"] == 6
    assert "batch_dated" not in _flags(ddor_con, 10)
    report = declined_detainer_report(ddor_con, date(2017, 1, 28)).to_dict()
    assert [(b["day"], b["facility"], b["declines"]) for b in report["audit"]["batch_days"]] == [
        ("2017-02-01", "Travis County", 6)
    ]


def test_ddor_clean_row_is_not_flagged(ddor_con):
    _plant_transfer_record(ddor_con)
    assert _flags(ddor_con, 1) == {}
    report = declined_detainer_report(ddor_con, date(2017, 1, 28)).to_dict()
    rows = {r["row_number"]: r for r in report["rows"]}
    assert rows[1]["flags"] == ""
    assert rows[1]["flags_not_checked"] == "cooperating;transfer;wrong_place"  # no OR records, facility, 287(g)
    assert rows[2]["flags"] == "same_name" and rows[3]["flags"] == "transfer"
    counts = _counts(report["audit"])
    assert (counts["same_name"]["flagged"], counts["transfer"]["flagged"], counts["batch_dated"]["flagged"]) == (
        1, 1, 6)  # fmt: skip
    assert {r["reading"]: r["declined"] for r in report["audit"]["readings"]} == {
        "ddor": 10, "ddor_without_transfers": 9}  # fmt: skip


def test_report_without_flag_tables_says_not_computed(ddor_con):
    ddor_con.execute("DROP TABLE detainer_flag")
    report = declined_detainer_report(ddor_con, date(2017, 1, 28)).to_dict()
    assert report["audit"]["status"] == "not_computed"
    assert all(r["flags_not_checked"] == ";".join(sorted(audit_flags.FLAGS)) for r in report["rows"])
