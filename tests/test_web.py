"""The dashboard's pages as a reader without JavaScript gets them: content is in the HTML, links work, the search
box resolves a name to its profile, and each page has the landmarks and labels assistive technology needs."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from sanctuarywatch.api.app import create_app


@pytest.fixture(scope="module")
def client(full_store):
    return TestClient(create_app(full_store))


# One fact per page that a reader can check against the mirror (../shared/data) or the fixture it came from.
PAGE_FACTS = {
    # ice_287g/PROVENANCE.md: participatingAgencies05182026am.xlsx has 1,843 data rows (pandas.read_excel agrees)
    "/": r"1,843 287\(g\) agreements on ICE's sheet of 2026-05-18",
    # acs5_2023/county_2023.json: ["Westchester County, New York","996888",...,"36","119"]
    "/jurisdictions/36119/": r"population 996,888 \(ACS 2019-2023 5-year\)",
    # doj_2025_list/doj_sanctuary_jurisdictions_2025-08-05.csv: 35 data rows
    "/lists/": r"DOJ sanctuary jurisdiction list \(August 2025\)<br>.*?</td><td>official</td><td>[^<]*</td><td>35</td>",
    # ddor_fixture: 206 rows printed, 5 refused at the boundary; its policy table lists 118 jurisdictions
    "/reports/declined-detainers/?week=2017-01-28": r"201 declined detainers .*Jurisdictions with non-cooperation "
                                                    r"policies \(118\)",
    # ice_detainers/pa_detainers.csv: 32,757 data rows, none refused
    "/sources/": r"<code>ice_detainers@[0-9a-f]{12}</code>.*?<td class=\"num\">32,757</td><td class=\"num\">0</td>",
    # docs/methodology.md: the declined rule's first words
    "/methodology/": r"counts as declined\s+when its \*Detainer Lift Reason\* contains &#34;declin&#34;",
    # NST-EST2022-POPCHG2020_2022.csv: California POPESTIMATE2022 39029342
    "/jurisdictions/06/": r"population 39,029,342 \(PEP Vintage 2022\)",
    # acs5_2023/place_2023.json: ["Chicago city, Illinois","2707648",...,"17","14000"]
    "/jurisdictions/1714000/": r"population 2,707,648 \(ACS 2019-2023 5-year\)",
    # policies_state.csv: Alabama's HB 56 (2011), in force
    "/policies/": r"Beason-Hammon Alabama Taxpayer and Citizen Protection Act \(HB 56\)",
    "/corrections/": r"<code>sanctuarywatch corrections check yourfile.csv</code>",
}  # fmt: skip


@pytest.mark.parametrize("url", list(PAGE_FACTS))
def test_pages_render_with_landmarks_labels_and_their_facts(client, url):
    page = client.get(url)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    assert '<main id="main"' in html and 'href="#main"' in html and '<label for="q">' in html
    assert '<html lang="en">' in html and "<title>" in html
    assert re.search(PAGE_FACTS[url], html, re.DOTALL), PAGE_FACTS[url]


def test_home_lists_the_most_listed_jurisdictions_without_script(client):
    html = client.get("/").text
    table = html[html.index("Named by the most lists") :]
    # California is on all four lists loaded here: the DHS PDF, the April 2017 letters (row 1 of the CSV), DOJ's
    # 2025 list (row 1) and the OIG memo
    first = '<tr><td><a href="/jurisdictions/06/">California</a></td><td>CA</td><td>state</td><td>4</td>'
    assert first + "<td>dhs_2025, doj_1373_letters, doj_2025, doj_oig_2016</td></tr>" in table
    # the OIG memo's cities and counties that are on the other three lists too, by state then name (New Orleans is
    # Orleans Parish; the April 2017 letters name "New York" and "Philadelphia")
    on_four = re.findall(r'<a href="/jurisdictions/(\d+)/">[^<]*</a></td><td>\w\w</td><td>\w+</td><td>4</td>', table)
    assert on_four == ["06", "1714000", "17031", "22071", "3651000", "42101"]
    assert 'data-atlas="/static/vendor/counties-albers-10m.json"' in html


def test_profile_page_carries_every_section_as_html(client):
    html = client.get("/jurisdictions/42101/").text
    assert "GEOID <strong>42101</strong>" in html
    for heading in ("Timeline of designations", "Lists", "287(g) agreements", "Detainers", "DOJ grants",
                    "Litigation", "Sources"):  # fmt: skip
        assert f">{heading}" in html, heading
    assert "4,760 detainers recorded" in html and "193 identified as declined" in html
    assert "Detainers by year" in html and 'id="detainer-spec"' in html and "<td>2014</td><td>358</td>" in html
    assert "DHS sanctuary jurisdictions list (May 2025, withdrawn)" in html
    assert "Caveat: ICE detainer records: partial coverage" in html  # the PA file's coverage, beside its figures


def test_profile_says_not_covered_instead_of_zero(client):
    html = client.get("/jurisdictions/36119/").text
    assert "Not covered: The loaded detainer records cover facilities in PA" in html
    assert "0 detainers" not in html and "Detainers by year" not in html


def test_search_redirects_an_accepted_name_and_lists_candidates_otherwise(client):
    hit = client.get("/search/", params={"q": "Westchester County, NY"}, follow_redirects=False)
    assert hit.status_code == 303 and hit.headers["location"] == "/jurisdictions/36119/"
    many = client.get("/search/", params={"q": "Washington County"})
    # 30 counties of that name: the first five candidates, by state (AL, AR, CO, FL, GA in the Gazetteer)
    assert many.status_code == 200 and re.findall(r'href="/jurisdictions/(\d{5})/"', many.text) == [
        "01129", "05143", "08121", "12133", "13303"]
    assert client.get("/search/", params={"q": " "}).status_code == 422


def test_unknown_jurisdiction_page_is_a_404_page(client):
    page = client.get("/jurisdictions/99999/")
    assert page.status_code == 404 and "No jurisdiction" in page.text
