"""Data-quality invariants: zero fails and an exact, reasoned set of warns on the real mirror; every planted
violation fails the command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.store.db import connect
from sanctuarywatch.validate import CHECKS, Check, run_checks, write_results
from sanctuarywatch.validate.runner import Exception_, apply_exceptions, run_check

MCD = "a county subdivision (MCD), not a Census place"
DHS = "dhs_2025 2025-05-29: "
# The warn rows the real mirror gives: (check, subject, start of the listed reason).
REAL_WARNS = {
    ("list_entry_resolved", DHS + "Represa (California)", "list flag not_a_municipality: Represa is"),
    ("list_entry_resolved", DHS + "Hamden (Connecticut)", "Hamden is a Connecticut town: " + MCD),
    ("list_entry_resolved", DHS + "Windham (Connecticut)", "Windham is a Connecticut town: " + MCD),
    ("list_entry_resolved", DHS + "Amherst (Massachusetts)", "Amherst is a Massachusetts town: " + MCD),
    ("list_entry_resolved", DHS + "Concord (Massachusetts)", "Concord is a Massachusetts town: " + MCD),
    ("list_entry_resolved", DHS + "Bloomfield (New Jersey)", "Bloomfield is a New Jersey township: " + MCD),
    ("list_entry_resolved", DHS + "Maplewood (New Jersey)", "Maplewood is a New Jersey township: " + MCD),
    ("list_entry_resolved", DHS + "Montclair Township (New Jersey)",
     "Montclair is a New Jersey township: " + MCD),
    ("list_entry_resolved", DHS + "North Bergen (New Jersey)",
     "North Bergen is a New Jersey township: " + MCD),
    ("list_entry_resolved", DHS + "South Orange (New Jersey)",
     "South Orange Village is a New Jersey township: " + MCD),
    ("place_parent_vintage", "in_county 2020 CT", "the derived us_geo place-county file (labelled 2020) assigns"),
}  # fmt: skip


@pytest.fixture
def real_copy(real_store, tmp_path) -> Path:
    """A private copy of the real-mirror store: validate writes its results into the store."""
    path = tmp_path / "store.duckdb"
    shutil.copy(real_store, path)
    return path


def _validate(db: Path):
    return CliRunner().invoke(app, ["validate", "--db", str(db)])


def test_real_mirror_passes_with_exactly_the_listed_warns(real_copy):
    result = _validate(real_copy)
    assert result.exit_code == 0, result.output
    con = connect(real_copy, read_only=True)
    rows = con.execute("SELECT check_name, subject, status, detail, reason FROM validation_result").fetchall()
    releases = con.execute("SELECT count(*) FROM release").fetchone()[0]
    con.close()
    assert not [r for r in rows if r[2] == "fail"]
    warns = {(c, s, r) for c, s, status, _, r in rows if status == "warn"}
    assert len(warns) == len(REAL_WARNS)
    for check, subject, reason in REAL_WARNS:
        assert any(w[0] == check and w[1] == subject and w[2].startswith(reason) for w in warns), (check, subject)
    # The CT relation: all 214 place-county pairs name a 2022 planning region, none a 2020 county.
    [ct] = [r for r in rows if r[1] == "in_county 2020 CT"]
    assert ct[3].startswith("214 of 214 place-county pairs")
    # Every check ran or said why not; the sources not in the mirror are 'not checked', never 'pass'.
    assert {r[0] for r in rows} == {c.name for c in CHECKS}
    not_checked = {r[0]: r[3] for r in rows if r[2] == "not checked"}
    assert set(not_checked) == {"declined_le_issued_weekly", "ddor_dates", "published_figure"}
    assert not_checked["ddor_dates"] == "ddor_declined_detainer is empty: its source is not loaded"
    passes = {r[0]: r[3] for r in rows if r[2] == "pass"}
    assert passes["sheet_287g_rows"] == "26 subject(s) checked, all pass"  # 15 participating + 11 pending sheets
    assert passes["agency_drop_287g"] == "14 subject(s) checked, all pass"  # 14 pairs of consecutive sheets
    assert passes["release_row_count"] == f"{releases} subject(s) checked, all pass"  # 26 of them 287(g) sheets
    assert "Represa" in result.output and "0 fail" in result.output


PLANTS = {
    "geoid_outside_registry": (
        "UPDATE list_membership SET geoid = '99999' WHERE as_printed = 'Nicollet County'",
        "geoid_in_registry", "list_membership.geoid = 99999"),
    "rows_lost_after_ingest": (
        "DELETE FROM agreement_287g WHERE sheet_date = DATE '2025-03-07' AND row_number = 2 + 1",
        "sheet_287g_rows", "participating sheet 2025-03-07 (participatingAgencies03072025am.xlsx)"),
    "release_count_wrong": (
        "UPDATE release SET rows_loaded = rows_loaded + 1 WHERE source_id = 'mpi_population'",
        "release_row_count", "mpi_population 2023-mid"),
    "agencies_drop_by_a_fifth": (
        "DELETE FROM agreement_287g WHERE sheet_date = DATE '2026-05-18' AND hash(agency_id) % 5 = 0",
        "agency_drop_287g", "participating 2026-04-30 -> 2026-05-18"),
    "signed_after_sheet": (
        "UPDATE agreement_287g SET signed_date = DATE '2027-01-01' WHERE sheet_date = DATE '2025-03-07' "
        "AND row_number = (SELECT min(row_number) FROM agreement_287g WHERE sheet_date = DATE '2025-03-07')",
        "signed_before_sheet", "on 2025-03-07"),
    "wrong_date_in_file_name": (
        "UPDATE sheet_287g SET sheet_date = DATE '2025-02-01' WHERE file_name = 'pendingAgencies05302025pm.xlsx'",
        "file_name_date_287g", "pending sheet pendingAgencies05302025pm.xlsx"),
    "parent_county_missing": (
        "UPDATE jurisdiction_relation SET parent_geoid = '42999' WHERE relation = 'in_county' AND child_geoid = "
        "(SELECT geoid FROM jurisdiction WHERE name = 'Pittsburgh city' AND state_abbr = 'PA')",
        "place_parent_vintage", "in_county 2020 PA"),
    "unresolved_entry_not_queued": (
        "UPDATE list_membership SET resolution_status = 'unresolved', geoid = NULL WHERE list_id = 'doj_2025' "
        "AND row_number = (SELECT min(row_number) FROM list_membership WHERE list_id = 'doj_2025')",
        "list_entry_resolved", "doj_2025 2025-08-05: "),
    "declined_more_than_recorded": (
        "INSERT INTO ddor_declined_detainer (report_issue, report_week_start, report_week_end, jurisdiction_printed, "
        "state_abbr, geoid, resolution_status, release_id, file_name, row_number) VALUES (1, DATE '2012-03-05', "
        "DATE '2012-03-11', 'Cameron County', 'PA', '42023', 'accepted', 'planted', 'planted.pdf', 7)",
        "declined_le_issued_weekly", "42023 week 2012-03-05"),
    "declined_before_issued": (
        "INSERT INTO ddor_declined_detainer (report_issue, report_week_start, report_week_end, jurisdiction_printed, "
        "state_abbr, geoid, resolution_status, detainer_issued_date, declined_date, release_id, file_name, "
        "row_number) VALUES (1, DATE '2017-01-28', DATE '2017-02-03', 'Travis County', 'TX', '48453', 'accepted', "
        "DATE '2017-02-01', DATE '2017-01-30', 'planted', 'planted.pdf', 8)",
        "ddor_dates", "1: Travis County, TX"),
    "summary_stale": (
        "DELETE FROM detainer WHERE row_number < 100",
        "declined_le_detainers_monthly", "detainer_monthly total"),
    "published_figure_differs_unexplained": (
        "UPDATE published_figure SET value = 36, note = NULL WHERE figure_id = 'doj_2025_entries'",
        "published_figure", "doj_2025_entries"),
    "orphan_release": (
        "UPDATE mpi_population SET release_id = 'mpi_population@000000000000' WHERE row_number = 5",
        "provenance", "mpi_population rows of mpi_population@000000000000"),
}  # fmt: skip


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_violation_fails_the_build(real_copy, plant):
    sql, check, subject = PLANTS[plant]
    con = connect(real_copy)
    con.execute(sql)
    con.close()
    result = _validate(real_copy)
    assert result.exit_code == 1, result.output
    con = connect(real_copy, read_only=True)
    fails = con.execute("SELECT check_name, subject FROM validation_result WHERE status = 'fail'").fetchall()
    con.close()
    assert any(c == check and subject in s for c, s in fails), fails


def test_a_missing_table_is_not_checked_never_passed(con):
    check = Check("needs_grants", "grant rows exist", "SELECT 'x', 'pass', '', NULL, NULL, NULL, NULL", ("nope",))
    [finding] = run_check(con, check)
    assert (finding.status, finding.detail) == ("not checked", "table nope does not exist in this store")


def test_a_published_figure_whose_list_is_not_loaded_is_not_checked_never_failed(con, tmp_path):
    """Only the register of published figures loaded (no DOJ or DHS list): DOJ's '18 cities' cannot be recomputed,
    which is not a disagreement."""
    from sanctuarywatch.pipeline.ingest import ingest_source
    from sanctuarywatch.sources import published_figures
    from sanctuarywatch.sources.base import Finder, ParseContext
    from sanctuarywatch.validate.checks import _published_figure_rows

    ingest_source(con, published_figures, Finder(None, tmp_path / "cache", offline=True), ParseContext())
    rows = {r[0]: r for r in _published_figure_rows(con)}
    assert rows["doj_2025_cities"][1:3] == (
        "not checked", "published 18 cities; store: not loaded: no edition of list doj_2025 is in the store "
        "(unknown, not zero)")  # fmt: skip
    assert not [r for r in rows.values() if r[1] == "fail"]


def test_listed_exception_turns_a_fail_into_a_reasoned_warn_and_stale_ones_are_reported(con):
    check = Check("demo", "demo", "SELECT 'a', 'fail', 'broken', NULL, NULL, NULL, NULL")
    findings = [f for f in run_checks(con, [check], [Exception_("demo", "a", "known publisher typo")])]
    assert [(f.status, f.reason) for f in findings] == [("warn", "known publisher typo")]
    stale = apply_exceptions([], [Exception_("demo", "b", "gone")])
    assert [(f.check_name, f.status) for f in stale] == [("accepted_exception_unused", "warn")]


def test_results_replace_the_previous_run(con):
    check = Check("demo", "demo", "SELECT 'a', 'fail', 'broken', NULL, NULL, NULL, NULL")
    write_results(con, run_checks(con, [check], []))
    write_results(con, run_checks(con, [check], []))
    assert con.execute("SELECT count(*), min(status) FROM validation_result").fetchone() == (1, "fail")
