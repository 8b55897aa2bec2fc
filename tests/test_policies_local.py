"""Checks on the curated local policy register (src/sanctuarywatch/sources/data/policies_local.csv).

The rules are those of POLICIES_FORMAT.md; GEOIDs are checked against the real 2025 Census Gazetteer.
"""

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from conftest import real_file

DATA = Path(__file__).resolve().parents[1] / "src" / "sanctuarywatch" / "sources" / "data"
LOCAL = DATA / "policies_local.csv"
VOCAB = DATA / "policy_vocabulary.csv"

COLUMNS = [
    "policy_id", "state", "jurisdiction", "level", "geoid", "instrument_type", "name", "citation", "change",
    "amends", "enacted_date", "effective_date", "ended_date", "effects", "official_url", "second_url",
    "second_source", "sources_disagree", "notes",
]  # fmt: skip
INSTRUMENTS = {
    "statute", "ordinance", "resolution", "executive_order", "directive", "sheriff_policy", "court_decision",
    "ballot_measure",
}  # fmt: skip
CHANGES = {"adopted", "amended", "repealed", "struck_down", "enjoined", "reinstated"}


def _rows() -> list[dict[str, str]]:
    with LOCAL.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _gazetteer_geoids() -> dict[str, str]:
    """GEOID -> NAME for counties and places of the real 2025 Gazetteer."""
    out: dict[str, str] = {}
    for rel in ("census_geography/2025_Gaz_counties_national.txt", "census_geography/2025_Gaz_place_national.txt"):
        with real_file(rel).open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="|"):
                out[rec["GEOID"].strip()] = rec["NAME"].strip()
    return out


def test_row_counts_by_state_and_type():
    rows = _rows()
    assert len(rows) == 61
    assert Counter(r["state"] for r in rows) == {
        "IL": 5, "NY": 8, "PA": 5, "WA": 5, "FL": 2, "CA": 8, "CO": 1, "LA": 1, "OR": 2, "NM": 2, "MA": 3,
        "KY": 1, "NJ": 2, "MD": 2, "TX": 2, "CT": 1, "NC": 1, "VA": 1, "GA": 1, "RI": 1, "IA": 1, "MN": 2,
        "MI": 3, "WI": 1,
    }  # fmt: skip
    assert Counter(r["change"] for r in rows) == {"adopted": 51, "amended": 10}
    assert Counter(r["instrument_type"] for r in rows) == {
        "ordinance": 24, "executive_order": 12, "resolution": 15, "sheriff_policy": 7, "court_decision": 1,
        "directive": 2,
    }  # fmt: skip
    assert sum(len(r["effects"].split(";")) for r in rows if r["effects"]) == 121


def test_galarza_is_the_lehigh_county_court_decision():
    by_id = {r["policy_id"]: r for r in _rows()}
    row = by_id["pa-lehigh-galarza-v-szalczyk-2014"]
    assert (row["geoid"], row["instrument_type"], row["enacted_date"]) == ("42077", "court_decision", "2014-03-04")
    assert row["citation"].startswith("745 F.3d 634")


def test_ids_and_enumerations():
    rows = _rows()
    ids = [r["policy_id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert re.fullmatch(r"[a-z0-9-]+", r["policy_id"]), r["policy_id"]
        assert r["instrument_type"] in INSTRUMENTS, r["policy_id"]
        assert r["change"] in CHANGES, r["policy_id"]
        assert r["level"] in {"county", "place"}, r["policy_id"]
        for col in ("name", "citation", "second_source", "official_url", "second_url"):
            assert r[col].strip(), (r["policy_id"], col)


def test_geoids_exist_in_real_gazetteer_with_registry_names():
    geo = _gazetteer_geoids()
    for r in _rows():
        assert len(r["geoid"]) == (5 if r["level"] == "county" else 7), r["policy_id"]
        assert r["geoid"] in geo, r["policy_id"]
        assert geo[r["geoid"]] == r["jurisdiction"], (r["policy_id"], geo[r["geoid"]])


def test_effects_are_vocabulary_terms():
    with VOCAB.open(encoding="utf-8", newline="") as fh:
        terms = {rec["term"] for rec in csv.DictReader(fh)}
    for r in _rows():
        effects = [e for e in r["effects"].split(";") if e]
        if r["change"] in {"adopted", "amended", "reinstated"}:
            assert effects, r["policy_id"]
        assert set(effects) <= terms, (r["policy_id"], set(effects) - terms)


def test_dates_and_amendment_chain():
    rows = _rows()
    by_id = {r["policy_id"]: r for r in rows}
    for r in rows:
        enacted = date.fromisoformat(r["enacted_date"])
        effective = date.fromisoformat(r["effective_date"])
        assert enacted <= effective or r["sources_disagree"], r["policy_id"]
        if r["ended_date"]:
            assert date.fromisoformat(r["ended_date"]) > effective, r["policy_id"]
        if r["change"] != "adopted":
            assert r["amends"] in by_id, r["policy_id"]
            assert by_id[r["amends"]]["ended_date"] == r["effective_date"], r["policy_id"]
    # every ended row is ended by exactly one later row
    enders = Counter(r["amends"] for r in rows if r["amends"])
    for r in rows:
        if r["ended_date"]:
            assert enders[r["policy_id"]] == 1, r["policy_id"]


def test_urls_are_real_addresses_not_searches():
    for r in _rows():
        for col in ("official_url", "second_url"):
            url = r[col]
            assert url.startswith(("https://", "http://")), (r["policy_id"], col)
            assert "?q=" not in url and "/search?" not in url, (r["policy_id"], col)
        assert r["official_url"] != r["second_url"], r["policy_id"]


@pytest.mark.parametrize(
    ("policy_id", "ended"),
    [("pa-philadelphia-eo-1-14", "2015-12-22"), ("pa-philadelphia-eo-2015-12-22", "2016-01-04")],
)
def test_philadelphia_detainer_order_sequence(policy_id, ended):
    by_id = {r["policy_id"]: r for r in _rows()}
    assert by_id[policy_id]["ended_date"] == ended
    assert by_id["pa-philadelphia-eo-5-16"]["ended_date"] == ""


def test_travis_sheriff_policy_ends_when_detainers_are_honoured_again():
    by_id = {r["policy_id"]: r for r in _rows()}
    first, update = by_id["tx-travis-tcso-ice-policy-2017"], by_id["tx-travis-tcso-ice-policy-2017-09-25"]
    assert (first["effective_date"], first["ended_date"]) == ("2017-02-01", "2017-09-25")
    assert update["amends"] == first["policy_id"] and update["effective_date"] == first["ended_date"]
    assert "detainer_holds_limited" in first["effects"].split(";")
    assert update["effects"] == "detainer_compliance_required"


INQ = "status_inquiries_limited"


@pytest.mark.parametrize(
    ("policy_id", "geoid", "enacted", "effective", "effects"),
    [
        ("ny-albany-eo-1-17", "3601000", "2017-04-24", "2017-04-24", f"{INQ};information_sharing_limited"),
        ("ga-atlanta-eo-2018-04", "1304000", "2018-06-20", "2018-06-20", "detention_contracts_limited"),
        ("ri-providence-cpra-2017", "4459000", "2017-06-08", "2018-01-01", f"{INQ};enforcement_resources_limited"),
        (
            "ny-ithaca-ord-2017-03", "3638077", "2017-02-01", "2017-02-01",
            f"{INQ};enforcement_resources_limited;ice_jail_access_limited;detainer_holds_limited",
        ),
    ],
)  # fmt: skip
def test_eastern_and_southern_rows_2017_2018(policy_id, geoid, enacted, effective, effects):
    """Albany EO 1-17, Atlanta EO 2018-04, Providence CPRA (signed June 2017, in force 2018-01-01), Ithaca 2017-03."""
    row = {r["policy_id"]: r for r in _rows()}[policy_id]
    assert (row["geoid"], row["enacted_date"], row["effective_date"], row["effects"]) == (
        geoid, enacted, effective, effects,
    )  # fmt: skip
    assert row["change"] == "adopted" and row["ended_date"] == ""


@pytest.mark.parametrize(
    ("policy_id", "geoid", "instrument", "enacted"),
    [
        ("ca-san-diego-county-board-policy-2024-12-10", "06073", "resolution", "2024-12-10"),
        ("mn-hennepin-sheriff-detainers-2014", "27053", "sheriff_policy", "2014-06-11"),
        ("mi-ann-arbor-ord-17-02", "2603000", "ordinance", "2017-04-03"),
        ("mn-st-paul-ord-26-5", "2758000", "ordinance", "2026-02-05"),
    ],
)
def test_western_and_midwestern_rows(policy_id, geoid, instrument, enacted):
    row = {r["policy_id"]: r for r in _rows()}[policy_id]
    assert (row["geoid"], row["instrument_type"], row["enacted_date"]) == (geoid, instrument, enacted)
    assert row["change"] == "adopted" and row["ended_date"] == ""


@pytest.mark.parametrize(
    ("policy_id", "geoid", "instrument", "enacted", "effects"),
    [
        (
            "wi-madison-res-17-00125", "5548000", "resolution", "2017-02-07",
            f"{INQ};information_sharing_limited;enforcement_resources_limited",
        ),
        ("wa-kirkland-ord-4558", "5335940", "ordinance", "2017-02-21", INQ),
        ("mi-lansing-eo-2017-01", "2646000", "executive_order", "2017-04-03", f"{INQ};enforcement_resources_limited"),
        (
            "pa-allegheny-ord-county-services-2026", "42003", "ordinance", "2026-03-10",
            f"{INQ};information_sharing_limited;detention_contracts_limited",
        ),
        ("il-evanston-res-93-r-25", "1724582", "resolution", "2025-10-13", "enforcement_resources_limited"),
    ],
)  # fmt: skip
def test_midwestern_western_and_pennsylvania_rows_2017_2026(policy_id, geoid, instrument, enacted, effects):
    """Madison RES-17-00125, Kirkland ch. 3.18, Lansing EO 2017-01, Allegheny County Part 13, Evanston 93-R-25."""
    row = {r["policy_id"]: r for r in _rows()}[policy_id]
    assert (row["geoid"], row["instrument_type"], row["enacted_date"], row["effects"]) == (
        geoid, instrument, enacted, effects,
    )  # fmt: skip
    assert row["change"] == "adopted" and row["effective_date"] == enacted and row["ended_date"] == ""
