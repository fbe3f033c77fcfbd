"""Finding Debian's chromium and chromedriver for the browser tests: skip on a laptop, fail in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--hide-scrollbars", "--force-device-scale-factor=1")


def _first(paths: tuple[str, ...], name: str) -> str | None:
    return next((p for p in paths if Path(p).is_file()), None) or shutil.which(name)


def browser_paths() -> tuple[str, str]:
    """(chromium, chromedriver), or a skip (laptop) / failure (CI) saying what is missing."""
    chromium = _first(CHROMIUM_CANDIDATES, "chromium")
    driver = _first(DRIVER_CANDIDATES, "chromedriver")
    if chromium and driver:
        return chromium, driver
    missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p)
    reason = f"browser tests need {missing}: apt-get install chromium chromium-driver"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must run them; .ci/run installs the packages)")
    pytest.skip(reason)
