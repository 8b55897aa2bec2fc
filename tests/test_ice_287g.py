"""ICE 287(g) sheets: all 26 real sheets of the mirror (15 participating, 11 pending) through the ingest pipeline.

Expected figures are the 'data rows' and 'workbook last-modified' columns of ice_287g/PROVENANCE.md; a person can
check each by opening the sheet. Generated files are used only for bad input and for same-date collisions.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from conftest import real_file, real_folder

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import ice_287g
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.diff import diff_releases
from sanctuarywatch.store.registry import build_resolver

# file -> (data rows, as-of date = workbook last-modified date, UTC), from PROVENANCE.md
SHEETS = {
    "participatingAgencies03072025am.xlsx": (318, "2025-03-07"),
    "participatingAgencies04302025pm.xlsx": (517, "2025-04-30"),
    "participatingAgencies05292025am.xlsx": (635, "2025-05-29"),
    "participatingAgencies06272025am.xlsx": (737, "2025-06-27"),
    "participatingAgencies07302025pm.xlsx": (875, "2025-07-30"),
    "participatingAgencies08292025pm.xlsx": (956, "2025-08-29"),
    "participatingAgencies10012025am.xlsx": (1035, "2025-09-30"),  # the name says October
    "participatingAgencies10312025pm.xlsx": (1096, "2025-10-31"),
    "participatingAgencies11262025am.xlsx": (1188, "2025-11-26"),
    "participatingAgencies12312025am.xlsx": (1274, "2025-12-30"),
    "participatingAgencies02022026am.xlsx": (1381, "2026-01-31"),
    "participatingAgencies02272026am.xlsx": (1492, "2026-02-27"),
    "participatingAgencies04012026am.xlsx": (1604, "2026-03-31"),
    "participatingAgencies05012026am.xlsx": (1779, "2026-04-30"),
    "participatingAgencies05182026am.xlsx": (1843, "2026-05-18"),
    "pendingAgencies04302025pm.xlsx": (62, "2025-04-30"),
    "pendingAgencies05302025pm.xlsx": (82, "2025-05-30"),
    "pendingAgencies06302025am.xlsx": (68, "2025-06-28"),
    "pendingAgencies07312025am.xlsx": (22, "2025-07-31"),
    "pendingAgencies08292025pm.xlsx": (20, "2025-08-29"),
    "pendingAgencies09302025pm.xlsx": (33, "2025-09-30"),
    "pendingAgencies10312025pm.xlsx": (52, "2025-10-31"),
    "pendingAgencies11262025am.xlsx": (13, "2025-11-25"),
    "pendingAgencies12312025am.xlsx": (24, "2025-12-31"),
    "pendingAgencies01302026am.xlsx": (9, "2026-01-30"),
    "pendingAgencies02272026am.xlsx": (2, "2026-02-27"),
}


def _ingest(con, mirror: Path, resolver=None):
    finder = Finder(mirror, mirror / "_cache", offline=True)
    return ingest_source(con, ice_287g, finder, ParseContext(resolver=resolver or build_resolver(con)))


@pytest.fixture(scope="module")
def real_store(registry_template, tmp_path_factory):
    """A store with every real sheet of the mirror ingested (once per module; tests only read it)."""
    path = tmp_path_factory.mktemp("ice287g") / "store.duckdb"
    shutil.copy(registry_template, path)
    con = connect(path)
    results = _ingest(con, real_folder("ice_287g"))
    yield con, results
    con.close()


def test_one_release_per_sheet_dated_by_workbook_metadata(real_store):
    _, results = real_store
    got = {r.version: (r.rows_loaded, r.rows_quarantined) for r in results}
    want = {
        date_ + ("-pending" if name.startswith("pending") else ""): (rows, 0) for name, (rows, date_) in SHEETS.items()
    }
    assert got == want
    versions = [r.version for r in results]
    assert versions == sorted(versions) and len(versions) == 26
    assert sum(rows for rows, _ in want.values()) == 17_117  # 16,730 participating + 387 pending


def test_derived_files_are_not_sheets():
    found = Finder(real_folder("ice_287g"), Path("/nonexistent"), offline=True).in_mirror(ice_287g.SPEC.mirror_patterns)
    assert sorted(p.name for p in found) == sorted(SHEETS) and {p.parent.name for p in found} == {"sheets"}
    pinned = {f.name: f.sha256 for f in ice_287g.SPEC.files}
    assert set(pinned) == set(SHEETS) and all(len(sha) == 64 for sha in pinned.values())


def test_rows_per_sheet_in_the_store(real_store):
    con, _ = real_store
    stored = con.execute(
        "SELECT file_name, data_rows, sheet_date, date_from FROM sheet_287g ORDER BY file_name"
    ).fetchall()
    assert {f: (n, str(d)) for f, n, d, _ in stored} == SHEETS
    assert {src for *_, src in stored} == {"workbook_modified"}
    loaded = dict(
        con.execute(
            "SELECT file_name, count(*) FROM (SELECT file_name FROM agreement_287g UNION ALL "
            "SELECT file_name FROM pending_287g) GROUP BY 1"
        ).fetchall()
    )
    assert loaded == {name: rows for name, (rows, _) in SHEETS.items()}
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_national_series_is_one_query(real_store):
    con, _ = real_store
    series = con.execute("SELECT sheet_date, count(*) FROM agreement_287g GROUP BY 1 ORDER BY 1").fetchall()
    assert [n for _, n in series] == [rows for name, (rows, _) in SHEETS.items() if name.startswith("participating")]
    assert (series[0], series[-1]) == ((date(2025, 3, 7), 318), (date(2026, 5, 18), 1843))


def test_pennsylvania_typo_is_corrected_with_its_reason(real_store):
    con, _ = real_store
    rows = con.execute(
        "SELECT state_abbr, corrections FROM agreement_287g "
        "WHERE file_name = 'participatingAgencies02272026am.xlsx' AND corrections LIKE '%PENNSLYVANIA%'"
    ).fetchall()
    assert len(rows) == 68 and {s for s, _ in rows} == {"PA"}
    assert "STATE 'PENNSLYVANIA' -> 'PENNSYLVANIA': ICE misspelled Pennsylvania" in rows[0][1]
    # the sheet has 69 Pennsylvania rows: 68 misspelled, one (Shenandoah Borough Police Department) spelled right
    around = con.execute(
        "SELECT sheet_date, count(*) FROM agreement_287g WHERE state_abbr = 'PA' "
        "AND sheet_date IN ('2026-01-31', '2026-02-27', '2026-03-31') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    print(f"PA agreements around the typo: {around}")
    assert around[1] == (date(2026, 2, 27), 69)


def test_every_correction_is_used_on_the_real_sheets(real_store):
    con, _ = real_store
    used = con.execute(
        "SELECT corrections FROM agreement_287g WHERE corrections IS NOT NULL "
        "UNION ALL SELECT corrections FROM pending_287g WHERE corrections IS NOT NULL"
    ).fetchall()
    text = "\n".join(r[0] for r in used)
    for (field, printed), _ in ice_287g.load_corrections().items():
        assert f"{field} {printed!r} ->" in text, (field, printed)
    signed = con.execute(
        "SELECT signed_date FROM agreement_287g WHERE corrections LIKE 'SIGNED%' ORDER BY sheet_date"
    ).fetchall()
    assert signed == [(date(2025, 5, 8),), (date(2025, 5, 8),)]


def test_support_types_and_one_row_per_agency_and_model(real_store):
    con, _ = real_store
    models = dict(
        con.execute(
            "SELECT support_model, count(*) FROM agreement_287g WHERE sheet_date = '2026-05-18' GROUP BY 1"
        ).fetchall()
    )
    print(f"support models on 2026-05-18: {models}")
    assert sum(models.values()) == 1843 and set(models) == {
        "Jail Enforcement Model",
        "Task Force Model",
        "Warrant Service Officer",
    }
    dup = con.execute(
        "SELECT count(*) FROM (SELECT sheet_date, state_abbr, agency_name, support_model FROM agreement_287g "
        "GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    assert dup == 0
    trailing = con.execute(
        "SELECT count(*) FROM agreement_287g WHERE agency_name <> trim(agency_name) OR agency_type <> trim(agency_type)"
    ).fetchone()[0]
    assert trailing == 0


def test_moa_hyperlinks_read_from_the_sheet_xml(real_store):
    con, _ = real_store
    by_text = dict(
        con.execute(
            "SELECT moa_printed, count(moa_url) FROM agreement_287g "
            "WHERE file_name = 'participatingAgencies05182026am.xlsx' GROUP BY 1"
        ).fetchall()
    )
    # 1,680 MOA hyperlinks in column G of the sheet XML, one per 'link' cell; 'link pending' has none
    assert by_text["link"] == 1680 and by_text["link pending"] == 0
    one = con.execute(
        "SELECT moa_url, signed_date FROM agreement_287g WHERE file_name = 'participatingAgencies05182026am.xlsx' "
        "AND agency_name = 'Jacksonville Sheriff''s Office' AND support_model = 'Task Force Model'"
    ).fetchone()
    assert one[0] == "https://www.ice.gov/doclib/287gMOA/JacksonvilleSheriffsOffice_TFM_MOA_02.26.2025.pdf"
    assert con.execute("SELECT count(addendum_url) FROM agreement_287g").fetchone()[0] == 480


def test_hyperlinks_match_openpyxl_on_the_smallest_sheet():
    openpyxl = pytest.importorskip("openpyxl")
    path = real_file("ice_287g/sheets/participatingAgencies03072025am.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[0]
    expected = {(c.row, c.column - 1): c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink}
    assert ice_287g.hyperlinks(path, "Sheet1") == expected and len(expected) == 132


def test_in_force_on_a_date_per_county(real_store):
    con, _ = real_store
    in_force = con.execute(
        """SELECT a.county_geoid, count(*) FROM agreement_287g a JOIN sheet_287g_period p USING (release_id)
           WHERE p.list_kind = 'participating' AND p.valid_from <= DATE '2025-10-15'
             AND (DATE '2025-10-15' < p.valid_to OR p.valid_to IS NULL) AND a.county_geoid IS NOT NULL
           GROUP BY 1"""
    ).fetchall()
    counts = dict(in_force)
    # 2025-10-15 falls under the sheet of 2025-09-30; Galveston County TX lists 8 agreements there
    assert counts["48167"] == 8
    assert (
        sum(counts.values())
        == con.execute("SELECT count(county_geoid) FROM agreement_287g WHERE sheet_date = '2025-09-30'").fetchone()[0]
    )
    before_first = con.execute(
        "SELECT count(*) FROM sheet_287g_period WHERE list_kind = 'participating' AND valid_from <= DATE '2025-03-01'"
    ).fetchone()[0]
    assert before_first == 0  # before the first sheet nothing is known, not zero agreements


def test_history_pending_to_participating(real_store):
    con, _ = real_store
    row = con.execute(
        "SELECT first_pending, first_listed, last_listed, pending_then_participating, dropped FROM agency_287g_history "
        "WHERE agency_name = 'Arkansas Department of Corrections' AND support_model = 'Jail Enforcement Model'"
    ).fetchone()
    assert row == (date(2025, 11, 25), date(2025, 12, 30), date(2026, 5, 18), True, False)
    totals = con.execute(
        "SELECT count(*), count(*) FILTER (pending_then_participating), count(*) FILTER (dropped) "
        "FROM agency_287g_history"
    ).fetchone()
    print(f"287(g) history: agency x model {totals[0]}, pending->participating {totals[1]}, dropped {totals[2]}")
    assert totals[1] > 200


def test_resolution_rate_on_the_real_sheets(real_store):
    con, _ = real_store
    rates = con.execute(
        "SELECT agency_type, count(*), count(*) FILTER (resolution_status = 'accepted') FROM agreement_287g "
        "WHERE sheet_date = '2026-05-18' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    total = sum(n for _, n, _ in rates)
    accepted = sum(a for *_, a in rates)
    print(f"287(g) 2026-05-18 resolution by TYPE: {rates}; accepted {accepted}/{total} = {accepted / total:.1%}")
    county = next((n, a) for t, n, a in rates if t == "County")
    assert county[1] / county[0] > 0.95  # county sheriffs resolve to their county
    sheriffs = con.execute(
        "SELECT count(*) FILTER (length(geoid) = 5), count(*) FROM agreement_287g "
        "WHERE sheet_date = '2026-05-18' AND agency_name LIKE '%County Sheriff%'"
    ).fetchone()
    assert sheriffs[0] / sheriffs[1] > 0.97
    state = con.execute(
        "SELECT count(*), count(*) FILTER (geoid = '12') FROM agreement_287g "
        "WHERE sheet_date = '2026-05-18' AND state_abbr = 'FL' AND agency_type = 'State Agency'"
    ).fetchone()
    assert state[0] == state[1] > 0  # TYPE 'State Agency' resolves to the state, e.g. Florida State Guard


def test_diff_between_the_last_two_sheets(real_store):
    con, _ = real_store
    _, _, diffs = diff_releases(con, ice_287g)
    agreements = next(d for d in diffs if d.table == "agreement_287g")
    print(f"287(g) diff 2026-04-30 -> 2026-05-18: +{agreements.added} -{agreements.removed}")
    assert agreements.added + agreements.unchanged + agreements.changed == 1843
    assert agreements.removed + agreements.unchanged + agreements.changed == 1779


def test_reingest_is_idempotent(real_store):
    con, _ = real_store
    before = con.execute("SELECT count(*) FROM release").fetchone()
    again = _ingest(con, real_folder("ice_287g"))
    assert {r.status for r in again} == {"unchanged"}
    assert con.execute("SELECT count(*) FROM release").fetchone() == before


def test_same_sheet_in_two_folders_is_one_release(con, resolver, tmp_path):
    sheet = real_file("ice_287g/sheets/pendingAgencies02272026am.xlsx")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(sheet, tmp_path / folder / sheet.name)
    results = _ingest(con, tmp_path, resolver)
    assert [(r.version, r.rows_loaded) for r in results] == [("2026-02-27-pending", 2)]


def _sheet(path: Path, modified: datetime, agency: str) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": modified})  # xlsxwriter writes it as dcterms:modified too
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"])
    ws.write_row(1, 0, ["TEXAS ", agency, "County ", "Galveston County", "Task Force Model ", "", "link pending"])
    book.close()


def test_two_different_sheets_with_one_date(con, resolver, tmp_path):
    _sheet(tmp_path / "participatingAgencies01012026am.xlsx", datetime(2026, 1, 1, 9), "Galveston County Sheriff")
    _sheet(tmp_path / "participatingAgencies01012026pm.xlsx", datetime(2026, 1, 1, 17), "Harris County Sheriff")
    results = _ingest(con, tmp_path, resolver)
    assert [r.version for r in results] == ["2026-01-01T090000", "2026-01-01T170000"]
    period = con.execute("SELECT file_name, valid_to FROM sheet_287g_period").fetchall()
    assert period == [("participatingAgencies01012026pm.xlsx", None)]  # the day's last sheet is the current one


def test_two_different_sheets_with_one_timestamp_are_refused(con, resolver, tmp_path):
    _sheet(tmp_path / "participatingAgencies01012026am.xlsx", datetime(2026, 1, 1, 9), "Galveston County Sheriff")
    _sheet(tmp_path / "participatingAgencies01052025am.xlsx", datetime(2026, 1, 1, 9), "Harris County Sheriff")
    with pytest.raises(SourceFormatError, match="same participating as-of date and time"):
        _ingest(con, tmp_path, resolver)
    assert con.execute("SELECT count(*) FROM release WHERE source_id = 'ice_287g'").fetchone()[0] == 0


@pytest.mark.parametrize("kind", ["missing_column", "truncated", "empty"])
def test_wrong_shape_is_refused(con, resolver, tmp_path, kind):
    name = "participatingAgencies03012025.xlsx"
    whole = real_file("ice_287g/sheets/participatingAgencies03072025am.xlsx").read_bytes()
    if kind == "missing_column":
        book = xlsxwriter.Workbook(str(tmp_path / name))
        book.add_worksheet().write_row(0, 0, ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SIGNED", "MOA"])
        book.close()
    else:
        (tmp_path / name).write_bytes(whole[: len(whole) // 3] if kind == "truncated" else b"")
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, tmp_path, resolver)
    assert err.value.file == name and name in str(err.value)
    print(f"{kind}: {err.value}")
    assert con.execute("SELECT count(*) FROM release WHERE source_id = 'ice_287g'").fetchone()[0] == 0


def test_cross_check_with_third_party_merge(real_store):
    """derived/agreements.csv (appelson/Tracking_287g) is never ingested; its blocks for the two sheets it shares with
    the mirror must agree with what we load, state by state and model by model."""
    import csv
    from collections import Counter

    con, _ = real_store
    with real_file("ice_287g/derived/agreements.csv").open(encoding="utf-8") as fh:
        derived = list(csv.DictReader(fh))
    for label, sheet_date in (("2025-05-29 am", "2025-05-29"), ("2025-06-27 am", "2025-06-27")):
        theirs = Counter((r["state"].strip().upper(), r["type"].strip()) for r in derived if r["date"] == label)
        ours = Counter(
            {
                (name.upper(), model): n
                for name, model, n in con.execute(
                    "SELECT j.name, a.support_model, count(*) FROM agreement_287g a "
                    "JOIN jurisdiction j ON j.geoid = (SELECT geoid FROM jurisdiction WHERE level = 'state' "
                    "AND state_abbr = a.state_abbr) WHERE a.sheet_date = ? GROUP BY ALL",
                    [sheet_date],
                ).fetchall()
            }
        )
        assert ours == theirs, label
    assert {r["date"] for r in derived} >= {"2025-05-29 am", "2025-06-27 am"}
