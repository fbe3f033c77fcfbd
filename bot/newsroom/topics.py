"""Topic definitions from ``config/topics.toml``, relevance tagging, and query -> topic resolution.

Tagging happens once, at ingest; briefs then read the stored scores. A score rewards a title mention
over a passing body mention so a story that names Ukraine once, in passing, is not a Ukraine story.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app.settings import ConfigError, default_config_dir, read_toml

TOPICS_FILE = "topics.toml"
DEFAULT_MIN_SCORE = 1.5
TITLE_WEIGHT = 3.0  # a headline mention: the story is about it
LEAD_WEIGHT = 1.0  # a mention in the first paragraph
COVERAGE_WEIGHT = 4.0  # times the share of body blocks that mention the topic

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Plurals and possessives, straight or curly apostrophe: "sanctions", "Russia's", "Ukraine’s", "allies'".
_SUFFIX = r"(?:s|es)?(?:['’]s?)?"


def _alias_pattern(alias: str) -> str:
    """Regex for one alias: flexible inner whitespace, "-y" plurals as "-ies"."""
    words = [re.escape(w) for w in alias.split()]
    if words and alias[-1:].lower() == "y" and len(alias) > 3:
        words[-1] = words[-1][:-1] + "(?:y|ies)"
    return r"\s+".join(words)


def _stems(aliases: Sequence[str]) -> tuple[str, ...]:
    stems = []
    for alias in aliases:
        first = alias.split()[0] if alias.split() else ""
        if len(alias.split()) == 1 and first[-1:].lower() == "y" and len(alias) > 3:
            first = first[:-1]  # "Ukrainy" also matches "Ukrainies"
        stems.append(first.lower())
    return tuple(dict.fromkeys(s for s in stems if s)) if all(stems) else ()


def _is_acronym(alias: str) -> bool:
    # "US", "UK", "EU", "NATO": matched case-sensitively so the pronoun "us" is not the United States.
    letters = alias.replace(".", "")
    return letters.isalpha() and letters.isupper() and len(letters) <= 5


def _compile(phrases: Sequence[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    ordered = sorted(set(phrases), key=len, reverse=True)  # longest first: "Xi Jinping" before "Xi"
    exact = [_alias_pattern(p) for p in ordered if _is_acronym(p)]
    folded = [_alias_pattern(p) for p in ordered if not _is_acronym(p)]
    parts = []
    if folded:
        parts.append("(?i:" + "|".join(folded) + ")")
    if exact:
        parts.append("|".join(exact))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")" + _SUFFIX + r"(?!\w)")


@dataclass(frozen=True, slots=True)
class Topic:
    """One configured topic; ``matches`` counts alias hits in a text after blanking exclusions."""

    name: str
    label: str
    aliases: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    min_score: float = DEFAULT_MIN_SCORE
    # The alias and exclusion patterns, compiled at the first count: only tagging (ingest, ``topics``)
    # uses them, and compiling every topic's was 2% of a brief's start-up, which only resolves names.
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _exclude: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _compiled: bool = field(default=False, repr=False, compare=False)
    # A lower-case word every match must contain (each alias's first word, "-y" cut for "-ies"): a text
    # holding none of them cannot match, found by a substring scan instead of the whole alias regex.
    _stems: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def build(cls, name: str, label: str, aliases: Iterable[str], exclude: Iterable[str] = (),
              min_score: float = DEFAULT_MIN_SCORE) -> Topic:
        # The name and label count as aliases too: "sanctions" finds itself.
        terms = tuple(dict.fromkeys([label, *aliases, name.replace("-", " ")]))
        excluded = tuple(exclude)
        return cls(name, label, terms, excluded, min_score, _stems=_stems(terms))

    def _compile_patterns(self) -> None:
        # A frozen instance, set once (two threads racing here set the same patterns).
        object.__setattr__(self, "_pattern", _compile(self.aliases))
        object.__setattr__(self, "_exclude", _compile(self.exclude))
        object.__setattr__(self, "_compiled", True)

    def count(self, text: str, lowered: str | None = None) -> int:
        """How many times the topic is mentioned in ``text`` (exclusions never count).

        ``lowered``: ``text.lower()``, when the caller has it already (it checks several topics).
        """
        text = self._countable(text, lowered)
        return sum(1 for _ in self._pattern.finditer(text)) if text and self._pattern is not None else 0

    def mentions(self, text: str, lowered: str | None = None) -> bool:
        """Whether ``count(text, lowered) > 0``, found by the first mention instead of all of them."""
        text = self._countable(text, lowered)
        return bool(text) and self._pattern is not None and self._pattern.search(text) is not None

    def _countable(self, text: str, lowered: str | None) -> str:
        """``text`` with its exclusions blanked out; empty when no mention can be in it."""
        if not self._compiled:
            self._compile_patterns()
        if self._pattern is None or not text:
            return ""
        low = text.lower() if lowered is None else lowered
        # map() with the bound method: no Python frame per stem (the tagger asks this of every block).
        if self._stems and not any(map(low.__contains__, self._stems)):
            return ""
        if self._exclude is not None and self._exclude.search(text) is not None:
            text = self._exclude.sub(lambda m: " " * len(m.group()), text)
        return text

    def score(self, title: str, blocks: Sequence[str], lowered: Sequence[str] | None = None) -> float:
        """Relevance of a story: title mention, first-paragraph mention, share of blocks mentioning it.

        ``lowered``: the title and blocks in lower case, in that order (computed here when not given).
        """
        low = lowered if lowered is not None else [title.lower(), *(b.lower() for b in blocks)]
        title_hit = self.mentions(title, low[0])
        hits = [self.mentions(b, lb) for b, lb in zip(blocks, low[1:], strict=True)]  # each block searched once
        lead_hit = bool(hits) and hits[0]
        coverage = sum(hits) / len(hits) if hits else 0.0
        return round(TITLE_WEIGHT * title_hit + LEAD_WEIGHT * lead_hit + COVERAGE_WEIGHT * coverage, 4)

    @property
    def stems(self) -> tuple[str, ...]:
        """Lower-case words one of which every mention contains (empty: no such prefilter)."""
        return self._stems

    @property
    def query(self) -> str:
        """The words a summarizer should favour for this topic."""
        return " ".join(self.aliases)


@dataclass(frozen=True, slots=True)
class TopicSet:
    """The configured topics, in file order."""

    topics: tuple[Topic, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics)

    def get(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)

    def resolve(self, query: str) -> Topic | None:
        """The topic a user means by ``query``: its name, label or an alias, case-insensitively."""
        wanted = _normal(query)
        if not wanted:
            return None
        for topic in self.topics:  # names and labels first: "uk" is the uk topic, whatever aliases say
            if wanted in (_normal(topic.name), _normal(topic.label)):
                return topic
        for topic in self.topics:
            if any(_normal(a) == wanted for a in topic.aliases):
                return topic
        return None

    def suggest(self, query: str, n: int = 3) -> list[str]:
        """Closest topic names to a query that resolved to nothing (for "did you mean")."""
        wanted = _normal(query)
        keys: dict[str, str] = {}
        for topic in self.topics:
            for key in (topic.name, topic.label, *topic.aliases):
                keys.setdefault(_normal(key), topic.name)
        close = difflib.get_close_matches(wanted, list(keys), n=n * 3, cutoff=0.6)
        return list(dict.fromkeys(keys[c] for c in close))[:n]

    def tag(self, title: str, blocks: Sequence[str]) -> dict[str, float]:
        """Scores of the topics a story is about (only those at or above their threshold)."""
        lowered = [title.lower(), *(b.lower() for b in blocks)]  # once for all topics
        # Most topics are absent from a story: one look for their stems in the whole text rules them
        # out instead of one per paragraph (a stem in a paragraph is in the whole text).
        whole = "\n".join(lowered)
        scores = {}
        for t in self.topics:
            absent = bool(t.stems) and not any(map(whole.__contains__, t.stems))
            if (s := 0.0 if absent else t.score(title, blocks, lowered)) >= t.min_score:
                scores[t.name] = s
        return scores


# A story scoring at least this share of its best topic's score on another topic is about that topic as
# much (the CSIS casualty report: russia 7.04, ukraine 6.56; the gold sanctions story: russia 7.5, sanctions
# 6.25, i.e. 0.83, is a Russia story).
NEAR_TIE = 0.9


def place_stories(scores: Mapping[int, Mapping[str, float]], order: Sequence[str]) -> dict[int, str]:
    """The one topic each story is shown under in a digest: its best, unless that topic has others.

    ``scores``: story id -> {topic: relevance} over the channel's topics; ``order``: the channel's topics,
    the first listed winning an exact tie. A story goes under its highest-scoring topic, except that a
    story about as much about another topic (score >= NEAR_TIE of its best) moves there when its best
    topic already has other stories and that one has none: readers of that topic look for it there, and
    one section does not collect a story that another would otherwise lack.
    """
    rank = {t: i for i, t in enumerate(order)}

    def ranked(topics: Mapping[str, float]) -> list[tuple[float, str]]:
        items = [(score, t) for t, score in topics.items() if t in rank]
        if len(items) > 1:  # most stories have one of the channel's topics: nothing to sort
            items.sort(key=lambda x: (-x[0], rank[x[1]]))
        return items

    placed: dict[int, str] = {}
    order_of: dict[int, list[tuple[float, str]]] = {}  # each story's ranking, sorted once (a digest pass places many)
    for story_id, topics in sorted(scores.items()):
        best = order_of[story_id] = ranked(topics)
        if best:
            placed[story_id] = best[0][1]
    counts: dict[str, int] = {}
    for topic in placed.values():
        counts[topic] = counts.get(topic, 0) + 1
    # Closest ties first, so the story most evenly about two topics is the one that moves.
    moves = []
    for story_id in placed:
        best = order_of[story_id]
        near = [(score, t) for score, t in best[1:] if score >= NEAR_TIE * best[0][0] > 0]
        if near:
            moves.append((best[0][0] - near[0][0], story_id, [t for _, t in near]))
    for _, story_id, alternatives in sorted(moves):
        topic = placed[story_id]
        empty = next((t for t in alternatives if counts.get(t, 0) == 0), None)
        if counts[topic] > 1 and empty is not None:
            counts[topic] -= 1
            counts[empty] = 1
            placed[story_id] = empty
    return placed


def _normal(text: str) -> str:
    return " ".join(text.replace("-", " ").replace("_", " ").lstrip("#").split()).casefold()


def _as_strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_topics(data: Mapping[str, Any], *, source: str = TOPICS_FILE) -> TopicSet:
    """Validate the ``[topics.NAME]`` tables of a parsed topics file."""
    tables = data.get("topics")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{source}: no [topics.NAME] tables")
    topics = []
    for name, spec in tables.items():
        where = f"{source}: topics.{name}"
        if not _NAME_RE.match(name):
            raise ConfigError(f"{where}: name must be lower-case letters, digits and hyphens")
        if not isinstance(spec, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = set(spec) - {"label", "aliases", "exclude", "min_score"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        label = spec.get("label", name)
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}.label must be a non-empty string")
        min_score = spec.get("min_score", DEFAULT_MIN_SCORE)
        if not isinstance(min_score, int | float) or min_score < 0:
            raise ConfigError(f"{where}.min_score must be a non-negative number")
        topics.append(Topic.build(name, label.strip(), _as_strings(spec.get("aliases", []), f"{where}.aliases"),
                                  _as_strings(spec.get("exclude", []), f"{where}.exclude"), float(min_score)))
    return TopicSet(tuple(topics))


def load_topics(config_dir: Path | None = None) -> TopicSet:
    """Read ``<config_dir>/topics.toml``, or the shipped default when that directory has none."""
    path = (config_dir or default_config_dir()) / TOPICS_FILE
    if not path.is_file():
        path = default_config_dir() / TOPICS_FILE
    return parse_topics(read_toml(path), source=str(path))
