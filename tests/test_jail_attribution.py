"""Detainers follow who runs the jail (geo/data/jail_operators.csv): unified state systems and city-run jails,
checked on the real registry and the real mirror's store."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.geo.jails import jail_operators, operator_for

UNIFIED = {"CT": "09", "RI": "44", "VT": "50", "DE": "10", "AK": "02", "HI": "15"}
NYC_COUNTIES = ["36005", "36047", "36061", "36081", "36085"]


def _rows() -> list[dict[str, str]]:
    path = resources.files("sanctuarywatch.geo") / "data" / "jail_operators.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_each_exception_has_a_reason_and_two_distinct_sources():
    rows = _rows()
    assert {r["state_abbr"]: r["geoid"] for r in rows if r["scope"] == "state"} == UNIFIED
    assert [(r["geoid"], r["operator"]) for r in rows if r["scope"] == "place"] == [("3651000", "city")]
    for r in rows:
        assert r["reason"].strip()
        assert r["source_url"].startswith("https://") and r["second_source_url"].startswith("https://")
        assert r["source_url"] != r["second_source_url"]
        assert "search" not in r["source_url"] and "?q=" not in r["second_source_url"]


def test_operators_name_real_registry_rows(real_con):
    for op in jail_operators():
        name, level = real_con.execute("SELECT name, level FROM jurisdiction WHERE geoid = ?", [op.geoid]).fetchone()
        assert name == op.name and level == ("state" if op.scope == "state" else "place")
        for county in op.serves_geoids:
            assert real_con.execute("SELECT level, state_abbr FROM jurisdiction WHERE geoid = ?",
                                    [county]).fetchone() == ("county", "NY")  # fmt: skip


def test_operator_lookup():
    assert operator_for("0908000", "CT").operator == "state"  # Bridgeport
    assert operator_for("15003", "HI").operator == "state"  # Honolulu County
    assert operator_for("36047", "NY").operator == "city"  # Kings County: the city's jails
    assert operator_for("36001", "NY") is None  # Albany County runs its own
    assert operator_for("42101", "PA") is None


@pytest.mark.parametrize("geoid", ["0908000", "09003", "4459000", "5010675", "1077580", "0203000", "15003"])
def test_unified_state_county_or_place_is_not_covered(real_con, geoid):
    """A county or place in a unified state gets no county numbers: not covered, jails run by the state."""
    d = jurisdiction_profile(real_con, geoid)["detainers"]
    assert d["scope_geoids"] == [] and d["total"] is None and d["declined"] is None
    assert d["coverage"]["status"] == "not_covered"
    assert "run by the state" in d["coverage"]["message"]
    assert d["coverage"]["jail_operator"]["operator"] == "state"


def test_unified_state_itself_keeps_its_counties(real_con):
    d = jurisdiction_profile(real_con, "09")["detainers"]
    assert len(d["scope_geoids"]) >= 8 and all(g.startswith("09") for g in d["scope_geoids"])
    assert d["coverage"]["jail_operator"]["operator"] == "state"


@pytest.mark.parametrize("geoid", ["3651000", "36047", "36005"])
def test_new_york_city_jails_answer_for_the_five_boroughs(real_con, geoid):
    d = jurisdiction_profile(real_con, geoid)["detainers"]
    assert d["scope_geoids"] == NYC_COUNTIES
    assert d["coverage"]["jail_operator"]["name"] == "New York city"


def test_county_run_jails_unchanged(real_con):
    """Philadelphia (county-run, consolidated): the real PA records still give its figures."""
    d = jurisdiction_profile(real_con, "42101")["detainers"]
    assert d["scope_geoids"] == ["42101", "4260000"] and d["coverage"]["status"] == "covered"
    assert d["total"] == 4760 and "jail_operator" not in d["coverage"]
