"""Designation-list connectors (DOJ 2025, DHS 2025, DOJ OIG 2016) on pages in the publishers' formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.lists_fixture import DHS_ENTRIES, DOJ_CITIES, DOJ_TOTAL, write_dhs, write_doj, write_oig

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import dhs_2025_list, doj_2025_list, doj_oig_2016
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.diff import diff_releases
from sanctuarywatch.store.ingest import ingest_source


def _ingest(con, resolver, module, mirror: Path):
    return ingest_source(con, module, Finder(mirror, mirror / "_cache", offline=True), ParseContext(resolver=resolver))


def _members(con, list_id: str) -> dict:
    rows = con.execute("SELECT as_printed, geoid, category, resolution_status FROM list_membership WHERE list_id = ?",
                       [list_id]).fetchall()  # fmt: skip
    return {r[0]: r[1:] for r in rows}


def test_doj_2025_list_counts_categories_and_resolution(con, resolver, tmp_path):
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-08-05.html")
    [result] = _ingest(con, resolver, doj_2025_list, tmp_path)
    assert result.rows_loaded == DOJ_TOTAL == 33 and result.rows_quarantined == 0
    members = _members(con, "doj_2025")
    categories = con.execute("SELECT category, count(*) FROM list_membership GROUP BY 1 ORDER BY 1").fetchall()
    assert categories == [("city", 17), ("county", 2), ("state", 14)]
    accepted = sum(1 for _, _, status in members.values() if status == "accepted")
    print(f"\nDOJ 2025 fixture: {accepted}/{len(members)} accepted")
    assert accepted / len(members) >= 0.9
    assert members["New York City, NY"][0] == "3651000"
    assert members["San Francisco, CA"][0] == members["San Francisco County, CA"][0] == "06075"
    assert members["Denver, CO"][0] == "08031" and members["Chicago, IL"][0] == "1714000"
    assert members["California"][0] == "06" and members["District of Columbia"][0] in ("11", "11001")
    assert con.execute("SELECT kind FROM designation_list WHERE list_id = 'doj_2025'").fetchone() == ("official",)
    assert _ingest(con, resolver, doj_2025_list, tmp_path)[0].status == "unchanged"


def test_a_new_doj_edition_is_stored_beside_the_old_and_diffed(con, resolver, tmp_path):
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-08-05.html")
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-10-01.html", added="Minneapolis, MN",
              removed=DOJ_CITIES[0])  # fmt: skip
    results = _ingest(con, resolver, doj_2025_list, tmp_path)
    assert [r.version for r in results] == ["2025-08-05", "2025-10-01"]
    _, _, [table] = diff_releases(con, doj_2025_list)
    assert (table.added, table.removed, table.changed) == (1, 1, 0)
    assert table.examples["added"][0]["as_printed"] == "Minneapolis, MN"


def test_dhs_list_by_state_keeps_unresolved_and_quarantines_bad_entries(con, resolver, tmp_path):
    write_dhs(tmp_path / "dhs_sanctuary_jurisdictions_2025-05-29.html")
    [result] = _ingest(con, resolver, dhs_2025_list, tmp_path)
    reasons = sorted(r[0] for r in con.execute("SELECT reason FROM quarantine").fetchall())
    assert reasons == ["duplicate entry", "empty entry"]
    assert result.rows_loaded == DHS_ENTRIES - 2
    members = _members(con, "dhs_2025")
    assert members["Westchester County"][0] == "36119"
    assert members["Freedonia Township Jail"][2] != "accepted" and members["Freedonia Township Jail"][0] is None
    withdrawn = con.execute("SELECT DISTINCT withdrawn_date FROM list_membership").fetchone()[0]
    assert str(withdrawn) == "2025-06-01"


def test_oig_2016_csv(con, resolver, tmp_path):
    write_oig(tmp_path / "doj_oig_2016_jurisdictions.csv")
    [result] = _ingest(con, resolver, doj_oig_2016, tmp_path)
    members = _members(con, "doj_oig_2016")
    assert result.rows_loaded == 10
    assert {members["Cook County"][0], members["New York City"][0], members["Orleans Parish"][0]} == {
        "17031", "3651000", "22071"}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("doj_sanctuary_jurisdictions_2025-08-05.html", "just some text, no list", "not an HTML list page"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", "", "empty"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", "<html><body><h2>Other</h2></body></html>", "no list entries"),
     ("doj_sanctuary_jurisdictions_2025-08-05.csv", "name,state\nBoston,MA\n", "no 'jurisdiction' column")],
)  # fmt: skip
def test_wrong_shape_pages_are_refused_and_the_store_kept(con, resolver, tmp_path, name, content, problem):
    (tmp_path / name).write_text(content, encoding="utf-8")
    before = con.execute("SELECT count(*) FROM list_membership").fetchone()
    with pytest.raises(SourceFormatError, match=problem) as info:
        _ingest(con, resolver, doj_2025_list, tmp_path)
    assert name in str(info.value)
    assert con.execute("SELECT count(*) FROM list_membership").fetchone() == before
