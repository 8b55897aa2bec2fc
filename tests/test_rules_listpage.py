"""Reading a designation-list page (sources/listpage.py) on small pages written here, whose entries a person can count:
tag case, the <article> that holds the list, a page that is not a list, editions read from file names, the state
spellings and publisher flags kept as data (src/sanctuarywatch/sources/data/lists_*.csv). Found by
scripts/mutation_score.py (mutants of these paths survived the suite)."""

from __future__ import annotations

from datetime import date

import pytest

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources.listpage import (
    Entry,
    _date_in_name,
    _state_spellings,
    csv_entries,
    flag_table,
    flags_for,
    html_entries,
    lookup_state,
)


def _page(tmp_path, html: str):
    path = tmp_path / "list.html"
    path.write_text(html, encoding="utf-8")
    return list(html_entries(path))


def test_upper_case_tags_are_read_like_lower_case_ones(tmp_path):
    entries = _page(tmp_path, "<HTML><BODY><H2>Counties</H2><UL><LI>Cook County</LI><LI>Denver</LI></UL></BODY></HTML>")
    assert entries == [Entry("Cook County", None, "county", 1, 1), Entry("Denver", None, "county", 2, 2)]


def test_only_the_article_is_read_when_the_page_has_one(tmp_path):
    html = (
        "<html><body><nav><ul><li>Home</li><li>About</li></ul></nav>"
        "<article><h2>Cities</h2><ul><li>Boston</li></ul></article><footer><li>Contact</li></footer></body></html>"
    )
    assert _page(tmp_path, html) == [Entry("Boston", None, "city", 1, 1)]


def test_state_headings_then_kind_headings_set_both(tmp_path):
    html = "<main><h2>Kansas</h2><h3>Cities</h3><li>Lawrence</li><h2>States</h2><li>Oregon</li></main>"
    assert _page(tmp_path, html) == [Entry("Lawrence", "Kansas", "city", 1, 1), Entry("Oregon", None, "state", 2, 2)]


@pytest.mark.parametrize("text", ["Cook County; Denver", "a < b, and b > c", "<p>Cook County</p>"])
def test_a_page_without_headings_items_or_rows_is_refused_by_name(tmp_path, text):
    with pytest.raises(SourceFormatError) as err:
        _page(tmp_path, text)
    assert str(err.value) == "list.html: not an HTML list page (no headings, list items or table rows)"


@pytest.mark.parametrize(
    ("name", "edition"),
    [
        ("dhs_2025-05-29.html", date(2025, 5, 29)),
        ("dhs_20250529.html", date(2025, 5, 29)),
        ("dhs_2025_05_29.csv", date(2025, 5, 29)),
        ("doj_1373_letters_2017-04-21.csv", date(2017, 4, 21)),
        ("list_2025-13-01.html", None),  # no 13th month
        ("list_2025-02-30.html", None),
        ("list_1999-01-01.html", None),  # only 20xx years are editions
        ("list.html", None),
    ],
)
def test_the_edition_is_the_date_in_the_file_name(name, edition):
    assert _date_in_name(name) == edition


def test_state_spellings_of_the_transcriptions_are_read_from_data():
    _state_spellings.cache_clear()  # read the data file in this test, not whatever an earlier test left cached
    assert [lookup_state(t).abbr for t in ("Nev.", "Ill.", "Fla.", "Wis.", "Nevada", "NV")] == [
        "NV",
        "IL",
        "FL",
        "WI",
        "NV",
        "NV",
    ]
    assert lookup_state("Nev") is None and lookup_state("") is None and lookup_state(None) is None


def test_a_publisher_flag_applies_to_its_list_state_and_heading_only():
    # lists_flags.csv: DHS printed Lawrence under Kansas's County heading, but Lawrence is a city.
    flag_table.cache_clear()  # read the data file in this test, not whatever an earlier test left cached
    [flag] = flags_for("dhs_2025", "2025-05-29", "Lawrence", "Kansas", "county")
    assert (flag.flag, flag.resolve_name, flag.resolve_level, flag.changes_resolution) == (
        "heading_swapped", "Lawrence", "place", True
    )  # fmt: skip
    assert flags_for("dhs_2025", "2025-05-29", "Lawrence", "Massachusetts", "county") == []
    assert flags_for("dhs_2025", "2025-05-29", "Lawrence", "Kansas", "city") == []
    assert flags_for("doj_2025", "2025-08-05", "Lawrence", "Kansas", "county") == []


def test_without_main_or_article_only_the_body_is_read(tmp_path):
    html = "<ul><li>Menu</li></ul><body><h2>Cities</h2><ul><li>Boston</li></ul></body>"
    assert _page(tmp_path, html) == [Entry("Boston", None, "city", 1, 1)]


TABLE_PAGE = """<main><li>Travis County</li><h1>Counties</h1>
<table><tr><th>Name</th><th>State</th><th>Kind</th></tr>
<tr><td><b>Cook</b><i>County</i></td><td>IL</td><td>County</td></tr>
<tr><td>Denver</td><td>CO</td><td>City</td></tr>
<tr><td>Boulder</td><td>CO</td></tr>
<tr><td>Dane County</td></tr></table>
<h4>Wisconsin</h4><li>Madison<b>City</b></li><table><tr><td>Milwaukee County</td></tr></table></main>"""


def test_table_rows_take_state_and_kind_from_their_cells_else_from_the_headings(tmp_path):
    # the header row is skipped; words in separate tags are separate words; entries are numbered in page order
    assert _page(tmp_path, TABLE_PAGE) == [
        Entry("Travis County", None, None, 1, 1),  # before any heading: no state, no kind
        Entry("Cook County", "IL", "county", 2, 2),
        Entry("Denver", "CO", "city", 3, 3),  # the third cell's kind wins over the heading's
        Entry("Boulder", "CO", "county", 4, 4),  # two cells: the heading's kind
        Entry("Dane County", None, "county", 5, 5),  # one cell: the heading's state (none yet) and kind
        Entry("Madison City", "Wisconsin", None, 6, 6),  # an <h4> state heading
        Entry("Milwaukee County", "Wisconsin", None, 7, 7),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("jurisdiction,state,State\nCook,IL,IL\n", "list.csv, row 1: the header names column 'state' twice"),
        ('jurisdiction,state\n"Cook,IL\nDenver,CO\n', "list.csv, row 2: a quote opened here is never closed"),
    ],
)
def test_a_bad_csv_list_is_refused_naming_the_file(tmp_path, body, message):
    path = tmp_path / "list.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        list(csv_entries(path))
    assert str(err.value).startswith(message)
