"""sources.toml, durations, backoff and Retry-After, OPML in and out."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.errors import ConfigError, UserError
from bot.sources.backoff import backoff_seconds, next_poll, retry_after_seconds
from bot.sources.config import format_duration, load_source_defaults, parse_duration, parse_every
from bot.sources.fetcher import user_agent
from bot.sources.opml import read_opml, write_opml

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400),
                                               ("1.5h", 5400), (" 15 min ", 900), ("300", 300), (120, 120)])
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10 minutes", "-5m", "m", "1w"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(UserError, match=r"use e\.g\. 90s, 10m"):
        parse_duration(text)


def test_poll_interval_bounds() -> None:
    with pytest.raises(UserError, match="between 1m and 7d"):
        parse_every("30s")
    with pytest.raises(UserError, match="between 1m and 7d"):
        parse_every("8d")


@pytest.mark.parametrize("seconds", [60, 90, 600, 5400, 86400, 3 * 86400])
def test_format_duration_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_sources_toml(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[defaults]\nevery = "20m"\nfull_text = true\n\n'
        '[[sources]]\nurl = "https://a.example/rss"\nname = "A"\nevery = "5m"\n\n'
        '[[sources]]\nurl = "https://b.example/atom.xml"\nfull_text = false\n')
    defaults = load_source_defaults(tmp_path)
    assert (defaults.every, defaults.full_text) == (1200, True)
    a, b = defaults.sources.values()
    assert (a.url, a.name, a.every, a.full_text) == ("https://a.example/rss", "A", 300, None)
    assert (b.every, b.full_text) == (None, False)


def test_no_sources_toml_means_no_sources(tmp_path: Path) -> None:
    assert load_source_defaults(tmp_path).sources == {}


def test_the_shipped_sources_toml_polls_nothing() -> None:
    shipped = Path(__file__).resolve().parents[2] / "config"
    assert load_source_defaults(shipped).sources == {}


@pytest.mark.parametrize(("toml", "message"), [
    ('[[sources]]\nname = "x"\n', "has no url"),
    ('[[sources]]\nurl = "ftp://x.example/"\n', "not a feed URL"),
    ('[[sources]]\nurl = "https://x.example/"\nevery = "10s"\n', "between 1m and 7d"),
    ('[[sources]]\nurl = "https://x.example/"\nfull_text = "yes"\n', "full_text must be true or false"),
    ('[[sources]]\nurl = "https://x.example/"\ncolour = "red"\n', "unknown key"),
    ('[[sources]]\nurl = "https://x.example/"\n[[sources]]\nurl = "https://x.example/"\n', "listed twice"),
    ('[feeds]\n', "unknown section"),
    ('[[sources]\n', "sources.toml"),
])
def test_a_bad_sources_toml_is_one_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "sources.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_source_defaults(tmp_path)


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds("Mon, 02 Mar 2026 09:00:00 GMT", NOW) == 3600
    assert retry_after_seconds("Mon, 02 Mar 2026 07:00:00 GMT", NOW) == 0  # in the past: no wait
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def test_backoff_doubles_to_the_cap_with_jitter() -> None:
    rng = random.Random(1)
    for failures in range(1, 40):
        nominal = min(3600, 300 * 2 ** (failures - 1))
        assert nominal / 2 <= backoff_seconds(failures, 900, cap=3600, rng=rng) <= nominal
    # A daily feed is not retried more often than... its interval caps it, not the shorter global cap.
    assert backoff_seconds(30, 86400, cap=3600, rng=rng) >= 86400 / 2
    # A one-minute feed starts backing off at one minute.
    assert 30 <= backoff_seconds(1, 60, cap=3600, rng=rng) <= 60


def test_next_poll_honours_retry_after_up_to_a_limit() -> None:
    rng = random.Random(2)
    assert next_poll(NOW, ok=True, failures=0, every=600, cap=3600, rng=rng) == NOW + timedelta(seconds=600)
    assert next_poll(NOW, ok=False, failures=1, every=600, cap=3600, rng=rng,
                     retry_after=7200) == NOW + timedelta(seconds=7200)
    assert next_poll(NOW, ok=False, failures=1, every=600, cap=3600, rng=rng, retry_after=10**9,
                     max_retry_after=86400) == NOW + timedelta(days=1)


def test_user_agent_names_newsdigest_and_version() -> None:
    from bot import __version__

    assert user_agent() == f"newsdigest/{__version__} (feed poller)"
    assert user_agent("+https://desk.example/bot").endswith("; +https://desk.example/bot)")


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Reader export</title></head><body>
  <outline text="World" title="World">
    <outline type="rss" text="Example World" title="Example World" xmlUrl="https://example.org/world.rss"/>
    <outline type="rss" text="Nordic" xmlUrl="https://nordic.example/feed"/>
  </outline>
  <outline type="rss" text="Dup" xmlUrl="https://example.org/world.rss"/>
  <outline text="a folder with no feed"/>
</body></opml>"""


def test_opml_import_reads_nested_outlines_once() -> None:
    feeds = read_opml(OPML)
    assert [(f.url, f.title) for f in feeds] == [("https://example.org/world.rss", "Example World"),
                                                 ("https://nordic.example/feed", "Nordic")]


def test_opml_export_round_trips_with_the_interval() -> None:
    data = write_opml([("https://a.example/rss", "A & B", 600), ("https://b.example/atom", None, 5400)], now=NOW)
    assert data.startswith(b"<?xml") and b"A &amp; B" in data
    feeds = read_opml(data)
    assert [(f.url, f.title, f.every) for f in feeds] == [("https://a.example/rss", "A & B", 600),
                                                          ("https://b.example/atom", "https://b.example/atom", 5400)]


@pytest.mark.parametrize(("data", "message"), [
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
     b"<opml><body><outline xmlUrl='&lol2;'/></body></opml>", "refused"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     b"<opml><body><outline xmlUrl='&xxe;'/></body></opml>", "refused"),
    (b"<rss><channel/></rss>", "not OPML"),
    (b"<opml><body>", "not well-formed"),
])
def test_bad_or_hostile_opml_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(UserError, match=message):
        read_opml(data, name="feeds.opml")
