"""What's new since the last digest: a channel that was sent yesterday's facts gets today's news first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import App
from bot.chat.ports import ChannelKey
from bot.delivery.runner import Delivery
from bot.ingest.service import ingest_paths
from tests.digest_support import config_dir, make_app, registry, write_dump

TOLD = ChannelKey("console", "t", "told")  # got yesterday's digest
NEW = ChannelKey("console", "t", "new")  # subscribed today: nothing was sent to it
CHANNELS = """
[channels."console:t:told"]
topics = ["ukraine"]
time = "07:30"
timezone = "UTC"

[channels."console:t:new"]
topics = ["ukraine"]
time = "07:30"
timezone = "UTC"
"""
BREACH = ("A dam on the Dnipro river in southern Ukraine was breached on Tuesday, flooding dozens of villages "
          "in the Kherson region.")
EVACUATION = "Officials ordered the evacuation of 16,000 residents living downstream of the Kakhovka dam."
DEATHS = "At least 14 people have died in the floods, Ukraine's interior ministry said on Wednesday."
RESCUE = ("Rescue teams have taken more than 2,700 people to safety by boat, and the water began to fall "
          "on Wednesday evening.")
DAY_ONE = {"title": "Ukraine dam breach floods Kherson villages", "source": "wire", "url": "https://news.example/1",
           "body": "\n\n".join([BREACH, EVACUATION,
                                "The reservoir held about 18 cubic kilometres of water, engineers said."])}
DAY_TWO = {"title": "Ukraine flood death toll rises as Kherson waters recede", "source": "wire",
           "url": "https://news.example/2", "body": "\n\n".join([BREACH, DEATHS, RESCUE, EVACUATION])}


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    with time_machine.travel(datetime(2026, 6, 6, 6, 0, tzinfo=UTC), tick=False):
        application = make_app(db_url, config_dir(tmp_path, CHANNELS), tmp_path / "data")
        yield application
        application.close()


def _sentences(poster: ConsolePoster, key: ChannelKey) -> list[str]:
    post = [p for p in poster.posts if p.channel == key][-1]
    return [s.text for b in post.digest.sections for s in b.lead] + [
        st.blurb for b in post.digest.sections for st in b.stories if st.blurb]


async def test_the_next_digest_leads_with_what_is_new_to_the_channel(app: App, tmp_path: Path) -> None:
    poster = ConsolePoster(terminal=False, markdown_dir=None, render=lambda d, fmt: d.title)
    delivery = Delivery(app, registry(app), {"console": poster})
    with time_machine.travel(datetime(2026, 6, 6, 6, 0, tzinfo=UTC), tick=False) as clock:
        assert ingest_paths(app, [write_dump(tmp_path, "day1.jsonl", [DAY_ONE])]).ok
        clock.move_to(datetime(2026, 6, 6, 7, 30, tzinfo=UTC))
        await delivery.tick(datetime(2026, 6, 6, 7, 30, tzinfo=UTC), only=TOLD)
        assert BREACH in _sentences(poster, TOLD)  # day one: the breach is the news
        clock.move_to(datetime(2026, 6, 7, 6, 0, tzinfo=UTC))
        assert ingest_paths(app, [write_dump(tmp_path, "day2.jsonl", [DAY_TWO])]).ok
        clock.move_to(datetime(2026, 6, 7, 7, 30, tzinfo=UTC))
        await delivery.tick(datetime(2026, 6, 7, 7, 30, tzinfo=UTC))
    told, new = _sentences(poster, TOLD), _sentences(poster, NEW)
    # The channel that was sent day one is not told the breach or the evacuation again; it gets the toll.
    assert BREACH not in told and EVACUATION not in told
    assert DEATHS in told
    # A channel that was sent nothing gets the same story with its lead, as a first report.
    assert BREACH in new
