"""Story body cleaning shared by the text and JSON parsers: lines in, paragraph/subheading blocks out.

Captions, credit-only lines, ``TT`` markers, repeated headlines and wire sign-offs are removed here,
so nothing downstream (summaries, search) ever sees them as sentences.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from bot.ingest.credits import (
    agencies,
    is_byline,
    is_credit_only,
    is_file_photo,
    is_sign_off,
    split_credit,
)
from bot.ingest.decode import clean_line
from bot.ingest.textutil import SMALL_WORDS, ends_sentence, fold, is_marker, is_subheading, same, words
from summarizer.models import Block

# Capitalised words that start a sentence glued onto a subheading ("... Kyiv region Officials said").
_STARTERS = frozenset(
    [
        "The",
        "A",
        "An",
        "He",
        "She",
        "They",
        "It",
        "We",
        "I",
        "In",
        "On",
        "At",
        "But",
        "This",
        "That",
        "There",
        "Officials",
        "Authorities",
        "Police",
        "Residents",
    ]
)


# The glued paragraph must open like a news sentence: "Officials said", "Police were", "He told".
_CLAUSE_VERBS = frozenset(
    [
        "said",
        "say",
        "says",
        "told",
        "tell",
        "were",
        "was",
        "are",
        "is",
        "have",
        "has",
        "had",
        "reported",
        "report",
        "reports",
        "confirmed",
        "announced",
        "warned",
        "added",
        "stated",
        "will",
        "would",
        "could",
        "may",
        "might",
        "urged",
        "claimed",
        "described",
        "denied",
    ]
)


@dataclass(frozen=True, slots=True)
class BodyLine:
    text: str
    gap: int  # blank lines above it; 0 means directly under the previous line


@dataclass(frozen=True, slots=True)
class Body:
    blocks: tuple[Block, ...]
    captions: tuple[str, ...]  # photo captions met inside the body and removed from it
    credit_lines: tuple[str, ...]  # standalone credit lines removed from it
    sign_off_agencies: tuple[str, ...]  # agencies named in removed sign-offs and bylines


def body_lines(text: str) -> list[BodyLine]:
    """Non-blank cleaned lines of a body text, each with the number of blank lines above it."""
    out: list[BodyLine] = []
    gap = 0
    for raw in text.split("\n"):
        line = clean_line(raw)
        if not line:
            gap += 1
            continue
        out.append(BodyLine(line, gap if out else 0))
        gap = 0
    return out


def _like_caption(text: str, captions: Sequence[str]) -> bool:
    key = fold(text)
    for caption in captions:
        other = fold(caption)
        if key == other or key == fold(split_credit(caption)[0]):
            return True
        if len(key) >= 30 and (other.startswith(key) or key.startswith(other)):
            return True
    return False


def _is_photo_caption(text: str, next_text: str) -> bool:
    """A caption printed inside the body: it ends with a photo credit (prose never does), opens with
    FILE PHOTO, or has its credit on the next line."""
    if split_credit(text)[1] is not None:
        return True
    if is_file_photo(text):
        return True
    # The credit line first: it is asked about again as the next line (cached), while tokenizing every
    # paragraph of every story only to count its words was 6% of parsing.
    return bool(next_text) and is_credit_only(next_text) and len(words(text)) >= 4


def _paragraphs(lines: Iterable[BodyLine]) -> list[str]:
    """Group lines into paragraphs: blank lines always split; hard-wrapped lines are joined back."""
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        # A lower-case start continues the line above even when that line looked like a subheading.
        wrapped = (
            out
            and line.gap == 0
            and not ends_sentence(prev)
            and not prev.endswith(":")
            and (line.text[:1].islower() or (len(prev) >= 60 and not is_subheading(prev)))
        )
        if wrapped:
            out[-1] = f"{prev} {line.text}"
        else:
            out.append(line.text)
    return out


class Vocabulary:
    """Words the document writes in lower case somewhere: common words, not proper names.

    Built on the first question only: a story is tokenized for it only when one of its paragraphs
    looks like a glued subheading (most have none, and tokenizing every story was 8% of parsing).
    """

    __slots__ = ("_texts", "_words")

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts: tuple[str, ...] = tuple(texts)
        self._words: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if self._words is None:
            self._words = frozenset(w for text in self._texts for w in words(text) if w.islower())
        return word in self._words


def lower_vocabulary(texts: Iterable[str]) -> Vocabulary:
    """Words the document writes in lower case somewhere (see :class:`Vocabulary`)."""
    return Vocabulary(texts)


def split_glued_subheading(text: str, vocabulary: Container[str]) -> tuple[str, str] | None:
    """Split "2 killed in attack in Kyiv region Officials said ..." into subheading and paragraph.

    Conservative: the subheading is 3-10 plain words ending in a lower-case content word, followed by
    a capitalised common word (one the document also writes in lower case) and a verb such as "said".
    """
    tokens = text.split()
    if len(tokens) < 10 or not ends_sentence(text) or not (tokens[0][0].isupper() or tokens[0][0].isdigit()):
        return None
    end = min(11, len(tokens) - 6)
    # The first token with punctuation in it: a subheading cannot reach past it (a sentence, not one).
    plain = next((i for i, t in enumerate(tokens[:end]) if not t.isalnum()), end)
    for k in range(3, end):
        if k > plain:
            return None  # punctuation inside: a sentence, not a subheading
        prev, word, nxt = tokens[k - 1], tokens[k], tokens[k + 1]
        if not (prev.isalpha() and prev.islower() and prev not in SMALL_WORDS):
            continue
        if (word.isalpha() and word[0].isupper() and word[1:].islower() and nxt in _CLAUSE_VERBS
                and (word in _STARTERS or word.lower() in vocabulary)):
            return " ".join(tokens[:k]), " ".join(tokens[k:])
    return None


def build_body(lines: Sequence[BodyLine], *, title: str, captions: Sequence[str], vocabulary: Container[str]) -> Body:
    """Clean a story's lines and classify them into paragraph and subheading blocks."""
    kept: list[BodyLine] = []
    found_captions: list[str] = []
    credit_lines: list[str] = []
    sign_offs: list[str] = []
    pending_gap = 0
    for index, line in enumerate(lines):
        text = line.text
        next_text = lines[index + 1].text if index + 1 < len(lines) else ""
        dropped = True
        repeat = bool(kept) and same(text, kept[-1].text)  # a paragraph pasted twice in a row
        if repeat or is_marker(text) or same(text, title) or _like_caption(text, [*captions, *found_captions]):
            pass
        elif is_sign_off(text) or is_byline(text):
            sign_offs.extend(agencies(text))
        elif is_credit_only(text):
            credit_lines.append(text)
        elif _is_photo_caption(text, next_text):
            found_captions.append(text)
        else:
            dropped = False
            kept.append(BodyLine(text, max(line.gap, pending_gap)))
            pending_gap = 0
        if dropped:
            pending_gap = 1  # whatever was removed separated the text around it
    paragraphs = _paragraphs(kept)
    blocks: list[Block] = []
    for index, para in enumerate(paragraphs):
        last = index == len(paragraphs) - 1
        glued = split_glued_subheading(para, vocabulary)
        if is_subheading(para) and not last:
            blocks.append(Block("subheading", para))
        elif glued:
            blocks.extend((Block("subheading", glued[0]), Block("paragraph", glued[1])))
        else:
            blocks.append(Block("paragraph", para))
    return Body(tuple(blocks), tuple(found_captions), tuple(credit_lines), tuple(dict.fromkeys(sign_offs)))
