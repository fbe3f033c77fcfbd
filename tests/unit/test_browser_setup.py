"""Browser tests skip with a reason on a machine without chromium, and fail in CI instead."""

from __future__ import annotations

import pytest

from tests import browser_support


def _no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    monkeypatch.setattr(browser_support, "DRIVER_CANDIDATES", ("/nonexistent/chromedriver",))
    monkeypatch.setattr(browser_support.shutil, "which", lambda name: None)


def test_missing_browser_skips_with_the_reason_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_browser(monkeypatch)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        browser_support.browser_paths()


def test_missing_browser_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_browser(monkeypatch)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run them"):
        browser_support.browser_paths()
