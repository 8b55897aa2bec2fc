"""The dashboard as a person uses it, in Debian's chromium driven by Playwright: the home map renders, searching
"Westchester" reaches the county's profile, its detainer chart renders, and the weekly report opens.
Screenshots of home, profile and report are saved under tests/artifacts/."""

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
def base_url(full_store):
    import uvicorn

    from sanctuarywatch.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(full_store), host="127.0.0.1", port=port, log_level="error"))
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
