"""Synthetic wire copy for the scale benchmark and the streaming tests: real sentences, made-up stories.

Sentences come from the bundled sample dump and, when given, a folder of JSONL records with an
``articles`` list (``../shared/data/dev``); the product never needs that folder. Generation is seeded,
so the same arguments always write the same dump, and every story is distinct (a serial number in the
headline).

:class:`StoryMaker` writes what wire copy looks like: *events*, each reported a few times (most once,
some by two to eight wires or updates), whose reports share the event's sentences and so its names,
while two events never share a whole sentence (each takes fresh sentences from the shuffled pool
until it runs out, then a reshuffled pass). :class:`RecombinedStoryMaker` is the generator the
benchmarks used until 2026-11-30 22:40 UTC: every story a random mix of sentences from the whole
pool, so unrelated stories share sentences and names and chain into huge story components, which real
wire copy does not; kept to reproduce the figures measured on it.
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


class RecombinedStoryMaker:
    """Distinct stories, each a random mix of the pool's sentences, ``per_day`` a day back from ``end``
    (the previous benchmark input: see the module docstring)."""

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


# How many reports an event gets, and how often: most events are reported once, a few many times
# (several wires, updates). Mean about 2.3 reports per event.
EVENT_SIZES = (1, 2, 3, 4, 5, 8)
EVENT_SIZE_WEIGHTS = (45, 22, 14, 9, 6, 4)
# An event's own sentences (its lead and the facts its reports repeat); each report adds one or two of
# its own. Small enough that the 27,067 sentences of the sample and ../shared/data/dev last about
# 8,000 reports before a second pass through the pool.
EVENT_SENTENCES = 5
SPREAD = 40  # an event's reports arrive among this many neighbouring stories of other events


class StoryMaker:
    """Reports of events (see the module docstring), ``per_day`` of them per day back from ``end``.

    Each report of an event opens with one of the event's first two sentences, takes its headline
    from that lead's words, and tells the event's other sentences plus one or two of its own (what one
    wire adds) in its own order, one or two sentences a paragraph. Reports of one event arrive close together,
    interleaved with other events' reports.
    """

    def __init__(self, sentences: list[str], *, seed: int = 1, end: datetime, per_day: int = 2000) -> None:
        if len(sentences) < 10:
            raise ValueError("need at least 10 sentences")
        self.sentences, self.end, self.per_day = sentences, end, per_day
        self.rng = random.Random(seed)
        self._pool: list[str] = []
        # Reports drawn but not yet written, with the position each is due at: kept between calls, so
        # consecutive calls (one dump after another) continue the same events.
        self._pending: list[tuple[int, str, list[str]]] = []

    def _fresh(self, count: int) -> list[str]:
        """``count`` sentences no earlier draw of this pass through the pool used."""
        out: list[str] = []
        while len(out) < count:
            if not self._pool:
                self._pool = list(self.sentences)
                self.rng.shuffle(self._pool)
            out.append(self._pool.pop())
        return out

    def _event(self) -> list[tuple[str, list[str]]]:
        """(lead, paragraphs) of each report of one new event."""
        rng = self.rng
        facts = self._fresh(EVENT_SENTENCES)
        size = rng.choices(EVENT_SIZES, EVENT_SIZE_WEIGHTS)[0]
        reports = []
        for _ in range(size):
            lead = facts[0] if rng.random() < 0.7 else facts[1]
            body = [s for s in facts if s != lead] + self._fresh(rng.randint(1, 2))
            rng.shuffle(body)  # each wire tells the facts in its own order, each sentence once
            paragraphs: list[str] = []
            while body:
                take = rng.randint(1, 2)
                paragraphs.append(" ".join(body[:take]))
                body = body[take:]
            reports.append((lead, paragraphs))
        return reports

    def _report(self, n: int, lead: str, paragraphs: list[str]) -> Story:
        rng = self.rng
        words = _HEADLINE_WORDS.findall(lead)[:9]
        title = " ".join(w[:1].upper() + w[1:] for w in words) + f" {n}"
        place = rng.choice(words) if words else "the city"
        caption = f"A scene in {place}, January {rng.randint(1, 28)}, 2026. REUTERS/Staff"
        published = self.end - timedelta(days=n // self.per_day, seconds=rng.randint(0, 86_399))
        return Story(title, (lead, *paragraphs), caption, published)

    def stories(self, count: int, *, start: int = 0) -> Iterator[Story]:
        """``count`` reports numbered from ``start``; each event's reports within about SPREAD of each other."""
        pending = self._pending
        n = start
        while n < start + count:
            while len(pending) < SPREAD:
                pending.extend((n + self.rng.randint(0, SPREAD), lead, body) for lead, body in self._event())
            pending.sort(key=lambda p: p[0])
            _, lead, body = pending.pop(0)
            yield self._report(n, lead, body)
            n += 1


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
