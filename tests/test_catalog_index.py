"""The server's catalog look-ups (CatalogIndex: tables read once per snapshot) answer byte for byte as
analysis.catalog's SQL per request: jurisdiction listings with every filter and page, single jurisdictions and
list members, on the full real store."""

from __future__ import annotations

import random

import pytest

from sanctuarywatch.analysis import catalog
from sanctuarywatch.analysis.catalog_index import CatalogIndex
from sanctuarywatch.errors import NotFoundError
from sanctuarywatch.web.pages import to_json


@pytest.fixture(scope="module")
def index(full_con):
    return CatalogIndex(full_con)


def test_listings_match_sql(full_con, index):
    total_all = full_con.execute("SELECT count(*) FROM jurisdiction").fetchone()[0]
    checked = 0
    for level in (None, "state", "county", "place"):
        for state in (None, "CA", "ny", "DC", "ZZ"):
            _, total = catalog.list_jurisdictions(full_con, level, state, 1, 0)
            # first, second, a middle, the last and a past-the-end page; sizes 1, 100 and 1000
            for limit, offset in ((100, 0), (100, 100), (1, total // 2), (1000, max(total - 7, 0)), (100, total + 5)):
                fast = index.list_jurisdictions(level, state, limit, offset)
                slow = catalog.list_jurisdictions(full_con, level, state, limit, offset)
                assert to_json(fast) == to_json(slow), (level, state, limit, offset)
                checked += 1
    assert checked == 4 * 5 * 5
    # checkable: 50 states, DC, PR and the 4 island areas (AS, GU, MP, VI); every row once in the whole listing
    assert index.list_jurisdictions("state", None, 1000, 0)[1] == 56
    assert index.list_jurisdictions(None, None, 1, 0)[1] == total_all
    assert index.list_jurisdictions("county", "zz", 100, 0) == ([], 0)


def test_every_county_page_of_the_bench_matches(full_con, index):
    """The load bench's listing pages: counties, 100 a page, 32 offsets."""
    for offset in range(0, 3200, 100):
        assert to_json(index.list_jurisdictions("county", None, 100, offset)) == to_json(
            catalog.list_jurisdictions(full_con, "county", None, 100, offset)
        ), offset


def test_single_jurisdictions_match_sql(full_con, index):
    geoids = [r[0] for r in full_con.execute("SELECT geoid FROM jurisdiction ORDER BY geoid").fetchall()]
    sample = ["06", "36061", "3651000", "09001"] + random.Random(5).sample(geoids, 300)
    for geoid in sample:
        assert to_json(index.get_jurisdiction(geoid)) == to_json(catalog.get_jurisdiction(full_con, geoid)), geoid
    assert index.get_jurisdiction("36061")["name"] == catalog.get_jurisdiction(full_con, "36061")["name"]
    for missing in ("99999", "00", "0600000"):
        with pytest.raises(NotFoundError, match=f"No jurisdiction with GEOID '{missing}'"):
            index.get_jurisdiction(missing)
        with pytest.raises(NotFoundError, match=f"No jurisdiction with GEOID '{missing}'"):
            catalog.get_jurisdiction(full_con, missing)


def test_list_members_match_sql(full_con, index):
    list_ids = [r[0] for r in full_con.execute("SELECT list_id FROM designation_list ORDER BY 1").fetchall()]
    assert len(list_ids) >= 4
    members = 0
    for list_id in list_ids:
        _, total = catalog.list_members(full_con, list_id, 1, 0)
        members += total
        for limit, offset in ((100, 0), (100, 100), (1000, 0), (7, max(total - 3, 0)), (100, total)):
            fast = index.list_members(list_id, limit, offset)
            slow = catalog.list_members(full_con, list_id, limit, offset)
            assert to_json(fast) == to_json(slow), (list_id, limit, offset)
    assert members == full_con.execute("SELECT count(*) FROM list_membership").fetchone()[0]
    with pytest.raises(NotFoundError, match="No designation list 'no_such_list'"):
        index.list_members("no_such_list")


def test_answers_are_copies(index):
    """A caller changing an answer does not change the next one."""
    rows, _ = index.list_jurisdictions("state", None, 1, 0)
    rows[0]["name"] = "changed"
    assert index.list_jurisdictions("state", None, 1, 0)[0][0]["name"] != "changed"
