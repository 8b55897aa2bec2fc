"""ICE detention facility list (xlsx and its CSV export) through the real ingest pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.make_bad_files import make_bad_files
from fixtures.sources_fixture import write_facilities

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import ice_facilities
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.ingest import ingest_source

XLSX = "ice_facilities_2025-08-01.xlsx"


def _ingest(con, resolver, mirror: Path):
    finder = Finder(mirror, mirror / "_cache", offline=True)
    return ingest_source(con, ice_facilities, finder, ParseContext(resolver=resolver))


def _counts(con) -> tuple[int, int, int]:
    return con.execute(
        "SELECT (SELECT count(*) FROM ice_facility), (SELECT count(*) FROM release WHERE source_id = 'ice_facilities'),"
        " (SELECT count(*) FROM agency)"
    ).fetchone()


@pytest.fixture
def mirror(tmp_path) -> Path:
    write_facilities(tmp_path / "mirror" / XLSX)
    return tmp_path / "mirror"


def test_facilities_load_with_counties(con, resolver, mirror):
    (result,) = _ingest(con, resolver, mirror)
    assert (result.version, result.status, result.rows_loaded, result.rows_quarantined) == (
        "2025-08-01",
        "loaded",
        64,
        3,
    )
    status = dict(con.execute("SELECT resolution_status, count(*) FROM ice_facility GROUP BY 1").fetchall())
    rate = status["accepted"] / sum(status.values())
    print(f"facilities resolution: {status} accepted rate {rate:.1%}")
    assert status == {"accepted": 61, "unresolved": 3}
    geoids = dict(con.execute("SELECT facility_code, geoid FROM ice_facility").fetchall())
    assert geoids["ADLNTCA"] == "06071"  # San Bernardino County
    assert geoids["KRO"] == "12086"  # Miami-Dade
    assert geoids["JACKSLA"] == "22049"  # 'Jackson Parish' as printed
    assert geoids["JENADLA"] == "22059"  # 'LaSalle' -> LaSalle Parish
    assert geoids["STWRTGA"] == "13259"
    assert geoids["BRKFRPA"] is None and geoids["HUDSONJ"] is None and geoids["MIASTFL"] is None
    zips = dict(con.execute("SELECT facility_code, zip FROM ice_facility WHERE state_abbr IN ('MA', 'NH')").fetchall())
    assert zips == {"PLYMOMA": "02360", "STRAFNH": "03820"}  # leading zero restored
    kinds = con.execute("SELECT kind, count(*) FROM agency GROUP BY 1").fetchall()
    assert kinds == [("ice_facility", 64)]


def test_quarantine_names_field_and_reason(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    rows = con.execute("SELECT row_number, field, value, reason FROM quarantine ORDER BY row_number").fetchall()
    assert rows == [
        (68, "Code", None, "not a DETLOC facility code (3-12 letters/digits)"),
        (69, "Code", "ADLNTCA", "facility code listed twice in this file"),
        (70, "State", "XX", "not a state name or abbreviation"),
    ]


def test_csv_export_gives_the_same_rows(con, resolver, tmp_path):
    mirror = tmp_path / "csv"
    write_facilities(mirror / "ice_facilities_2025-08-01.csv")
    (result,) = _ingest(con, resolver, mirror)
    assert (result.rows_loaded, result.rows_quarantined) == (64, 3)
    assert con.execute("SELECT count(*) FROM ice_facility WHERE resolution_status = 'accepted'").fetchone()[0] == 61


def test_reingest_is_idempotent(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    before = _counts(con)
    assert {r.status for r in _ingest(con, resolver, mirror)} == {"unchanged"}
    assert _counts(con) == before


@pytest.mark.parametrize("kind", ["empty", "missing_column", "truncated"])
def test_wrong_shape_is_refused(con, resolver, mirror, tmp_path, kind):
    _ingest(con, resolver, mirror)
    before = _counts(con)
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    if kind == "empty":
        bad = make_bad_files(tmp_path / "made")["ice_facilities"]
        shutil.copy(bad, bad_dir / bad.name)
        name = bad.name
    elif kind == "missing_column":
        name = "ice_facilities_2025-09-01.csv"
        lines = (write_facilities(tmp_path / "x.csv")).read_text(encoding="utf-8").splitlines()
        (bad_dir / name).write_text("\n".join(",".join(line.split(",")[:1] + line.split(",")[2:]) for line in lines))
    else:
        name = "ice_facilities_2025-09-01.xlsx"
        whole = (mirror / XLSX).read_bytes()
        (bad_dir / name).write_bytes(whole[: len(whole) - 500])
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, resolver, bad_dir)
    print(f"{kind}: {err.value}")
    assert err.value.file == name and name in str(err.value)
    assert _counts(con) == before
