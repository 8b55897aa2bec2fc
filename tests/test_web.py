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


@pytest.mark.parametrize(
    "url", ["/", "/jurisdictions/36119/", "/lists/", "/reports/declined-detainers/?week=2017-01-28", "/sources/",
            "/methodology/", "/jurisdictions/06/", "/jurisdictions/1714000/"],
)  # fmt: skip
def test_pages_render_with_landmarks_and_labels(client, url):
    page = client.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<main id="main"' in html and 'href="#main"' in html and '<label for="q">' in html
    assert '<html lang="en">' in html and "<title>" in html


def test_home_lists_the_most_listed_jurisdictions_without_script(client):
    html = client.get("/").text
    table = html[html.index("Named by the most lists") :]
    assert "/jurisdictions/" in table and "dhs_2025" in table
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
    assert many.status_code == 200 and len(re.findall(r'href="/jurisdictions/\d{5}/"', many.text)) >= 2
    assert client.get("/search/", params={"q": " "}).status_code == 422


def test_unknown_jurisdiction_page_is_a_404_page(client):
    page = client.get("/jurisdictions/99999/")
    assert page.status_code == 404 and "No jurisdiction" in page.text
