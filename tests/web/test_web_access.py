"""Who gets into the dashboard: login, session cookie, CSRF, rate limit, open and locked modes, inert XSS."""

from __future__ import annotations

import shutil
from pathlib import Path

import aiohttp
import pytest

from bot.store.articles import ArticleRepository
from summarizer.models import Article, Block
from tests.conftest import SAMPLE_DUMP
from tests.web_support import CHANNEL, TOKEN, client, csrf_of, log_in, running_service, wait_for

XSS_TITLE = '<script>alert("title")</script> Gold <img src=x onerror=alert(1)> hits a record'
XSS_FILE = "<img src=x onerror=alert(2)>.txt"


async def test_unauthenticated_requests_get_the_login_page_or_401(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        for path in ("/", "/channels", "/history", "/stories", "/inbox", f"/channels/{CHANNEL}"):
            async with http.get(svc.url + path, allow_redirects=False) as page:
                assert page.status == 302 and page.headers["Location"].startswith("/login?next=")
        async with http.get(svc.url + "/", allow_redirects=True) as page:
            assert page.url.path == "/login" and 'type="password"' in await page.text()
        for path in ("/metrics", f"/feeds/{CHANNEL}.atom", "/history"):
            async with http.get(svc.url + path, headers={"Accept": "*/*"}, allow_redirects=False) as raw:
                assert raw.status == 401
        async with http.post(f"{svc.url}/channels/{CHANNEL}/now", data={"csrf": "x"}, allow_redirects=False) as post:
            assert post.status == 401 and not svc.poster.posts
        async with http.get(svc.url + "/healthz") as health:
            assert health.status == 200  # health and readiness stay public for probes


async def test_login_sets_a_signed_httponly_samesite_cookie(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        response = await log_in(http, svc.url)
        assert response.status == 302 and response.headers["Location"] == "/"
        cookie = response.cookies["newsdigest_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with http.get(svc.url + "/") as page:
            assert page.status == 200 and "Stories ingested today" in await page.text()
        # A tampered cookie (role flipped by hand) is not a session.
        forged = cookie.value.replace(".admin.", ".anon.")
        async with aiohttp.ClientSession(cookies={"newsdigest_session": forged}) as other, other.get(
                svc.url + "/", headers={"Accept": "text/html"}, allow_redirects=False) as page:
            assert page.status == 302


async def test_wrong_passwords_are_rate_limited(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        for _ in range(5):
            response = await log_in(http, svc.url, password="guess")
            assert response.status == 401
        response = await log_in(http, svc.url)  # even the right password waits now
        assert response.status == 429 and int(response.headers["Retry-After"]) > 0


async def test_a_forged_form_without_csrf_token_is_refused(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        await log_in(http, svc.url)
        target = f"{svc.url}/channels/{CHANNEL}/settings"
        for form in ({"topics": "gold", "time": "06:00", "timezone": "UTC"},
                     {"topics": "gold", "time": "06:00", "timezone": "UTC", "csrf": "forged"}):
            async with http.post(target, data=form, allow_redirects=False) as response:
                assert response.status == 403 and "CSRF" in await response.text()
        async with http.post(f"{svc.url}/channels/{CHANNEL}/now", data={}, allow_redirects=False) as response:
            assert response.status == 403
        config = svc.service.registry.get(svc.service.registry.all()[0].key)
        assert config.digest_time == "07:30" and not svc.poster.posts
        # The same form with the page's token goes through.
        async with http.get(f"{svc.url}/channels/{CHANNEL}") as page:
            token = csrf_of(await page.text())
        async with http.post(target, data={"csrf": token, "topics": "economy", "time": "06:00",
                                           "timezone": "UTC"}) as response:
            assert response.status == 200 and "06:00 UTC" in await response.text()


async def test_xss_in_a_story_title_and_a_file_name_is_shown_inert(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url) as svc, client() as http:
        with svc.app.sessions.begin() as session:
            story = ArticleRepository(session).add(Article(XSS_TITLE, (Block("paragraph", "Gold rose to a record."),)))
        rejected = svc.inbox / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        (rejected / XSS_FILE).write_bytes(b"\x00")
        (rejected / f"{XSS_FILE}.error").write_text("<b>binary</b> file", encoding="utf-8")
        await log_in(http, svc.url)
        for path in (f"/stories/{story.id}", "/stories?q=gold", "/inbox", "/"):
            async with http.get(svc.url + path) as page:
                html = await page.text()
                assert page.status == 200, path
                assert "<script>alert" not in html and "<img src=x" not in html and "<b>binary" not in html, path
                assert "Content-Security-Policy" in page.headers
        async with http.get(f"{svc.url}/stories/{story.id}") as page:
            assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in await page.text()
        async with http.get(svc.url + "/inbox") as page:
            assert "&lt;img src=x onerror=alert(2)&gt;.txt" in await page.text()


async def test_open_on_loopback_without_a_credential_but_only_for_loopback_names(tmp_path: Path,
                                                                                  db_url: str) -> None:
    async with running_service(tmp_path, db_url, password=None) as svc, client() as http:
        async with http.get(svc.url + "/", allow_redirects=False) as page:
            assert page.status == 200
        async with http.get(svc.url + "/", headers={"Host": "attacker.example"}) as page:
            assert page.status == 403  # DNS rebinding: another site's name pointing here
        async with http.post(f"{svc.url}/channels/{CHANNEL}/now", data={}, allow_redirects=False) as response:
            assert response.status == 403  # CSRF still applies


async def test_a_public_bind_without_a_credential_is_locked(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url, password=None, bind_host="0.0.0.0") as svc, client() as http:
        async with http.get(svc.url + "/", allow_redirects=False) as page:
            assert page.status == 401 and "NEWSDIGEST_ADMIN_PASSWORD" in await page.text()
        async with http.get(svc.url + "/healthz") as health:
            assert health.status == 200


async def test_the_admin_token_opens_metrics_and_feeds(tmp_path: Path, db_url: str) -> None:
    async with (running_service(tmp_path, db_url, password=None, token=TOKEN, bind_host="0.0.0.0") as svc,
                aiohttp.ClientSession() as http):
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(svc.url + "/metrics", headers=bearer) as metrics:
            assert metrics.status == 200 and "newsdigest_digests_total" in await metrics.text()
        async with http.get(f"{svc.url}/feeds/{CHANNEL}.atom", headers=bearer) as feed:
            assert feed.status == 200 and feed.content_type == "application/atom+xml"
        async with http.get(svc.url + "/metrics", headers={"Authorization": "Bearer nope"}) as metrics:
            assert metrics.status == 401


@pytest.mark.parametrize("public", [True, False])
async def test_feeds_are_public_only_when_configured(tmp_path: Path, db_url: str, public: bool) -> None:
    async with running_service(tmp_path, db_url, web={"public_feeds": public}) as svc:
        shutil.copy(SAMPLE_DUMP, svc.inbox / "sample.txt")
        await wait_for(lambda: (svc.inbox / "processed" / "sample.txt").exists(), "the sample to be ingested")
        outcome = await svc.service.delivery.run(svc.service.registry.all()[0].key, "extra")
        assert outcome.outcome == "posted"
        async with aiohttp.ClientSession() as http, http.get(f"{svc.url}/feeds/{CHANNEL}.atom") as feed:
            assert feed.status == (200 if public else 401)
            if public:
                body = await feed.text()
                assert "<entry>" in body and "Digest update" in body and "<feed xmlns=" in body


async def test_a_viewer_reads_every_page_but_changes_nothing(tmp_path: Path, db_url: str) -> None:
    async with running_service(tmp_path, db_url, viewer="just looking") as svc, client() as http:
        response = await log_in(http, svc.url, password="just looking")
        assert response.status == 302
        for path in ("/", "/channels", "/history", "/stories", "/inbox", f"/channels/{CHANNEL}"):
            async with http.get(svc.url + path) as page:
                assert page.status == 200, path
        async with http.get(f"{svc.url}/channels/{CHANNEL}") as page:
            html = await page.text()
            token = csrf_of(html)
        assert 'id="settings-read-only"' in html and 'id="post-now"' not in html and 'id="save"' not in html
        for action, form in (("settings", {"topics": "uk", "time": "05:00", "timezone": "UTC"}), ("now", {}),
                             ("pause", {})):
            async with http.post(f"{svc.url}/channels/{CHANNEL}/{action}", data={"csrf": token, **form},
                                 allow_redirects=False) as refused:
                assert refused.status == 403 and "Read-only" in await refused.text()
        config = svc.service.registry.get(svc.service.registry.all()[0].key)
        assert config.digest_time == "07:30" and config.enabled and not svc.poster.posts
        async with http.post(f"{svc.url}/logout", data={"csrf": token}, allow_redirects=False) as out:
            assert out.status == 302
        async with http.get(svc.url + "/", allow_redirects=False) as page:
            assert page.status == 302  # logged out
