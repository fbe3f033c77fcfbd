"""The real poller (aiohttp fetcher, registry, ingest) against a local feed server, on SQLite and PostgreSQL.

Time and backoff are driven by a fake clock and a seeded random generator: no real sleeps decide
anything, and nothing asserts on how long something took.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot import __version__
from bot.app.bootstrap import App, bootstrap
from bot.app.settings import SourcesSettings, load_settings
from bot.sources.config import SourceDefaults
from bot.sources.poller import Poller
from bot.sources.registry import SourceRegistry, SourceState
from bot.store.models import ArticleRow
from tests.integration.feed_server import FeedServer, feed_json, feed_rss, feed_server, response, story

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EVERY = 600


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    application = bootstrap(load_settings(data_dir=tmp_path), database_url=db_url)
    yield application
    application.close()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with feed_server() as fs:
        yield fs


@pytest.fixture
def clock() -> Clock:
    return Clock()


_open: list[Poller] = []


@pytest.fixture(autouse=True)
async def _close_pollers() -> AsyncIterator[None]:
    yield
    while _open:
        await _open.pop().close()


def make_poller(app: App, clock: Clock, **settings: object) -> Poller:
    """A poller on ``app`` with test settings; closed after the test."""
    values = {"timeout_seconds": 5.0, "max_backoff_seconds": 3600.0, **settings}
    registry = SourceRegistry(app.sessions, SourceDefaults())
    poller = Poller(app, registry, settings=SourcesSettings(**values), clock=clock, rng=random.Random(7))
    _open.append(poller)
    return poller


def add(poller: Poller, url: str, every: int = EVERY, **kw: object) -> SourceState:
    state, _ = poller.registry.add(url, every=every, now=poller.clock(), **kw)  # type: ignore[arg-type]
    return state


def state(poller: Poller, url: str) -> SourceState:
    found = poller.registry.find(url)
    assert found is not None
    return found


def stored(app: App) -> int:
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(ArticleRow)) or 0


async def test_200_then_304_on_etag(app: App, server: FeedServer, clock: Clock,
                                    caplog: pytest.LogCaptureFixture) -> None:
    server.static("/feed.json", feed_json([story(1), story(2)]), etag='"v1"')
    poller = make_poller(app, clock)
    url = server.url("/feed.json")
    add(poller, url)
    caplog.set_level(logging.INFO, logger="bot.sources.poller")
    [first] = await poller.poll_due()
    assert (first.ok, first.new, first.fetch.http_status) == (True, 2, 200)
    assert await poller.poll_due() == []  # not due again before its interval
    clock.advance(EVERY)
    [second] = await poller.poll_due()
    assert (second.ok, second.new, second.fetch.http_status) == (True, 0, 304)
    sent = server.headers_of("/feed.json")
    assert "If-None-Match" not in sent[0] and sent[1]["If-None-Match"] == '"v1"'
    assert all(h["User-Agent"].startswith(f"newsdigest/{__version__}") for h in sent)
    s = state(poller, url)
    assert (s.last_status, s.etag, s.items_total, s.consecutive_failures) == ("304", '"v1"', 2, 0)
    assert s.next_poll_at == START + timedelta(seconds=2 * EVERY)
    assert stored(app) == 2
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fetch ")]
    assert len(lines) == 2 and f"source={url}" in lines[0] and "status=304" in lines[1]
    sample = app.metrics.registry.get_sample_value
    assert sample("newsdigest_source_fetches_total", {"source": url, "outcome": "ok"}) == 1
    assert sample("newsdigest_source_fetches_total", {"source": url, "outcome": "not_modified"}) == 1
    assert sample("newsdigest_stories_total", {"format": "feed", "outcome": "new"}) == 2


async def test_permanent_redirect_moves_the_url_and_a_temporary_one_does_not(
        app: App, server: FeedServer, clock: Clock) -> None:
    server.static("/new.json", feed_json([story(1)]))
    server.redirect("/old.json", "/new.json", 301)
    server.static("/other.json", feed_json([story(2)]))
    server.redirect("/moving.json", "/other.json", 302)
    poller = make_poller(app, clock)
    old, moving = server.url("/old.json"), server.url("/moving.json")
    add(poller, old)
    add(poller, moving)
    outcomes = await poller.poll_due()
    clock.advance(EVERY)
    await poller.poll_due()
    assert all(o.ok and o.new == 1 for o in outcomes)
    assert state(poller, old).url == server.url("/new.json")  # stored, and polled there since
    assert state(poller, moving).url == moving
    assert server.hits["/old.json"] == 1 and server.hits["/new.json"] == 2
    assert server.hits["/moving.json"] == 2 and server.hits["/other.json"] == 2
    assert poller.registry.find(server.url("/new.json")) == state(poller, old)  # findable by either URL


async def test_429_retry_after_is_honoured(app: App, server: FeedServer, clock: Clock) -> None:
    server.scripted("/busy.json", [response(429, headers={"Retry-After": "7200"}),
                                   response(200, feed_json([story(1)]))])
    poller = make_poller(app, clock)
    url = server.url("/busy.json")
    add(poller, url)
    [first] = await poller.poll_due()
    s = state(poller, url)
    assert not first.ok and s.consecutive_failures == 1 and "429" in (s.last_error or "")
    assert s.next_poll_at is not None and s.next_poll_at >= START + timedelta(seconds=7200)
    clock.advance(3600)  # past the normal backoff, still inside Retry-After
    assert await poller.poll_due() == []
    clock.now = s.next_poll_at
    [second] = await poller.poll_due()
    assert second.ok and second.new == 1 and state(poller, url).consecutive_failures == 0


async def test_500s_back_off_to_the_cap_and_never_disable_then_recover(
        app: App, server: FeedServer, clock: Clock) -> None:
    failures = 12
    server.scripted("/flaky.json", [response(500)] * failures + [response(200, feed_json([story(1), story(2)]))])
    poller = make_poller(app, clock, max_backoff_seconds=3600.0)
    url = server.url("/flaky.json")
    add(poller, url, every=600)
    delays = []
    for n in range(1, failures + 1):
        [outcome] = await poller.poll_due()
        assert not outcome.ok and outcome.fetch.http_status == 500
        s = state(poller, url)
        assert s.consecutive_failures == n and s.active and s.last_status == "HTTP 500"
        delay = (outcome.next_poll_at - clock.now).total_seconds()
        nominal = min(3600, 300 * 2 ** (n - 1))  # doubling from 5 minutes, capped
        assert nominal / 2 <= delay <= nominal  # "equal jitter": half fixed, half random
        delays.append(delay)
        clock.now = outcome.next_poll_at
    [ok] = await poller.poll_due()
    assert len(set(delays[-5:])) > 1  # jittered, not one fixed retry time for everyone
    assert ok.ok and ok.new == 2
    s = state(poller, url)
    assert (s.consecutive_failures, s.last_error, s.last_status) == (0, None, "200")
    assert s.next_poll_at == clock.now + timedelta(seconds=600)


async def test_a_slow_response_times_out(app: App, server: FeedServer, clock: Clock) -> None:
    server.stalled("/slow.json")
    poller = make_poller(app, clock, timeout_seconds=0.5)
    url = server.url("/slow.json")
    add(poller, url)
    [outcome] = await poller.poll_due()
    assert not outcome.ok and outcome.fetch.label == "timeout"
    s = state(poller, url)
    assert s.last_status == "timeout" and "0.5s" in (s.last_error or "") and s.consecutive_failures == 1
    assert s.lease_until is None  # the lease is given back after a failure too


async def test_gzip_bodies_are_decompressed(app: App, server: FeedServer, clock: Clock) -> None:
    server.static("/gz.json", feed_json([story(1), story(2), story(3)]), gzip_body=True)
    poller = make_poller(app, clock)
    add(poller, server.url("/gz.json"))
    [outcome] = await poller.poll_due()
    assert "gzip" in server.headers_of("/gz.json")[0].get("Accept-Encoding", "")
    assert outcome.ok and outcome.new == 3 and stored(app) == 3
    assert len(outcome.fetch.body) > len(gzip.compress(feed_json([story(1), story(2), story(3)])))


async def test_a_growing_feed_ingests_only_new_items(app: App, server: FeedServer, clock: Clock) -> None:
    items = [story(1), story(2)]
    server.static("/grow.json", lambda: feed_json(items))
    poller = make_poller(app, clock)
    url = server.url("/grow.json")
    add(poller, url)
    [first] = await poller.poll_due()
    items.insert(0, story(3))
    clock.advance(EVERY)
    [second] = await poller.poll_due()
    clock.advance(EVERY)
    [third] = await poller.poll_due()
    assert (first.new, first.duplicates) == (2, 0)
    assert (second.new, second.duplicates) == (1, 2)
    assert (third.new, third.duplicates) == (0, 3)
    assert stored(app) == 3
    s = state(poller, url)
    assert (s.items_taken, s.items_total) == (0, 3)


@pytest.mark.parametrize("path", ["/big.json", "/big-chunked.json"])
async def test_a_body_over_the_size_cap_is_refused(app: App, server: FeedServer, clock: Clock, path: str) -> None:
    server.static("/big.json", b"[" + b" " * 50_000 + b"]")
    server.chunked("/big-chunked.json", 200_000)
    poller = make_poller(app, clock, max_bytes=20_000)
    url = server.url(path)
    add(poller, url)
    [outcome] = await poller.poll_due()
    assert not outcome.ok and outcome.fetch.label == "too large"
    assert "20,000 byte cap" in (state(poller, url).last_error or "")
    assert stored(app) == 0


async def test_an_unreadable_body_is_a_failure_with_the_reason(app: App, server: FeedServer, clock: Clock) -> None:
    server.static("/page.json", b"[", content_type="application/json")
    poller = make_poller(app, clock)
    url = server.url("/page.json")
    add(poller, url)
    [outcome] = await poller.poll_due()
    s = state(poller, url)
    assert not outcome.ok and s.consecutive_failures == 1 and s.last_status == "unreadable"
    assert (s.last_error or "").startswith("feed unreadable: ")


async def test_requests_to_one_host_are_limited(app: App, server: FeedServer, clock: Clock) -> None:
    for n in range(6):
        server.slow_ok(f"/f{n}.json", feed_json([story(n)]), pause=0.2)
    poller = make_poller(app, clock, per_host=2)
    for n in range(6):
        add(poller, server.url(f"/f{n}.json"))
    outcomes = await poller.poll_due()
    assert len(outcomes) == 6 and all(o.ok for o in outcomes)
    assert server.max_inflight <= 2


async def test_a_network_error_is_recorded(app: App, clock: Clock) -> None:
    poller = make_poller(app, clock)
    url = "http://127.0.0.1:9/feed.xml"  # discard port: nothing listens
    add(poller, url)
    [outcome] = await poller.poll_due()
    s = state(poller, url)
    assert not outcome.ok and s.consecutive_failures == 1 and (s.last_error or "").startswith("network: ")


ARTICLE_PAGE = """<html><head><title>{title}</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
<p>The harbour authority approved the long-debated expansion plan on Monday evening after a four-hour
session in which members of the public queued to speak for and against the new container berths.</p>
<p>Officials said construction of the first stage would begin next spring, with dredging of the outer
channel planned for the autumn, and that the whole project should be finished within three years.</p>
<p>Opponents, led by residents of the old town, said they would challenge the decision in court, arguing
that the authority had ignored the effect of night-time lorry traffic on the narrow streets by the quay.</p>
</article>
<footer>Copyright Example News. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>"""


async def test_full_text_fetches_only_new_items_pages_and_extracts_the_article(
        app: App, server: FeedServer, clock: Clock) -> None:
    titles = [f"Harbour expansion approved, stage {n}" for n in range(3)]
    items = [(titles[0], "Short summary one."), (titles[1], "Short summary two.")]
    server.static("/summaries.json", lambda: feed_json(items, base=server.url("/story/")))
    for n, title in enumerate(titles):
        server.static(f"/story/{n}", ARTICLE_PAGE.format(title=title).encode(), content_type="text/html")
    poller = make_poller(app, clock)
    add(poller, server.url("/summaries.json"), full_text=True)
    [first] = await poller.poll_due()
    assert first.ok and first.new == 2
    assert server.hits["/story/0"] == 1 and server.hits["/story/1"] == 1
    assert "text/html" in server.headers_of("/story/0")[0]["Accept"]
    assert server.headers_of("/story/0")[0]["User-Agent"].startswith("newsdigest/")
    with app.sessions() as session:
        bodies = {t: b for t, b in session.execute(select(ArticleRow.title, ArticleRow.body))}
    assert "Opponents, led by residents of the old town" in bodies[titles[0]]
    assert "Copyright" not in bodies[titles[0]] and "Home" not in bodies[titles[0]]
    assert not bodies[titles[0]].startswith(titles[0])  # the page's headline is not a paragraph
    items.append((titles[2], "Short summary three."))
    clock.advance(EVERY)
    [second] = await poller.poll_due()
    assert (second.new, second.duplicates) == (1, 2) and server.hits["/story/2"] == 1
    assert stored(app) == 3  # the feed's summaries of stored items are not stored again
    assert server.hits["/story/0"] == 1 and server.hits["/story/1"] == 1  # stored items: pages not fetched again


def headline_only_rss(base: str, titles: list[str], with_text: tuple[str, str]) -> bytes:
    """RSS whose items ``titles`` have a headline and a link but no description, plus one item with text."""
    items = "".join(f"<item><title>{t}</title><link>{base}{n}</link><guid>urn:h:{n}</guid></item>"
                    for n, t in enumerate(titles))
    items += (f"<item><title>{with_text[0]}</title><link>{base}text</link><guid>urn:h:text</guid>"
              f"<description>{with_text[1]}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Flashes</title>'
            f"{items}</channel></rss>").encode()


@pytest.mark.parametrize("full_text", [True, False])
async def test_full_text_fills_headline_only_items_from_their_pages(
        app: App, server: FeedServer, clock: Clock, full_text: bool) -> None:
    filled, empty = "Harbour expansion approved", "Harbour meeting adjourned"
    server.static("/flashes.xml", headline_only_rss(server.url("/page/"), [filled, empty], story(1)),
                  content_type="application/rss+xml")
    server.static("/page/0", ARTICLE_PAGE.format(title=filled).encode(), content_type="text/html")
    server.static("/page/1", b"<html><body><nav>Home</nav></body></html>", content_type="text/html")
    poller = make_poller(app, clock)
    add(poller, server.url("/flashes.xml"), full_text=full_text)
    [outcome] = await poller.poll_due()
    with app.sessions() as session:
        bodies = {t: b for t, b in session.execute(select(ArticleRow.title, ArticleRow.body))}
    if not full_text:  # the headline-only items are skipped as "no text"; their pages are never fetched
        assert outcome.ok and outcome.new == 1 and set(bodies) == {story(1)[0]}
        assert server.hits["/page/0"] == 0 and server.hits["/page/1"] == 0
        return
    assert outcome.ok and outcome.new == 2 and set(bodies) == {filled, story(1)[0]}
    assert "Opponents, led by residents of the old town" in bodies[filled]
    assert server.hits["/page/0"] == 1 and server.hits["/page/1"] == 1  # the empty page: still "no text"
    with app.sessions() as session:
        (row,) = session.scalars(select(ArticleRow).where(ArticleRow.title == filled))
        assert (row.guid, row.language) == ("urn:h:0", "en")
    clock.advance(EVERY)
    [again] = await poller.poll_due()
    assert again.new == 0 and server.hits["/page/0"] == 1  # a stored item's page is not fetched again
    assert stored(app) == 2


def numbered_rss(*items: tuple[str, str, str]) -> bytes:
    """RSS whose items carry the site's own short guids ((guid, title, description)), as many CMSs number them."""
    body = "".join(f"<item><title>{t}</title><guid isPermaLink=\"false\">{g}</guid><description>{d}</description>"
                   "</item>" for g, t, d in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>{body}</channel></rss>'.encode()


async def test_two_sources_with_the_same_guid_are_two_stories_and_revise_only_their_own(
        app: App, server: FeedServer, clock: Clock) -> None:
    (ta, da), (tb, db), (_, dc) = story(1), story(2), story(3)
    feeds = {"/a.xml": numbered_rss(("1", ta, da)), "/b.xml": numbered_rss(("1", tb, db))}
    for path in feeds:
        server.static(path, lambda path=path: feeds[path], content_type="application/rss+xml")
    poller = make_poller(app, clock)
    add(poller, server.url("/a.xml"))
    add(poller, server.url("/b.xml"))
    first = await poller.poll_due()
    assert sorted(o.new for o in first) == [1, 1]
    feeds["/a.xml"] = numbered_rss(("1", f"{ta}, updated", f"{da} {dc}"))  # source a revises its item 1
    clock.advance(EVERY)
    await poller.poll_due()
    with app.sessions() as session:
        rows = {r.title: r for r in session.scalars(select(ArticleRow))}
    assert set(rows) == {ta, f"{ta}, updated", tb}
    assert rows[ta].superseded_by_id == rows[f"{ta}, updated"].id  # a's first version, by a's revision
    assert rows[tb].superseded_by_id is None  # b's item "1" is another story: never touched
    assert (rows[tb].guid, rows[tb].guid_scope) == ("1", server.url("/b.xml"))


async def test_full_text_is_off_by_default(app: App, server: FeedServer, clock: Clock) -> None:
    server.static("/summaries.json", feed_json([("Harbour expansion approved", "Short summary.")],
                                               base=server.url("/story/")))
    poller = make_poller(app, clock)
    add(poller, server.url("/summaries.json"))
    [outcome] = await poller.poll_due()
    assert outcome.ok and outcome.new == 1 and server.hits["/story/0"] == 0


async def test_closing_cancels_polls_in_flight_and_gives_their_leases_back(
        app: App, server: FeedServer, clock: Clock) -> None:
    server.stalled("/slow.json")
    server.static("/quick.json", feed_json([story(1)]))
    poller = make_poller(app, clock, timeout_seconds=60.0)
    slow, quick = server.url("/slow.json"), server.url("/quick.json")
    add(poller, slow)
    add(poller, quick)
    polling = asyncio.create_task(poller.poll_due())
    for _ in range(600):  # bounded wait (60 s) until the slow request reached the server
        if server.hits["/slow.json"] and state(poller, quick).last_fetch_at is not None:
            break
        await asyncio.sleep(0.1)
    await poller.close(grace=0.1)
    with pytest.raises(asyncio.CancelledError):
        await polling
    s = state(poller, slow)
    assert s.lease_until is None and s.consecutive_failures == 0 and s.last_fetch_at is None
    assert s.next_poll_at == START  # still due: the next poll (or another replica) takes it at once
    assert state(poller, quick).last_status == "200"  # what finished in time was recorded


async def test_recording_waits_out_a_locked_database(app: App, server: FeedServer, clock: Clock,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    server.static("/feed.json", feed_json([story(1)]))
    poller = make_poller(app, clock)
    url = server.url("/feed.json")
    add(poller, url)
    real, calls = poller.registry.record, []

    def busy_then_real(*args: object) -> None:
        calls.append(args)
        if len(calls) < 3:  # what SQLite says when another writer held the lock past busy_timeout
            raise OperationalError("UPDATE sources", {}, Exception("database is locked"))
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(poller.registry, "record", busy_then_real)
    poller.retry_pause = 0.0
    [outcome] = await poller.poll_due()
    assert outcome.ok and len(calls) == 3
    s = state(poller, url)
    assert s.last_status == "200" and s.lease_until is None and s.items_total == 1



async def test_an_rss_feed_that_grows_stores_each_item_once_by_guid(app: App, server: FeedServer,
                                                                     clock: Clock) -> None:
    items = [story(1), story(2)]
    server.static("/wire.rss", lambda: feed_rss(items), content_type="application/rss+xml")
    poller = make_poller(app, clock)
    url = server.url("/wire.rss")
    add(poller, url)
    [first] = await poller.poll_due()
    items.insert(0, story(3))
    items[1] = (items[1][0], items[1][1] + " A late paragraph was added to this item.")  # story 1: same guid
    clock.advance(EVERY)
    [second] = await poller.poll_due()
    assert (first.ok, first.new) == (True, 2)
    assert second.ok and second.new == 2 and second.duplicates == 1  # story 3, and story 1's revision
    with app.sessions() as session:
        rows = session.execute(select(ArticleRow.title, ArticleRow.superseded_by_id)).all()
    assert sorted(t for t, _ in rows) == sorted([story(1)[0], story(1)[0], story(2)[0], story(3)[0]])
    assert sum(s is not None for _, s in rows) == 1  # the first version of story 1 is superseded


async def test_the_http_charset_decodes_a_feed(app: App, server: FeedServer, clock: Clock) -> None:
    title = "Москва объявила о новом плане для гавани"
    body = "Власти Москвы в понедельник объявили о новом плане развития речной гавани и набережной."
    data = feed_rss([(title, body)], encoding="windows-1251").replace(b' encoding="windows-1251"', b"")
    server.static("/ru.rss", data, content_type="application/rss+xml; charset=windows-1251")
    poller = make_poller(app, clock)
    add(poller, server.url("/ru.rss"))
    [outcome] = await poller.poll_due()
    assert outcome.ok and outcome.new == 1
    with app.sessions() as session:
        assert session.scalar(select(ArticleRow.title)) == title
