"""The jurisdiction registry on the real Census files of the mirror: counts per vintage, places and CDPs,
former counties with end dates, population, parent counties, one-government pairs, provenance, pins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import real_folder
from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import census_geography
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.registry import registry_counts


def test_counts_match_the_2025_gazetteer(con):
    counts = registry_counts(con)
    assert counts["vintage"] == "gazetteer 2025" and counts["origin"] == "mirror"
    assert counts["states_and_dc"] == 51
    assert counts["counties"] == 3144  # 3,222 county equivalents less Puerto Rico's 78 municipios
    assert counts["former_counties"] == 12  # Connecticut's 8 counties and 4 older changes, kept with end dates
    assert counts["incorporated_places"] == 19469  # FUNCSTAT A in the 50 states + DC
    assert counts["census_designated_places"] == 12540  # FUNCSTAT S, outside Puerto Rico
    assert counts["territory_rows"] == 375  # Puerto Rico: 78 municipios and 297 places


def test_counties_per_state_and_connecticut_in_both_vintages(con):
    rows = con.execute(
        "SELECT state_abbr, count(*) FILTER (WHERE valid_to IS NULL), count(*) FILTER (WHERE valid_to IS NOT NULL) "
        "FROM jurisdiction WHERE level = 'county' GROUP BY 1"
    ).fetchall()
    per_state = {s: (now, former) for s, now, former in rows}
    assert per_state["TX"] == (254, 0)
    assert per_state["DC"] == (1, 0)
    assert per_state["VA"] == (133, 1)  # 95 counties + 38 independent cities; Bedford city ended 2013-07-01
    assert per_state["AK"] == (30, 2)  # Valdez-Cordova split in 2019; Wade Hampton renamed Kusilvak in 2015
    assert per_state["CT"] == (9, 8)  # 9 planning regions now; the 8 counties 2017-era sources name
    fairfield = con.execute("SELECT name, valid_to, vintage FROM jurisdiction WHERE geoid = '09001'").fetchone()
    assert fairfield[0] == "Fairfield County" and str(fairfield[1]) == "2022-01-01"
    assert fairfield[2].startswith("2010 Gazetteer")
    assert con.execute("SELECT valid_from FROM jurisdiction WHERE geoid = '09110'").fetchone()[0].isoformat() == (
        "2022-01-01"
    )


def test_places_keep_lsad_and_funcstat_so_a_cdp_is_never_a_city(con, resolver):
    rows = {
        g: (name, lsad, code, funcstat)
        for g, name, lsad, code, funcstat in con.execute(
            "SELECT geoid, name, lsad, lsad_code, funcstat FROM jurisdiction WHERE geoid IN "
            "('0100100', '0100124', '2624120', '1242425', '3651000')"
        ).fetchall()
    }
    assert rows["0100100"] == ("Abanda CDP", "CDP", "57", "S")
    assert rows["0100124"] == ("Abbeville city", "city", "25", "A")
    assert rows["2624120"] == ("East Lansing city", "city", "25", "A")
    assert rows["1242425"] == ("Madison city", "city", "25", "A")
    abanda = resolver.resolve("Abanda", state="AL")
    assert abanda.status == "needs_review" and abanda.best.geoid == "0100100"
    assert "census-designated place" in abanda.best.reason


@pytest.mark.parametrize(
    ("text", "state", "expected"),
    [
        ("Madison Police Department", "FL", "1242425"),
        ("East Lansing, MI", None, "2624120"),
        ("Fairfield County, CT", None, "09001"),  # a former county still resolves for 2017-era sources
        ("El Cenizo, TX", None, "4822905"),
    ],
)
def test_places_of_the_full_registry_resolve(resolver, text, state, expected):
    result = resolver.resolve(text, state=state)
    assert (result.status, result.geoid) == ("accepted", expected), result


def test_population_from_acs_and_pep_with_its_source(con):
    rows = {
        g: (pop, year, source)
        for g, pop, year, source in con.execute(
            "SELECT geoid, population, population_year, population_source FROM jurisdiction "
            "WHERE geoid IN ('48', '06037', '0644000', '09001', '09110')"
        ).fetchall()
    }
    assert rows["48"] == (30029572, 2022, "PEP Vintage 2022")
    assert rows["06037"] == (9848406, 2023, "ACS 2019-2023 5-year")
    assert rows["0644000"] == (3857897, 2023, "ACS 2019-2023 5-year")
    assert rows["09001"] == (959768, 2021, "PEP Vintage 2021")  # the former county's last estimate
    assert rows["09110"] == (969029, 2023, "ACS 2019-2023 5-year")
    programs = dict(con.execute("SELECT program, count(*) FROM population_estimate GROUP BY 1").fetchall())
    assert programs == {"ACS 2019-2023 5-year": 35517, "PEP Vintage 2021": 3143, "PEP Vintage 2022": 52,
                        "Census 2010": 12}  # fmt: skip


def test_parent_counties_of_multi_county_places_come_from_the_relation_file(con):
    austin = con.execute(
        "SELECT parent_geoid, vintage, file_name FROM jurisdiction_relation WHERE child_geoid = '4805000' "
        "AND relation = 'in_county' ORDER BY 1"
    ).fetchall()
    assert [a[0] for a in austin] == ["48021", "48209", "48453", "48491"]
    assert {a[1:] for a in austin} == {("2020", "us_geo_2020_place_counties.csv")}
    assert registry_counts(con)["places_with_parent_county"] == 32280


def test_one_government_pairs(con):
    pairs = dict(
        con.execute(
            "SELECT geoid, consolidated_with FROM jurisdiction WHERE geoid IN "
            "('06075', '0667000', '51770', '5168000', '0644000', '06037', '3209700')"
        ).fetchall()
    )
    assert pairs["06075"] == "0667000" and pairs["0667000"] == "06075"  # curated: San Francisco
    assert pairs["51770"] == "5168000" and pairs["5168000"] == "51770"  # derived: Roanoke, an independent city
    assert pairs["3209700"] == "32510"
    assert pairs["0644000"] is None and pairs["06037"] is None  # Los Angeles city is not its county
    boroughs = con.execute(
        "SELECT child_geoid FROM jurisdiction_relation WHERE parent_geoid = '3651000' AND relation = 'borough_of' "
        "ORDER BY 1"
    ).fetchall()
    assert [b[0] for b in boroughs] == ["36005", "36047", "36061", "36081", "36085"]
    assert con.execute("SELECT consolidated_with FROM jurisdiction WHERE geoid = '3651000'").fetchone() == (None,)
    assert con.execute(
        "SELECT count(*) FROM jurisdiction_relation WHERE child_geoid = '3651000' AND relation = 'in_county'"
    ).fetchone() == (0,)


def test_every_fact_has_provenance_and_the_manifest_kind(con):
    missing = con.execute(
        "SELECT count(*) FROM jurisdiction j LEFT JOIN release r USING (release_id) WHERE r.release_id IS NULL"
    ).fetchone()[0]
    assert missing == 0
    files = dict(con.execute("SELECT file_name, kind FROM release_file").fetchall())
    assert files == {
        "2025_Gaz_counties_national.txt": "original", "2025_Gaz_place_national.txt": "original",
        "Gaz_counties_national.txt": "original", "NST-EST2022-POPCHG2020_2022.csv": "original",
        "co-est2021-alldata.csv": "original", "county_2023.json": "original", "place_2023.json": "original",
        "us_geo_2020_place_counties.csv": "derived", "consolidated_governments.csv": "curated",
        "county_history.csv": "curated",
    }  # fmt: skip
    kind, coverage, note = con.execute("SELECT kind, coverage, coverage_note FROM release").fetchone()
    assert (kind, coverage) == ("derived", "complete")
    assert note.startswith("us_geo_2020_place_counties.csv (bdurand/us_geo from Census 2020 relationship files)")


def test_reingest_is_idempotent(con, tmp_path: Path):
    before = con.execute("SELECT count(*), (SELECT count(*) FROM release) FROM jurisdiction").fetchone()
    finder = Finder(real_folder("census_geography"), tmp_path, offline=True)
    results = ingest_source(con, census_geography, finder, ParseContext())
    assert [r.status for r in results] == ["unchanged"]
    assert con.execute("SELECT count(*), (SELECT count(*) FROM release) FROM jurisdiction").fetchone() == before


def test_a_changed_pinned_file_is_refused_and_the_store_kept(con, tmp_path: Path):
    mirror = tmp_path / "mirror"
    shutil.copytree(real_folder("census_geography"), mirror)
    with (mirror / "2025_Gaz_counties_national.txt").open("ab") as fh:
        fh.write(b"ZZ|99999|x|x|Nowhere County|0|0|0|0|0|0\n")
    before = con.execute("SELECT count(*), (SELECT count(*) FROM release) FROM jurisdiction").fetchone()
    with pytest.raises(SourceFormatError, match="differs from the pinned"):
        ingest_source(con, census_geography, Finder(mirror, tmp_path, offline=True), ParseContext())
    assert con.execute("SELECT count(*), (SELECT count(*) FROM release) FROM jurisdiction").fetchone() == before


def test_older_tab_separated_gazetteer_is_read(tmp_path: Path):
    rows = census_geography.read_gazetteer(real_folder("census_geography") / "older" / "Gaz_counties_national.txt",
                                           ("USPS", "GEOID", "NAME"))  # fmt: skip
    assert len(rows) == 3221
    assert any(r["NAME"] == "Doña Ana County" for r in rows)  # Latin-1 decoded


def test_package_fallback_says_places_are_not_loaded(tmp_path: Path, monkeypatch):
    from sanctuarywatch.store.db import connect

    db = tmp_path / "fallback.duckdb"
    con = connect(db)
    ingest_source(con, census_geography, Finder(None, tmp_path, offline=True), ParseContext())
    counts = registry_counts(con)
    con.close()
    assert counts["origin"] == "package" and counts["counties"] == 3143 and counts["places"] == 0
    monkeypatch.setenv("SANCTUARYWATCH_DB", str(db))
    result = CliRunner().invoke(app, ["registry"])
    assert "places are not loaded" in result.output


def test_registry_command_prints_vintage_and_counts(store_path):
    result = CliRunner().invoke(app, ["registry"])
    assert result.exit_code == 0, result.output
    assert "gazetteer 2025" in result.output
    for figure in ("3,144", "19,469", "12,540"):
        assert figure in result.output


def test_one_resolver_per_ingest_run_rebuilt_only_when_its_inputs_change(con):
    """ingest all shares one resolver: reused while the registry and aliases are as they were, rebuilt as soon as
    a person's accepted review adds an alias (a name it could not place before now resolves)."""
    from sanctuarywatch.store.registry import ResolverCache

    cache = ResolverCache()
    first = cache.get(con)
    assert cache.get(con) is first and cache.builds == 1
    assert first.resolve("Gotham Township", state="NY").geoid is None
    con.execute("INSERT INTO review_item VALUES (nextval('review_item_seq'), 'Gotham Township', 'NY', NULL, '[]', "
                "'test', 'accepted', '36119', now(), now())")  # fmt: skip
    second = cache.get(con)
    assert second is not first and cache.builds == 2
    assert second.resolve("Gotham Township", state="NY").geoid == "36119"  # Westchester County, NY
    assert cache.get(con) is second
