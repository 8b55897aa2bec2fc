"""ICE 287(g) participating-agency sheets through the real ingest pipeline (fixtures in ICE's xlsx format)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fixtures.make_bad_files import make_bad_files
from fixtures.sources_fixture import write_287g_sheet

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import ice_287g
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.diff import diff_releases
from sanctuarywatch.store.ingest import ingest_source

FIRST, LATER = "participatingAgencies02202025.xlsx", "participatingAgencies08052025.xlsx"


def _ingest(con, resolver, mirror: Path):
    return ingest_source(
        con, ice_287g, Finder(mirror, mirror / "_cache", offline=True), ParseContext(resolver=resolver)
    )


def _counts(con) -> tuple[int, int, int]:
    return con.execute(
        "SELECT (SELECT count(*) FROM agreement_287g), (SELECT count(*) FROM release WHERE source_id = 'ice_287g'),"
        " (SELECT count(*) FROM agency)"
    ).fetchone()


@pytest.fixture
def mirror(tmp_path) -> Path:
    write_287g_sheet(tmp_path / "mirror" / FIRST, date(2025, 2, 20))
    write_287g_sheet(tmp_path / "mirror" / LATER, date(2025, 8, 5), later=True)
    return tmp_path / "mirror"


def test_two_sheets_load_side_by_side(con, resolver, mirror):
    results = _ingest(con, resolver, mirror)
    assert [(r.version, r.status, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("2025-02-20", "loaded", 152, 4),
        ("2025-08-05", "loaded", 159, 0),
    ]
    per_sheet = con.execute("SELECT sheet_date, count(*) FROM agreement_287g GROUP BY 1 ORDER BY 1").fetchall()
    assert per_sheet == [(date(2025, 2, 20), 152), (date(2025, 8, 5), 159)]
    models = dict(con.execute("SELECT support_model, count(*) FROM agreement_287g GROUP BY 1").fetchall())
    # TFM: 67 FL sheriffs + 3 FL state agencies + 4 PDs, then + 8 TX sheriffs + 2 PDs on the later sheet.
    assert models == {"Task Force Model": 74 + 84, "Jail Enforcement Model": 44 + 41, "Warrant Service Officer": 68}
    assert con.execute("SELECT count(*) FROM agreement_287g WHERE moa_url LIKE 'https://%'").fetchone()[0] == 311


def test_quarantine_names_field_and_reason(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    rows = con.execute(
        "SELECT file_name, row_number, field, value, reason FROM quarantine ORDER BY row_number"
    ).fetchall()
    assert rows == [
        (FIRST, 158, "STATE", "ZZ", "not a state name or abbreviation"),
        (FIRST, 159, "SUPPORT TYPE", "Training Model", "not a known 287(g) support model"),
        (FIRST, 160, "SIGNED", "TBD", "not a date: 'TBD'"),
        (
            FIRST,
            161,
            "LAW ENFORCEMENT AGENCY",
            "Alachua County Sheriff's Office",
            "duplicate row for Task Force Model on this sheet",
        ),
    ]


def test_resolution_and_agencies(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    status = dict(con.execute("SELECT resolution_status, count(*) FROM agreement_287g GROUP BY 1").fetchall())
    rate = status["accepted"] / sum(status.values())
    print(f"287(g) resolution: {status} accepted rate {rate:.1%}")
    assert status == {"accepted": 306, "needs_review": 2, "unresolved": 3}
    assert rate > 0.98
    one = dict(con.execute("SELECT DISTINCT agency_name, geoid FROM agreement_287g WHERE state_abbr = 'FL'").fetchall())
    assert one["Alachua County Sheriff's Office"] == "12001"
    assert one["Jacksonville Sheriff's Office"] == "12031"  # consolidated with Duval County
    assert one["Miami-Dade County Sheriff's Office"] == "12086"
    assert one["Florida Department of Corrections"] == "12"
    assert one["Hialeah Police Department"] == "1230000"
    assert one["Town of Davie Police Department"] is None  # not in the place registry: left unresolved
    tx_calhoun = con.execute(
        "SELECT DISTINCT geoid FROM agreement_287g WHERE agency_name = 'Calhoun County Sheriff''s Office' ORDER BY 1"
    ).fetchall()
    assert tx_calhoun == [("12013",), ("48057",)]  # same name, two states
    agencies = dict(con.execute("SELECT agency_id, kind FROM agency").fetchall())
    assert agencies["sheriff:FL:alachua-county"] == "sheriff"
    assert agencies["corrections:FL:florida-department-of-corrections"] == "corrections"
    assert agencies["state_agency:FL:florida-highway-patrol"] == "state_agency"
    assert agencies["police:FL:davie"] == "police"
    assert len(agencies) == 67 + 34 + 9 + 15 + 4 + 2


def test_reingest_is_idempotent(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    before = _counts(con)
    again = _ingest(con, resolver, mirror)
    assert {r.status for r in again} == {"unchanged"}
    assert _counts(con) == before


def test_diff_between_sheets(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    _, _, diffs = diff_releases(con, ice_287g)
    (d,) = diffs
    print(f"287(g) diff: +{d.added} -{d.removed} ~{d.changed} ={d.unchanged}")
    assert (d.added, d.removed) == (10, 3)
    # sheet_date differs on every row of a new sheet, so store.diff reports the 149 kept rows as changed.
    assert d.changed + d.unchanged == 149
    assert {
        "state_abbr": "OK",
        "agency_name": "Oklahoma Department of Corrections",
        "support_model": "Jail Enforcement Model",
    } in d.examples["removed"]


@pytest.mark.parametrize("kind", ["missing_column", "truncated", "empty"])
def test_wrong_shape_is_refused(con, resolver, mirror, tmp_path, kind):
    _ingest(con, resolver, mirror)
    before = _counts(con)
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    if kind == "missing_column":
        bad = make_bad_files(tmp_path / "made")["ice_287g"]
        shutil.copy(bad, bad_dir / bad.name)
        name = bad.name
    else:
        name = "participatingAgencies03012025.xlsx"
        whole = (mirror / FIRST).read_bytes()
        (bad_dir / name).write_bytes(whole[: len(whole) // 3] if kind == "truncated" else b"")
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, resolver, bad_dir)
    assert err.value.file == name and name in str(err.value)
    print(f"{kind}: {err.value}")
    assert _counts(con) == before
