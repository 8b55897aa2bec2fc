"""The dashboard as a person uses it, in Debian's chromium driven by Playwright: the home map renders, searching
"Westchester" reaches the county's profile, its detainer chart renders, and the weekly report opens; choosing a
287(g) sheet date recolours the map and the national 287(g) chart renders.
Screenshots go to $SANCTUARYWATCH_ARTIFACTS (else the system temp folder)."""

from __future__ import annotations

import pytest
from browser_support import ARTIFACTS, SKIP_REASON, chromium_missing, chromium_page, served

pytestmark = pytest.mark.browser
if chromium_missing():
    pytest.skip(SKIP_REASON, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def base_url(full_store):
    with served(full_store) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url):
    with chromium_page(sync_api) as page:
        yield page


def test_home_map_search_profile_chart_and_report(page, base_url):
    page.goto(base_url + "/")
    page.wait_for_selector("#map svg path.county", timeout=20_000)
    assert page.locator("#map svg path.county").count() > 3000
    assert page.locator("#legend span").count() == 5
    page.get_by_label("Colour counties by").select_option("detainers")
    assert "1,000+" in page.locator("#legend").inner_text()
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.get_by_label("Find a state, county or city").fill("Westchester County, NY")
    page.keyboard.press("Enter")
    page.wait_for_url("**/jurisdictions/36119/", timeout=20_000)
    assert "Westchester County" in page.locator("h1").inner_text()
    assert "Not covered" in page.locator("main").inner_text()  # the detainer records are Pennsylvania's only
    page.goto(base_url + "/jurisdictions/42101/")  # Philadelphia County: covered by the real records
    page.wait_for_selector("#detainer-chart svg", timeout=20_000)
    assert page.locator("#detainer-chart svg .mark-line path, #detainer-chart svg path").count() > 0
    page.screenshot(path=str(ARTIFACTS / "profile.png"), full_page=True)

    page.get_by_role("link", name="Declined detainers").click()
    page.wait_for_selector("h1")
    assert "Declined detainers" in page.locator("h1").inner_text()
    assert page.locator("table").first.locator("tbody tr").count() > 0
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    for name in ("home", "profile", "report"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def test_keyboard_user_can_skip_to_content(page, base_url):
    page.goto(base_url + "/lists/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"


def _coloured_counties(page) -> int:
    """Counties drawn with a value above zero (not the first colour, not the grey of 'not covered')."""
    return page.evaluate(
        """[...document.querySelectorAll('#map path.county')]
             .filter((p) => p.dataset.value !== '' && Number(p.dataset.value) > 0).length"""
    )


def test_choosing_a_287g_sheet_date_recolours_the_map_and_the_chart_renders(page, base_url):
    page.goto(base_url + "/")
    page.wait_for_selector("#map svg path.county", timeout=20_000)
    dates = page.locator("#sheet-date option").evaluate_all("(os) => os.map((o) => o.dataset.date)")
    assert dates[0] == "2025-03-07" and dates[-1] == "2026-05-18" and len(dates) == 15

    page.get_by_label("on ICE's 287(g) sheet of").select_option(label="2025-03-07")
    assert page.locator("#measure").input_value() == "agreements_287g"
    assert page.locator("#map").get_attribute("data-painted") == "agreements_287g@2025-03-07"
    assert "Sheet of 2025-03-07" in page.locator("#legend").inner_text()
    galveston = page.locator('#map a[href$="/jurisdictions/48167/"] path')
    assert galveston.get_attribute("data-value") == "1"  # the sheriff's Jail Enforcement Model alone
    first = _coloured_counties(page)

    page.get_by_label("on ICE's 287(g) sheet of").select_option(label="2026-05-18")
    assert page.locator("#map").get_attribute("data-painted") == "agreements_287g@2026-05-18"
    assert galveston.get_attribute("data-value") == "11"
    last = _coloured_counties(page)
    assert 0 < first < last  # more counties have an agreement in May 2026 than in March 2025
    page.locator("#map").screenshot(path=str(ARTIFACTS / "map-287g.png"))

    page.get_by_label("Colour counties by").select_option("detainers")
    westchester = page.locator('#map a[href$="/jurisdictions/36119/"] path')
    assert westchester.get_attribute("data-value") == ""  # not covered: grey, not "no detainers"
    assert "not covered" in page.locator("#legend").inner_text()

    page.wait_for_selector("#agreements-chart svg", timeout=20_000)
    assert page.locator("#agreements-chart svg .mark-rect path").count() == 45  # 15 sheets x 3 support types
    assert "1,843" in page.locator("#agreements-chart svg").inner_html()
    page.locator("#series-title").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "home-287g.png"), full_page=True)


def test_static_search_finds_a_place_without_a_page_of_its_own(page, base_url, full_store):
    """The static site's search (static/search.js over data/index.json, as build-site writes them), served here
    through the browser's routing: a town named by no source links to its county; a CDP says what it is."""
    from sanctuarywatch.analysis import catalog
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.store.registry import build_resolver
    from sanctuarywatch.web import export, pages

    con = connect(full_store, read_only=True)
    try:
        rows, _ = catalog.list_jurisdictions(con, limit=1_000_000)
        index = pages.to_json(export.search_index(rows, set(catalog.page_geoids(con)), build_resolver(con)))
    finally:
        con.close()
    html = pages.search_page("/", "", static=True)
    page.route("**/data/index.json", lambda route: route.fulfill(body=index, content_type="application/json"))
    page.route("**/static-search/**", lambda route: route.fulfill(body=html, content_type="text/html"))

    page.goto(base_url + "/static-search/?q=Lost+Springs%2C+WY")
    page.wait_for_selector("#static-search li", timeout=20_000)
    hit = page.locator("#static-search li")
    assert hit.count() == 1
    assert hit.inner_text().startswith("Lost Springs town, WY (town") and "no page of its own" in hit.inner_text()
    assert hit.get_by_role("link", name="Converse County").get_attribute("href") == "/jurisdictions/56009/"

    page.goto(base_url + "/static-search/?q=brentwood+ny")  # "ny" must not match "Colony" (Brentwood Colony, SD)
    page.wait_for_selector("#static-search li", timeout=20_000)
    assert page.locator("#static-search li").count() == 1
    assert "Brentwood CDP, NY (census-designated place" in page.locator("#static-search li").inner_text()
