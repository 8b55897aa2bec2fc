"""What the browser tests share: Debian's chromium through Playwright, a live server on a free loopback port, and
a screenshot folder outside the checkout (``SANCTUARYWATCH_ARTIFACTS``, else the system temp folder), so the suite
runs on a read-only checkout."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("SANCTUARYWATCH_ARTIFACTS") or Path(tempfile.gettempdir()) / "sanctuarywatch-artifacts")
SKIP_REASON = "Debian's chromium is not installed (scripts/ensure-browser.sh installs it)"


def chromium_missing() -> bool:
    return not Path(CHROMIUM).exists()


@contextmanager
def served(store: Path) -> Iterator[str]:
    """The app over ``store`` on 127.0.0.1 and a free port; fails if the server has not started within 20 s."""
    import uvicorn

    from sanctuarywatch.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, f"the test server on 127.0.0.1:{port} did not start within 20 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium_page(sync_api) -> Iterator[object]:
    """A headless chromium page, 1280 x 900, with the flags this closed network needs."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
        )  # fmt: skip
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
