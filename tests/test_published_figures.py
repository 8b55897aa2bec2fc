"""Published figures register: the curated CSV (two sources per row), the connector's bad-input handling, and the
comparison with the store on the real mirror (DOJ 35 = 13 + 4 + 18, DHS 605 vs "more than 500", DDOR not
reproducible) and on the interface store that holds a generated DDOR issue 1."""

from __future__ import annotations

import csv
import inspect
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from sanctuarywatch.analysis import published
from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import doj_oig_2016
from sanctuarywatch.sources import published_figures as connector
from sanctuarywatch.sources.base import ParseContext, ReleaseFiles, locate_file
from sanctuarywatch.store.db import connect
from sanctuarywatch.web import pages

ROOT = Path(__file__).resolve().parents[1]


def _register() -> list[dict[str, str]]:
    path = resources.files("sanctuarywatch.sources") / "data" / "published_figures.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _by_id(result: dict) -> dict[str, dict]:
    return {f["figure_id"]: f for f in result["figures"]}


def test_register_rows_cite_two_distinct_real_pages():
    rows = _register()
    assert len(rows) == 23 and len({r["figure_id"] for r in rows}) == 23
    for r in rows:
        assert r["where_url"].startswith("http") and r["second_source_url"].startswith("http")
        assert r["where_url"] != r["second_source_url"], r["figure_id"]
        assert "?q=" not in r["where_url"] + r["second_source_url"] and "/search" not in r["where_url"]
    values = {r["figure_id"]: r["value"] for r in rows}
    assert values["ddor_w1_issued"] == "3083" and values["ddor_w1_declined"] == "206"
    assert values["ddor_w1_travis_declined"] == "142" and values["ddor_w2_declined"] == "47"
    assert values["doj_2025_entries"] == "35" and values["ojp_grants_fy2017"] == "4100000000"
    assert {r["subject"] for r in rows if r["figure_id"].startswith("ddor_w1_correction_")} == {
        "19069", "36033", "42055", "19137", "48491", "48021", "42029", "37153"}  # fmt: skip


def test_register_geoids_are_the_named_counties(real_con):
    for r in _register():
        if r["subject"].isdigit():
            name, state = real_con.execute("SELECT name, state_abbr FROM jurisdiction WHERE geoid = ?",
                                           [r["subject"]]).fetchone()  # fmt: skip
            assert f"{name}, {state}" in r["counts"], r["figure_id"]


def test_loaded_as_curated_release(real_con):
    rows, kind, bad = real_con.execute(
        "SELECT rows_loaded, kind, rows_quarantined FROM release WHERE source_id = 'published_figures'"
    ).fetchone()
    assert (rows, kind, bad) == (23, "curated", 0)


def test_lists_recomputed_on_the_real_mirror(real_con):
    figs = _by_id(published.for_lists(real_con))
    expect = {"doj_2025_entries": 35, "doj_2025_state_level": 13, "doj_2025_counties": 4, "doj_2025_cities": 18,
              "dhs_2025_entries_reported": 605}  # fmt: skip
    for fid, n in expect.items():
        assert figs[fid]["recomputed"]["status"] == "agrees" and figs[fid]["recomputed"]["value"] == n, fid
    assert figs["dhs_2025_entries_reported"]["comparator"] == ">"
    assert figs["dhs_2025_withdrawn"]["recomputed"]["status"] == "agrees"
    assert "transcribed" in figs["doj_2025_entries"]["recomputed"]["caveat"]


def test_ddor_figures_are_not_reproducible_without_the_pdfs(real_con):
    figs = _by_id(published.for_ddor_week(real_con, date(2017, 1, 28)))
    assert "ddor_suspended" in figs and "ddor_w2_declined" not in figs
    for fid in ("ddor_w1_declined", "ddor_w1_policy_jurisdictions", "ddor_w1_correction", "ddor_w1_correction_48491"):
        rec = figs[fid]["recomputed"]
        assert rec["status"] == "not_reproducible" and rec["value"] is None
        assert rec["message"] == published.DDOR_NOT_MIRRORED
    assert figs["ddor_w1_issued"]["recomputed"]["message"] == published.ISSUED_NOT_IN_TABLES
    assert figs["ddor_w1_declined"]["value"] == 206  # shown as published


def test_ddor_recomputed_when_the_week_is_loaded(full_store):
    con = connect(full_store, read_only=True)
    try:
        figs = _by_id(published.for_ddor_week(con, date(2017, 1, 28)))
        loaded = con.execute("SELECT count(*) FROM ddor_declined_detainer WHERE report_issue = 1").fetchone()[0]
        rec = figs["ddor_w1_declined"]["recomputed"]
        assert rec["value"] == loaded and rec["status"] == ("agrees" if loaded == 206 else "differs")
        if loaded != 206:
            assert "quarantined" in rec["message"]
        policy = con.execute("SELECT count(*) FROM ddor_policy_jurisdiction WHERE report_issue = 1").fetchone()[0]
        assert figs["ddor_w1_policy_jurisdictions"]["recomputed"]["value"] == policy
        assert figs["ddor_w1_issued"]["recomputed"]["status"] == "not_reproducible"
        week2 = _by_id(published.for_ddor_week(con, date(2017, 2, 4)))["ddor_w2_declined"]["recomputed"]
        assert week2["status"] == "not_reproducible" and "not loaded" in week2["message"]
    finally:
        con.close()


def test_register_not_loaded_is_not_zero(con):
    result = published.for_lists(con)
    assert result["status"] == "not_loaded" and result["figures"] == [] and "not loaded" in result["message"]


def test_profile_and_pages_show_the_figures(real_con):
    p = jurisdiction_profile(real_con, "48453")
    figs = _by_id(p["published_figures"])
    assert figs["ddor_w1_travis_declined"]["value"] == 142
    html = pages.profile_page(p, "/")
    assert "Published figures" in html and "142 of 206" in html and "not reproducible here" in html
    assert any(s["source_id"] == "published_figures" for s in p["sources"])
    williamson = pages.profile_page(jurisdiction_profile(real_con, "48491"), "/")
    assert "withdrawn by ICE&#39;s correction" in williamson
    report = {"week_start": date(2017, 1, 28), "week_end": date(2017, 2, 3), "declined_detainers": None,
              "coverage": {"status": "not_loaded", "message": "x", "caveats": []}, "notes": [], "differences": None,
              "published_figures": published.for_ddor_week(real_con, date(2017, 1, 28))}  # fmt: skip
    html = pages.report_page(report, "/")
    assert "Published figures for this week" in html and "3,083 detainers" in html


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> ReleaseFiles:
    path = tmp_path / connector.FILE
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return ReleaseFiles("test", (locate_file(path),), "mirror")


def test_rows_without_two_sources_are_quarantined(tmp_path):
    good = _register()[0]
    one_source = {**good, "figure_id": "x1", "second_source_url": ""}
    same = {**good, "figure_id": "x2", "second_source_url": good["where_url"]}
    rule = {**good, "figure_id": "x3", "recompute": "guess"}
    parsed = connector.parse(_write(tmp_path, [good, one_source, same, rule, good]), ParseContext())
    assert parsed.tables["published_figure"].num_rows == 1
    assert [(q.row_number, q.field) for q in parsed.quarantine] == [
        (3, "second_source_url"), (4, "second_source_url"), (5, "recompute"), (6, "figure_id")]  # fmt: skip


def test_bad_files_are_refused(tmp_path):
    path = tmp_path / connector.FILE
    path.write_text("figure_id,subject\nx,y\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="missing column"):
        connector.parse(ReleaseFiles("t", (locate_file(path),), "mirror"), ParseContext())
    path.write_text("", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="empty"):
        connector.parse(ReleaseFiles("t", (locate_file(path),), "mirror"), ParseContext())


def test_oig_memo_answered_ojp_forwarding_culberson_letter():
    text = inspect.getsource(doj_oig_2016)
    assert "Huber" not in text
    assert "Rep. John Culberson's letter" in text and "Office of Justice" in text


def test_lists_doc_states_the_real_doj_split(real_con):
    doc = (ROOT / "docs" / "sources" / "lists.md").read_text(encoding="utf-8")
    assert "35 = 13 states (12 + DC; no New Jersey), 4 counties, 18 cities" in doc
    split = dict(
        real_con.execute(
            "SELECT category, count(*) FROM list_membership WHERE list_id = 'doj_2025' GROUP BY category"
        ).fetchall()
    )
    assert split == {"state": 13, "county": 4, "city": 18}
    states = {
        r[0]
        for r in real_con.execute(
            "SELECT as_printed FROM list_membership WHERE list_id = 'doj_2025' AND category = 'state'"
        ).fetchall()
    }
    assert "New Jersey" not in states and "District of Columbia" in states
