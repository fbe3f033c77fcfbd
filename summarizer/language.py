"""Per-language text rules: stop words, stemmer and the words that lean on a previous sentence.

English keeps the project's own tuned stop-word list and light stemmer (the figures in
docs/benchmarks.md were measured with them). Every other language uses maintained packages:
Snowball stemmers (``snowballstemmer``) and the stopwords-iso lists (``stopwordsiso``), both
bundled with their wheels, so nothing is fetched at run time. Language detection is offline and
cheap: the share of a text's words that are stop words of each candidate language (whole
articles have dozens of function words; the right language wins by a wide margin).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

ENGLISH = "en"
# ISO 639-1 code -> Snowball algorithm name: the languages we split, stem and filter natively.
SNOWBALL: dict[str, str] = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "fi": "finnish", "fr": "french", "hu": "hungarian",
    "id": "indonesian", "it": "italian", "lt": "lithuanian", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}  # fmt: skip
SUPPORTED: tuple[str, ...] = tuple(sorted(SNOWBALL))
_WORD = re.compile(r"[^\W\d_]+")
_DETECT_WORDS = 400  # the first words of a text are plenty to tell its language
_SHORTCUT_WORDS = 100
_ENGLISH_SHORTCUT = 0.25  # this share of English stop words: English, without loading the other lists

# Pronouns and connectives that make a sentence lean on the previous one ("Er sagte ...", "Mais ...").
# Articles and demonstratives that also open time phrases ("Este martes ...") are left out.
_DANGLING: dict[str, str] = {
    "de": "dies er sie es ihm ihn ihr ihnen sein seine seinen seiner ihre ihren ihrer aber doch jedoch außerdem "
          "zudem dennoch trotzdem deshalb daher darum dabei dazu damit allerdings stattdessen ebenfalls auch",
    "fr": "il elle ils elles lui leur leurs mais donc pourtant cependant toutefois néanmoins ainsi aussi "
          "cela ceci celui celle ceux celles",
    "es": "él ella ellos ellas pero además asimismo también así tampoco",
    "it": "lui lei loro egli ella essi esse ma però tuttavia inoltre anche quindi pertanto invece",
    "pt": "ele ela eles elas mas porém contudo todavia também além entanto",
    "nl": "hij zij ze hem hen hun maar echter ook bovendien toch daarom dus",
    "ru": "он она они оно его её ее их ему ей им но однако также поэтому",
}  # fmt: skip
@dataclass(frozen=True, slots=True)
class Language:
    """What the summarizer needs to know about one language."""

    code: str
    stop_words: frozenset[str]
    stem: Callable[[str], str]
    dangling: frozenset[str]


def normalise(code: str | None) -> str:
    """A supported ISO 639-1 code for ``code`` ("de-DE", "DE" -> "de"); English when unknown or None."""
    if not code:
        return ENGLISH
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SNOWBALL else ENGLISH


@lru_cache(maxsize=len(SNOWBALL))
def language(code: str) -> Language:
    """The rules for a non-English language (English rules live in summarizer.text, tuned on the dev sets)."""
    import snowballstemmer

    code = normalise(code)
    stemmer = snowballstemmer.stemmer(SNOWBALL[code])
    stem = lru_cache(maxsize=65536)(stemmer.stemWord)
    return Language(code, _iso_stop_words(code), stem, frozenset(_DANGLING.get(code, "").split()))


def detect_language(text: str, english_stop_words: frozenset[str]) -> str:
    """The most likely supported language of ``text`` (English when it cannot tell)."""
    # English news (most of what we see) is settled on its first hundred words.
    head = [w.lower() for w in _WORD.findall(text[: _SHORTCUT_WORDS * 8])][:_SHORTCUT_WORDS]
    if not head:
        return ENGLISH
    if sum(w in english_stop_words for w in head) >= _ENGLISH_SHORTCUT * len(head):
        return ENGLISH
    words = [w.lower() for w in _WORD.findall(text[: _DETECT_WORDS * 12])][:_DETECT_WORDS]
    scores = {code: _stop_share(words, code) for code in SUPPORTED}
    best = max(scores, key=lambda c: (scores[c], c == ENGLISH))
    return best if scores[best] > 0 else ENGLISH


def _stop_share(words: list[str], code: str) -> float:
    stop = _iso_stop_words(code)
    return sum(w in stop for w in words) / len(words)


@lru_cache(maxsize=len(SNOWBALL))
def _iso_stop_words(code: str) -> frozenset[str]:
    import stopwordsiso

    return frozenset(w.lower() for w in stopwordsiso.stopwords(code)) if stopwordsiso.has_lang(code) else frozenset()
