"""Designation-list connectors (DOJ 2025, DHS 2025, DOJ OIG 2016) on pages in the publishers' formats.

Nothing is mirrored for these lists: every test runs on fixture pages from ``fixtures/lists_fixture.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.lists_fixture import DHS_ENTRIES, DOJ_CITIES, DOJ_TOTAL, write_dhs, write_doj, write_oig

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import dhs_2025_list, doj_2025_list, doj_oig_2016
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.diff import diff_releases
from sanctuarywatch.store.ingest import ingest_source

BAD = Path(__file__).resolve().parent / "data" / "bad"


def _ingest(con, resolver, module, mirror: Path):
    return ingest_source(con, module, Finder(mirror, mirror / "_cache", offline=True), ParseContext(resolver=resolver))


def _members(con, list_id: str) -> dict:
    rows = con.execute("SELECT as_printed, geoid, category, resolution_status FROM list_membership WHERE list_id = ?",
                       [list_id]).fetchall()  # fmt: skip
    return {r[0]: r[1:] for r in rows}


def _categories(con, list_id: str) -> list[tuple[str, int]]:
    sql = "SELECT category, count(*) FROM list_membership WHERE list_id = ? GROUP BY 1 ORDER BY 1"
    return con.execute(sql, [list_id]).fetchall()


def _accepted_rate(con, list_id: str, label: str) -> float:
    accepted, total = con.execute(
        "SELECT count(*) FILTER (resolution_status = 'accepted'), count(*) FROM list_membership WHERE list_id = ?",
        [list_id],
    ).fetchone()
    print(f"\n{label}: {accepted}/{total} accepted ({accepted / total:.1%})")
    return accepted / total


def _row_counts(con) -> dict[str, int]:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_doj_2025_list_counts_categories_and_resolution(con, resolver, tmp_path):
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-08-05.html")
    [result] = _ingest(con, resolver, doj_2025_list, tmp_path)
    assert result.rows_loaded == DOJ_TOTAL == 33 and result.rows_quarantined == 0
    assert _categories(con, "doj_2025") == [("city", 17), ("county", 2), ("state", 14)]
    assert _accepted_rate(con, "doj_2025", "DOJ 2025 fixture") >= 0.9
    members = _members(con, "doj_2025")
    assert members["New York City, NY"][0] == "3651000"
    assert members["San Francisco, CA"][0] == members["San Francisco County, CA"][0] == "06075"
    assert members["Denver, CO"][0] == "08031" and members["Chicago, IL"][0] == "1714000"
    assert members["California"][0] == "06" and members["District of Columbia"][0] in ("11", "11001")
    edition = con.execute("SELECT DISTINCT edition, edition_date, withdrawn_date FROM list_membership").fetchall()
    assert [(e, str(d), w) for e, d, w in edition] == [("2025-08-05", "2025-08-05", None)]
    assert con.execute("SELECT kind FROM designation_list WHERE list_id = 'doj_2025'").fetchone() == ("official",)
    assert _ingest(con, resolver, doj_2025_list, tmp_path)[0].status == "unchanged"
    assert con.execute("SELECT count(*) FROM list_membership").fetchone()[0] == 33


def test_a_new_doj_edition_is_stored_beside_the_old_and_diffed(con, resolver, tmp_path):
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-08-05.html")
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-10-01.html", added="Minneapolis, MN",
              removed=DOJ_CITIES[0])  # fmt: skip
    results = _ingest(con, resolver, doj_2025_list, tmp_path)
    assert [r.version for r in results] == ["2025-08-05", "2025-10-01"]
    by_edition = con.execute("SELECT edition, count(*) FROM list_membership GROUP BY 1 ORDER BY 1").fetchall()
    assert by_edition == [("2025-08-05", 33), ("2025-10-01", 33)]
    _, _, [table] = diff_releases(con, doj_2025_list)
    assert (table.added, table.removed, table.changed) == (1, 1, 0)
    assert table.examples["added"][0]["as_printed"] == "Minneapolis, MN"
    assert table.examples["removed"][0]["as_printed"] == DOJ_CITIES[0]


def test_dhs_list_by_state_keeps_unresolved_and_quarantines_bad_entries(con, resolver, tmp_path):
    write_dhs(tmp_path / "dhs_sanctuary_jurisdictions_2025-05-29.html")
    [result] = _ingest(con, resolver, dhs_2025_list, tmp_path)
    quarantined = con.execute("SELECT reason, row_number, field FROM quarantine ORDER BY 1").fetchall()
    assert [(r, f) for r, _, f in quarantined] == [("duplicate entry", "jurisdiction"), ("empty entry", "jurisdiction")]
    assert all(n for _, n, _ in quarantined)
    assert result.rows_loaded == DHS_ENTRIES - 2 == 78
    # DHS groups by state only: the category is inferred from the name (County -> county, else city).
    assert _categories(con, "dhs_2025") == [("city", 41), ("county", 37)]
    assert _accepted_rate(con, "dhs_2025", "DHS 2025 fixture") >= 0.9
    members = _members(con, "dhs_2025")
    assert members["Westchester County"][0] == "36119"
    assert members["New York City"][0] == "3651000" and members["San Francisco"][0] == "06075"
    for unplaced in ("Freedonia Township Jail", "Atlantis Borough Police"):
        assert members[unplaced][2] != "accepted" and members[unplaced][0] is None
    portlands = con.execute("SELECT state_as_printed, geoid FROM list_membership WHERE as_printed = 'Portland' "
                            "ORDER BY 1").fetchall()  # fmt: skip
    assert portlands == [("Maine", "2360545"), ("Oregon", "4159000")]  # the state heading decides
    withdrawn = con.execute("SELECT DISTINCT withdrawn_date FROM list_membership").fetchall()
    assert [str(w) for (w,) in withdrawn] == ["2025-06-01"]


def test_oig_2016_csv(con, resolver, tmp_path):
    write_oig(tmp_path / "doj_oig_2016_jurisdictions.csv")
    [result] = _ingest(con, resolver, doj_oig_2016, tmp_path)
    assert result.rows_loaded == 10 and result.rows_quarantined == 0
    assert _categories(con, "doj_oig_2016") == [("city", 3), ("county", 5), ("state", 2)]
    assert _accepted_rate(con, "doj_oig_2016", "DOJ OIG 2016 fixture") >= 0.9
    members = _members(con, "doj_oig_2016")
    assert {members["Cook County"][0], members["New York City"][0], members["Orleans Parish"][0]} == {
        "17031", "3651000", "22071"}  # fmt: skip
    rows = con.execute("SELECT DISTINCT edition, CAST(edition_date AS VARCHAR) FROM list_membership").fetchall()
    assert rows == [("2016-05-31", "2016-05-31")]
    assert con.execute("SELECT min(row_number) FROM list_membership").fetchone()[0] == 2  # header is row 1


def test_html_table_rows_are_read_as_entries(con, resolver, tmp_path):
    rows = "".join(f"<tr><td>{j}</td><td>{s}</td><td>{c}</td></tr>" for j, s, c in
                   [("Boston", "MA", "City"), ("Cook County", "IL", "County"), ("Oregon", "", "State"),
                    ("Gotham", "Zembla", "City")])  # fmt: skip
    page = f"<html><body><table><tr><th>Jurisdiction</th><th>State</th><th>Type</th></tr>{rows}</table></body></html>"
    (tmp_path / "dhs_sanctuary_jurisdictions_2025-05-29.html").write_text(page, encoding="utf-8")
    [result] = _ingest(con, resolver, dhs_2025_list, tmp_path)
    assert result.rows_loaded == 3
    assert con.execute("SELECT row_number, field, value, reason FROM quarantine").fetchall() == [
        (4, "state", "Zembla", "unknown state")]  # fmt: skip
    got = con.execute("SELECT as_printed, category, geoid FROM list_membership ORDER BY row_number").fetchall()
    assert got == [("Boston", "city", "2507000"), ("Cook County", "county", "17031"), ("Oregon", "state", "41")]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("doj_sanctuary_jurisdictions_2025-08-05.html", "just some text, no list", "not an HTML list page"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", "", "empty"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", "<html><body><h2>Other</h2></body></html>", "no list entries"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", b"<ul><li>Bo\xf0ton</li></ul>", "not UTF-8"),
     ("doj_sanctuary_jurisdictions_2025-08-05.csv", "name,state\nBoston,MA\n", "no 'jurisdiction' column")],
)  # fmt: skip
def test_wrong_shape_pages_are_refused_and_the_store_kept(con, resolver, tmp_path, name, content, problem):
    write_oig(tmp_path / "oig" / "doj_oig_2016_jurisdictions.csv")
    _ingest(con, resolver, doj_oig_2016, tmp_path / "oig")  # something in the store to keep
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    target = mirror / name
    target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content, encoding="utf-8")
    before = _row_counts(con)
    with pytest.raises(SourceFormatError, match=problem) as info:
        _ingest(con, resolver, doj_2025_list, mirror)
    assert name in str(info.value)
    assert _row_counts(con) == before and before["list_membership"] == 10


@pytest.mark.parametrize(
    ("module", "corpus_file", "problem"),
    [(doj_2025_list, "doj_2025_list/doj_sanctuary_jurisdictions_2025-08-05.html", "no list entries"),
     (dhs_2025_list, "dhs_2025_list/dhs_sanctuary_jurisdictions_2025-05-29.html", "not an HTML list page")],
)  # fmt: skip
def test_bad_corpus_pages_are_refused(con, resolver, tmp_path, module, corpus_file, problem):
    shutil.copy(BAD / corpus_file, tmp_path / Path(corpus_file).name)
    before = _row_counts(con)
    with pytest.raises(SourceFormatError, match=problem) as info:
        _ingest(con, resolver, module, tmp_path)
    assert Path(corpus_file).name in str(info.value)
    assert _row_counts(con) == before
