"""ICE detention facility list (xlsx and its CSV export) through the real ingest pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import real_folder
from fixtures.make_bad_files import make_bad_files
from fixtures.sources_fixture import write_facilities

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import ice_facilities
from sanctuarywatch.sources.base import Finder, ParseContext

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
    assert status == {"accepted": 64}  # the three without a usable County cell are placed by their city
    geoids = dict(con.execute("SELECT facility_code, geoid FROM ice_facility").fetchall())
    assert geoids["ADLNTCA"] == "06071"  # San Bernardino County
    assert geoids["KRO"] == "12086"  # Miami-Dade
    assert geoids["JACKSLA"] == "22049"  # 'Jackson Parish' as printed
    assert geoids["JENADLA"] == "22059"  # 'LaSalle' -> LaSalle Parish
    assert geoids["STWRTGA"] == "13259"
    # County 'N/A', blank and 'Miami' (a city): Leesport borough PA, Kearny town NJ and Miami city FL lie in
    # Berks, Hudson and Miami-Dade counties (Census 2020 place-county relation).
    assert (geoids["BRKFRPA"], geoids["HUDSONJ"], geoids["MIASTFL"]) == ("42011", "34017", "12086")
    zips = dict(con.execute("SELECT facility_code, zip FROM ice_facility WHERE state_abbr IN ('MA', 'NH')").fetchall())
    assert zips == {"PLYMOMA": "02360", "STRAFNH": "03820"}  # leading zero restored
    kinds = con.execute("SELECT kind, count(*) FROM agency GROUP BY 1").fetchall()
    assert kinds == [("ice_facility", 64)]


def test_quarantine_names_field_and_reason(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    rows = con.execute("SELECT row_number, field, value, reason FROM quarantine ORDER BY row_number").fetchall()
    assert rows == [
        (68, "DETLOC", None, "not a DETLOC facility code (3-12 letters/digits)"),
        (69, "DETLOC", "ADLNTCA", "facility code listed twice in this file"),
        (70, "State", "XX", "not a state name or abbreviation"),
    ]


def test_csv_export_gives_the_same_rows(con, resolver, tmp_path):
    mirror = tmp_path / "csv"
    write_facilities(mirror / "ice_facilities_2025-08-01.csv")
    (result,) = _ingest(con, resolver, mirror)
    assert (result.rows_loaded, result.rows_quarantined) == (64, 3)
    assert con.execute("SELECT count(*) FROM ice_facility WHERE resolution_status = 'accepted'").fetchone()[0] == 64


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


# -- the six real ICE lists (../shared/data/ice_facilities) ----------------------------------------------------
MAIN, CONF = "ICE_Facility_List_11-06-2017-web.xlsx", "Confidential ICE ERO Facility List 07-10-2017.xlsx"
I31121, I31806 = "2019-ICFO-31121.xlsx", "Highlighted Copy 2019-ICFO-31806.xlsx"
FY21, DED = "FY21_detentionStats07082021.xlsx", "dedicatedNonDedicatedFacilityList.xlsx"


class _WithRelations:
    """The resolver plus the registry's place -> county relation (``counties_of``), which the connector uses for
    the city fallback. Stand-in until ``Resolver.counties_of`` is provided by store/registry.build_resolver."""

    def __init__(self, resolver, con):
        self._resolver, self.entries = resolver, resolver.entries
        self._counties: dict[str, list[str]] = {}
        for child, parent in con.execute(
            "SELECT child_geoid, parent_geoid FROM jurisdiction_relation WHERE relation = 'in_county'"
        ).fetchall():
            self._counties.setdefault(child, []).append(parent)

    def resolve(self, *args, **kwargs):
        return self._resolver.resolve(*args, **kwargs)

    def counties_of(self, place: str) -> list[str]:
        return self._counties.get(place, [])


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A store with the real Census registry (from the mirror) and the six real ICE facility lists ingested."""
    from sanctuarywatch.sources import census_geography
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.store.registry import build_resolver

    root = tmp_path_factory.mktemp("real_facilities")
    con = connect(root / "store.duckdb")
    census = Finder(real_folder("census_geography"), root / "cache", offline=True)
    ingest_source(con, census_geography, census, ParseContext())
    resolver = _WithRelations(build_resolver(con), con)
    finder = Finder(real_folder("ice_facilities"), root / "cache", offline=True)
    results = ingest_source(con, ice_facilities, finder, ParseContext(resolver=resolver))
    yield con, results
    con.close()


def _by_file(con, sql: str) -> dict:
    return dict(con.execute(f"SELECT file_name, {sql} FROM ice_facility GROUP BY 1").fetchall())


def test_real_lists_one_release_each_with_data_date(real):
    con, results = real
    assert [(r.version, r.status) for r in results] == [
        ("2017-07-10", "loaded"),
        ("2017-11-06", "loaded"),
        ("2019-03-25-31121", "loaded"),
        ("2019-03-25-31806", "loaded"),
        ("2019-08-05", "loaded"),
        ("2021-06-28", "loaded"),
    ]
    as_of = _by_file(con, "string_agg(DISTINCT CAST(list_as_of AS VARCHAR), ',')")
    assert as_of[FY21] == "2021-06-28"  # the IIDS date in the title rows, not the 07/08/2021 in the file name
    # lists needing another list carry it as a release file (county source / DETLOC source)
    files = dict(con.execute(
        "SELECT r.version, count(*) FROM release r JOIN release_file f USING (release_id)"
        " WHERE r.source_id = 'ice_facilities' GROUP BY 1"
    ).fetchall())  # fmt: skip
    assert files == {"2017-07-10": 1, "2017-11-06": 1, "2019-03-25-31121": 3, "2019-03-25-31806": 3,
                     "2019-08-05": 5, "2021-06-28": 5}  # fmt: skip


def test_real_facilities_per_list(real):
    con, _ = real
    assert _by_file(con, "count(*)") == {MAIN: 1685, CONF: 201, I31121: 214, I31806: 200, FY21: 148, DED: 222}
    sheets = dict(con.execute(
        "SELECT sheet_name, count(*) FROM ice_facility WHERE file_name = ? GROUP BY 1", [DED]
    ).fetchall())  # fmt: skip
    assert sheets == {"ICE Dedicated Facilities": 37, "ICE Non-Dedicated Facilities": 185}
    # the 2017 main list counts 207 facilities whose every identifying cell ICE printed as 'Redacted'
    redacted = con.execute(
        "SELECT count(*), count(facility_code), count(aor) FROM ice_facility WHERE match_status = 'redacted'"
    ).fetchone()
    assert redacted == (207, 0, 207)


def test_real_total_row_is_not_a_facility(real):
    con, _ = real
    rows = con.execute("SELECT file_name, row_number, value, reason FROM quarantine ORDER BY 1, 2").fetchall()
    assert rows == [(CONF, 209, "Total", "total row, not a facility")]


def test_real_detloc_unique_per_list(real):
    con, _ = real
    dupes = con.execute(
        "SELECT file_name, facility_code, count(*) FROM ice_facility WHERE match_status = 'printed'"
        " GROUP BY 1, 2 HAVING count(*) > 1"
    ).fetchall()
    assert dupes == []
    printed = _by_file(con, "count(*) FILTER (WHERE match_status = 'printed')")
    assert printed == {MAIN: 1478, CONF: 201, I31121: 214, I31806: 200, FY21: 0, DED: 0}


def test_real_county_resolution_rates(real):
    con, _ = real
    rates = con.execute(
        "SELECT file_name, count(*) FILTER (WHERE geoid IS NOT NULL), count(*) FROM ice_facility"
        " WHERE match_status <> 'redacted' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for name, resolved, total in rates:
        print(f"{name}: {resolved}/{total} = {resolved / total:.1%} resolved to a county")
    assert {name: (resolved, total) for name, resolved, total in rates} == {
        MAIN: (1458, 1478), CONF: (201, 201), I31121: (213, 214), I31806: (199, 200), FY21: (144, 148),
        DED: (221, 222),
    }  # fmt: skip
    methods = dict(con.execute(
        "SELECT split_part(county_method, ' in ', 1), count(*) FROM ice_facility WHERE file_name = ? GROUP BY 1",
        [I31121],
    ).fetchall())  # fmt: skip
    assert methods == {"same DETLOC": 201, "city": 12, "unresolved": 1}
    assert all(g is None for (g,) in con.execute(
        "SELECT geoid FROM ice_facility WHERE county_method = 'unresolved'").fetchall())  # fmt: skip


def test_real_hand_checked_facilities(real):
    con, _ = real
    rows = con.execute(
        "SELECT file_name, name, geoid, county_method FROM ice_facility WHERE facility_code = 'ADLNTCA'"
    ).fetchall()
    assert {r[0] for r in rows} == {MAIN, CONF, I31121, I31806, FY21, DED}
    assert {r[1] for r in rows} == {"ADELANTO ICE PROCESSING CENTER"} and {r[2] for r in rows} == {"06071"}
    one = dict(con.execute(
        "SELECT file_name, county_method FROM ice_facility WHERE facility_code = 'ADLNTCA'").fetchall())  # fmt: skip
    assert one[MAIN] == "county column" and one[I31121] == f"same DETLOC in {MAIN}"
    assert one[FY21] == f"same DETLOC in {MAIN}"
    got = dict(con.execute(
        "SELECT facility_code, geoid FROM ice_facility WHERE file_name = ? AND facility_code IN "
        "('STWRTGA', 'ALBCONY', 'RONKEVA', 'JENADLA', 'LPLCCAZ')", [CONF],
    ).fetchall())  # fmt: skip
    assert got["STWRTGA"] == "13259"  # Stewart Detention Center, Lumpkin GA: Stewart County
    assert got["ALBCONY"] == "36001"  # printed 'KINGS'; corrected (data/ice_facilities_corrections.csv)
    assert got["RONKEVA"] == "51770"  # Roanoke city, not Roanoke County
    # La Palma (Eloy AZ) first appears in 2019: its county comes from the city (Eloy lies in Pinal County)
    palma = con.execute(
        "SELECT geoid, county_method FROM ice_facility WHERE file_name = ? AND facility_code = 'LPLCCAZ'", [I31121]
    ).fetchone()
    assert palma == ("04021", "city")


def test_real_no_detloc_lists_matched_or_listed_unmatched(real):
    con, _ = real
    status = {(f, s): n for f, s, n in con.execute(
        "SELECT file_name, match_status, count(*) FROM ice_facility WHERE file_name IN (?, ?) GROUP BY 1, 2",
        [FY21, DED],
    ).fetchall()}  # fmt: skip
    assert status == {
        (FY21, "matched"): 127, (FY21, "ambiguous"): 1, (FY21, "unmatched"): 20,
        (DED, "matched"): 216, (DED, "ambiguous"): 1, (DED, "unmatched"): 5,
    }  # fmt: skip
    ambiguous = dict(con.execute(
        "SELECT name, matched_from FROM ice_facility WHERE match_status = 'ambiguous' AND file_name = ?", [FY21]
    ).fetchall())  # fmt: skip
    # an annex at its parent's address does not take the parent's DETLOC
    assert ambiguous == {
        "LA PALMA CORRECTION CENTER - APSO": "address + city + state: LPLCCAZ, already matched to row 11 of this list"
    }
    unmatched = con.execute(
        "SELECT name, city, state_abbr, facility_code, matched_from FROM ice_facility"
        " WHERE file_name = ? AND match_status = 'unmatched' ORDER BY name", [DED],
    ).fetchall()  # fmt: skip
    print("unmatched on the dedicated/non-dedicated list:", unmatched)
    assert [(n, c, s) for n, c, s, *_ in unmatched] == [
        ("ADAMS COUNTY DET CENTER", "NATCHEZ", "MS"),
        ("JACKSON PARISH CORRECTIONAL CENTER", "JONESBORO", "LA"),
        ("KAY COUNTY JUSTICE FACILITY", "NEWKIRK", "OK"),
        ("RICHWOOD CORRECTIONAL CENTER", "RICHWOOD", "LA"),
        ("WINN CORRECTIONAL CENTER", "WINNFIELD", "LA"),
    ]
    assert all(code is None and how is None for *_, code, how in unmatched)
    rules = dict(con.execute(
        "SELECT split_part(matched_from, ' in ', 1), count(*) FROM ice_facility WHERE file_name = ?"
        " AND match_status = 'matched' GROUP BY 1", [FY21],
    ).fetchall())  # fmt: skip
    print("FY21 match rules:", rules)
    assert rules == {"name + city + state": 125, "address + city + state": 2}


@pytest.mark.parametrize(
    ("first", "filled", "why"),
    [
        ("Total", 1, "total row, not a facility"),
        ("GRAND TOTAL", 3, "total row, not a facility"),
        (
            "*Facilities listed here were authorized for use as of the report date; see the Notes sheet for the "
            "definitions of the fields.",
            1,
            "explanatory note in column A, not a facility",
        ),  # fmt: skip
        ("TOTTENVILLE HOLD ROOM", 6, None),  # a name that starts with 'Tot' is a facility
        ("NORTHWESTERN REGIONAL JUVENILE DETENTION CENTER AND ANNEX OF THE COUNTY", 8, None),  # long, but a row
    ],
)
def test_rows_that_are_not_facilities(first, filled, why):
    assert ice_facilities._not_a_facility(first, filled) == why


def test_real_reingest_is_unchanged(real):
    con, _ = real
    before = con.execute("SELECT count(*) FROM ice_facility").fetchone()
    finder = Finder(real_folder("ice_facilities"), Path("/nonexistent"), offline=True)
    again = ingest_source(con, ice_facilities, finder, ParseContext(resolver=None))
    assert {r.status for r in again} == {"unchanged"} and len(again) == 6
    assert con.execute("SELECT count(*) FROM ice_facility").fetchone() == before


def test_a_known_file_with_another_checksum_is_refused(con, resolver, tmp_path):
    bad = tmp_path / "mirror" / "2019-ICFO-31121.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 not the published workbook")
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, resolver, bad.parent)
    assert err.value.file == "2019-ICFO-31121.xlsx" and "pinned" in str(err.value)
    assert con.execute("SELECT count(*) FROM ice_facility").fetchone() == (0,)
