"""Disputes (issue 10): jurisdictions' public objections to a designation-list entry or a published figure, read
from the curated ``disputes.csv`` on the real mirror. Every row cites the objection twice; every disputed entry
exists in the store (the list membership, or the published figure by its ``figure_id``); and every view that shows
the disputed entry shows the dispute beside it."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from sanctuarywatch.analysis.ddor_report import declined_detainer_report
from sanctuarywatch.analysis.policies import disputes_for
from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.analysis.reconcile import list_comparison
from sanctuarywatch.sources import policy_register
from sanctuarywatch.web.pages import lists_page, profile_page, report_page

DISPUTES = Path(policy_register.__file__).parent / "data" / "disputes.csv"
BALTIMORE_COUNTY, TRAVIS, HUNTINGTON_BEACH, MILWAUKEE_COUNTY = "24005", "48453", "0636000", "55079"


def _rows() -> list[dict[str, str]]:
    with DISPUTES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _host(url: str) -> str:
    return urlparse(url).hostname.removeprefix("www.")


def _section(html: str, heading_id: str) -> str:
    """The HTML of one profile section (from its heading to the end of the section)."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_every_row_cites_the_objection_twice_from_two_publishers():
    rows = _rows()
    assert len(rows) == 9
    for r in rows:
        assert r["official_url"].startswith(("https://", "http://")), r["dispute_id"]
        assert r["second_url"].startswith(("https://", "http://")), r["dispute_id"]
        assert _host(r["official_url"]) != _host(r["second_url"]), r["dispute_id"]
        assert r["second_source"] and r["objector"] and r["statement"], r["dispute_id"]
        assert not re.search(r"\b(Klausmeier|Hernandez|Burns|Davel|Keller|Cook|Gutierrez|Daun)\b", r["statement"])


def test_real_rows_load_without_quarantine(real_con):
    loaded = disputes_for(real_con)
    assert len(loaded) == 9
    refused = real_con.execute("SELECT count(*) FROM quarantine WHERE file_name = 'disputes.csv'").fetchone()[0]
    assert refused == 0
    by_subject = dict(real_con.execute("SELECT subject, count(*) FROM dispute GROUP BY subject").fetchall())
    assert by_subject == {"figure": 4, "list_entry": 5}
    by_list = dict(
        real_con.execute("SELECT list_id, count(*) FROM dispute WHERE list_id NOTNULL GROUP BY 1").fetchall()
    )
    assert by_list == {"dhs_2025": 3, "doj_2025": 1, "doj_1373_letters": 1}
    travis = next(d for d in loaded if d["geoid"] == TRAVIS)
    travis_values = (travis["published_value"], travis["claimed_value"], str(travis["statement_date"]))
    assert travis_values == ("142", "128", "2017-03-21")
    baltimore = next(d for d in loaded if d["geoid"] == BALTIMORE_COUNTY)
    assert (baltimore["list_id"], str(baltimore["statement_date"]), str(baltimore["outcome_date"])) == (
        "doj_2025", "2025-08-05", "2025-10-31"
    )  # fmt: skip


def test_each_list_entry_dispute_names_a_listing_published_before_the_objection(real_con):
    rows = real_con.execute(
        """SELECT d.dispute_id, min(m.edition_date) AS listed, any_value(d.statement_date) AS objected
           FROM dispute d LEFT JOIN list_membership m ON m.list_id = d.list_id AND m.geoid = d.geoid
           WHERE d.subject = 'list_entry' GROUP BY d.dispute_id"""
    ).fetchall()
    assert len(rows) == 5
    for dispute_id, listed, objected in rows:
        assert listed is not None, f"{dispute_id}: the jurisdiction is on no edition of that list"
        assert listed <= objected, dispute_id


def test_each_figure_dispute_names_a_published_figure_about_that_jurisdiction(real_con):
    rows = real_con.execute(
        """SELECT d.dispute_id, f.figure_id, f.subject, f.value, d.geoid, d.published_value
           FROM dispute d LEFT JOIN published_figure f ON f.figure_id = d.figure WHERE d.subject = 'figure'"""
    ).fetchall()
    assert len(rows) == 4
    for dispute_id, figure_id, subject, value, geoid, published in rows:
        assert figure_id is not None, f"{dispute_id}: no published figure with that figure_id"
        assert subject == geoid, dispute_id
        if value is not None:  # a number ICE printed: the dispute quotes it as published
            assert published == f"{value:g}", dispute_id


def test_profile_lists_table_shows_the_dispute_beside_the_entry(real_con):
    html = profile_page(jurisdiction_profile(real_con, BALTIMORE_COUNTY, date(2025, 9, 1)), "/")
    lists = _section(html, "lists")
    rows = re.findall(r"<tr><td>(.*?)</tr>", lists, flags=re.S)
    doj = [r for r in rows if "DOJ sanctuary jurisdiction list" in r]
    dhs = [r for r in rows if "DHS sanctuary jurisdictions list" in r]
    assert len(doj) == 1 and len(dhs) == 1
    assert "Disputed by Baltimore County Executive (2025-08-05)" in doj[0] and "(2025-10-31)" in doj[0]
    assert "wmar2news.com" in doj[0] and "Bethesda Magazine" in doj[0]
    assert "Disputed" not in dhs[0]  # the county objected to DOJ's list, not DHS's

    hb = _section(profile_page(jurisdiction_profile(real_con, HUNTINGTON_BEACH, date(2025, 5, 30)), "/"), "lists")
    assert "Disputed by Mayor of Huntington Beach (2025-05-29)" in hb
    milwaukee_profile = jurisdiction_profile(real_con, MILWAUKEE_COUNTY, date(2017, 12, 1))
    milwaukee = _section(profile_page(milwaukee_profile, "/"), "lists")
    assert "Disputed by Milwaukee County Office of Corporation Counsel (2017-06-28)" in milwaukee


def test_profile_published_figures_show_the_dispute_beside_the_figure(real_con):
    html = profile_page(jurisdiction_profile(real_con, TRAVIS), "/")
    figures = _section(html, "pub")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", figures, flags=re.S) if "142 of 206" in r)
    assert "Disputed by Travis County Sheriff&#39;s Office (2017-03-21), who gives 128" in row
    assert "tcsheriff.org" in row and ">KHOU</a>" in row


def test_lists_page_shows_disputed_entries(real_con):
    html = lists_page(list_comparison(real_con, date(2025, 9, 1)), "/")
    assert "Entry disputed:" in html and "Baltimore County" in html


def test_report_published_figures_show_the_dispute(real_con):
    html = report_page(declined_detainer_report(real_con, date(2017, 1, 28)).to_dict(), "/")
    assert "Disputed by Travis County Sheriff" in html and "who gives 128" in html
