"""Synthetic wire copy for the scale benchmark and the streaming tests: real sentences, made-up stories.

Sentences come from the bundled sample dump and, when given, a folder of JSONL records with an
``articles`` list (``../shared/data/dev``); the product never needs that folder. Each story draws its
headline and paragraphs from those sentences with a seeded generator, so the same arguments always
write the same dump, and every story is distinct (a serial number in the headline and a unique mix).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "world-news-2026-01-28.txt"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[A-Z“\"])")
_HEADLINE_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(frozen=True, slots=True)
class Story:
    title: str
    paragraphs: tuple[str, ...]
    caption: str
    published_at: datetime


def _split(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if 40 <= len(s.strip()) <= 400]


def real_sentences(data_dir: Path | None = None, *, limit_files: int = 3) -> list[str]:
    """Sentences of the bundled sample, plus those of ``data_dir``'s JSONL files when it exists."""
    text = SAMPLE.read_text(encoding="utf-8")
    found = _split(" ".join(line for line in text.split("\n") if len(line) > 80))
    if data_dir is not None and data_dir.is_dir():
        for path in sorted(data_dir.glob("*.jsonl"))[:limit_files]:
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    record = json.loads(line)
                    for article in record.get("articles", []) if isinstance(record, dict) else []:
                        if isinstance(article, str):
                            found.extend(_split(article.replace("\n", " ")))
    return list(dict.fromkeys(found))


class StoryMaker:
    """Distinct stories from a pool of sentences, ``per_day`` of them per day back from ``end``."""

    def __init__(self, sentences: list[str], *, seed: int = 1, end: datetime, per_day: int = 2000) -> None:
        if len(sentences) < 10:
            raise ValueError("need at least 10 sentences")
        self.sentences, self.end, self.per_day = sentences, end, per_day
        self.rng = random.Random(seed)

    def story(self, n: int) -> Story:
        rng = self.rng
        lead = rng.choice(self.sentences)
        words = _HEADLINE_WORDS.findall(lead)[:9]
        title = " ".join(w[:1].upper() + w[1:] for w in words) + f" {n}"
        paragraphs = tuple(" ".join(rng.sample(self.sentences, rng.randint(1, 3))) for _ in range(rng.randint(3, 7)))
        place = rng.choice(words) if words else "the city"
        caption = f"A scene in {place}, January {rng.randint(1, 28)}, 2026. REUTERS/Staff"
        published = self.end - timedelta(days=n // self.per_day, seconds=rng.randint(0, 86_399))
        return Story(title, (lead, *paragraphs), caption, published)

    def stories(self, count: int, *, start: int = 0) -> Iterator[Story]:
        for n in range(start, start + count):
            yield self.story(n)


def write_text_story(out: TextIO, story: Story) -> None:
    """The plain-text dump layout: headline, caption twice, ``TT``, headline and caption again, body."""
    header = f"{story.title}\n\n{story.caption}\n{story.caption}\nTT\n\n{story.title}\n\n{story.caption}\n\n"
    out.write(header + "\n\n".join(story.paragraphs) + "\n\n\n")


def write_jsonl_story(out: TextIO, story: Story) -> None:
    out.write(json.dumps({"title": story.title, "body": list(story.paragraphs), "caption": story.caption,
                          "published_at": story.published_at.isoformat()}) + "\n")


def write_dump(path: Path, stories: Iterator[Story], *, until_bytes: int | None = None) -> int:
    """Write a ``.txt`` or ``.jsonl`` dump (by suffix); stop after ``until_bytes``. Returns the story count."""
    writer = write_jsonl_story if path.suffix == ".jsonl" else write_text_story
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for story in stories:
            writer(out, story)
            count += 1
            if until_bytes is not None and out.tell() >= until_bytes:
                break
    return count
