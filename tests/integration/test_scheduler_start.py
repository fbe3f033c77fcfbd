"""Starting the scheduler: dumps left in the inbox are ingested before the catch-up digest runs."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.adapters.console import ConsolePoster
from bot.app.bootstrap import bootstrap
from bot.app.serve import build_service, console_factory
from bot.app.settings import load_settings
from bot.chat.ports import ChannelKey, PostReceipt
from bot.chat.results import Digest
from bot.store.models import ChannelRow
from tests.conftest import SAMPLE_DUMP

CHANNEL = ChannelKey.parse("console:local:newsroom")
HANG = 120.0  # only ends a test that would hang; the wait itself ends on the event


class WatchedPoster(ConsolePoster):
    """A ConsolePoster that tells the test the moment a digest is posted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.posted = asyncio.Event()

    async def post_digest(self, channel: ChannelKey, digest: Digest, *, note: str | None = None) -> PostReceipt:
        receipt = await super().post_digest(channel, digest, note=note)
        self.posted.set()
        return receipt


async def test_inbox_backlog_is_in_the_catch_up_digest_on_start(db_url: str, tmp_path: Path) -> None:
    app = bootstrap(load_settings(data_dir=tmp_path, inbox={"stable_seconds": 5.0}), database_url=db_url)
    poster = WatchedPoster(terminal=False, render=lambda d, f: d.title)
    service = build_service(app, [console_factory(poster)])
    try:
        # The channel was served before (cursor yesterday) and its time passed an hour ago while down.
        now = datetime.now(UTC)
        local = (now - timedelta(hours=1)).astimezone(service.registry.get(CHANNEL).tz)
        row_id = service.registry.ensure_row(CHANNEL)
        with app.sessions.begin() as session:
            session.execute(update(ChannelRow).where(ChannelRow.id == row_id).values(
                digest_time=f"{local:%H:%M}", covered_until=now - timedelta(days=1)))
        inbox = app.settings.inbox_dir
        inbox.mkdir(parents=True)
        dump = Path(shutil.copy(SAMPLE_DUMP, inbox / "overnight.txt"))
        old = time.time() - 3600
        os.utime(dump, (old, old))  # landed during the outage
        await service.scheduler.start()
        async with asyncio.timeout(HANG):
            await poster.posted.wait()  # the first tick's catch-up digest
        [post] = poster.posts
        assert (inbox / "processed" / "overnight.txt").exists()
        assert sum(len(s.stories) for s in post.digest.sections) >= 3  # the sample's stories are in it
    finally:
        await service.scheduler.shutdown()
        app.close()
