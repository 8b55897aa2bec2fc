"""The jurisdiction registry: Census counts, consolidated city-counties, idempotent re-ingest."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.sources import census_geography
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.ingest import ingest_source
from sanctuarywatch.store.registry import registry_counts


def test_counts_match_census_2020(con):
    counts = registry_counts(con)
    assert counts["states_and_dc"] == 51
    # Census 2020: 3,143 counties and equivalents in the 50 states + DC.
    assert counts["counties"] == 3143
    assert counts["places"] >= 150
    assert counts["origin"] == "package"


def test_every_state_has_counties_and_dc_is_one(con):
    per_state = dict(
        con.execute(
            "SELECT state_abbr, count(*) FROM jurisdiction WHERE level = 'county' AND state_fips <= '56' GROUP BY 1"
        ).fetchall()
    )
    assert len(per_state) == 51
    assert per_state["DC"] == 1
    assert per_state["TX"] == 254
    assert per_state["VA"] == 133  # 95 counties + 38 independent cities (Bedford city gone since 2013)
    assert per_state["AK"] == 30  # Chugach and Copper River replaced Valdez-Cordova in 2019


def test_county_equivalents_keep_their_area_words(con):
    rows = dict(
        con.execute(
            "SELECT geoid, lsad FROM jurisdiction WHERE geoid IN ('22071', '02020', '29510', '51760', '02063')"
        ).fetchall()
    )
    assert rows == {
        "22071": "parish",
        "02020": "municipality",
        "29510": "city",
        "51760": "city",
        "02063": "census area",
    }


def test_consolidated_city_counties_are_one_government(con):
    sf = dict(
        con.execute("SELECT geoid, consolidated_with FROM jurisdiction WHERE geoid IN ('06075', '0667000')").fetchall()
    )
    assert sf == {"06075": "0667000", "0667000": "06075"}
    boroughs = con.execute(
        "SELECT child_geoid FROM jurisdiction_relation WHERE parent_geoid = '3651000' AND relation = 'borough_of' "
        "ORDER BY 1"
    ).fetchall()
    assert [b[0] for b in boroughs] == ["36005", "36047", "36061", "36081", "36085"]
    # NYC is not merged into any one county.
    assert con.execute("SELECT consolidated_with FROM jurisdiction WHERE geoid = '3651000'").fetchone() == (None,)


def test_every_fact_has_provenance(con):
    missing = con.execute(
        "SELECT count(*) FROM jurisdiction j LEFT JOIN release r USING (release_id) WHERE r.release_id IS NULL"
    ).fetchone()[0]
    assert missing == 0
    files = {r[0] for r in con.execute("SELECT file_name FROM release_file").fetchall()}
    assert {"counties_2020.csv", "county_corrections.csv", "places_seed.csv"} <= files


def test_reingest_is_idempotent(con, tmp_path: Path):
    before = con.execute("SELECT count(*), (SELECT count(*) FROM release) FROM jurisdiction").fetchone()
    results = ingest_source(con, census_geography, Finder(None, tmp_path, offline=True), ParseContext())
    assert [r.status for r in results] == ["unchanged"]
    assert con.execute("SELECT count(*), (SELECT count(*) FROM release) FROM jurisdiction").fetchone() == before


def test_gazetteer_from_mirror_replaces_package_registry(con, tmp_path: Path):
    """A mirrored gazetteer (exact Census layout, tab-separated, padded last header) becomes a new release."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "2020_Gaz_counties_national.txt").write_text(
        "USPS\tGEOID\tANSICODE\tNAME\tALAND\tAWATER\tALAND_SQMI\tAWATER_SQMI\tINTPTLAT\tINTPTLONG                 \n"
        "NY\t36119\t00974157\tWestchester County\t1115809788\t180283574\t430.816\t69.608\t41.152\t-73.745\n"
        "NY\t36061\t00974129\tNew York County\t58690498\t28541727\t22.661\t11.020\t40.776\t-73.970\n"
        "ZZ\t991\t0\tNowhere County\t0\t0\t0\t0\t0\t0\n",
        encoding="utf-8",
    )
    (mirror / "2020_Gaz_place_national.txt").write_text(
        "USPS\tGEOID\tANSICODE\tNAME\tLSAD\tFUNCSTAT\tALAND\tAWATER\tALAND_SQMI\tAWATER_SQMI\tINTPTLAT\tINTPTLONG\n"
        "NY\t3651000\t02395220\tNew York city\t25\tA\t778\t429\t300\t165\t40.66\t-73.93\n"
        "NY\t3650034\t02389559\tNew Cassel CDP\t57\tS\t1\t0\t0\t0\t40.75\t-73.56\n",
        encoding="utf-8",
    )
    results = ingest_source(con, census_geography, Finder(mirror, tmp_path, offline=True), ParseContext())
    assert [r.status for r in results] == ["loaded"]
    assert results[0].rows_quarantined == 1
    levels = dict(con.execute("SELECT level, count(*) FROM jurisdiction GROUP BY 1").fetchall())
    assert levels["county"] == 2 and levels["place"] == 1  # the CDP is not a government
    reason = con.execute("SELECT file_name, row_number, field, reason FROM quarantine").fetchone()
    assert reason == ("2020_Gaz_counties_national.txt", 4, "GEOID", "not a county GEOID")


def test_registry_command_prints_vintage_and_counts(store_path):
    result = CliRunner().invoke(app, ["registry"])
    assert result.exit_code == 0, result.output
    assert "addfips 2020" in result.output
    assert "3,143" in result.output
