"""Story keywords for autocomplete: the day's headline words, most frequent first."""

from __future__ import annotations

import random
from pathlib import Path

from bot.ingest.service import ingest_paths
from bot.newsroom.keywords import story_keywords, top_keywords
from tests.digest_support import config_dir, make_app, story, write_dump


def test_top_keywords_count_each_headline_once_and_skip_filler() -> None:
    titles = ["Gold ban hits Russia's gold trade", "Russia answers gold ban", "Storm over the Channel"]
    words = top_keywords(titles, n=4)
    assert words[:3] == ["Gold", "Russia", "answers"] and "over" not in words and "the" not in words


async def test_story_keywords_read_todays_headlines(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, config_dir(tmp_path, ""), tmp_path / "data")
    try:
        rng = random.Random(5)
        assert ingest_paths(app, [write_dump(tmp_path, "d.jsonl", [story(rng, "Kyiv", i) for i in range(3)])]).ok
        words = await story_keywords(app)()
        assert words[0] == "Kyiv"
    finally:
        app.close()
