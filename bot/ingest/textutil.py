"""Small predicates on cleaned lines: headline-like, subheading-like, sentence ends, markers."""

from __future__ import annotations

import functools
import re

_TERMINAL = ".!?…"
_CLOSERS = "\"'”’»)]} "
_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
# Words that title-case styles leave in lower case; ignored when judging title case.
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "nor",
        "but",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "vs",
        "via",
        "per",
        "up",
        "off",
        "out",
        "into",
        "over",
        "than",
        "is",
        "are",
        "be",
        "amid",
        "after",
        "before",
        "about",
        "against",
    ]
)
_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")
_MARKERS = frozenset({"TT"})


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Comparison key: case, quote style and spacing ignored."""
    return " ".join(text.translate(_QUOTE_FOLD).casefold().split())


def same(a: str, b: str) -> bool:
    """Whether two lines are the same text up to case, quotes and spacing."""
    return fold(a) == fold(b)


def words(text: str) -> list[str]:
    """The word tokens of ``text`` (punctuation around them dropped)."""
    return _WORD.findall(text)


def is_marker(line: str) -> bool:
    """The agency marker line (``TT``) that dumps print between the two copies of a story header."""
    return line.strip() in _MARKERS


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with terminal punctuation (closing quotes and brackets ignored)."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def is_all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and all(ch.isupper() for ch in letters) and len(text.split()) >= 2


def is_title_case(text: str) -> bool:
    """Headline style ("Starmer, Xi Signal Reset in China-UK Ties"): most content words capitalised."""
    if is_all_caps(text):
        return False
    content = [w for w in words(text) if w.casefold() not in SMALL_WORDS]
    if len(content) < 2:
        return False
    capitalised = sum(1 for w in content if w[0].isupper() or w[0].isdigit())
    return capitalised / len(content) >= 0.75


def is_headline_like(text: str) -> bool:
    """Short, starts like a headline and does not end like a sentence fragment (``.``, ``,``, ``;``, ``:``)."""
    tokens = words(text)
    if not 1 <= len(tokens) <= 30 or len(text) > 200 or is_marker(text):
        return False
    if text.rstrip(_CLOSERS)[-1:] in {".", ",", ";", ":"}:
        return False
    first = text.lstrip("\"'“‘«([")[:1]
    return first.isupper() or first.isdigit()


def is_subheading(text: str) -> bool:
    """An in-body subheading: a short line with no sentence punctuation ("A war of attrition")."""
    if ends_sentence(text) or text.rstrip(_CLOSERS)[-1:] in {",", ";", ":"}:
        return False
    first = text.lstrip("\"'“‘«([")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    n = len(words(text))
    if is_all_caps(text):
        return 1 <= n <= 15
    return 1 <= n <= 12 and len(text) <= 90
