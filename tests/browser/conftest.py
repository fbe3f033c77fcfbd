"""Headless Chromium (Debian's ``chromium`` + ``chromium-driver``) driven by Selenium, and a served dashboard.

No browser is ever downloaded: Selenium gets the system chromedriver and binary by path. Without them
the tests skip with a reason on a laptop and fail in CI (``CI=true``), where ``.ci/run`` installs them.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import CHROME_FLAGS, browser_paths
from tests.web_support import Running, running_service


@pytest.fixture
def driver(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    chromium, chromedriver = browser_paths()
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never try to download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    browser.set_page_load_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Running]:
    """``newsdigest serve`` in a thread of its own (Selenium blocks; the server must keep answering)."""
    ready = threading.Event()
    box: dict[str, object] = {}

    async def main() -> None:
        stop = asyncio.Event()
        box["stop"] = (asyncio.get_running_loop(), stop)
        try:
            async with running_service(tmp_path, f"sqlite:///{tmp_path / 'browser.sqlite3'}") as svc:
                box["svc"] = svc
                ready.set()
                await stop.wait()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            raise

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(120), "the service did not start"
    if "error" in box:
        raise AssertionError(f"the service failed to start: {box['error']!r}")
    svc = box["svc"]
    assert isinstance(svc, Running)
    try:
        yield svc
    finally:
        loop, stop = box["stop"]  # type: ignore[misc]
        loop.call_soon_threadsafe(stop.set)
        thread.join(120)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: NEWSDIGEST_SCREENSHOT_DIR (docs/screenshots to refresh the README's), else tmp."""
    directory = Path(os.environ.get("NEWSDIGEST_SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory
