"""Policies as a person uses them, in Debian's chromium driven by Playwright: Philadelphia's profile shows its
dated policy timeline and the before/after chart of declined detainers from the real PA records; "Report an
error" (on every page) leads to the corrections page; the policies page filters by date and state."""

from __future__ import annotations

import pytest
from browser_support import ARTIFACTS, SKIP_REASON, chromium_missing, chromium_page, served

pytestmark = pytest.mark.browser
if chromium_missing():
    pytest.skip(SKIP_REASON, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def base_url(real_store):
    with served(real_store) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url):
    with chromium_page(sync_api) as page:
        yield page


def test_profile_timeline_before_after_chart_and_report_an_error(page, base_url):
    page.goto(base_url + "/jurisdictions/42101/")
    timeline = page.locator("ol.policy-timeline")
    assert "Executive Order No. 1-14" in timeline.inner_text()
    chart = page.locator("figure.before-after svg").first
    assert chart.is_visible()
    assert chart.get_attribute("aria-label") == "Declined 27 of 473 before, 142 of 310 after"
    page.screenshot(path=str(ARTIFACTS / "profile-policies.png"), full_page=True)
    page.get_by_role("link", name="Report an error").click()
    page.wait_for_url("**/corrections/")
    assert page.get_by_role("heading", name="Report an error").is_visible()
    assert "sanctuarywatch corrections check" in page.inner_text("main")


def test_policies_page_filters_by_date_and_state(page, base_url):
    page.goto(base_url + "/policies/")
    page.fill("#as_of", "2020-01-01")
    page.fill("#state", "IL")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2020-01-01**")
    body = page.inner_text("main")
    assert "Illinois TRUST Act" in body and "Illinois Way Forward Act" not in body
    page.fill("#as_of", "2022-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2022-01-01**")
    assert "Illinois Way Forward Act" in page.inner_text("main")
