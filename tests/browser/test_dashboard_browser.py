"""The dashboard in real headless Chromium: an editor's whole round, and the access rules, as a browser sees them."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.store.articles import ArticleRepository
from summarizer.models import Article, Block
from tests.conftest import SAMPLE_DUMP
from tests.web_support import CHANNEL, PASSWORD, Running

WAIT = 60  # seconds: generous bounds for a loaded machine; nothing here asserts on time
SANCTIONS = "New US Sanctions Target Russian Gold Imports, Defense Industry"
CASUALTIES = "Report: Russia and Ukraine's Combined War Casualties Could Reach 2 Million Soon"
BAD_FILE = 'wires <img src=x onerror="document.title=\'pwned\'">.txt'
PARTIAL_JSONL = (
    '{"title": "Oil steadies as OPEC+ holds output", "body": "Oil prices steadied on Monday after OPEC+ kept its '
    'output policy unchanged, as traders weighed the economy and energy demand.", "source": "cms"}\n'
    '{"body": "an exported record that lost its headline"}\n'
)
XSS_TITLE = '<script>document.title="pwned"</script> Markets <b>calm</b>'


def _wait_until(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _text(driver: Any) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def _open(driver: Any, svc: Running, path: str) -> None:
    driver.get(svc.url + path)
    WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.TAG_NAME, "main")))


def _new_page(driver: Any) -> bool:
    return bool(driver.execute_script("return window.ndOldPage === undefined && document.readyState === 'complete'"))


def _click(driver: Any, element_id: str, *, dashboard_page: bool = True) -> None:
    """Click and wait until the next page has loaded (the old page's mark is gone)."""
    driver.execute_script("window.ndOldPage = true")
    driver.find_element(By.ID, element_id).click()
    # While the page is swapped, Chrome may answer with transient errors: keep polling through them.
    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(_new_page)
    if dashboard_page:
        WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.TAG_NAME, "main")))


def _shot(driver: Any, shots: Path, name: str) -> None:
    # The whole page, not just the viewport: size the window to the document first.
    width = int(driver.get_window_size()["width"])
    driver.set_window_size(width, 600)  # shrink first: scrollHeight is never less than the viewport
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(height + 140, 3000))
    assert driver.save_screenshot(str(shots / f"{name}.png"))


def _log_in(driver: Any, svc: Running) -> None:
    _open(driver, svc, "/")
    assert "/login" in driver.current_url  # unauthenticated: the login page, nothing else
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    _click(driver, "login")


def _no_script_ran(driver: Any) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        alert = None
    assert alert is None, "a script from page content ran (an alert is open)"
    assert driver.title != "pwned"


def test_an_editors_round_through_the_dashboard(served: Running, driver: Any, shots: Path) -> None:
    svc = served
    shutil.copy(SAMPLE_DUMP, svc.inbox / "world-news.txt")
    (svc.inbox / BAD_FILE).write_bytes(b"\x00\xff" * 40)
    (svc.inbox / "cms-export.jsonl").write_text(PARTIAL_JSONL, encoding="utf-8")
    processed = svc.inbox / "processed"
    _wait_until(lambda: (processed / "world-news.txt").exists() and (processed / "cms-export.jsonl").exists()
                and (svc.inbox / "rejected" / BAD_FILE).exists(), "the inbox to take all three files")

    _open(driver, svc, "/")
    _shot(driver, shots, "login")
    assert "Log in" in _text(driver)
    _log_in(driver, svc)

    # Today: the sample's stories, by topic, and the channel's next digest.
    assert driver.current_url.rstrip("/") == svc.url
    today = _text(driver)
    assert "Stories ingested today: 5" in today and SANCTIONS in today and CHANNEL in today
    assert "Rejected file" in today and "binary file" in today
    _shot(driver, shots, "today")

    # Channels: the list, then one channel; change topics and time with /digest's own checks.
    _open(driver, svc, "/channels")
    assert "never" in _text(driver)  # last posted
    _shot(driver, shots, "channels")
    driver.execute_script("window.ndOldPage = true")
    driver.find_element(By.LINK_TEXT, CHANNEL).click()
    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(_new_page)
    for field, value in (("topics", "ukraine, sanctions, economy"), ("time", "06:15"), ("timezone", "Europe/Londn")):
        driver.find_element(By.ID, field).clear()
        driver.find_element(By.ID, field).send_keys(value)
    _click(driver, "save")
    flash = driver.find_element(By.ID, "flash").text
    assert "Topics: ukraine, sanctions, economy." in flash and "Did you mean Europe/London" in flash
    driver.find_element(By.ID, "timezone").clear()
    driver.find_element(By.ID, "timezone").send_keys("Europe/London")
    _click(driver, "save")
    assert "Daily digest at 06:15 Europe/London" in driver.find_element(By.ID, "flash").text
    config = svc.service.registry.get(svc.service.registry.all()[0].key)
    assert config.topics == ("ukraine", "sanctions", "economy") and config.digest_time == "06:15"

    # Preview (nothing posted), then post now through the console adapter.
    _click(driver, "preview")
    preview = driver.find_element(By.ID, "preview-digest").text
    assert "Ukraine" in preview and CASUALTIES in preview and not svc.poster.posts
    _shot(driver, shots, "channel")
    _click(driver, "post-now")
    assert "Posted" in driver.find_element(By.ID, "flash").text
    assert len(svc.poster.posts) == 1 and svc.poster.posts[0].channel == svc.service.registry.all()[0].key

    # History: the run, filtered by channel.
    _open(driver, svc, f"/history?channel={CHANNEL}")
    history = _text(driver)
    assert "extra" in history and "posted" in history and svc.poster.posts[0].message_id in history
    _shot(driver, shots, "history")

    # Stories: find one, see which channels received it and when.
    _open(driver, svc, "/stories")
    driver.find_element(By.ID, "q").send_keys("gold")
    _click(driver, "search")
    assert SANCTIONS in _text(driver)
    _shot(driver, shots, "stories")
    driver.execute_script("window.ndOldPage = true")
    driver.find_element(By.LINK_TEXT, SANCTIONS).click()
    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(_new_page)
    received = driver.find_element(By.ID, "deliveries").text
    assert CHANNEL in received and "(extra)" in received
    assert "Reuters" in _text(driver)  # credits
    _shot(driver, shots, "story")

    # A brief on anything, as /brief answers it.
    _open(driver, svc, "/brief?q=ukraine")
    assert CASUALTIES in driver.find_element(By.ID, "brief").text
    _shot(driver, shots, "brief")

    # Inbox: the rejected file's reason, its hostile name shown as text.
    _open(driver, svc, "/inbox")
    rejected = driver.find_element(By.ID, "rejected").text
    assert BAD_FILE in rejected and "binary file" in rejected
    assert "line 2:" in driver.find_element(By.ID, "processed").text  # the partial file's rejected record
    _no_script_ran(driver)
    _shot(driver, shots, "inbox")

    # The archive the console adapter wrote, linked from the dashboard and from the run's message id.
    _open(driver, svc, "/archive")
    assert svc.poster.posts[0].message_id in _text(driver)
    _open(driver, svc, "/history")
    driver.find_element(By.LINK_TEXT, svc.poster.posts[0].message_id).click()
    _wait_until(lambda: _text(driver).startswith("# Digest update"), "the posted Markdown digest")

    # The same pages on a phone-sized screen.
    driver.set_window_size(390, 844)
    _open(driver, svc, "/")
    _shot(driver, shots, "today-phone")


def test_access_rules_as_a_browser_meets_them(served: Running, driver: Any) -> None:
    svc = served
    with svc.app.sessions.begin() as session:
        story = ArticleRepository(session).add(Article(XSS_TITLE, (Block("paragraph", "Markets were calm."),)))

    # Every page leads to the login page first; a wrong password is refused.
    for path in ("/channels", "/history", f"/stories/{story.id}"):
        _open(driver, svc, path)
        assert "/login" in driver.current_url and driver.find_elements(By.ID, "password")
    driver.find_element(By.ID, "password").send_keys("not the password")
    _click(driver, "login")
    assert "Wrong password" in driver.find_element(By.ID, "login-error").text

    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    _click(driver, "login")
    assert driver.current_url.endswith(f"/stories/{story.id}")  # back where the login started
    assert driver.find_element(By.ID, "story-title").text == XSS_TITLE.replace("<b>", "<b>")  # literal text
    _no_script_ran(driver)

    # A form sent without its CSRF token is refused and changes nothing.
    _open(driver, svc, f"/channels/{CHANNEL}")
    driver.execute_script("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    driver.find_element(By.ID, "time").clear()
    driver.find_element(By.ID, "time").send_keys("05:00")
    _click(driver, "save", dashboard_page=False)  # the refusal is a bare 403 text
    assert "CSRF" in _text(driver)
    assert svc.service.registry.get(svc.service.registry.all()[0].key).digest_time == "07:30"

    # The session cookie is out of reach of page scripts.
    assert "newsdigest_session" not in str(driver.execute_script("return document.cookie"))
    cookie = driver.get_cookie("newsdigest_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
