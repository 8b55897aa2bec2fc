"""Policies as a person uses them, in Debian's chromium driven by Playwright: Philadelphia's profile shows its
dated policy timeline and the before/after chart of declined detainers from the real PA records; "Report an
error" (on every page) leads to the corrections page; the policies page filters by date and state."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (scripts/ensure-browser.sh installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def base_url(real_store):
    import uvicorn

    from sanctuarywatch.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(real_store), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(base_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
        )  # fmt: skip
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


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
