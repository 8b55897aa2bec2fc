"""MPI unauthorized-immigrant population estimates (mid-2023) from the real mirrored workbook."""

from __future__ import annotations

import pytest
from conftest import real_folder

from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import mpi_population
from sanctuarywatch.sources.base import Finder, ParseContext

US_TOTAL = 13_738_000
COMBINED_MEMBERS = {
    "Miami-Dade-Monroe Counties, Florida": ["12086", "12087"],
    "Fairfax County-Fairfax City-Falls Church City, Virginia": ["51059", "51600", "51610"],
    "Orleans-Jefferson-Plaquemines-St. Bernard Parishes, Louisiana": ["22051", "22071", "22075", "22087"],
    "Boston-Cambridge-Newton MSA,++ Massachusetts-New Hampshire": ["25009", "25017", "25021", "25023", "25025"],
    "Lehigh-Carbon Counties-Northampton, Pennsylvania": ["42025", "42077", "42095"],
}


@pytest.fixture
def mpi(con, resolver):
    folder = real_folder("mpi_population")
    [result] = ingest_source(con, mpi_population, Finder(folder, folder / "_cache", True), ParseContext(resolver))
    assert (result.version, result.status, result.rows_quarantined) == ("2023-mid", "loaded", 0)
    return con


def test_states_sheet_has_50_states_dc_and_the_us_total(mpi):
    rows = mpi.execute("SELECT area_level, count(*), sum(unauthorized_population) FROM mpi_population "
                       "WHERE sheet = 'U.S. and States' GROUP BY 1 ORDER BY 1").fetchall()  # fmt: skip
    # the states sum to 13,737,000: MPI rounds each to the thousand
    assert rows == [("nation", 1, US_TOTAL), ("state", 51, 13_737_000)]
    by_state = dict(mpi.execute("SELECT state_abbr, unauthorized_population FROM mpi_population "
                                "WHERE area_level = 'state'").fetchall())  # fmt: skip
    assert (by_state["CA"], by_state["TX"], by_state["DC"], by_state["VT"]) == (2_910_000, 1_966_000, 31_000, 5_000)
    assert mpi.execute("SELECT min(row_number), max(row_number) FROM mpi_population WHERE area_level = 'state'"
                       ).fetchone() == (5, 55)  # fmt: skip


def test_counties_sheet_rows_and_resolution(mpi):
    rows = mpi.execute("SELECT area_level, resolution_status, count(*) FROM mpi_population "
                       "WHERE sheet = 'U.S. and Counties' GROUP BY ALL ORDER BY ALL").fetchall()  # fmt: skip
    # 287 area rows below the U.S. total (rows 5-291): 244 single counties, 43 combined areas
    assert rows == [("combined", "combined", 43), ("county", "accepted", 244), ("nation", "accepted", 1)]
    unresolved = mpi.execute("SELECT area_printed FROM mpi_population WHERE area_level = 'county' AND geoid IS NULL"
                             ).fetchall()  # fmt: skip
    assert unresolved == []
    geoids = dict(mpi.execute("SELECT area_printed, geoid FROM mpi_population WHERE area_level = 'county'").fetchall())
    assert geoids["Los Angeles County, California"] == "06037"
    assert geoids["Alexandria City, Virginia"] == "51510"  # an independent city, a county equivalent
    assert geoids["St. Louis City, Missouri"] == "29510"
    assert geoids["Philadelphia County, Pennsylvania"] == "42101"
    assert mpi.execute("SELECT count(DISTINCT geoid) FROM mpi_population WHERE area_level = 'county'").fetchone() == (
        244,)  # fmt: skip


def test_combined_rows_are_stored_once_with_their_members(mpi):
    combined = mpi.execute("""SELECT p.area_printed, p.unauthorized_population, list(m.member_geoid ORDER BY
                              m.member_geoid) FROM mpi_population p JOIN mpi_population_member m USING (area_printed)
                              WHERE p.combined GROUP BY ALL ORDER BY 1""").fetchall()  # fmt: skip
    for area, number, members in combined:
        print(f"{area}: {number:,} -> {', '.join(members)}")
    assert len(combined) == 43
    got = {a: m for a, _, m in combined}
    for area, members in COMBINED_MEMBERS.items():
        assert got[area] == members
    assert dict((a, n) for a, n, _ in combined)["Miami-Dade-Monroe Counties, Florida"] == 356_000  # never split
    assert mpi.execute("SELECT count(*), count(*) FILTER (WHERE portion = 'part') FROM mpi_population_member"
                       ).fetchone() == (114, 6)  # fmt: skip
    assert mpi.execute("SELECT count(*) FROM mpi_population WHERE combined AND geoid IS NOT NULL").fetchone() == (0,)


def test_a_combined_label_missing_from_the_mapping_is_quarantined(monkeypatch, con, resolver):
    areas = dict(mpi_population.combined_areas())
    del areas["Lea-Eddy Counties, New Mexico"]
    monkeypatch.setattr(mpi_population, "combined_areas", lambda: areas)
    folder = real_folder("mpi_population")
    [result] = ingest_source(con, mpi_population, Finder(folder, folder / "_cache", True), ParseContext(resolver))
    assert result.rows_quarantined == 1
    assert con.execute("SELECT row_number, field, value FROM quarantine").fetchall() == [
        (249, "County", "Lea-Eddy Counties, New Mexico")]  # fmt: skip
