"""Helpers for the delivery tests: an App on a test database with its own config dir, dumps, topics."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import default_config_dir, load_settings
from bot.delivery.channels import ChannelRegistry, load_channel_defaults
from bot.newsroom.topics import load_topics

_WORD_TEXT = (
    "harbour lantern quarry meadow violin glacier saddle pepper orbit canvas ember falcon ledger marble nickel "
    "oyster pillow quiver ribbon satin thimble umbrella velvet walnut yarn zenith anchor bramble cobalt dune "
    "fjord grotto hazel island juniper kettle lagoon mosaic nectar onyx prairie quartz rapids sierra tundra "
    "upland valley willow basalt cedar delta estuary fern granite heath"
)
WORDS = _WORD_TEXT.split()


def config_dir(tmp_path: Path, channels_toml: str) -> Path:
    """A config dir with the shipped topics.toml and the given channels.toml."""
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    shutil.copy(default_config_dir() / "topics.toml", cfg / "topics.toml")
    (cfg / "channels.toml").write_text(channels_toml, encoding="utf-8")
    return cfg


def make_app(db_url: str, cfg: Path, data_dir: Path, **settings: Any) -> App:
    return bootstrap(load_settings(config_dir=cfg, data_dir=data_dir, **settings), database_url=db_url)


def registry(app: App) -> ChannelRegistry:
    cfg = app.settings.config_dir
    return ChannelRegistry(app.sessions, load_channel_defaults(cfg, load_topics(cfg)))


def story(rng: random.Random, label: str, n: int) -> dict[str, str]:
    """A story clearly about ``label`` (a topic alias in the title), with text unlike any other story's."""
    words = rng.sample(WORDS, 18)
    body = (f"Officials in {label} described the {words[0]} {words[1]} plan number {n} on Tuesday. "
            f"The {words[2]} {words[3]} and {words[4]} measures were announced after a long {words[5]} review. "
            f"Critics said the {words[6]} {words[7]} approach would cost {n * 7 + 3} million. "
            f"A spokesperson called the {words[8]} {words[9]} decision final.")
    return {"title": f"{label} {words[10]} {words[11]} report {n}", "body": body, "source": "sim",
            "url": f"https://news.example/{n}"}


def write_dump(directory: Path, name: str, stories: Iterable[dict[str, str]]) -> Path:
    path = directory / name
    path.write_text("".join(json.dumps(s) + "\n" for s in stories), encoding="utf-8")
    return path
