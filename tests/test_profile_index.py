"""The server's profiles (ProfileIndex: tables loaded once, filtered in Python) are byte for byte the profiles of
analysis.profile.jurisdiction_profile (SQL per profile), today and as of past days, on the full real store."""

from __future__ import annotations

import random
from datetime import date

import pytest

from sanctuarywatch.analysis import catalog
from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.analysis.profile_index import ProfileIndex
from sanctuarywatch.errors import NotFoundError
from sanctuarywatch.web.pages import to_json

DAYS = [None, date(2017, 2, 1), date(2017, 6, 30), date(2018, 5, 1), date(2021, 1, 25), date(2025, 6, 1)]


@pytest.fixture(scope="module")
def index(full_con):
    return ProfileIndex(full_con)


def _interesting(con) -> list[str]:
    """Jurisdictions that take every branch: grants, DDOR policies, consolidated pairs, plaintiffs, detainer
    records, 287(g) agreements, register policies, lists, a state, a state-run jail system, New York City."""
    found: list[str] = ["06", "09001", "3651000", "36061", "08031", "0820000"]
    for sql in (
        "SELECT min(geoid) FROM grant_award",
        "SELECT max(geoid) FROM grant_award",
        "SELECT min(geoid) FROM ddor_policy_jurisdiction",
        "SELECT min(geoid) FROM jurisdiction WHERE consolidated_with IS NOT NULL AND level = 'place'",
        "SELECT min(geoid) FROM litigation_party WHERE role = 'plaintiff'",
        "SELECT max(geoid) FROM litigation_party WHERE role = 'plaintiff'",
        "SELECT min(geoid) FROM detainer_monthly",
        "SELECT max(geoid) FROM detainer_monthly",
        "SELECT min(geoid) FROM agreement_287g",
        "SELECT min(geoid) FROM policy_instrument WHERE level = 'county'",
        "SELECT max(geoid) FROM list_membership",
    ):
        geoid = con.execute(sql).fetchone()[0]
        assert geoid, sql  # the full store has every kind of row
        found.append(geoid)
    return found


def test_same_json_as_the_sql_profile(full_con, index):
    geoids = _interesting(full_con)
    sample = random.Random(11).sample(catalog.page_geoids(full_con), 25)
    checked = 0
    for geoid in geoids:
        for day in DAYS:
            fast, slow = index.profile(full_con, geoid, day), jurisdiction_profile(full_con, geoid, day)
            assert to_json(fast) == to_json(slow), (geoid, day)
            checked += 1
    for geoid in sample:
        day = random.Random(geoid).choice(DAYS)
        assert to_json(index.profile(full_con, geoid, day)) == to_json(jurisdiction_profile(full_con, geoid, day))
        checked += 1
    assert checked == len(geoids) * len(DAYS) + 25


def test_profiles_carry_the_rows_that_differ_by_day(full_con, index):
    """Checkable: Philadelphia's profile names the sanctuary lists only from their edition dates on, and the
    policy register's rows only once they take effect."""
    before = index.profile(full_con, "42101", date(2016, 1, 1))
    now = index.profile(full_con, "42101", date(2025, 12, 31))
    assert {r["list_id"] for r in before["lists"]} < {r["list_id"] for r in now["lists"]}
    assert all(r["edition_date"] is None or r["edition_date"] <= date(2016, 1, 1) for r in before["lists"])
    assert before["as_of"] == date(2016, 1, 1)


def test_unknown_geoid_is_not_found(full_con, index):
    with pytest.raises(NotFoundError, match="No jurisdiction with GEOID '99999'"):
        index.profile(full_con, "99999")
